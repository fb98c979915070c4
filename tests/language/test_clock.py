"""Spoken German clock times: relative forms, 24-hour figures and periods of the day."""

from __future__ import annotations

import pytest

from hausgeist.language.clock import ClockTime, parse_clock_time


def _time(text: str) -> tuple[str, bool] | None:
    found = parse_clock_time(text)
    return None if found is None else (str(found), found.explicit_period)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("halb acht", "07:30"),
        ("um halb acht", "07:30"),
        ("halb 8", "07:30"),
        ("halb eins", "12:30"),
        ("halb zwölf", "11:30"),
    ],
)
def test_half_past_means_thirty_minutes_before_the_next_hour(text: str, expected: str) -> None:
    assert _time(text) == (expected, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("viertel nach drei", "03:15"),
        ("viertel vor acht", "07:45"),
        ("dreiviertel acht", "07:45"),
        ("drei viertel acht", "07:45"),
        ("viertel acht", "07:15"),
        ("zehn nach sechs", "06:10"),
        ("zwanzig vor neun", "08:40"),
        ("zehn Minuten vor acht", "07:50"),
        ("fünf vor halb neun", "08:25"),
        ("fünf nach halb neun", "08:35"),
        ("fünf vor eins", "12:55"),
        ("viertel nach zwölf", "12:15"),
    ],
)
def test_quarters_and_minutes_are_counted_from_the_named_hour(text: str, expected: str) -> None:
    assert _time(text) == (expected, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("um acht", "08:00"),
        ("acht Uhr", "08:00"),
        ("um 7 Uhr 30", "07:30"),
        ("sieben Uhr zwanzig Minuten", "07:20"),
        ("sieben Uhr dreißig", "07:30"),
        ("7:30", "07:30"),
        ("7.30 Uhr", "07:30"),
        ("um Punkt acht", "08:00"),
        ("zwölf Uhr", "12:00"),
    ],
)
def test_a_twelve_hour_time_leaves_the_period_open(text: str, expected: str) -> None:
    assert _time(text) == (expected, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19 Uhr", "19:00"),
        ("neunzehn uhr fünfzehn", "19:15"),
        ("um vierzehn Uhr dreißig", "14:30"),
        ("21:45", "21:45"),
        ("um 19:30 Uhr", "19:30"),
        ("um 0 Uhr", "00:00"),
        ("null Uhr zehn", "00:10"),
        ("24 Uhr", "00:00"),
        ("viertel nach dreizehn", "13:15"),
    ],
)
def test_a_twenty_four_hour_figure_makes_the_period_explicit(text: str, expected: str) -> None:
    assert _time(text) == (expected, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sieben uhr abends", "19:00"),
        ("um sieben am Abend", "19:00"),
        ("abends um sieben", "19:00"),
        ("halb sieben morgens", "06:30"),
        ("um sechs in der Früh", "06:00"),
        ("acht Uhr früh", "08:00"),
        ("zehn Uhr vormittags", "10:00"),
        ("zwei Uhr nachmittags", "14:00"),
        ("um eins mittags", "13:00"),
        ("zwölf uhr mittags", "12:00"),
        ("zwölf uhr nachts", "00:00"),
        ("halb eins nachts", "00:30"),
        ("neun Uhr nachts", "21:00"),
        ("um drei in der Nacht", "03:00"),
        ("viertel nach drei nachmittags", "15:15"),
        ("19:30 Uhr abends", "19:30"),
    ],
)
def test_a_period_word_turns_the_dial_hour_into_a_day_hour(text: str, expected: str) -> None:
    assert _time(text) == (expected, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mitternacht", "00:00"),
        ("um Mitternacht", "00:00"),
        ("Mittag", "12:00"),
        ("mittags", "12:00"),
    ],
)
def test_midnight_and_noon_are_fixed_times(text: str, expected: str) -> None:
    assert _time(text) == (expected, True)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "25 Uhr",
        "7:75",
        "24:30",
        "um 7 Uhr 60",
        "halb",
        "viertel nach",
        "nach acht",
        "kurz vor acht",
        "abends",
        "19 Uhr morgens",
        "acht Uhr mittags",
        "halb null",
        "Wohnzimmer",
        "gestern",
    ],
)
def test_nonsense_and_out_of_range_times_are_none(text: str) -> None:
    assert parse_clock_time(text) is None


def test_a_clock_time_prints_as_hours_and_minutes() -> None:
    assert str(ClockTime(7, 5, False)) == "07:05"
    assert str(ClockTime(19, 30, True)) == "19:30"
