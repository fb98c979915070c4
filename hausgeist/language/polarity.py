"""Words that say which way a command goes: on or off, open or closed, up or down.

A guess (the statistical model's reading, a command snapped to from a misheard transcript)
that goes the opposite way of such a word the user clearly said is never acted on: switching
a light on for "aus" is worse than not understanding.
"""

from __future__ import annotations

from collections.abc import Collection

# Pairs of opposite sides; a side is every word that says it.
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"an", "ein", "einschalten", "anschalten", "anmachen"}),
     frozenset({"aus", "ausschalten", "ausmachen", "abschalten"})),
    (frozenset({"auf", "öffne", "öffnen", "hoch", "rauf"}),
     frozenset({"zu", "schließe", "schließen", "runter", "herunter"})),
    (frozenset({"heller", "lauter", "wärmer", "höher"}),
     frozenset({"dunkler", "leiser", "kälter", "niedriger"})),
)  # fmt: skip
ON, OFF = OPPOSITES[0]


def says_only(words: Collection[str], side: frozenset[str], other: frozenset[str]) -> bool:
    """Whether `words` (lower case) say `side` and nothing of `other`."""
    return bool(side.intersection(words)) and not other.intersection(words)


def contradicts(said: Collection[str], meant: Collection[str]) -> bool:
    """Whether `meant` goes the opposite way of `said`: one of them says only one side of a
    pair and the other only the other side."""
    for one, other in OPPOSITES:
        for this, that in ((one, other), (other, one)):
            if says_only(said, this, that) and says_only(meant, that, this):
                return True
    return False
