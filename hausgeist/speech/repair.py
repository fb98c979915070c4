"""Repairing a transcript word by word into the words of the home's commands.

The command index (sentences.py) holds sampled sentences, not every way of saying a command:
"ist das badlicht aus" is not among its 19,000 sentences, so when whisper writes "Ist das
padlich aus." the nearest indexed sentences ("ist badlicht an", ...) differ in more than the
misheard word, and whisper scores them far below its own transcript. Here the transcript
keeps its shape: each word, or two or three words glued ("Chimer-Fu-Akt" is "timer für
acht"), may become a word of the home's vocabulary that sounds alike, and the cheapest
sentences the grammar reads become candidates for whisper to score (rescore.py).

"Sounds alike" is two keys: the rough sound-alike spelling of sounds.py (its edit distance
ranks the words) and the Kölner Phonetik, a German phonetic code (Postel 1969) that folds
the letters whisper confuses in German speech (b/p, d/t, f/v/w, g/k/q, s/z): a word may
only become one whose code is at most one digit away ("Mauger" may not become "lauter").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Chosen on the development set (bench/speech.py --set dev, 194 recordings), never on the
# test commands; see rescore.REPAIRED for the figures.
KEEP = 0.6  # cost of keeping a word the home's commands never use (free text, or misheard)
NEAREST = 6  # words of the vocabulary tried in place of one word (or glued words) heard
GLUE = 3  # at most this many words heard may become one word of the vocabulary
SPELLING = 0.34  # edits allowed per letter of the sound-alike spelling (at least one)
# Digits of the Kölner Phonetik a replacement may differ in, per digit of the heard word's
# code (at least one), as SPELLING is per letter: a long word has room for more slips. On
# the development set (194 recordings) 169 right and 3 acting on another intent, against 167
# and 3 with one digit for every word ("Musik fortletzen" is "musik fortsetzen": 372586
# against 37886); two digits for every word 169 and 4 ("Mauger den Flur" as "lauter").
CODE = 0.25
BEAM = 40  # partial sentences kept per word position
_CHANGE = 0.1  # cost of any replacement, so a sentence with fewer changes comes first

_VOWELS = frozenset("aeijouyäöü")
_BEFORE_HARD_START = frozenset("ahkloqrux")  # after which an initial c is a k (4)
_BEFORE_HARD = frozenset("ahkoqux")  # after which a c inside a word is a k (4)


def cologne(word: str) -> str:
    """The Kölner Phonetik of a German word: "Müller-Lüdenscheidt" is "65752682"."""
    letters = "".join(ch for ch in word.casefold().replace("ß", "s") if ch.isalpha())
    codes = "".join(_code(letters, i) for i in range(len(letters)))
    collapsed = "".join(c for i, c in enumerate(codes) if i == 0 or codes[i - 1] != c)
    return collapsed[:1] + collapsed[1:].replace("0", "")


def _code(letters: str, i: int) -> str:
    """The code of the letter at `i`, by its neighbours (Postel's table)."""
    ch = letters[i]
    before = letters[i - 1] if i else ""
    after = letters[i + 1] if i + 1 < len(letters) else ""
    if ch in _VOWELS:
        return "0"
    if ch in "dt":
        return "8" if after and after in "csz" else "2"
    if ch == "p":
        return "3" if after == "h" else "1"
    if ch == "c":
        if i == 0:
            return "4" if after in _BEFORE_HARD_START else "8"
        return "4" if after in _BEFORE_HARD and before not in ("s", "z") else "8"
    if ch == "x":
        return "8" if before in ("c", "k", "q") else "48"
    return _PLAIN.get(ch, "")


_PLAIN = {"b": "1", "f": "3", "v": "3", "w": "3", "g": "4", "k": "4", "q": "4", "l": "5",
          "m": "6", "n": "6", "r": "7", "s": "8", "z": "8"}  # fmt: skip


@dataclass(frozen=True)
class _Move:
    """Words heard taken together (`span` of them) and what they become, at a cost."""

    span: int
    cost: float
    word: str


class Repairer:
    """The home's vocabulary by both keys, and the repair of a transcript into it."""

    def __init__(self, vocabulary: Iterable[str], spell: Callable[[str], str]) -> None:
        """`spell` is the sound-alike spelling of a word (nearest.py's)."""
        self.words = sorted({word for word in vocabulary if word.isalpha()})
        self.spell = spell
        self._known = frozenset(self.words)
        self._keys = [spell(word) for word in self.words]
        self._codes = [cologne(word) for word in self.words]

    def alike(self, heard: str) -> list[tuple[float, str]]:
        """Up to NEAREST words of the vocabulary that sound like `heard`, cheapest first:
        within SPELLING edits a letter of its sound-alike spelling and CODE a digit of its
        Kölner code."""
        spelled, code = self.spell(heard), cologne(heard)
        allowed = max(1, int(SPELLING * len(spelled) + 0.5))
        digits = max(1, int(CODE * len(code) + 0.5))
        found = process.extract(spelled, self._keys, scorer=Levenshtein.distance,
                                score_cutoff=allowed, limit=NEAREST * 3)  # fmt: skip
        out = [
            (Levenshtein.normalized_distance(spelled, self._keys[i])
             + Levenshtein.normalized_distance(code, self._codes[i]), self.words[i])
            for _, _, i in found
            if Levenshtein.distance(code, self._codes[i]) <= digits
        ]  # fmt: skip
        return sorted(out)[:NEAREST]

    def repairs(
        self, spoken: Sequence[str], limit: int, accept: Callable[[str], bool]
    ) -> list[str]:
        """Up to `limit` sentences `accept` takes, made of the words `spoken` (lower case,
        numbers spelled out) with some replaced by words alike in sound, fewest and smallest
        changes first; `spoken` itself is not one of them."""
        moves = [self._moves(spoken, i) for i in range(len(spoken))]
        kept: dict[int, list[tuple[float, tuple[str, ...]]]] = {0: [(0.0, ())]}
        for i in range(len(spoken)):
            for cost, made in sorted(kept.pop(i, []))[:BEAM]:
                for move in moves[i]:
                    kept.setdefault(i + move.span, []).append((cost + move.cost,
                                                               (*made, move.word)))  # fmt: skip
        out: list[str] = []
        for _, made in sorted(set(kept.get(len(spoken), []))):
            text = " ".join(made)
            if made != tuple(spoken) and text not in out and accept(text):
                out.append(text)
                if len(out) >= limit:
                    break
        return out

    def _moves(self, spoken: Sequence[str], i: int) -> list[_Move]:
        """What the words from `i` on may become: the word itself, or a word alike in sound
        to it or to it glued to the next one or two."""
        word = spoken[i]
        moves = [_Move(1, 0.0 if word in self._known else KEEP, word)]
        for span in range(1, min(GLUE, len(spoken) - i) + 1):
            for cost, alike in self.alike("".join(spoken[i : i + span])):
                if span > 1 or alike != word:
                    moves.append(_Move(span, cost + _CHANGE, alike))
        return moves
