"""Alarms: set for their next moment, listed in German, cancelled, ringing once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hausgeist.language.parse import Understanding
from hausgeist.skills.alarms import AlarmSkill
from hausgeist.skills.base import Outcome, Turn
from hausgeist.store.sqlite import Store
from tests.fakes import FakeClock

TOMORROW, FRIDAY = "2026-11-26", "2026-11-27"


@pytest.fixture
def alarms(store: Store, clock: FakeClock) -> AlarmSkill:
    return AlarmSkill(store, clock.now)


def turn(clock: FakeClock, intent: str, text: str = "", **slots: Any) -> Turn:
    return Turn(intent, slots, text, clock.now(), "gespräch-1", "Schlafzimmer", "nachttisch")


def set_alarm(alarms: AlarmSkill, clock: FakeClock, time: str, date: str | None = None) -> Outcome:
    slots = {"time": time, **({"date": date} if date else {})}
    return alarms.handle(turn(clock, "AlarmSet", **slots))


def stored(store: Store) -> list[tuple[str, str]]:
    return [(row["at"], row["state"]) for row in store.query("SELECT at, state FROM alarms")]


def test_weck_mich_morgen_um_halb_sieben_stores_tomorrow_0630(
    understanding: Understanding, alarms: AlarmSkill, store: Store, clock: FakeClock
) -> None:
    said = "weck mich morgen um halb sieben"
    result = understanding.parse(said)
    assert result.intent == "AlarmSet"
    outcome = alarms.handle(turn(clock, result.intent, said, **result.slots))
    assert outcome.reply == "Ich wecke dich morgen um 6:30 Uhr."
    assert stored(store) == [("2026-11-26T06:30:00", "set")]
    assert [(a.target, a.kind, a.state["at"]) for a in outcome.actions] == [
        ("alarm:2026-11-26T06:30", "set_alarm", "2026-11-26T06:30")
    ]


def test_a_time_without_date_is_its_next_occurrence(
    alarms: AlarmSkill, store: Store, clock: FakeClock
) -> None:
    assert set_alarm(alarms, clock, "22:00").reply == "Ich wecke dich heute um 22:00 Uhr."
    assert set_alarm(alarms, clock, "07:00").reply == "Ich wecke dich morgen um 7:00 Uhr."
    assert [at for at, _ in stored(store)] == ["2026-11-25T22:00:00", "2026-11-26T07:00:00"]


@pytest.mark.parametrize(
    ("time", "date", "reply"),
    [
        ("07:00", "2026-11-24", "Gestern um 7:00 Uhr ist schon vorbei."),
        ("06:00", "2026-11-25", "Heute um 6:00 Uhr ist schon vorbei."),
        ("07:00", "2026-10-01", "Am 1. Oktober um 7:00 Uhr ist schon vorbei."),
    ],
)
def test_a_moment_in_the_past_is_refused_and_nothing_stored(
    alarms: AlarmSkill, store: Store, clock: FakeClock, time: str, date: str, reply: str
) -> None:
    outcome = set_alarm(alarms, clock, time, date)
    assert (outcome.code, outcome.reply, outcome.actions) == ("refused", reply, ())
    assert stored(store) == []


def test_an_unreadable_time_is_refused(alarms: AlarmSkill, clock: FakeClock) -> None:
    assert set_alarm(alarms, clock, "25:99").code == "refused"


def test_the_same_alarm_twice_is_set_once(
    alarms: AlarmSkill, store: Store, clock: FakeClock
) -> None:
    set_alarm(alarms, clock, "06:30", TOMORROW)
    outcome = set_alarm(alarms, clock, "06:30")
    assert outcome.reply == "Für morgen um 6:30 Uhr ist schon ein Wecker gestellt."
    assert len(stored(store)) == 1


def test_an_alarm_without_time_asks_for_it(alarms: AlarmSkill, clock: FakeClock) -> None:
    asked = alarms.handle(turn(clock, "AlarmSet", date=FRIDAY))
    assert (asked.code, asked.reply) == ("asked", "Für wann soll ich den Wecker stellen?")
    assert asked.pending is not None
    done = alarms.resume(asked.pending, turn(clock, "", "um sieben Uhr"))
    assert done.reply == "Ich wecke dich am Freitag um 7:00 Uhr."


def test_query_lists_the_alarms_in_german(alarms: AlarmSkill, clock: FakeClock) -> None:
    query = turn(clock, "AlarmQuery")
    assert alarms.handle(query).reply == "Du hast keinen Wecker gestellt."
    set_alarm(alarms, clock, "07:00", FRIDAY)
    assert alarms.handle(query).reply == "Du hast einen Wecker: am Freitag um 7:00 Uhr."
    set_alarm(alarms, clock, "06:30", TOMORROW)
    assert alarms.handle(query).reply == (
        "Du hast zwei Wecker: morgen um 6:30 Uhr und am Freitag um 7:00 Uhr."
    )
    set_alarm(alarms, clock, "08:00", "2026-12-10")
    assert alarms.handle(query).reply.endswith("und am 10. Dezember um 8:00 Uhr.")


def test_cancel_all_removes_every_alarm(alarms: AlarmSkill, clock: FakeClock) -> None:
    set_alarm(alarms, clock, "06:30", TOMORROW)
    set_alarm(alarms, clock, "07:00", FRIDAY)
    outcome = alarms.handle(turn(clock, "AlarmCancel", all=True))
    assert outcome.reply == "Zwei Wecker gelöscht."
    assert [a.kind for a in outcome.actions] == ["cancel_alarm", "cancel_alarm"]
    assert alarms.handle(turn(clock, "AlarmQuery")).reply == "Du hast keinen Wecker gestellt."
    assert alarms.due(clock.advance(days=7)) == []


def test_cancel_by_time_removes_that_alarm(alarms: AlarmSkill, clock: FakeClock) -> None:
    set_alarm(alarms, clock, "06:30", TOMORROW)
    set_alarm(alarms, clock, "07:00", FRIDAY)
    outcome = alarms.handle(turn(clock, "AlarmCancel", time="06:30"))
    assert outcome.reply == "Der Wecker morgen um 6:30 Uhr ist gelöscht."
    assert alarms.handle(turn(clock, "AlarmQuery")).reply == (
        "Du hast einen Wecker: am Freitag um 7:00 Uhr."
    )


def test_cancel_with_none_set_or_none_matching_says_so(
    alarms: AlarmSkill, clock: FakeClock
) -> None:
    assert alarms.handle(turn(clock, "AlarmCancel")).reply == "Du hast keinen Wecker gestellt."
    set_alarm(alarms, clock, "06:30", TOMORROW)
    outcome = alarms.handle(turn(clock, "AlarmCancel", time="07:00", date=TOMORROW))
    assert (outcome.reply, outcome.code) == (
        "Ich finde keinen Wecker morgen um 7:00 Uhr.",
        "nothing",
    )


def test_cancel_among_several_unspecified_asks_which(alarms: AlarmSkill, clock: FakeClock) -> None:
    set_alarm(alarms, clock, "06:30", TOMORROW)
    set_alarm(alarms, clock, "07:00", FRIDAY)
    asked = alarms.handle(turn(clock, "AlarmCancel"))
    assert asked.reply == (
        "Welchen Wecker soll ich löschen: morgen um 6:30 Uhr oder am Freitag um 7:00 Uhr?"
    )
    assert asked.pending is not None
    done = alarms.resume(asked.pending, turn(clock, "", "den am Freitag"))
    assert done.reply == "Der Wecker am Freitag um 7:00 Uhr ist gelöscht."
    assert len(alarms.due(clock.advance(days=7))) == 1


def test_an_unclear_answer_cancels_nothing(alarms: AlarmSkill, clock: FakeClock) -> None:
    set_alarm(alarms, clock, "06:30", TOMORROW)
    set_alarm(alarms, clock, "07:00", FRIDAY)
    asked = alarms.handle(turn(clock, "AlarmCancel"))
    assert asked.pending is not None
    outcome = alarms.resume(asked.pending, turn(clock, "", "weiß nicht"))
    assert (outcome.code, outcome.actions) == ("nothing", ())


def test_an_alarm_rings_once_at_its_moment(alarms: AlarmSkill, clock: FakeClock) -> None:
    set_alarm(alarms, clock, "06:30", TOMORROW)
    assert alarms.due(datetime(2026, 11, 26, 6, 29)) == []
    [ring] = alarms.due(datetime(2026, 11, 26, 6, 30))
    assert (ring.kind, ring.area, ring.device, ring.conversation_id) == (
        "alarm",
        "Schlafzimmer",
        "nachttisch",
        "gespräch-1",
    )
    assert ring.announcement == "Es ist 6:30 Uhr. Dein Wecker klingelt."
    assert alarms.due(datetime(2026, 11, 26, 6, 31)) == []


def test_alarms_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "hausgeist.sqlite"
    first = Store(path)
    set_alarm(AlarmSkill(first, clock.now), clock, "06:30", TOMORROW)
    first.close()
    second = Store(path)
    assert len(AlarmSkill(second, clock.now).due(datetime(2026, 11, 26, 7, 0))) == 1
    second.close()


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("stell einen Wecker für Freitag um 7 Uhr", "Ich wecke dich am Freitag um 7:00 Uhr."),
        ("weck mich um sieben", "Ich wecke dich morgen um 7:00 Uhr."),
    ],
)
def test_spoken_german_sets_alarms(
    understanding: Understanding, alarms: AlarmSkill, clock: FakeClock, said: str, reply: str
) -> None:
    result = understanding.parse(said)
    assert result.intent is not None
    assert alarms.handle(turn(clock, result.intent, said, **result.slots)).reply == reply
