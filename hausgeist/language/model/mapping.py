"""MASSIVE's intents and slot types in hausgeist's vocabulary (the data is massive.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MAPPING_FILE = Path(__file__).with_name("massive.yaml")


class MappingError(Exception):
    """The mapping file is malformed."""

    code = "mapping_invalid"


@dataclass(frozen=True, slots=True)
class Reading:
    """One hausgeist reading of a MASSIVE intent: an intent and the slots it fixes."""

    intent: str
    slots: Mapping[str, str] = field(default_factory=dict)

    def accepts(self, intent: str | None, slots: Mapping[str, Any]) -> bool:
        """Whether a prediction is this reading (same intent, same fixed slots)."""
        return intent == self.intent and all(slots.get(k) == v for k, v in self.slots.items())


@dataclass(frozen=True, slots=True)
class MassiveMap:
    """The whole mapping: intents, labels for grammar sentences, slot names."""

    intents: Mapping[str, tuple[Reading, ...]]
    grammar_labels: Mapping[str, str]
    slots: Mapping[str, str]
    grammar_slots: Mapping[str, str]

    def in_scope(self, massive_intent: str) -> bool:
        """Whether hausgeist should act on an utterance of this MASSIVE intent."""
        return bool(self.intents.get(massive_intent))

    def correct(self, massive_intent: str, intent: str | None, slots: Mapping[str, Any]) -> bool:
        """Whether a hausgeist prediction is right for an utterance of `massive_intent`."""
        readings = self.intents.get(massive_intent, ())
        if not readings:
            return intent is None
        return any(reading.accepts(intent, slots) for reading in readings)

    def reading(self, label: str) -> Reading | None:
        """What the model answers for a class label (a MASSIVE or a hausgeist intent)."""
        if label in self.intents:
            readings = self.intents[label]
            return readings[0] if readings else None
        return Reading(label)

    def label_for(self, intent: str, slots: Mapping[str, Any]) -> str:
        """The class a sentence drawn from the grammar teaches."""
        step = slots.get("direction") or slots.get("volume_step")
        if isinstance(step, str) and f"{intent}/{step}" in self.grammar_labels:
            return self.grammar_labels[f"{intent}/{step}"]
        return self.grammar_labels.get(intent, intent)

    def slot_name(self, massive_slot: str) -> str:
        """The tagger's name for a MASSIVE slot type."""
        return self.slots.get(massive_slot, massive_slot)


@cache
def load_mapping(path: Path = MAPPING_FILE) -> MassiveMap:
    """Read and check the mapping file."""
    with path.open(encoding="utf-8") as stream:
        document = yaml.safe_load(stream)
    if not isinstance(document, dict):
        raise MappingError(f"{path.name}: expected a mapping at the top")
    intents = {
        str(name): tuple(_reading(item) for item in readings or [])
        for name, readings in (document.get("intents") or {}).items()
    }
    return MassiveMap(
        intents,
        {str(k): str(v) for k, v in (document.get("grammar_labels") or {}).items()},
        {str(k): str(v) for k, v in (document.get("slots") or {}).items()},
        {str(k): str(v) for k, v in (document.get("grammar_slots") or {}).items()},
    )


def _reading(item: object) -> Reading:
    if isinstance(item, str):
        return Reading(item)
    if isinstance(item, dict) and isinstance(item.get("intent"), str):
        slots = {str(k): str(v) for k, v in (item.get("slots") or {}).items()}
        return Reading(item["intent"], slots)
    raise MappingError(f"not an intent reading: {item!r}")
