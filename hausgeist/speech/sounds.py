"""A rough German sound-alike spelling, for comparing what was heard with what was meant.

Recognisers spell a misheard word the way it sounded ("Fluhr", "Rolladen"); folding
spellings that sound alike to one form lets such words compare equal.
"""

from __future__ import annotations

import re

_SOUNDS = (
    ("ß", "ss"), ("ä", "e"), ("ö", "o"), ("ü", "u"), ("sch", "s"), ("ch", "k"), ("ck", "k"),
    ("ph", "f"), ("th", "t"), ("tz", "ts"), ("z", "ts"), ("ie", "i"), ("ei", "ai"), ("v", "f"),
    ("w", "v"), ("dt", "t"), ("qu", "kv"), ("y", "i"), ("c", "k"),
)  # fmt: skip
_VOWEL_H = re.compile(r"([aeiou])h")
_DOUBLE = re.compile(r"(.)\1+")


def sound(word: str) -> str:
    """A rough German sound-alike form: spellings that sound the same compare equal."""
    folded = word.casefold()
    for spelled, said in _SOUNDS:
        folded = folded.replace(spelled, said)
    folded = _VOWEL_H.sub(r"\1", folded)
    folded = _DOUBLE.sub(r"\1", folded)
    if folded.endswith(("d", "b", "g")):
        folded = folded[:-1] + {"d": "t", "b": "p", "g": "k"}[folded[-1]]
    return folded
