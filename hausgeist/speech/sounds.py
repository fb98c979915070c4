"""Snapping a transcript to the grammar: near a known command, read it as that command.

Speech recognisers mishear short German commands in small ways ("Till einen Timer",
"Schalten das Licht im Bahtaus"). When the transcript as heard is no command, each unknown
word is compared, by a rough German sound-alike form, with the words the grammar and the
home know; the cheapest rewrites are tried in order until one parses. Words nothing is near
stay as heard, so free text (a shopping item, an artist) survives. A transcript too far from
every command stays as it was: acting on a guess is worse than asking again.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

KEEP = 0.4  # cost of keeping an unknown word as heard (free text)
CHANGE_KNOWN = 0.15  # extra cost of replacing a word the grammar knows
# Among rewrites that parse, those no dearer than the cheapest by WINDOW compete; each word
# a free-text slot swallowed counts FREE ("spiel die heizung auf 22 grad" is a media search
# for five free words, "stell die heizung auf 22 grad" needs none).
WINDOW = 0.2
FREE = 0.05
MAX_MEAN_COST = 0.3  # a rewrite may cost at most this much per word on average
MAX_TRIES = 400  # parses per transcript
MATCHES = 3  # vocabulary neighbours per unknown word
_SCORE_CUTOFF = 62.0
_WORD = re.compile(r"[\wäöüß]+", re.IGNORECASE)
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


@dataclass(frozen=True)
class Snapped:
    """A transcript as it will be understood."""

    text: str
    heard: str
    changed: bool = False
    cost: float = 0.0


class Snapper:
    """Rewrites transcripts towards the commands a grammar understands.

    `understands(text)` is None when the text is no command, else the number of its words
    that only a free-text slot accepted.
    """

    def __init__(
        self, vocabulary: Iterable[str], understands: Callable[[str], float | None]
    ) -> None:
        self.words = {word.casefold() for word in vocabulary if word}
        self.understands = understands
        self._by_sound: dict[str, str] = {}
        for word in sorted(self.words, key=len):
            self._by_sound.setdefault(sound(word), word)
        self._sounds = list(self._by_sound)

    def snap(self, heard: str) -> Snapped:
        """The transcript, rewritten to the nearest command when it is not one as heard."""
        words = [word.casefold() for word in _WORD.findall(heard)]
        if not words or self.understands(heard) is not None:
            return Snapped(heard, heard)
        options = [self._options(word) for word in words]
        budget = MAX_MEAN_COST * len(words)
        best: Snapped | None = None
        for cost, choice in _cheapest(options, MAX_TRIES):
            if cost > budget or (best is not None and cost > best.cost + WINDOW):
                break
            text = " ".join(part for part in choice if part)
            free = self.understands(text) if cost > 0 else None
            if free is not None and (best is None or cost + FREE * free < best.cost):
                best = Snapped(text, heard, True, cost + FREE * free)
        return best or Snapped(heard, heard)

    def _options(self, word: str) -> list[tuple[float, str]]:
        """Readings of one heard word, cheapest first."""
        if word.isdigit():
            return [(0.0, word)]
        known = word in self.words
        # A known word may still be misheard ("still" for "stell"), but costs more to change.
        found = [(0.0 if known else KEEP, word)]
        for match, score, _ in process.extract(
            sound(word), self._sounds, scorer=fuzz.ratio, limit=MATCHES, score_cutoff=_SCORE_CUTOFF
        ):
            if self._by_sound[match] != word:
                found.append(((100.0 - score) / 100.0 + (CHANGE_KNOWN if known else 0.0),
                              self._by_sound[match]))  # fmt: skip
        if not known:
            found.extend(self._splits(word))
        return sorted(set(found))

    def _splits(self, word: str) -> list[tuple[float, str]]:
        """A word heard for two ("Musiklauter", "Schalternas")."""
        found = []
        for cut in range(2, len(word) - 1):
            left, right = self._nearest(word[:cut]), self._nearest(word[cut:])
            if left and right:
                found.append((left[0] + right[0] + 0.1, f"{left[1]} {right[1]}"))
        return sorted(found)[:2]

    def _nearest(self, part: str) -> tuple[float, str] | None:
        if part in self.words:
            return 0.0, part
        best = process.extractOne(sound(part), self._sounds, scorer=fuzz.ratio, score_cutoff=75.0)
        return None if best is None else ((100.0 - best[1]) / 100.0, self._by_sound[best[0]])


def _cheapest(
    options: list[list[tuple[float, str]]], limit: int
) -> Iterable[tuple[float, tuple[str, ...]]]:
    """Choices of one option per word in order of total cost (lazy k-best)."""
    start = (0,) * len(options)
    heap = [(sum(o[0][0] for o in options), start)]
    seen = {start}
    while heap and limit > 0:
        cost, picks = heapq.heappop(heap)
        limit -= 1
        yield cost, tuple(options[i][p][1] for i, p in enumerate(picks))
        for i, pick in enumerate(picks):
            if pick + 1 < len(options[i]):
                following = (*picks[:i], pick + 1, *picks[i + 1 :])
                if following not in seen:
                    seen.add(following)
                    step = options[i][pick + 1][0] - options[i][pick][0]
                    heapq.heappush(heap, (cost + step, following))
