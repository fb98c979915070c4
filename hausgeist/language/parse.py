"""Understanding one sentence: text and home in, intent and slots out.

`Understanding` owns the compiled grammar (built once, cached on disk by a digest of the
templates and the versions that read them) and one lexicon per home snapshot. It never
acts on anything: parsing is a pure function of the text, the home and the clock.
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.build import Compiled, load_compiled
from hausgeist.language.lexicon import PhraseIndex, home_index
from hausgeist.language.matcher import Match, Matcher
from hausgeist.language.model.fallback import ModelFallback
from hausgeist.language.tokens import Token, normalize_text, tokenize
from hausgeist.language.values import WILDCARD_NORMALIZERS

# Sentences longer than this many tokens are cut: no command is that long, and the cut
# keeps the work per line bounded.
MAX_TOKENS = 64
_HOME_CACHE = 256
# Pass as `fallback` for the model shipped in the package (grammar only if it is missing).
PACKAGED = "packaged"


@dataclass(frozen=True, slots=True)
class Guess:
    """A reading the model is unsure of: the turn asks back before acting on it."""

    intent: str
    slots: dict[str, Any]


@dataclass(slots=True)
class ParseResult:
    """What a sentence means: the `hausgeist parse` output line.

    `intent` is what a turn may act on; `guess` (with `intent` None) is a reading to confirm.
    """

    text: str
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    source: str | None = None
    error: str | None = None
    response: str | None = None
    fixed_slots: frozenset[str] = frozenset()
    guess: Guess | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the parse contract."""
        out: dict[str, Any] = {
            "text": self.text,
            "intent": self.intent,
            "slots": self.slots,
            "confidence": self.confidence,
            "source": self.source,
        }
        if self.guess is not None:
            out["ask"] = {"intent": self.guess.intent, "slots": self.guess.slots}
        if self.error is not None:
            out["error"] = self.error
        return out


class Understanding:
    """The understanding stage for one language: the grammar, then the trained fallback.

    A grammar match is exact (source "grammar", confidence 1.0). A sentence the grammar
    misses goes to `fallback` (None: grammar only; PACKAGED: the shipped model, loaded on
    first use): a reading above its calibrated threshold is the intent, one in the band
    below it a `guess` to ask back about, anything less no intent.
    """

    def __init__(
        self,
        compiled: Compiled,
        home: HomeSnapshot,
        clock: Callable[[], datetime] = datetime.now,
        fallback: ModelFallback | str | None = None,
    ) -> None:
        self._compiled = compiled
        if isinstance(fallback, str):
            if fallback != PACKAGED:
                raise ValueError(f"unknown fallback {fallback!r}")
            fallback = ModelFallback.packaged()
        self.fallback: ModelFallback | None = fallback
        self._clock = clock
        self._matcher = Matcher(
            compiled.automaton,
            compiled.dfa,
            compiled.lexicon.wildcards,
            WILDCARD_NORMALIZERS,
        )
        self._homes: OrderedDict[Hashable, PhraseIndex] = OrderedDict()
        self.home = home

    @classmethod
    def load(
        cls,
        home: HomeSnapshot,
        lang: str = "de",
        cache_dir: Path | None = None,
        clock: Callable[[], datetime] = datetime.now,
        fallback: ModelFallback | str | None = None,
    ) -> Understanding:
        """Load the compiled grammar from the cache, compiling it on a miss."""
        compiled = load_compiled(lang, cache_dir)
        # The grammar is millions of long-lived objects; without this, every full garbage
        # collection walks all of them and parsing slows down the longer a process runs.
        gc.freeze()
        return cls(compiled, home, clock, fallback)

    def parse(
        self,
        text: str,
        home: HomeSnapshot | None = None,
        area: str | None = None,
        model: bool = True,
    ) -> ParseResult:
        """Parse one sentence against a home (the configured one by default).

        `model` False asks the grammar alone (exact readings only, no fallback).
        """
        source = normalize_text(text)
        tokens = tokenize(source)[:MAX_TOKENS]
        if not tokens:
            return ParseResult(text)
        home = home or self.home
        index = self._home_index(home)
        context: dict[str, Any] = {"area": area} if area else {}
        today = self._clock().date()
        lattice = self._compiled.lexicon.lattice(source, tokens, index, today)
        matches = self._matcher.match(lattice, context)
        if "-" in source and any("-" in token.word for token in tokens):
            # Also read "to-do-liste" as "to do liste", and keep the better reading.
            tokens = tokenize(source.replace("-", " "))[:MAX_TOKENS]
            lattice = self._compiled.lexicon.lattice(source, tokens, index, today)
            matches = sorted(
                matches + self._matcher.match(lattice, context), key=Match.rank, reverse=True
            )
        if not matches:
            return self._model(text, tokens, home, today) if model else ParseResult(text)
        best = matches[0]
        if model and self._doubted(best, tokens):
            # Free text let a template take chatter ("spiel schach mit mir"): ask first.
            guess = Guess(best.intent, best.slots)
            return ParseResult(text, None, {}, 1.0, "grammar", guess=guess)
        return ParseResult(
            text,
            best.intent,
            best.slots,
            1.0,
            "grammar",
            response=best.template.response,
            fixed_slots=best.fixed,
        )

    def _doubted(self, best: Match, tokens: list[Token]) -> bool:
        """Whether a match that rests on free text is, to the model, no request at all."""
        if self.fallback is None or not best.free_text:
            return False
        return self.fallback.out_of_scope([t.word for t in tokens]) >= self.fallback.veto

    def _model(
        self, text: str, tokens: list[Token], home: HomeSnapshot, today: date
    ) -> ParseResult:
        if self.fallback is None:
            return ParseResult(text)
        reading = self.fallback.read([t.word for t in tokens], home, today)
        if reading.intent is None:
            return ParseResult(text, confidence=reading.confidence)
        if reading.asks:
            guess = Guess(reading.intent, reading.slots)
            return ParseResult(text, None, {}, reading.confidence, "model", guess=guess)
        return ParseResult(text, reading.intent, reading.slots, reading.confidence, "model")

    def _home_index(self, home: HomeSnapshot) -> PhraseIndex:
        # A snapshot read from JSON has a digest; one built in code is keyed by its content
        # (what the index is made of), never by identity, which Python reuses.
        key: Hashable = home.key or (home.areas, home.floors, home.entities)
        index = self._homes.get(key)
        if index is None:
            index = home_index(home)
            self._homes[key] = index
            if len(self._homes) > _HOME_CACHE:
                self._homes.popitem(last=False)
        else:
            self._homes.move_to_end(key)
        return index
