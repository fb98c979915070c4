"""Spoken German dates, resolved against a fixed today: Wednesday, 25 November 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from hausgeist.language.dates import WEEKDAYS, parse_date

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("heute", dt.date(2026, 11, 25)),
        ("morgen", dt.date(2026, 11, 26)),
        ("übermorgen", dt.date(2026, 11, 27)),
        ("bis morgen", dt.date(2026, 11, 26)),
        ("gestern", dt.date(2026, 11, 24)),
        ("in drei Tagen", dt.date(2026, 11, 28)),
        ("in 3 Tagen", dt.date(2026, 11, 28)),
        ("in einem Tag", dt.date(2026, 11, 26)),
        ("in einer Woche", dt.date(2026, 12, 2)),
        ("in zwei Wochen", dt.date(2026, 12, 9)),
    ],
)
def test_relative_days_count_from_today(text: str, expected: dt.date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("am Freitag", dt.date(2026, 11, 27)),
        ("Freitag", dt.date(2026, 11, 27)),
        ("freitags", dt.date(2026, 11, 27)),
        ("nächsten Montag", dt.date(2026, 11, 30)),
        ("am kommenden Montag", dt.date(2026, 11, 30)),
        ("Sonnabend", dt.date(2026, 11, 28)),
        ("am Samstag", dt.date(2026, 11, 28)),
        ("Dienstag", dt.date(2026, 12, 1)),
    ],
)
def test_a_weekday_means_its_next_occurrence(text: str, expected: dt.date) -> None:
    assert parse_date(text, TODAY) == expected


def test_todays_weekday_name_means_a_week_ahead_never_today() -> None:
    assert parse_date("am Mittwoch", TODAY) == dt.date(2026, 12, 2)
    assert parse_date("nächsten Mittwoch", TODAY) == dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("am 24. Dezember", dt.date(2026, 12, 24)),
        ("am vierundzwanzigsten Dezember", dt.date(2026, 12, 24)),
        ("am 24 Dezember", dt.date(2026, 12, 24)),
        ("der erste Dezember", dt.date(2026, 12, 1)),
        ("am 3.5.", dt.date(2027, 5, 3)),
        ("am dritten fünften", dt.date(2027, 5, 3)),
        ("am 24. 12.", dt.date(2026, 12, 24)),
        ("am 1. Januar 2027", dt.date(2027, 1, 1)),
        ("24.12.2026", dt.date(2026, 12, 24)),
        ("24.12.26", dt.date(2026, 12, 24)),
        ("am zweiten Januar zweitausendachtundzwanzig", dt.date(2028, 1, 2)),
        ("am 1. März", dt.date(2027, 3, 1)),
        ("am 1. Maerz", dt.date(2027, 3, 1)),
        ("Freitag, den 27. November", dt.date(2026, 11, 27)),
    ],
)
def test_a_day_and_month_fall_in_this_year_or_the_next(text: str, expected: dt.date) -> None:
    assert parse_date(text, TODAY) == expected


def test_a_date_that_is_today_stays_this_year_and_yesterdays_moves_to_next_year() -> None:
    assert parse_date("am 25. November", TODAY) == dt.date(2026, 11, 25)
    assert parse_date("am 24. November", TODAY) == dt.date(2027, 11, 24)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nächste Woche",
        "Dezember",
        "am 31. Februar",
        "am 32. Januar",
        "am drei vier",
        "Freitag, den 28. November",
        "in drei",
        "in anderthalb Wochen",
        "heute Abend",
        "Wohnzimmer",
        "nächsten Dezember",
    ],
)
def test_phrases_that_are_not_a_date_are_none(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_weekdays_map_both_saturdays_to_the_same_day() -> None:
    assert WEEKDAYS["samstag"] == WEEKDAYS["sonnabend"] == 5
    assert WEEKDAYS["montag"] == 0
    assert WEEKDAYS["sonntag"] == 6
