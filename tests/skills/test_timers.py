"""Timers: counting down on a fake clock, ringing once, surviving a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hausgeist.language.parse import Understanding
from hausgeist.skills.base import Outcome
from hausgeist.skills.base import Turn as SkillTurn
from hausgeist.skills.timers import Ring, TimerSkill, say_duration
from hausgeist.store.sqlite import Store
from tests.fakes import START, FakeClock


@pytest.fixture
def timers(store: Store, clock: FakeClock) -> TimerSkill:
    return TimerSkill(store, clock.now)


def turn(
    clock: FakeClock, intent: str, text: str = "", device: str = "kueche", **slots: Any
) -> SkillTurn:
    return SkillTurn(intent, slots, text, clock.now(), "gespräch-1", "Küche", device)


def start(timers: TimerSkill, clock: FakeClock, **slots: Any) -> Outcome:
    return timers.handle(turn(clock, "HassStartTimer", **slots))


def rings_after(timers: TimerSkill, clock: FakeClock, **amount: float) -> list[Ring]:
    return timers.due(clock.advance(**amount))


def test_a_timer_set_for_10_minutes_rings_once_after_10_minutes(
    timers: TimerSkill, clock: FakeClock
) -> None:
    outcome = start(timers, clock, minutes=10)
    assert outcome.reply == "Timer für 10 Minuten gestartet."
    assert [(a.target, a.kind, a.state["remaining_seconds"]) for a in outcome.actions] == [
        ("timer:1", "start_timer", 600)
    ]
    assert rings_after(timers, clock, minutes=9, seconds=59) == []
    rings = rings_after(timers, clock, seconds=1)
    assert [r.announcement for r in rings] == ["Dein Timer über 10 Minuten ist abgelaufen."]
    assert rings_after(timers, clock, minutes=5) == []


def test_a_ring_tells_where_and_by_whom_the_timer_was_set(
    timers: TimerSkill, clock: FakeClock
) -> None:
    start(timers, clock, minutes=1, name="Tee")
    [ring] = rings_after(timers, clock, minutes=1)
    assert (ring.kind, ring.name, ring.area, ring.device, ring.conversation_id) == (
        "timer",
        "Tee",
        "Küche",
        "kueche",
        "gespräch-1",
    )
    assert ring.at == START + timedelta(minutes=1)


def test_two_named_timers_ring_separately(timers: TimerSkill, clock: FakeClock) -> None:
    assert start(timers, clock, name="Pizza", minutes=5).reply == (
        "Timer namens Pizza für 5 Minuten gestartet."
    )
    start(timers, clock, name="Nudeln", minutes=8)
    assert [r.name for r in rings_after(timers, clock, minutes=5)] == ["Pizza"]
    assert [r.announcement for r in rings_after(timers, clock, minutes=3)] == [
        "Der Timer Nudeln ist abgelaufen."
    ]


def test_timers_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "hausgeist.sqlite"
    first = Store(path)
    start(TimerSkill(first, clock.now), clock, name="Pizza", minutes=10)
    first.close()
    clock.advance(minutes=4)
    second = Store(path)
    again = TimerSkill(second, clock.now)
    assert again.handle(turn(clock, "HassTimerStatus")).reply == "6 Minuten verbleiben."
    assert [r.name for r in rings_after(again, clock, minutes=6)] == ["Pizza"]
    second.close()


def test_a_timer_rings_once_even_when_two_skills_share_the_store(
    store: Store, clock: FakeClock
) -> None:
    one, other = TimerSkill(store, clock.now), TimerSkill(store, clock.now)
    start(one, clock, minutes=1)
    clock.advance(minutes=2)
    assert len(one.due(clock.now()) + other.due(clock.now())) == 1


def test_pausing_stops_the_countdown(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=10)
    clock.advance(minutes=3)
    assert timers.handle(turn(clock, "HassPauseTimer")).reply == "Timer pausiert."
    assert rings_after(timers, clock, hours=2) == []
    assert timers.handle(turn(clock, "HassTimerStatus")).reply == (
        "Timer ist pausiert. 7 Minuten verbleiben."
    )
    assert timers.handle(turn(clock, "HassPauseTimer")).reply == "Der Timer ist schon pausiert."
    assert timers.handle(turn(clock, "HassUnpauseTimer")).reply == "Timer fortgesetzt."
    assert rings_after(timers, clock, minutes=6, seconds=59) == []
    assert len(rings_after(timers, clock, seconds=1)) == 1


def test_status_tells_the_remaining_time_in_german(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=5)
    clock.advance(seconds=30)
    assert timers.handle(turn(clock, "HassTimerStatus")).reply == (
        "4 Minuten und 30 Sekunden verbleiben."
    )


def test_status_of_several_timers_names_each(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=10)
    start(timers, clock, name="Pizza", minutes=5)
    clock.advance(minutes=1)
    assert timers.handle(turn(clock, "HassTimerStatus")).reply == (
        "Zwei Timer laufen. Pizza: noch 4 Minuten. Timer über 10 Minuten: noch 9 Minuten."
    )


@pytest.mark.parametrize(
    "slots",
    [{"minutes": 0}, {"hours": 0, "minutes": 0, "seconds": 0}, {"hours": 25}, {"minutes": -5}],
    ids=["0 minutes", "all zero", "25 hours", "negative"],
)
def test_impossible_durations_are_refused_and_nothing_is_stored(
    timers: TimerSkill, store: Store, clock: FakeClock, slots: dict[str, Any]
) -> None:
    outcome = start(timers, clock, **slots)
    assert (outcome.code, outcome.actions) == ("refused", ())
    assert outcome.reply in {
        "Ein Timer braucht mindestens eine Sekunde.",
        "Ein Timer läuft höchstens 24 Stunden. Für später stell lieber einen Wecker.",
        "Mit dieser Dauer kann ich keinen Timer stellen.",
    }
    assert store.query("SELECT COUNT(*) FROM timers")[0][0] == 0


def test_a_timer_without_duration_asks_how_long_and_takes_the_answer(
    timers: TimerSkill, clock: FakeClock
) -> None:
    asked = start(timers, clock, name="Eier")
    assert (asked.code, asked.reply) == ("asked", "Wie lange soll der Timer laufen?")
    assert asked.pending is not None and asked.pending.kind == "question"
    done = timers.resume(asked.pending, turn(clock, "", "sieben Minuten", minutes=7))
    assert done.reply == "Timer namens Eier für 7 Minuten gestartet."
    assert [r.name for r in rings_after(timers, clock, minutes=7)] == ["Eier"]


def test_the_answer_may_be_plain_words(timers: TimerSkill, clock: FakeClock) -> None:
    asked = start(timers, clock)
    assert asked.pending is not None
    answer = turn(clock, "", "ähm, eine halbe Stunde bitte")
    assert timers.resume(asked.pending, answer).reply == "Timer für 30 Minuten gestartet."


def test_cancel_with_none_running_says_so(timers: TimerSkill, clock: FakeClock) -> None:
    outcome = timers.handle(turn(clock, "HassCancelTimer"))
    assert (outcome.reply, outcome.code) == ("Es läuft gerade kein Timer.", "nothing")


def test_a_cancelled_timer_never_rings(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=5)
    outcome = timers.handle(turn(clock, "HassCancelTimer"))
    assert outcome.reply == "Timer gestoppt."
    assert [(a.kind, a.state["state"]) for a in outcome.actions] == [("cancel_timer", "cancelled")]
    assert rings_after(timers, clock, hours=1) == []
    assert timers.handle(turn(clock, "HassTimerStatus")).reply == "Es läuft gerade kein Timer."


def test_several_matching_timers_ask_which_and_the_answer_picks_one(
    timers: TimerSkill, clock: FakeClock
) -> None:
    start(timers, clock, name="Pizza", minutes=5)
    start(timers, clock, minutes=10)
    asked = timers.handle(turn(clock, "HassCancelTimer", device="wohnzimmer"))
    assert asked.reply == (
        "Welchen Timer meinst du: den Timer Pizza oder den Timer über 10 Minuten?"
    )
    assert asked.pending is not None
    done = timers.resume(asked.pending, turn(clock, "", "die Pizza"))
    assert (done.reply, [a.target for a in done.actions]) == (
        "Timer namens Pizza gestoppt.",
        ["timer:Pizza"],
    )
    assert len(rings_after(timers, clock, minutes=10)) == 1


def test_an_unclear_answer_changes_nothing(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=5)
    start(timers, clock, minutes=10)
    asked = timers.handle(turn(clock, "HassPauseTimer", device="wohnzimmer"))
    assert asked.pending is not None
    outcome = timers.resume(asked.pending, turn(clock, "", "keine Ahnung"))
    assert (outcome.code, outcome.actions) == ("nothing", ())


def test_of_several_timers_the_one_set_on_this_device_is_meant(
    timers: TimerSkill, clock: FakeClock
) -> None:
    start(timers, clock, minutes=5, device="bad")
    start(timers, clock, minutes=10, device="kueche")
    outcome = timers.handle(turn(clock, "HassCancelTimer", device="kueche"))
    assert [a.state["remaining_seconds"] for a in outcome.actions] == [600]


def test_a_timer_is_found_by_its_original_duration(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=5, device="bad")
    start(timers, clock, minutes=10, device="flur")
    outcome = timers.handle(turn(clock, "HassCancelTimer", start_minutes=5))
    assert [a.state["remaining_seconds"] for a in outcome.actions] == [300]


def test_an_unknown_name_is_said_back(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=5)
    outcome = timers.handle(turn(clock, "HassTimerStatus", name="Pizza"))
    assert outcome.reply == "Ich finde keinen Timer namens Pizza."


def test_cancel_all_stops_every_timer_or_those_of_one_area(
    timers: TimerSkill, clock: FakeClock
) -> None:
    start(timers, clock, minutes=5)
    start(timers, clock, minutes=10, area="Wohnzimmer")
    start(timers, clock, minutes=15)
    in_area = timers.handle(turn(clock, "HassCancelAllTimers", area="Wohnzimmer"))
    assert in_area.reply == "1 Timer im Bereich Wohnzimmer gestoppt."
    assert timers.handle(turn(clock, "HassCancelAllTimers")).reply == "2 Timer gestoppt."
    assert rings_after(timers, clock, hours=1) == []


def test_lengthening_a_timer_moves_its_ring(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, minutes=10)
    outcome = timers.handle(turn(clock, "HassIncreaseTimer", minutes=2))
    assert outcome.reply == "Timer um 2 Minuten verlängert."
    assert outcome.actions[0].state["remaining_seconds"] == 720
    assert rings_after(timers, clock, minutes=10) == []
    assert len(rings_after(timers, clock, minutes=2)) == 1


def test_shortening_a_timer_past_zero_rings_it_now(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, name="Pizza", minutes=5)
    outcome = timers.handle(turn(clock, "HassDecreaseTimer", name="Pizza", minutes=10))
    assert outcome.reply == "Timer namens Pizza um 10 Minuten verkürzt."
    assert [r.name for r in timers.due(clock.now())] == ["Pizza"]


def test_lengthening_beyond_24_hours_is_refused(timers: TimerSkill, clock: FakeClock) -> None:
    start(timers, clock, hours=20)
    outcome = timers.handle(turn(clock, "HassIncreaseTimer", hours=5))
    assert (outcome.code, outcome.actions) == ("refused", ())


def test_a_timer_with_a_command_exposes_it_when_it_rings(
    timers: TimerSkill, clock: FakeClock
) -> None:
    command = ["Öffne die Garagentür", "öffne die Garagentür"]  # alternatives, as in HA's suite
    outcome = start(timers, clock, minutes=5, conversation_command=command)
    assert outcome.reply == "Anweisung wird in 5 Minuten ausgeführt."
    [ring] = rings_after(timers, clock, minutes=5)
    assert ring.command == "Öffne die Garagentür"


@pytest.mark.parametrize(
    ("slots", "reply"),
    [
        (
            {"hours": 1, "minutes": 15, "seconds": 30},
            "Timer für 1 Stunde, 15 Minuten und 30 Sekunden",
        ),
        ({"hours": 2}, "Timer für 2 Stunden"),
        ({"seconds": 45, "name": "Pizza"}, "Timer namens Pizza für 45 Sekunden"),
    ],
)
def test_start_replies_match_home_assistant(
    timers: TimerSkill, clock: FakeClock, slots: dict[str, Any], reply: str
) -> None:
    assert start(timers, clock, **slots).reply == f"{reply} gestartet."


def test_durations_read_in_german_units() -> None:
    assert [say_duration(s) for s in (1, 60, 3661, 7200)] == [
        "1 Sekunde",
        "1 Minute",
        "1 Stunde, 1 Minute und 1 Sekunde",
        "2 Stunden",
    ]


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("Stell einen Timer auf zehn Minuten", "Timer für 10 Minuten gestartet."),
        ("Starte einen Pizza Timer für 5 Minuten", "Timer namens Pizza für 5 Minuten gestartet."),
        ("öffne die Garagentür in 5 Minuten", "Anweisung wird in 5 Minuten ausgeführt."),
    ],
)
def test_spoken_german_starts_timers(
    understanding: Understanding, timers: TimerSkill, clock: FakeClock, said: str, reply: str
) -> None:
    result = understanding.parse(said)
    assert result.intent is not None
    assert timers.handle(turn(clock, result.intent, said, **result.slots)).reply == reply
