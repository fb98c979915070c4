"""A spoken turn's class at the door: the server's own questions, the devices' hints."""

from __future__ import annotations

import pytest

from hausgeist.server.criticality import Criticality, classify_intent, classify_question
from hausgeist.server.followups import MAX_USES, FollowUps
from hausgeist.server.hints import HintCredit, Refusal, parse_hint
from hausgeist.server.spoken import SpokenDoor

CRITICAL, DEFAULT, SHEDDABLE = Criticality.CRITICAL, Criticality.DEFAULT, Criticality.SHEDDABLE
TOKEN = "token-of-the-kitchen"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def door(clock: Clock, **budget: float) -> SpokenDoor:
    return SpokenDoor(FollowUps(ttl=30, clock=clock), HintCredit(clock=clock, **budget))


def bearer(token: str, hint: bytes | None = None) -> dict[bytes, bytes]:
    headers = {b"authorization": f"Bearer {token}".encode(), b"content-type": b"audio/wav"}
    if hint is not None:
        headers[b"x-turn-class"] = hint
    return headers


# The questions' classes


@pytest.mark.parametrize(
    ("skill", "kind", "data", "expected"),
    [
        ("home", "question", {"intent": "HassTurnOn"}, CRITICAL),  # "In welchem Raum?"
        ("timers", "question", {}, CRITICAL),  # "Wie lange?"
        ("orders", "confirm", {"product": "Milch"}, CRITICAL),  # "Soll ich ... bestellen?"
        ("orders", "code", {}, CRITICAL),  # the voice code
        ("orders", "question", {}, DEFAULT),  # "Was soll ich bestellen?"
        ("understanding", "confirm", {"intent": "HassLightSet"}, CRITICAL),  # "Meinst du ...?"
        ("understanding", "confirm", {"intent": "HassMediaNext"}, DEFAULT),
        ("understanding", "confirm", {"intent": "HassGetWeather"}, DEFAULT),  # continues a dialog
    ],
)
def test_a_question_has_the_class_of_the_request_it_belongs_to(
    skill: str, kind: str, data: dict[str, object], expected: Criticality
) -> None:
    assert classify_question(skill, kind, data) is expected


def test_intents_have_the_issues_classes() -> None:
    assert classify_intent("HassTurnOff") is CRITICAL and classify_intent("Affirm") is CRITICAL
    assert classify_intent("HassShoppingListAddItem") is DEFAULT
    assert classify_intent("HassGetWeather") is SHEDDABLE and classify_intent(None) is None


# Follow-up windows


def test_the_answer_to_the_servers_question_is_critical_at_the_door() -> None:
    clock = Clock()
    spoken = door(clock)
    spoken.known(TOKEN, device=7, household=1)
    spoken.followups.asked(7, 1, "c1", CRITICAL)
    found = spoken.at_http(bearer(TOKEN), b"conversation_id=c1")
    assert found.criticality is CRITICAL and found.question is CRITICAL
    # Another conversation, another device, an unknown token: DEFAULT.
    assert spoken.at_http(bearer(TOKEN), b"conversation_id=c2").criticality is DEFAULT
    assert spoken.at(8, 1, "c1", None).criticality is DEFAULT
    assert spoken.at_http(bearer("stolen?"), b"conversation_id=c1").criticality is DEFAULT
    assert spoken.at_http(bearer(TOKEN), b"").criticality is DEFAULT
    assert spoken.raised == 1


def test_a_window_closes_when_answered_after_its_wait_and_after_its_uses() -> None:
    clock = Clock()
    spoken = door(clock, household_burst=100)
    follow = spoken.followups
    follow.asked(7, 1, "c1", CRITICAL)
    follow.answered(7, "c1")
    assert spoken.at(7, 1, "c1", None).criticality is DEFAULT
    follow.asked(7, 1, "c1", CRITICAL)
    clock.now += 30.5
    assert spoken.at(7, 1, "c1", None).criticality is DEFAULT
    follow.asked(7, 1, "c1", CRITICAL)
    classes = [spoken.at(7, 1, "c1", None).criticality for _ in range(MAX_USES + 2)]
    assert classes == [CRITICAL] * MAX_USES + [DEFAULT, DEFAULT]
    # Only a device's latest question is open.
    follow.asked(7, 1, "c2", CRITICAL)
    follow.asked(7, 1, "c3", CRITICAL)
    assert follow.peek(7, "c2") is None and follow.peek(7, "c3") is CRITICAL


