"""The trained fallback at run time: a sentence the grammar missed, read by the model.

The files are loaded on first use, so a process whose sentences all match the grammar
never pays for them; without the files there is no fallback (grammar only).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.model.data import Span
from hausgeist.language.model.intents import INTENTS_FILE, IntentModel
from hausgeist.language.model.mapping import MassiveMap, Reading, load_mapping
from hausgeist.language.model.normalize import normalize
from hausgeist.language.model.slots import SLOTS_FILE, SlotTagger

MODEL_DIR = Path(__file__).with_name("trained")
# Below this probability of its reading the model does not act (the dialog asks back);
# chosen on MASSIVE de dev (BENCHMARKS.md).
THRESHOLD = 0.5
# Sentences longer than this many words are not read by the model: no command is that
# long, and a long text (a TV in the background, a pasted page) is no command.
MAX_WORDS = 24
# A sentence the model reads must be mostly words it learned (not English, not gibberish)
# and not a loop of the same few words (a stutter, or speech-to-text repeating itself).
MIN_KNOWN = 0.5
MIN_DISTINCT = 0.6
_DATE_WORDS = frozenset({"datum", "tag", "wochentag", "wievielte", "wievielten", "jahr"})
_LIGHT_LABELS = frozenset({"iot_hue_lightchange", "iot_hue_lightdim", "iot_hue_lightup",
                           "iot_hue_lighton", "iot_hue_lightoff"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class ModelReading:
    """What the model made of a sentence; `intent` is None when it would not act."""

    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    label: str | None = None
    spans: tuple[Span, ...] = ()


class ModelFallback:
    """The intent classifier and slot tagger from one directory, loaded lazily."""

    def __init__(self, directory: Path = MODEL_DIR, threshold: float = THRESHOLD) -> None:
        self.directory = directory
        self.threshold = threshold
        self._lock = threading.Lock()
        self._loaded: tuple[IntentModel, SlotTagger, MassiveMap] | None = None

    @classmethod
    def packaged(cls) -> ModelFallback | None:
        """The model shipped in the package, or None when its files are missing."""
        fallback = cls()
        return fallback if fallback.available() else None

    def available(self) -> bool:
        """Whether the model's files are there."""
        return (self.directory / INTENTS_FILE).is_file() and (
            self.directory / SLOTS_FILE
        ).is_file()

    def read(self, words: Sequence[str], home: HomeSnapshot, today: date) -> ModelReading:
        """The model's reading of a sentence, normalized against `home`."""
        if not words or len(words) > MAX_WORDS:
            return ModelReading(None)
        intents, tagger, mapping = self._models()
        if _repetitive(words) or intents.known_share(words) < MIN_KNOWN:
            return ModelReading(None)
        probabilities = intents.probabilities(words)
        label = intents.labels[int(probabilities.argmax())]
        mass: dict[tuple[str, ...] | None, float] = defaultdict(float)
        for name, p in zip(intents.labels, probabilities, strict=True):
            mass[_key(mapping.reading(name))] += float(p)
        reading = mapping.reading(label)
        confidence = mass[_key(reading)]
        if reading is None or confidence < self.threshold:
            return ModelReading(None, {}, 0.0, label)
        spans = tagger.spans(words)
        intent = _refine(reading.intent, words, spans)
        slots = normalize(intent, words, spans, home, today, label in _LIGHT_LABELS)
        slots.update(reading.slots)
        return ModelReading(intent, slots, round(confidence, 3), label, spans)

    def spans(self, words: Sequence[str]) -> tuple[Span, ...]:
        """The tagger's slot spans (in its own slot names)."""
        return self._models()[1].spans(words) if words else ()

    def _models(self) -> tuple[IntentModel, SlotTagger, MassiveMap]:
        with self._lock:
            if self._loaded is None:
                self._loaded = (
                    IntentModel.load(self.directory / INTENTS_FILE),
                    SlotTagger(self.directory / SLOTS_FILE),
                    load_mapping(),
                )
            return self._loaded


def _repetitive(words: Sequence[str]) -> bool:
    return len(words) >= 4 and len(set(words)) < MIN_DISTINCT * len(words)


def _key(reading: Reading | None) -> tuple[str, ...] | None:
    """Readings that act alike (same intent, same fixed slots) pool their probability."""
    if reading is None:
        return None
    return (reading.intent, *sorted(f"{k}={v}" for k, v in reading.slots.items()))


def _refine(intent: str, words: Sequence[str], spans: Sequence[Span]) -> str:
    """The one hausgeist intent where a MASSIVE intent stands for two."""
    if intent == "HassGetCurrentTime" and _DATE_WORDS & set(words):
        return "HassGetCurrentDate"
    if intent == "HassListAddItem" and not any(slot == "list" for slot, _, _ in spans):
        return "HassShoppingListAddItem"
    return intent
