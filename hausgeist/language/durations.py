"""Spoken German durations ("anderthalb Stunden", "eine Stunde zwanzig") as hours/minutes/seconds.

Units are kept as spoken: "90 Sekunden" stays 90 seconds and is not carried into minutes.
A fraction of a unit moves to the next smaller one, so "zweieinhalb Minuten" is 2 minutes
30 seconds. Home Assistant's German test suite instead states the whole amount in the smaller
unit ("anderthalb Stunden" -> 90 minutes); `whole_in_smaller_unit=True` gives that form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from hausgeist.language.numbers import Number, match_number


@dataclass(frozen=True)
class Duration:
    """A length of time in the units it was spoken in."""

    hours: Number = 0
    minutes: Number = 0
    seconds: Number = 0

    @property
    def total_seconds(self) -> Number:
        """The whole duration in seconds."""
        return self.hours * 3600 + self.minutes * 60 + self.seconds


_UNITS: dict[str, tuple[str, float]] = {
    "stunde": ("hours", 1),
    "stunden": ("hours", 1),
    "std": ("hours", 1),
    "h": ("hours", 1),
    "viertelstunde": ("hours", 0.25),
    "viertelstunden": ("hours", 0.25),
    "dreiviertelstunde": ("hours", 0.75),
    "dreiviertelstunden": ("hours", 0.75),
    "minute": ("minutes", 1),
    "minuten": ("minutes", 1),
    "min": ("minutes", 1),
    "mins": ("minutes", 1),
    "sekunde": ("seconds", 1),
    "sekunden": ("seconds", 1),
    "sek": ("seconds", 1),
    "sec": ("seconds", 1),
    "s": ("seconds", 1),
}
_ORDER = ("hours", "minutes", "seconds")
_ARTICLES = frozenset({"ein", "eine", "einer", "einen", "einem"})
_FRACTIONS: dict[str, float] = {
    "halbe": 0.5,
    "halben": 0.5,
    "halber": 0.5,
    "viertel": 0.25,
    "dreiviertel": 0.75,
}
_LEADING = frozenset({"für", "auf", "in", "um", "nach"})
_PUNCTUATION = re.compile(r"[!?;:,.]+(?=\s|$)")


class _Part(NamedTuple):
    end: int
    unit: str
    amount: Number


def _tokens(text: str) -> list[str]:
    words = _PUNCTUATION.sub(" ", text.lower()).split()
    while words and words[0] in _LEADING:
        words = words[1:]
    return words


def _quantities(words: Sequence[str], start: int) -> list[tuple[int, Number]]:
    """Amounts starting at `start`: numbers, "eine halbe", "dreiviertel", "drei viertel"."""
    found: list[tuple[int, Number]] = []
    first = words[start]
    if first in _FRACTIONS:
        found.append((start + 1, _FRACTIONS[first]))
    if first in _ARTICLES and start + 1 < len(words) and words[start + 1] in _FRACTIONS:
        found.append((start + 2, _FRACTIONS[words[start + 1]]))
    for end, value in match_number(words, start):
        if end < len(words) and words[end] == "viertel":
            found.append((end + 1, value * 0.25))
        found.append((end, value))
    return found


def _match_part(words: Sequence[str], start: int) -> _Part | None:
    """An amount followed by a unit ("zehn Minuten", "eine Viertelstunde")."""
    for end, amount in _quantities(words, start):
        if amount > 0 and end < len(words) and words[end] in _UNITS:
            unit, factor = _UNITS[words[end]]
            return _Part(end + 1, unit, amount * factor)
    return None


def _trailing_amount(words: Sequence[str], start: int, previous: str) -> _Part | None:
    """A bare number closing the phrase counts in the next smaller unit: "eine Stunde zwanzig"."""
    if previous == "seconds":
        return None
    for end, value in match_number(words, start):
        if end == len(words) and isinstance(value, int) and 0 < value < 60:
            return _Part(end, _ORDER[_ORDER.index(previous) + 1], value)
    return None


def _clean(value: Number) -> Number:
    """Drop float noise: 0.1 * 60 is 6, not 6.000000000000001."""
    if isinstance(value, int):
        return value
    rounded = round(value, 6)
    return int(rounded) if rounded.is_integer() else rounded


def _spread(unit: str, amount: Number, whole_in_smaller: bool) -> list[tuple[str, Number]]:
    """Move the fraction of a unit into the next smaller unit (1.5 h -> 1 h 30 min)."""
    value = _clean(amount)
    if isinstance(value, int) or unit == "seconds":
        return [(unit, value)]
    smaller = _ORDER[_ORDER.index(unit) + 1]
    if whole_in_smaller:
        return _spread(smaller, value * 60, whole_in_smaller)
    whole = int(value)
    head: list[tuple[str, Number]] = [(unit, whole)] if whole else []
    return head + _spread(smaller, (value - whole) * 60, whole_in_smaller)


def _parts(words: Sequence[str]) -> list[_Part] | None:
    """Split the words into amount-unit parts joined by "und"; None if anything is left over."""
    parts: list[_Part] = []
    index = 0
    while index < len(words):
        if parts and words[index] == "und" and index + 1 < len(words):
            index += 1
        part = _match_part(words, index)
        if part is None and parts:
            part = _trailing_amount(words, index, parts[-1].unit)
        if part is None or any(p.unit == part.unit for p in parts):
            return None
        parts.append(part)
        index = part.end
    return parts or None


def parse_duration(text: str, *, whole_in_smaller_unit: bool = False) -> Duration | None:
    """The duration a whole phrase names ("für anderthalb Stunden"), or None."""
    parts = _parts(_tokens(text))
    if parts is None:
        return None
    totals: dict[str, Number] = dict.fromkeys(_ORDER, 0)
    for part in parts:
        for unit, amount in _spread(part.unit, part.amount, whole_in_smaller_unit):
            totals[unit] = _clean(totals[unit] + amount)
    if not any(totals.values()):
        return None
    return Duration(hours=totals["hours"], minutes=totals["minutes"], seconds=totals["seconds"])
