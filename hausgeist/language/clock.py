"""Spoken German clock times ("halb acht", "fünf vor halb neun", "19 Uhr 15") as hour and minute.

Relative forms count back from the named hour: "halb acht" is 7:30, "viertel acht" (east
German) 7:15, "dreiviertel acht" 7:45. Without a period word or a 24-hour figure the hour stays
on the 12-hour dial (1..12) and `explicit_period` is False; the caller picks morning or evening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from hausgeist.language.numbers import match_number


@dataclass(frozen=True)
class ClockTime:
    """A time of day; `explicit_period` says whether AM/PM was spoken or implied by 24h."""

    hour: int
    minute: int
    explicit_period: bool

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


class _Reading(NamedTuple):
    """Minutes after midnight, and the hour figure that was spoken (it decides 12h vs 24h)."""

    minutes: int
    named_hour: int


_AM, _NOON, _PM, _NIGHT = "am", "noon", "pm", "night"
_PERIOD_WORDS: dict[str, str] = {
    "morgens": _AM,
    "früh": _AM,
    "frühmorgens": _AM,
    "vormittags": _AM,
    "mittags": _NOON,
    "nachmittags": _PM,
    "abends": _PM,
    "nachts": _NIGHT,
}
_PERIOD_PHRASES: dict[tuple[str, ...], str] = {
    ("am", "morgen"): _AM,
    ("in", "der", "früh"): _AM,
    ("am", "vormittag"): _AM,
    ("am", "mittag"): _NOON,
    ("am", "nachmittag"): _PM,
    ("am", "abend"): _PM,
    ("in", "der", "nacht"): _NIGHT,
}
_FIXED = {"mitternacht": (0, 0), "mittag": (12, 0)}
# Minutes a relative form lies before the full hour it names: "halb acht" is 30 before eight.
_BEFORE_HOUR = {"halb": 30, "viertel": 45, "dreiviertel": 15}
_LEADING = frozenset({"um", "für", "auf", "gegen", "punkt", "ab", "bis"})
_DIGITAL = re.compile(r"(\d{1,2})[:.](\d{2})")
_PUNCTUATION = re.compile(r"[!?;,]+|\.(?=\s|$)")
_DAY = 24 * 60
_HALF_DAY = 12 * 60
_PERIOD_HOURS: dict[str, frozenset[int]] = {
    _AM: frozenset(range(12)),
    _NOON: frozenset({11, 12, 13, 14, 15}),
    _PM: frozenset(range(12, 24)),
    _NIGHT: frozenset({19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5}),
}


def _tokens(text: str) -> list[str]:
    words = _PUNCTUATION.sub(" ", text.lower()).split()
    while words and words[0] in _LEADING:
        words = words[1:]
    return words


def _split_period(words: list[str]) -> tuple[str | None, list[str]]:
    """Take a period word or phrase off either end: "sieben uhr abends", "abends um sieben"."""
    for phrase, period in _PERIOD_PHRASES.items():
        size = len(phrase)
        if tuple(words[-size:]) == phrase:
            return period, words[:-size]
        if tuple(words[:size]) == phrase:
            return period, _tokens(" ".join(words[size:]))
    if words and words[-1] in _PERIOD_WORDS:
        return _PERIOD_WORDS[words[-1]], words[:-1]
    if words and words[0] in _PERIOD_WORDS:
        return _PERIOD_WORDS[words[0]], _tokens(" ".join(words[1:]))
    return None, words


def _whole(words: list[str], low: int, high: int) -> int | None:
    """An integer in [low, high] spelled by all of `words`."""
    for end, value in match_number(words, 0):
        if end == len(words) and isinstance(value, int) and low <= value <= high:
            return value
    return None


def _full_hour(words: list[str]) -> _Reading | None:
    """An hour on its own, "acht" or "acht uhr"."""
    if words[-1:] == ["uhr"]:
        words = words[:-1]
    hour = _whole(words, 0, 24)
    return None if hour is None else _Reading(hour * 60, hour)


def _digital(words: list[str]) -> _Reading | None:
    """ "7:30", "19.15 uhr"."""
    found = _DIGITAL.fullmatch(words[0])
    if not found or words[1:] not in ([], ["uhr"]):
        return None
    return _checked(int(found.group(1)), int(found.group(2)))


def _checked(hour: int, minute: int) -> _Reading | None:
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return _Reading(hour * 60 + minute, hour)


def _with_uhr(words: list[str]) -> _Reading | None:
    """ "sieben uhr", "neunzehn uhr fünfzehn", "7 uhr 30", or just "acht"."""
    if "uhr" not in words:
        return _full_hour(words)
    split = words.index("uhr")
    hour = _whole(words[:split], 0, 24)
    rest = words[split + 1 :]
    if rest[-1:] in (["minute"], ["minuten"]):
        rest = rest[:-1]
    minute = _whole(rest, 0, 59) if words[split + 1 :] else 0
    if hour is None or minute is None:
        return None
    return _checked(hour, minute)


def _before_hour(words: list[str]) -> _Reading | None:
    """ "halb acht", "viertel acht", "dreiviertel acht", "drei viertel acht"."""
    if words[:2] == ["drei", "viertel"]:
        words = ["dreiviertel", *words[2:]]
    if len(words) < 2 or words[0] not in _BEFORE_HOUR:
        return None
    target = _full_hour(words[1:])
    if target is None or target.named_hour == 0:
        return None
    return _Reading(target.minutes - _BEFORE_HOUR[words[0]], target.named_hour)


def _offset(words: list[str]) -> int | None:
    """The minutes before "nach"/"vor": "viertel", "zehn", "zehn minuten"."""
    if words == ["viertel"]:
        return 15
    if words[-1:] in (["minute"], ["minuten"]):
        words = words[:-1]
    return _whole(words, 1, 59)


def _relative(words: list[str]) -> _Reading | None:
    """ "viertel nach drei", "zehn vor acht", "fünf vor halb neun"."""
    for index, word in enumerate(words):
        if word in ("nach", "vor"):
            offset = _offset(words[:index])
            rest = words[index + 1 :]
            target = _before_hour(rest) if rest[:1] == ["halb"] else _full_hour(rest)
            if offset is None or target is None:
                return None
            sign = 1 if word == "nach" else -1
            return _Reading(target.minutes + sign * offset, target.named_hour)
    return None


def _reading(words: list[str]) -> _Reading | None:
    """The spoken time as minutes after midnight, with the hour figure that was named."""
    if not words:
        return None
    if len(words) == 1 and words[0] in _FIXED:
        hour, minute = _FIXED[words[0]]
        return _Reading(hour * 60 + minute, hour)
    for reader in (_digital, _with_uhr, _before_hour, _relative):
        found = reader(words)
        if found is not None:
            return found
    return None


def _in_period(hours: list[int], period: str | None) -> int | None:
    """The first candidate hour that lies in the spoken period of the day."""
    for hour in hours:
        if period is None or hour in _PERIOD_HOURS[period]:
            return hour
    return None


def parse_clock_time(text: str) -> ClockTime | None:
    """The time of day a whole phrase names ("um halb acht abends"), or None."""
    period, words = _split_period(_tokens(text))
    if period == _NOON and not words:
        return ClockTime(12, 0, True)
    found = _reading(words)
    if found is None:
        return None
    explicit = found.named_hour == 0 or found.named_hour >= 13 or words[0] in _FIXED
    dial_hour, minute = divmod(found.minutes % (_DAY if explicit else _HALF_DAY), 60)
    if not explicit and period is None:
        return ClockTime(dial_hour or 12, minute, False)
    candidates = [dial_hour] if explicit else [dial_hour, dial_hour + 12]
    hour = _in_period(candidates, period)
    return None if hour is None else ClockTime(hour, minute, True)
