"""The info skill: time, date and "vergiss es" in Home Assistant's German words."""

from __future__ import annotations

from datetime import datetime

from hausgeist.skills.base import Turn
from hausgeist.skills.info import InfoSkill

EARLY = datetime(2026, 11, 24, 7, 5)  # a Tuesday


def say(intent: str) -> str:
    return InfoSkill().handle(Turn(intent, {}, "", EARLY, "c", response="default")).reply


def test_the_time_has_two_digit_hours_and_minutes() -> None:
    assert say("HassGetCurrentTime") == "Es ist 07:05"


def test_the_date_names_the_weekday_day_month_and_year() -> None:
    assert say("HassGetCurrentDate") == "Es ist Dienstag der 24. November 2026"


def test_nevermind_with_nothing_to_call_off_says_nothing_and_does_nothing() -> None:
    outcome = InfoSkill().handle(Turn("HassNevermind", {}, "vergiss es", EARLY, "c"))
    assert (outcome.reply, outcome.actions, outcome.code) == ("", (), "nothing")
