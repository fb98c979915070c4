"""Spoken German durations, kept in the units they were spoken in."""

from __future__ import annotations

import pytest

from hausgeist.language.durations import Duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zehn Minuten", Duration(minutes=10)),
        ("1 Stunde und 5 Minuten", Duration(hours=1, minutes=5)),
        ("2 Stunden und 5 Minuten", Duration(hours=2, minutes=5)),
        ("1 Stunde, 3 Minuten und 30 Sekunden", Duration(hours=1, minutes=3, seconds=30)),
        ("5 Minuten und 10 Sekunden", Duration(minutes=5, seconds=10)),
        ("90 Sekunden", Duration(seconds=90)),
        ("eine Stunde", Duration(hours=1)),
        ("für eine Minute", Duration(minutes=1)),
        ("in 30 Sekunden", Duration(seconds=30)),
        ("auf zwanzig Minuten", Duration(minutes=20)),
        ("um fünfundvierzig Sekunden", Duration(seconds=45)),
        ("fünfundsiebzig Minuten", Duration(minutes=75)),
        ("zwei komma fünf Sekunden", Duration(seconds=2.5)),
    ],
)
def test_amounts_with_units_keep_the_units_they_were_spoken_in(
    text: str, expected: Duration
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 min", Duration(minutes=5)),
        ("5 Min.", Duration(minutes=5)),
        ("2 std", Duration(hours=2)),
        ("3 h", Duration(hours=3)),
        ("30 sek", Duration(seconds=30)),
        ("30 sec", Duration(seconds=30)),
        ("10 s", Duration(seconds=10)),
    ],
)
def test_written_unit_abbreviations_are_understood(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anderthalb Stunden", Duration(hours=1, minutes=30)),
        ("eineinhalb Stunden", Duration(hours=1, minutes=30)),
        ("zweieinhalb Minuten", Duration(minutes=2, seconds=30)),
        ("fünfeinhalb Minuten", Duration(minutes=5, seconds=30)),
        ("1,5 Stunden", Duration(hours=1, minutes=30)),
        ("1,1 Stunden", Duration(hours=1, minutes=6)),
        ("anderthalb Stunden und 10 Minuten", Duration(hours=1, minutes=40)),
    ],
)
def test_the_fraction_of_a_unit_moves_into_the_next_smaller_unit(
    text: str, expected: Duration
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eine halbe Stunde", Duration(minutes=30)),
        ("für eine halbe Stunde", Duration(minutes=30)),
        ("in einer halben Stunde", Duration(minutes=30)),
        ("halbe Stunde", Duration(minutes=30)),
        ("eine halbe Minute", Duration(seconds=30)),
        ("eine Viertelstunde", Duration(minutes=15)),
        ("eine viertel Stunde", Duration(minutes=15)),
        ("dreiviertel Stunde", Duration(minutes=45)),
        ("eine Dreiviertelstunde", Duration(minutes=45)),
        ("drei viertel Stunden", Duration(minutes=45)),
        ("drei Viertelstunden", Duration(minutes=45)),
    ],
)
def test_halves_and_quarters_of_an_hour_are_minutes(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eine Stunde zwanzig", Duration(hours=1, minutes=20)),
        ("eine Stunde und zwanzig", Duration(hours=1, minutes=20)),
        ("zwei Minuten dreißig", Duration(minutes=2, seconds=30)),
    ],
)
def test_a_bare_number_after_a_unit_counts_in_the_next_smaller_unit(
    text: str, expected: Duration
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anderthalb Stunden", Duration(minutes=90)),
        ("anderthalb Minuten", Duration(seconds=90)),
        ("fünfeinhalb Minuten", Duration(seconds=330)),
        ("dreieinhalb Minuten", Duration(seconds=210)),
        ("eine halbe Stunde", Duration(minutes=30)),
        ("2 Stunden und 5 Minuten", Duration(hours=2, minutes=5)),
    ],
)
def test_home_assistant_form_states_a_fractional_amount_in_the_smaller_unit(
    text: str, expected: Duration
) -> None:
    assert parse_duration(text, whole_in_smaller_unit=True) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ein paar Minuten",
        "einige Minuten",
        "Minuten",
        "zehn",
        "zehn Äpfel",
        "5 Minuten und 3 Minuten",
        "minus fünf Minuten",
        "null Minuten",
        "eine Stunde zwanzig dreißig",
        "halb acht",
        "Sekunden 30",
        "zwei Stunden und",
    ],
)
def test_phrases_that_are_not_exactly_a_duration_are_none(text: str) -> None:
    assert parse_duration(text) is None


def test_total_seconds_adds_up_all_units() -> None:
    assert Duration(hours=1, minutes=2, seconds=3).total_seconds == 3723
    assert parse_duration("anderthalb Stunden") == Duration(hours=1, minutes=30)
    assert Duration(hours=1, minutes=30).total_seconds == Duration(minutes=90).total_seconds
