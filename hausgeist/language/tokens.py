"""Turning text into the tokens the matcher walks over.

Templates and input go through the same `fold_word`, so that "Straße", "STRASSE" and
"strasse" meet. Input tokens keep their character span so that free text (a broadcast
message, a product name) is reported as the household wrote or said it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Characters that are their own token even when glued to a number: "50%", "21°".
UNIT_SIGNS = frozenset("%°")

# Numbers with their separators ("21,5", "7:30"), unit signs, and words with inner hyphens
# or apostrophes ("To-do-Liste", "mach's"); everything else is punctuation and dropped.
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[%°]|[^\W_]+(?:[-'’][^\W_]+)*")


class Token(NamedTuple):
    """One input word: its folded form and its span in the original text."""

    word: str
    start: int
    end: int


def fold_word(word: str) -> str:
    """The form in which template words and input words are compared."""
    return unicodedata.normalize("NFC", word).casefold()


def normalize_text(text: str) -> str:
    """Composed Unicode (NFC), so that "e" + combining accent and "é" are one letter."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def tokenize(text: str) -> list[Token]:
    """Split NFC text into folded word tokens, dropping punctuation that carries no meaning.

    Token spans index `text`; callers that slice the original text pass it through
    `normalize_text` first.
    """
    return [Token(m.group().casefold(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def fold_phrase(text: str) -> tuple[str, ...]:
    """The folded words of a phrase (a list value, an entity name, a skip word)."""
    return tuple(token.word for token in tokenize(normalize_text(text)))
