"""Snapping a whole transcript to the nearest command the household could have said.

A recogniser that mishears a short command rarely gets single words wrong in isolation: it
glues and splits words ("Schalternas Licht, Timber, Haus" for "Schalte das Licht im Bad
aus"). So the transcript as a whole is compared with every sentence drawn for the home
(sentences.py), in a rough German sound-alike spelling with the word gaps removed. The
nearest sentence is taken only when it is near enough and clearly nearer than every
sentence that would do something else: two sentences that differ in room or device are
rivals, and a close race is no command at all ("Ich habe nichts verstanden."), because
switching off the wrong light is worse than asking again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from hausgeist.language.parse import ParseResult
from hausgeist.speech.repair import Repairer
from hausgeist.speech.sentences import Command, meaning, number_words
from hausgeist.speech.sounds import sound

# Both chosen on whisper-base's transcripts of tests/speech/calibration.yaml, never on the
# test commands: with a margin of 6, "Mach den Rollladen zu" closed every curtain.
MIN_SCORE = 75.0  # similarity (0-100) the nearest sentence needs
MIN_MARGIN = 8.0  # how much nearer it must be than the nearest sentence doing something else
CANDIDATES = 200  # sentences looked at per transcript
MIN_PART = 3  # letters of the shorter part when a word heard is parted in two
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_SIGNS = {"%": " prozent ", "°": " grad "}
_NUMBER_WORDS = frozenset(number_words(n) for n in range(1000))
_VOICED = str.maketrans({"b": "p", "d": "t", "g": "k", "w": "v", "h": None})


@dataclass(frozen=True)
class Guess:
    """The nearest command to a transcript and how sure that is."""

    text: str  # the command to understand, with free text as heard
    score: float  # similarity of the nearest sentence (0-100)
    margin: float  # its lead over the nearest sentence that means something else
    command: Command | None = None

    @property
    def sure(self) -> bool:
        """Near enough and clearly ahead of every rival."""
        return self.command is not None and self.score >= MIN_SCORE and self.margin >= MIN_MARGIN


def words(text: str) -> list[str]:
    """Words of a transcript, lower case, numbers and signs spelled out."""
    for sign, said in _SIGNS.items():
        text = text.replace(sign, said)
    out: list[str] = []
    for token in _TOKEN.findall(text.casefold()):
        out.extend(number_words(int(token)).split() if token.isdigit() else [token])
    return out


def key(parts: Sequence[str]) -> str:
    """The sound-alike spelling of words, without the gaps between them."""
    return "".join(sound(word) for word in parts).translate(_VOICED)


class Nearest:
    """The home's commands, indexed by their sound-alike spelling."""

    def __init__(
        self,
        commands: Sequence[Command],
        read: Callable[[str], ParseResult],
        keys: Sequence[str] | None = None,
    ) -> None:
        """`keys` are the commands' sound-alike spellings when known (kept on disk with
        them: computing them takes a few tenths of a second)."""
        self.read = read
        self.commands = list(commands)
        if keys is not None and len(keys) != len(self.commands):
            raise ValueError(f"{len(keys)} keys for {len(self.commands)} commands")
        self._keys = list(keys) if keys is not None else [key(c.text.split()) for c in commands]
        self._vocabulary: frozenset[str] | None = None
        self._repairer: Repairer | None = None

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every word of the home's commands."""
        if self._vocabulary is None:
            self._vocabulary = frozenset(w for c in self.commands for w in c.text.split())
        return self._vocabulary

    def respellings(self, heard: str) -> list[str]:
        """`heard` in lower case with one gap between two words closed ("kaffee maschine":
        "kaffeemaschine") or one word parted in two ("zureinkaufsliste": "zur
        einkaufsliste"), where that makes a word of the home's commands: whisper writes
        compounds apart and short words together, and the grammar reads only the spelling
        it knows."""
        spoken = words(heard)
        known = self.vocabulary
        out: dict[str, None] = {}
        for i in range(len(spoken) - 1):
            if spoken[i] + spoken[i + 1] in known:
                out[" ".join([*spoken[:i], spoken[i] + spoken[i + 1], *spoken[i + 2 :]])] = None
        for i, word in enumerate(spoken):
            for cut in range(MIN_PART, len(word) - MIN_PART + 1):
                head, tail = word[:cut], word[cut:]
                if head in known or tail in known:
                    out[" ".join([*spoken[:i], head, tail, *spoken[i + 1 :]])] = None
        return list(out)

    def repairs(self, heard: str, limit: int, accept: Callable[[str], bool]) -> list[str]:
        """Up to `limit` sentences `accept` takes that are `heard` with words replaced by
        words of the home's commands alike in sound (repair.py), fewest changes first."""
        if self._repairer is None:
            self._repairer = Repairer(self.vocabulary, lambda word: key([word]))
        return self._repairer.repairs(words(heard), limit, accept)

    @property
    def keys(self) -> list[str]:
        """The commands' sound-alike spellings, in their order."""
        return list(self._keys)

    def guess(self, heard: str) -> Guess:
        """The nearest command to `heard`, with its score and margin (not yet judged)."""
        spoken = words(heard)
        if not spoken:
            return Guess(heard, 0.0, 0.0)
        found = process.extract(key(spoken), self._keys, scorer=fuzz.ratio, limit=CANDIDATES)
        if not found:
            return Guess(heard, 0.0, 0.0)
        _, top, first = found[0]
        best = self.commands[first]
        rival = max((s for _, s, i in found if self.commands[i].meaning != best.meaning),
                    default=0.0)  # fmt: skip
        text = best.text if best.free is None else _with_free_text(best, spoken)
        if _numbers(text.split()) != _numbers(spoken):
            # The index holds a few numbers only: "zweiundzwanzig Grad" would be nearest to
            # "einundzwanzig Grad" by far, so a number heard must be the number snapped to.
            return Guess(heard, top, 0.0)
        if best.free is not None and not self._same(best, text):
            return Guess(heard, top, top - rival)
        return Guess(text, top, top - rival, best)

    def candidates(self, heard: str, limit: int) -> list[str]:
        """Up to `limit` distinct commands nearest to `heard` in spelling, each with the
        numbers heard in place of its own (when they count alike) and free text as heard."""
        spoken = words(heard)
        if not spoken:
            return []
        heard_numbers = [part for part in spoken if part in _NUMBER_WORDS]
        found = process.extract(key(spoken), self._keys, scorer=fuzz.ratio, limit=CANDIDATES)
        out: dict[str, None] = {}
        for _, _, index in found:
            command = self.commands[index]
            text = command.text if command.free is None else _with_free_text(command, spoken)
            parts = text.split()
            own = [i for i, part in enumerate(parts) if part in _NUMBER_WORDS]
            if heard_numbers and len(own) == len(heard_numbers):
                for i, number in zip(own, heard_numbers, strict=True):
                    parts[i] = number
            text = " ".join(parts)
            if self.read(text).intent is not None:
                out[text] = None
            if len(out) >= limit:
                break
        return list(out)

    def _same(self, command: Command, text: str) -> bool:
        """Whether `text` (the command with heard free text) still means the command."""
        parsed = self.read(text)
        slots = [command.free_slot] if command.free_slot else []
        return parsed.intent == command.intent and meaning(parsed, slots) == command.meaning


def _numbers(parts: Sequence[str]) -> list[str]:
    return sorted(part for part in parts if part in _NUMBER_WORDS)


def _with_free_text(command: Command, spoken: list[str]) -> str:
    """The command with its free-text words replaced by the heard words in their place."""
    template = command.text.split()
    start, end = command.free or (len(template), len(template))
    before, after = template[:start], template[end:]
    want_before, want_after = key(before), key(after)
    best: tuple[int, int, int] | None = None
    for start in range(len(spoken)):
        cost_before = Levenshtein.distance(key(spoken[:start]), want_before)
        for end in range(start + 1, len(spoken) + 1):
            cost = cost_before + Levenshtein.distance(key(spoken[end:]), want_after)
            if best is None or cost < best[0]:
                best = (cost, start, end)
    if best is None:
        return command.text
    free = spoken[best[1] : best[2]]
    if before and free[0].startswith(before[-1]) and len(free[0]) > len(before[-1]) + 2:
        free[0] = free[0][len(before[-1]) :]  # "fügebrot": the word before, glued on
    return " ".join([*before, *free, *after])
