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
from functools import cache
from pathlib import Path
from typing import Any

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.model.data import Span
from hausgeist.language.model.intents import INTENTS_FILE, IntentModel
from hausgeist.language.model.mapping import MassiveMap, Reading, load_mapping
from hausgeist.language.model.normalize import coffee_machine, normalize
from hausgeist.language.model.recurrent import RECURRENT_FILE, RecurrentTagger
from hausgeist.language.model.slots import SLOTS_FILE, SlotTagger
from hausgeist.language.polarity import OFF, ON, says_only

MODEL_DIR = Path(__file__).with_name("trained")
# At or above THRESHOLD (the probability of its reading) the model acts; from ASK_BELOW up
# to THRESHOLD the dialog asks back ("Meinst du: ...?"); below, nothing. Chosen on MASSIVE de
# dev (BENCHMARKS.md).
THRESHOLD = 0.5
ASK_BELOW = 0.3
# A reading is asked about, not acted on, when the model gives "no request" at least this
# probability (summed over the out-of-scope classes).
DOUBT = 0.2
# A grammar match that rests on free text is asked about when the model holds the sentence
# out of scope with at least this probability (chosen on dev; BENCHMARKS.md).
VETO = 0.99
# Dialog answers are taken from the grammar's exact words only: a statistical guess must
# never confirm an order or give a voice code.
_NEVER_GUESSED = frozenset({"Affirm", "VoiceCode"})
# Words that ask for nothing: "im schlafzimmer" names a place, it is no request.
_FUNCTION_WORDS = frozenset(
    "im in ins der die das den dem des am vom von zum zur beim bei mit für und auch noch"
    " bitte mal doch ja also so da dort hier mir mich du ich es ein eine einen einem einer"
    " äh ähm hm hmm oh okay".split()
)
# Device commands act on a target: without one the skill would have to guess what.
_NEEDS_TARGET = frozenset(
    {"HassTurnOn", "HassTurnOff", "HassLightSet", "LightStep", "HassSetPosition", "HassGetState"}
)
_TARGETS = frozenset({"name", "area", "floor", "domain"})
_PLACES = frozenset({"area", "device"})
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
    """What the model made of a sentence: `intent` None for nothing; `asks`: confirm first.

    `untargeted` is a device command the model read (at `confidence`) but withheld because
    the home has no target for it (no device, room or kind of device it names): the
    sentence was understood, the home cannot serve it. The bench counts such rows apart.
    """

    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    label: str | None = None
    spans: tuple[Span, ...] = ()
    asks: bool = False
    untargeted: str | None = None

    @property
    def acts(self) -> bool:
        """Whether the turn may act on this reading without asking."""
        return self.intent is not None and not self.asks


class ModelFallback:
    """The intent classifier and slot tagger from one directory, loaded lazily."""

    def __init__(
        self, directory: Path = MODEL_DIR, threshold: float = THRESHOLD, ask: float = ASK_BELOW
    ) -> None:
        self.directory = directory
        self.threshold = threshold
        self.ask = min(ask, threshold)
        self.veto = VETO
        self.doubt = DOUBT
        self._lock = threading.Lock()
        self._loaded: tuple[IntentModel, SlotTagger, MassiveMap] | None = None

    @classmethod
    def packaged(cls) -> ModelFallback | None:
        """The model shipped in the package (one per process), or None without its files."""
        return _packaged()

    def available(self) -> bool:
        """Whether the model's files are there."""
        return (self.directory / INTENTS_FILE).is_file() and (self.directory / SLOTS_FILE).is_file()

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
        if reading is None or reading.intent in _NEVER_GUESSED or confidence < self.ask:
            return ModelReading(None, {}, round(confidence, 3) if reading else 0.0, label)
        spans = tagger.spans(words, label)
        intent = _refine(reading.intent, words, spans)
        slots = normalize(intent, words, spans, home, today, label in _LIGHT_LABELS)
        slots.update(reading.slots)
        if label == "iot_coffee":
            # "mach kaffee" switches on the home's coffee machine, if it has one.
            slots.update(coffee_machine(home))
        if not _requests(words, spans) or _goes_against(intent, words):
            return ModelReading(None, {}, round(confidence, 3), label, spans)
        asks = confidence < self.threshold or mass[None] >= self.doubt
        if intent in _NEEDS_TARGET and not _TARGETS & slots.keys():
            # A device command needs a target in this home: the skill would have to guess.
            withheld = None if asks else intent
            return ModelReading(None, {}, round(confidence, 3), label, spans, untargeted=withheld)
        return ModelReading(intent, slots, round(confidence, 3), label, spans, asks)

    def out_of_scope(self, words: Sequence[str]) -> float:
        """The model's probability that a sentence is no request hausgeist serves."""
        if not words:
            return 1.0
        intents, _, mapping = self._models()
        probabilities = intents.probabilities(words)
        return float(sum(p for name, p in zip(intents.labels, probabilities, strict=True)
                         if mapping.reading(name) is None))  # fmt: skip

    def spans(self, words: Sequence[str]) -> tuple[Span, ...]:
        """The tagger's slot spans (in its own slot names), given the classifier's class."""
        if not words:
            return ()
        intents, tagger, _ = self._models()
        label = intents.labels[int(intents.probabilities(words).argmax())]
        return tagger.spans(words, label)

    def _models(self) -> tuple[IntentModel, SlotTagger, MassiveMap]:
        with self._lock:
            if self._loaded is None:
                self._loaded = (
                    IntentModel.load(self.directory / INTENTS_FILE),
                    SlotTagger(self.directory / SLOTS_FILE, _recurrent(self.directory)),
                    load_mapping(),
                )
            return self._loaded


def _recurrent(directory: Path) -> RecurrentTagger | None:
    """The recurrent tagger beside the CRF, if `hausgeist train` could build one."""
    path = directory / RECURRENT_FILE
    return RecurrentTagger.load(path) if path.is_file() else None


@cache
def _packaged() -> ModelFallback | None:
    fallback = ModelFallback()
    return fallback if fallback.available() else None


def _requests(words: Sequence[str], spans: Sequence[Span]) -> bool:
    """Whether some word beyond the rooms and devices a reading names asks for something."""
    named = {i for slot, start, end in spans if slot in _PLACES for i in range(start, end)}
    return not all(word in _FUNCTION_WORDS for i, word in enumerate(words) if i not in named)


def _goes_against(intent: str, words: Sequence[str]) -> bool:
    """Whether a switch the model read goes the opposite way of the words: "an" read as
    switching off, "aus" as switching on."""
    if intent == "HassTurnOn":
        return says_only(words, OFF, ON)
    if intent == "HassTurnOff":
        return says_only(words, ON, OFF)
    return False


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
