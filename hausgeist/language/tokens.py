"""Turning text into the tokens the matcher walks over.

Templates and input go through the same `fold_word`, so that "Straße", "STRASSE" and
"strasse" meet. Input tokens keep their character span so that free text (a broadcast
message, a product name) is reported as the household wrote or said it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that are their own token even when glued to a number: "50%", "21°".
UNIT_SIGNS = frozenset("%°")

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[%°]|[^\s%°]+")
_EDGE_PUNCT = "\"'„“”‚‘’«»()[]{}<>.,;:!?¿¡…。，？！；：*#~|/\\-–—_"
_INNER_PUNCT = re.compile(r"[\"„“”«»()\[\]{}<>;!?¿¡…。，？！；*#~|]")


@dataclass(frozen=True, slots=True)
class Token:
    """One input word: its folded form and its span in the original text."""

    word: str
    start: int
    end: int


def fold_word(word: str) -> str:
    """The form in which template words and input words are compared."""
    return unicodedata.normalize("NFC", word).casefold()


def tokenize(text: str) -> list[Token]:
    """Split text into folded word tokens, dropping punctuation that carries no meaning."""
    tokens: list[Token] = []
    for found in _TOKEN.finditer(text):
        raw = found.group()
        start, end = found.span()
        if not raw[0].isdigit():
            stripped = raw.strip(_EDGE_PUNCT)
            if not stripped:
                continue
            start += raw.index(stripped)
            end = start + len(stripped)
            raw = _INNER_PUNCT.sub("", stripped)
            if not raw:
                continue
        tokens.append(Token(fold_word(raw), start, end))
    return tokens


def fold_phrase(text: str) -> tuple[str, ...]:
    """The folded words of a phrase (a list value, an entity name, a skip word)."""
    return tuple(token.word for token in tokenize(text))
