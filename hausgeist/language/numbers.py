"""German numbers: digits, number words and their compounds, decimals, halves and PIN digits.

Number words are parsed by grammar rather than listed: below a thousand every spelling is
precomputed into a table (a few thousand entries), larger values are split at "tausend" and
"million". Tokens may split a compound at a morpheme boundary ("zwei hundert", "ein und
zwanzig"); STT engines do that, while "vier zehn" or "drei vier" are not one number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

Number = int | float

_ONES: dict[str, int] = {
    "ein": 1,
    "zwei": 2,
    "zwo": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
}
_TEENS: dict[str, int] = {
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "dreizehn": 13,
    "vierzehn": 14,
    "fünfzehn": 15,
    "sechzehn": 16,
    "siebzehn": 17,
    "achtzehn": 18,
    "neunzehn": 19,
}
_TENS: dict[str, int] = {
    "zwanzig": 20,
    "dreißig": 30,
    "vierzig": 40,
    "fünfzig": 50,
    "sechzig": 60,
    "siebzig": 70,
    "achtzig": 80,
    "neunzig": 90,
}
# Forms that only stand alone: "eins" ends a compound, "ein" begins one, the rest are articles.
_STANDALONE: dict[str, int] = {
    "null": 0,
    "ein": 1,
    "eine": 1,
    "einen": 1,
    "einem": 1,
    "einer": 1,
    "eines": 1,
}
_HALVES: dict[str, float] = {"anderthalb": 1.5, "einhalb": 0.5}
_BOUNDARY_ENDS = ("hundert", "tausend", "und", "million", "millionen")
_BOUNDARY_STARTS = ("hundert", "tausend", "und", "million", "einhalb", "halb")
_MAX_TOKENS = 8
_DIGITS = re.compile(r"-?\d+(?:[.,]\d+)?")
_ASCII_DIGITS = re.compile(r"\d+")


def _below_hundred() -> dict[str, int]:
    table = {("eins" if value == 1 else word): value for word, value in _ONES.items()}
    table.update(_TEENS)
    table.update(_TENS)
    for one, one_value in _ONES.items():
        for ten, ten_value in _TENS.items():
            table[f"{one}und{ten}"] = one_value + ten_value
    return table


def _below_thousand() -> dict[str, int]:
    small = _below_hundred()
    table = dict(small)
    for prefix, factor in {"": 1, **_ONES}.items():
        hundreds = f"{prefix}hundert"
        table[hundreds] = factor * 100
        for word, value in small.items():
            table[hundreds + word] = factor * 100 + value
            table[f"{hundreds}und{word}"] = factor * 100 + value
    return table


_BELOW_1000 = _below_thousand()
# Before "tausend" a trailing "eins" loses its s: "eintausend", "hunderteintausend".
_PREFIX_1000 = {(k[:-1] if k.endswith("eins") else k): v for k, v in _BELOW_1000.items()}


def _canonical(word: str) -> str:
    """Spell a number word the way the tables do (dreissig, fuenf, zwoelf)."""
    # Only these digraphs: a blanket oe -> ö would break "zwoeinhalb".
    return word.replace("ss", "ß").replace("fuenf", "fünf").replace("zwoelf", "zwölf")


def _rest(tail: str, lookup: dict[str, int] | None = None) -> int | None:
    """The part after a scale word: empty, or a number with an optional "und"."""
    if not tail:
        return 0
    if tail.startswith("und"):
        tail = tail[3:]
    if lookup is not None:
        return lookup.get(tail)
    return _below_million(tail)


def _below_million(word: str) -> int | None:
    value = _BELOW_1000.get(word)
    if value is not None:
        return value
    head, sep, tail = word.partition("tausend")
    if not sep:
        return None
    factor = 1 if not head else _PREFIX_1000.get(head)
    rest = _rest(tail, _BELOW_1000)
    if factor is None or rest is None:
        return None
    return factor * 1000 + rest


def _parse_int_word(word: str) -> int | None:
    """An unsigned whole number written as one German word, or None."""
    head, sep, tail = word.partition("million")
    if not sep:
        return _below_million(word)
    factor = 1 if head in ("", "ein", "eine") else _PREFIX_1000.get(head)
    rest = _rest(tail.removeprefix("en"))
    if factor is None or rest is None:
        return None
    return factor * 1_000_000 + rest


def _parse_halves(word: str) -> float | None:
    """Words ending in "halb": anderthalb, eineinhalb, zweieinhalb, einundhalb."""
    if word in _HALVES:
        return _HALVES[word]
    for suffix in ("undeinhalb", "einhalb", "undhalb"):
        if word.endswith(suffix) and len(word) > len(suffix):
            base = word[: -len(suffix)]
            whole = 1 if base == "ein" else _parse_int_word(base)
            return None if whole is None else whole + 0.5
    return None


def _digits(word: str) -> Number | None:
    if not _DIGITS.fullmatch(word):
        return None
    if word.lstrip("-").isdigit():
        return int(word)
    return float(word.replace(",", "."))


# Every number word starts with one of these letters; anything else is rejected at once.
_STARTS = frozenset("-0123456789" + "".join({w[0] for w in (*_BELOW_1000, *_STANDALONE)}) + "atm")


@lru_cache(maxsize=16384)
def word_value(word: str) -> Number | None:
    """The value of one lower-cased token ("22", "21,5", "zweiundzwanzig", "eine"), or None."""
    if not word or word[0] not in _STARTS:
        return None
    if word[0] in "-0123456789":
        return _digits(word)
    canonical = _canonical(word)
    if canonical in _STANDALONE:
        return _STANDALONE[canonical]
    if canonical.endswith("halb"):
        return _parse_halves(canonical)
    return _parse_int_word(canonical)


def _joinable(previous: str, following: str) -> bool:
    return previous.endswith(_BOUNDARY_ENDS) or following.startswith(_BOUNDARY_STARTS)


def _whole_matches(words: Sequence[str], start: int) -> list[tuple[int, Number]]:
    """Single tokens and tokens that together spell one compound, shortest first."""
    value = word_value(words[start])
    if value is None:
        return []
    found: list[tuple[int, Number]] = [(start + 1, value)]
    joined = words[start]
    for end in range(start + 2, min(len(words), start + _MAX_TOKENS) + 1):
        if not _joinable(words[end - 2], words[end - 1]):
            break
        joined += words[end - 1]
        joined_value = word_value(joined)
        if joined_value is not None:
            found.append((end, joined_value))
    return found


def _fraction_digits(words: Sequence[str], start: int) -> list[tuple[int, str]]:
    """The digits after "komma": "5", "fünfundzwanzig" or single digits "null fünf"."""
    if start >= len(words):
        return []
    if _ASCII_DIGITS.fullmatch(words[start]):
        return [(start + 1, words[start])]
    first = word_value(words[start])
    if isinstance(first, int) and first >= 10:
        return [(start + 1, str(first))]
    found: list[tuple[int, str]] = []
    digits = ""
    for end in range(start, len(words)):
        value = word_value(words[end])
        if not isinstance(value, int) or not 0 <= value <= 9:
            break
        digits += str(value)
        found.append((end + 1, digits))
    return found


def _unsigned_matches(words: Sequence[str], start: int) -> list[tuple[int, Number]]:
    found = _whole_matches(words, start)
    if not found:
        return found
    for end, value in list(found):
        if isinstance(value, int) and end < len(words) and words[end] == "komma":
            for frac_end, digits in _fraction_digits(words, end + 1):
                found.append((frac_end, float(f"{value}.{digits}")))
    return sorted(found, key=lambda match: match[0], reverse=True)


def match_number(words: Sequence[str], start: int) -> list[tuple[int, Number]]:
    """Every (end, value) where words[start:end] is a number expression, longest first."""
    if start >= len(words):
        return []
    if words[start] != "minus":
        return _unsigned_matches(words, start)
    if start + 1 >= len(words):
        return []
    return [(end, -value) for end, value in _unsigned_matches(words, start + 1)]


def parse_number(text: str) -> Number | None:
    """The number a whole phrase spells ("einundzwanzig komma fünf" -> 21.5), or None."""
    words = text.lower().split()
    for end, value in match_number(words, 0):
        if end == len(words):
            return value
    return None


def digits_to_code(words: Sequence[str]) -> str | None:
    """A spoken digit sequence as a code ("null acht fünfzehn" -> "0815"), or None."""
    if not words:
        return None
    code = ""
    for word in words:
        token = word.lower()
        if _ASCII_DIGITS.fullmatch(token):
            code += token
            continue
        value = word_value(token)
        if not isinstance(value, int) or value < 0:
            return None
        code += str(value)
    return code


_ORDINAL_ENDINGS = ("en", "er", "es", "em", "e")
_IRREGULAR_ORDINALS: dict[str, int] = {"erst": 1, "dritt": 3, "siebt": 7, "acht": 8}
_DIGIT_ORDINAL = re.compile(r"(\d+)(?:\.|s?te[nrsm]?)")


def parse_ordinal(word: str) -> int | None:
    """An inflected ordinal word ("vierundzwanzigsten", "dritte") or "24." as a number."""
    token = word.lower()
    digits = _DIGIT_ORDINAL.fullmatch(token)
    if digits:
        return int(digits.group(1))
    for ending in _ORDINAL_ENDINGS:
        if token.endswith(ending):
            return _ordinal_stem(_canonical(token[: -len(ending)]))
    return None


def _ordinal_stem(stem: str) -> int | None:
    if stem in _IRREGULAR_ORDINALS:
        return _IRREGULAR_ORDINALS[stem]
    if stem.endswith("st"):
        value = _parse_int_word(stem[:-2])
        if value is not None and value >= 20:
            return value
    if stem.endswith("t"):
        value = _parse_int_word(stem[:-1])
        if value is not None and 2 <= value <= 19:
            return value
    return None
