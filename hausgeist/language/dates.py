"""Spoken German dates ("übermorgen", "am Freitag", "am vierundzwanzigsten Dezember") as dates.

Every date is resolved against an injected `today`, never the system clock.
"""

from __future__ import annotations

import datetime as dt
import re

from hausgeist.language.numbers import match_number, parse_ordinal, word_value

WEEKDAYS: dict[str, int] = {
    "montag": 0,
    "dienstag": 1,
    "mittwoch": 2,
    "donnerstag": 3,
    "freitag": 4,
    "samstag": 5,
    "sonnabend": 5,
    "sonntag": 6,
}
MONTHS: dict[str, int] = {
    "januar": 1,
    "jänner": 1,
    "jan": 1,
    "februar": 2,
    "feber": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "mär": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "dez": 12,
}
_RELATIVE_DAYS: dict[str, int] = {
    "vorgestern": -2,
    "gestern": -1,
    "heute": 0,
    "morgen": 1,
    "übermorgen": 2,
}
_SPAN_DAYS: dict[str, int] = {"tag": 1, "tagen": 1, "tage": 1, "woche": 7, "wochen": 7}
_LEADING = frozenset({"am", "an", "den", "der", "dem", "zum", "für", "bis", "ab", "auf"})
_WEEKDAY_MODIFIERS = frozenset(
    {"nächsten", "nächster", "nächste", "kommenden", "kommender", "kommende", "diesen", "diesem"}
)
_NUMERIC = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2})?)?")
_PUNCTUATION = re.compile(r"[!?;,]+")


def _tokens(text: str) -> list[str]:
    words = _PUNCTUATION.sub(" ", text.lower()).split()
    while words and words[0] in _LEADING:
        words = words[1:]
    return words


def _weekday(word: str) -> int | None:
    """ "freitag" or the adverb "freitags"."""
    if word in WEEKDAYS:
        return WEEKDAYS[word]
    return WEEKDAYS.get(word.removesuffix("s")) if word.endswith("s") else None


def _next_weekday(weekday: int, today: dt.date) -> dt.date:
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


def _in_span(words: list[str], today: dt.date) -> dt.date | None:
    """ "in drei Tagen", "in einer Woche"."""
    for end, value in match_number(words, 1):
        if (
            end == len(words) - 1
            and words[end] in _SPAN_DAYS
            and isinstance(value, int)
            and value > 0
        ):
            return today + dt.timedelta(days=value * _SPAN_DAYS[words[end]])
    return None


def _year(words: list[str]) -> int | None:
    """A four-digit or spoken year ("zweitausendsiebenundzwanzig"); 0 when none is given."""
    if not words:
        return 0
    for end, value in match_number(words, 0):
        if end == len(words) and isinstance(value, int) and 1900 <= value <= 2999:
            return value
    return None


def _day_number(word: str) -> int | None:
    """The day or month as "24.", "24", "vierundzwanzigsten" or "zwölften"."""
    ordinal = parse_ordinal(word)
    if ordinal is not None:
        return ordinal
    value = word_value(word)
    return value if isinstance(value, int) else None


def _month(word: str) -> int | None:
    """A month name or an ordinal ("fünften", "5."); a bare "fünf" is too vague."""
    month = MONTHS.get(word.removesuffix("."))
    return month if month is not None else parse_ordinal(word)


def _calendar(day: int, month: int, year: int, today: dt.date) -> dt.date | None:
    """The date, this year or next if it has passed; `year` 0 means unspoken."""
    if year:
        return _safe_date(year, month, day)
    found = _safe_date(today.year, month, day)
    if found is not None and found >= today:
        return found
    return _safe_date(today.year + 1, month, day)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric(words: list[str], today: dt.date) -> dt.date | None:
    """ "3.5.", "24.12.2026", "24.12.26"."""
    found = _NUMERIC.fullmatch(words[0])
    year = _year(words[1:]) if found else None
    if not found or year is None:
        return None
    day, month, spoken_year = (int(part) if part else 0 for part in found.groups())
    if spoken_year and year:
        return None
    if 0 < spoken_year < 100:
        spoken_year += 2000
    return _calendar(day, month, spoken_year or year, today)


def _day_and_month(words: list[str], today: dt.date) -> dt.date | None:
    """ "24. Dezember", "vierundzwanzigsten Dezember 2027", "dritten fünften"."""
    if len(words) < 2:
        return None
    day, month, year = _day_number(words[0]), _month(words[1]), _year(words[2:])
    if day is None or month is None or year is None:
        return None
    return _calendar(day, month, year, today)


def _weekday_date(words: list[str], today: dt.date) -> dt.date | None:
    """ "Freitag", "nächsten Freitag", or "Freitag, den 24. Dezember" if the two agree."""
    if words[0] in _WEEKDAY_MODIFIERS:
        words = words[1:]
    weekday = _weekday(words[0]) if words else None
    if weekday is None:
        return None
    if len(words) == 1:
        return _next_weekday(weekday, today)
    found = _absolute(_tokens(" ".join(words[1:])), today)
    return found if found is not None and found.weekday() == weekday else None


def _absolute(words: list[str], today: dt.date) -> dt.date | None:
    if not words:
        return None
    return _numeric(words, today) or _day_and_month(words, today)


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """The date a whole phrase names, or None.

    A weekday name ("Freitag", "nächsten Freitag", "freitags") means its next occurrence
    strictly after today: on a Friday, "Freitag" is a week ahead, never today. A day and
    month without a year mean this year, or next year once the day has passed.
    """
    words = _tokens(text)
    if not words:
        return None
    if len(words) == 1 and words[0] in _RELATIVE_DAYS:
        return today + dt.timedelta(days=_RELATIVE_DAYS[words[0]])
    if words[0] == "in":
        return _in_span(words, today)
    if words[0] in _WEEKDAY_MODIFIERS or _weekday(words[0]) is not None:
        return _weekday_date(words, today)
    return _absolute(words, today)