def test_a_default_question_raises_nothing() -> None:
    spoken = door(Clock())
    spoken.followups.asked(7, 1, "c1", DEFAULT)
    assert spoken.at(7, 1, "c1", None).criticality is DEFAULT and spoken.raised == 0


# Hints


def test_a_hint_is_honoured_within_the_devices_budget_refilled_over_time() -> None:
    clock = Clock()
    spoken = door(clock, rate=0.1, burst=2, household_burst=100)
    spoken.known(TOKEN, device=7, household=1)
    got = [spoken.at_http(bearer(TOKEN, b"critical"), b"").criticality for _ in range(3)]
    assert got == [CRITICAL, CRITICAL, DEFAULT]
    assert spoken.hints.refused[Refusal.BUDGET] == 1
    clock.now += 10  # one token back
    assert spoken.at(7, 1, None, "critical").criticality is CRITICAL
    assert spoken.at(7, 1, None, "critical").criticality is DEFAULT


def test_a_household_gets_no_more_than_its_budget_however_many_devices_it_has() -> None:
    clock = Clock()
    spoken = door(clock, rate=0.1, burst=2, household_rate=0.5, household_burst=3)
    mine = [spoken.at(device, 1, None, "critical").criticality for device in range(10)]
    assert mine.count(CRITICAL) == 3
    assert spoken.hints.refused[Refusal.HOUSEHOLD] == 7
    # Another household is untouched by the first one's use.
    theirs = [spoken.at(device, 2, None, "critical").criticality for device in range(20, 23)]
    assert theirs == [CRITICAL] * 3
    # The server's own questions are paid from the same household budget.
    spoken.followups.asked(1, 1, "c1", CRITICAL)
    assert spoken.at(1, 1, "c1", None).criticality is DEFAULT
    clock.now += 2  # one household token back
    assert spoken.at(1, 1, "c1", None).criticality is CRITICAL


def test_a_false_hint_costs_the_device_its_credit_for_a_while_doubling() -> None:
    clock = Clock()
    spoken = door(clock, rate=10, burst=10, household_burst=100, distrust=300)
    lie = spoken.at(7, 1, None, "critical")
    assert lie.criticality is CRITICAL
    assert spoken.check(lie, "Wie spät ist es", "HassGetCurrentTime") is SHEDDABLE
    assert spoken.hints.proved_false == 1 and spoken.hints.distrusted_count() == 1
    assert spoken.at(7, 1, None, "critical").criticality is DEFAULT  # ignored now
    assert spoken.hints.refused[Refusal.DISTRUST] == 1
    assert spoken.at(8, 1, None, "critical").criticality is CRITICAL  # others still heard
    clock.now += 301
    second = spoken.at(7, 1, None, "critical")
    assert second.criticality is CRITICAL
    spoken.check(second, "Hilfe", "Help")
    clock.now += 301
    assert spoken.at(7, 1, None, "critical").criticality is DEFAULT  # 600 s the second time
    clock.now += 300
    assert spoken.at(7, 1, None, "critical").criticality is CRITICAL


def test_a_true_hint_keeps_the_credit() -> None:
    spoken = door(Clock(), rate=10, burst=10, household_burst=100)
    hinted = spoken.at(7, 1, None, "critical")
    assert spoken.check(hinted, "Mach das Licht im Bad an", "HassTurnOn") is CRITICAL
    # An answer to a critical question is critical whatever its words.
    spoken.followups.asked(7, 1, "c1", CRITICAL)
    answer = spoken.at(7, 1, "c1", "critical")
    assert answer.criticality is CRITICAL and spoken.hints.honoured == 1  # no hint token spent
    assert spoken.check(answer, "Im Bad", None) is CRITICAL
    assert spoken.hints.proved_true == 2 and spoken.hints.proved_false == 0
    assert not spoken.hints.distrusted(7)


def test_nothing_heard_under_a_critical_hint_counts_as_false() -> None:
    spoken = door(Clock(), rate=10, burst=10, household_burst=100)
    hinted = spoken.at(7, 1, None, "critical")
    assert spoken.check(hinted, "", None) is DEFAULT
    assert spoken.hints.distrusted(7)


def test_lowering_is_free_and_garbage_is_ignored() -> None:
    spoken = door(Clock(), rate=0.1, burst=0)
    assert spoken.at(7, 1, None, "sheddable").criticality is SHEDDABLE
    assert spoken.at(7, 1, None, "sehr wichtig").criticality is DEFAULT
    assert spoken.at(7, 1, None, 3).criticality is DEFAULT
    assert parse_hint(b" Critical ") is CRITICAL and parse_hint(None) is None
    assert spoken.hints.honoured == 0
