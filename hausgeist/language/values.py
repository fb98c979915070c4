"""Recognizers for value slots: clock times, dates, quantities, codes, and more colors.

Templates declare these lists as wildcards (hassil needs a definition), but the lexicon
does not read them as free text: it offers only the stretches of a sentence that one of
the German parsers here accepts, already normalized ("halb sieben" -> "06:30", "morgen"
-> an ISO date). A sentence with no such stretch never pays for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from hausgeist.language.clock import parse_clock_time
from hausgeist.language.colors import parse_color
from hausgeist.language.dates import MONTHS, WEEKDAYS, parse_date
from hausgeist.language.numbers import digits_to_code, match_number, parse_number

MAX_QUANTITY = 9999

_ORDINAL = re.compile(r"\d{1,2}|\w+(?:te|ten|ter|tem|tes|ste|sten|ster)")
_CLOCK_WORDS = frozenset(
    """uhr halb viertel dreiviertel nach vor um morgens früh vormittags mittags nachmittags
    abends nachts am abend morgen mittag nachmittag vormittag mitternacht in der nacht
    punkt gegen""".split()
)
_CLOCK_STARTS = frozenset("halb viertel dreiviertel mitternacht mittag".split())
_DATE_STARTS = frozenset("heute morgen übermorgen nächsten nächster kommenden kommender".split())
_DATE_WORDS = frozenset(
    """heute morgen übermorgen am an nächsten nächster nächste kommenden kommender diesen
    diesem den dem in einer einem tagen tag tage woche wochen zum""".split()
)


@dataclass(frozen=True)
class Recognizer:
    """Finds and normalizes one kind of value in a sentence.

    A candidate stretch starts with a word `starts` accepts, continues over words
    `accepts` accepts, and counts only if `parse` returns a value.
    """

    symbol: str
    max_words: int
    starts: Callable[[str], bool]
    accepts: Callable[[str], bool]
    parse: Callable[[str, date], Any]


def _is_number(word: str) -> bool:
    return bool(match_number([word], 0))


def _clock_start(word: str) -> bool:
    return word in _CLOCK_STARTS or _is_number(word) or ":" in word


def _clock_word(word: str) -> bool:
    return word in _CLOCK_WORDS or _is_number(word) or ":" in word


def _date_start(word: str) -> bool:
    return word in _DATE_STARTS or word in WEEKDAYS or word in MONTHS or _is_ordinal(word)


def _date_word(word: str) -> bool:
    return word in _DATE_WORDS or _date_start(word) or _is_number(word)


def _is_ordinal(word: str) -> bool:
    return bool(_ORDINAL.fullmatch(word)) and (word[0].isdigit() or _is_number(word[:-2]))


def clock_time(text: str, today: date) -> str | None:
    """A clock time as "HH:MM"."""
    found = parse_clock_time(text)
    return str(found) if found else None


def calendar_date(text: str, today: date) -> str | None:
    """A date as an ISO string, relative words resolved against `today`."""
    found = parse_date(text, today)
    return found.isoformat() if found else None


def quantity(text: str, today: date) -> int | None:
    """A whole number of items, 1 to 9999 (the order skill sets the real limits)."""
    number = parse_number(text)
    if number is None or number != int(number) or not 1 <= number <= MAX_QUANTITY:
        return None
    return int(number)


def voice_code(text: str, today: date) -> str | None:
    """Exactly four spoken digits."""
    code = digits_to_code(text.casefold().split())
    return code if code is not None and len(code) == 4 else None


def _color_start(word: str) -> bool:
    return word in ("hell", "dunkel") or parse_color(word) is not None


def _color_word(word: str) -> bool:
    return parse_color(word) is not None


def color_name(text: str, today: date) -> str | None:
    """A German color in any inflection ("hellblaue", "türkis") as a CSS color name."""
    return parse_color(text)


RECOGNIZERS = (
    Recognizer("{hg_clock_time}", 6, _clock_start, _clock_word, clock_time),
    Recognizer("{hg_date}", 4, _date_start, _date_word, calendar_date),
    Recognizer("{hg_quantity}", 3, _is_number, _is_number, quantity),
    Recognizer("{hg_voice_code}", 4, _is_number, _is_number, voice_code),
    # Home Assistant's color list knows nine colors; this adds every color colors.py knows.
    Recognizer("{color}", 2, _color_start, _color_word, color_name),
)


def product(text: str) -> str | None:
    """A product as spoken, without surrounding punctuation."""
    cleaned = text.strip(" ,.;:!?\"'")
    return cleaned or None


WILDCARD_NORMALIZERS: dict[str, Callable[[str], Any]] = {"{hg_product}": product}
