"""Sentences drawn at random from hausgeist's grammar, with their slot spans, for training.

The templates (Home Assistant's German ones and hausgeist's own) are walked by a seeded
random sampler: one alternative per choice, one value per list, a number in digits or in
words per range. Lists that come from a home (areas, floors, device names) and free-text
slots are filled from small pools of everyday values below. Every sentence is then read by
the grammar itself, which gives its intent and slots; one the grammar does not read back
is dropped, so a training sentence never teaches something the grammar would not say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from hassil.expression import ListReference, Sentence
from hassil.intents import Intents, RangeSlotList, TextSlotList

from hausgeist.language.grammar import load_source, parse_source
from hausgeist.language.model.data import Example, Span
from hausgeist.language.model.mapping import MassiveMap
from hausgeist.language.sampling import Piece, TemplateSampler
from hausgeist.language.tokens import tokenize

if TYPE_CHECKING:
    from hausgeist.language.parse import ParseResult

POOLS_FILE = Path(__file__).with_name("pools.yaml")
# Ranges are drawn from, at most, this many values.
_NUMBERS = (1, 2, 3, 5, 10, 15, 20, 21, 22, 25, 30, 40, 45, 50, 60, 75, 80, 90, 100)
_WORDS = {1: "eins", 2: "zwei", 3: "drei", 5: "fünf", 10: "zehn", 15: "fünfzehn",
          20: "zwanzig", 21: "einundzwanzig", 22: "zweiundzwanzig", 25: "fünfundzwanzig",
          30: "dreißig", 40: "vierzig", 45: "fünfundvierzig", 50: "fünfzig", 60: "sechzig",
          75: "fünfundsiebzig", 80: "achtzig", 90: "neunzig", 100: "hundert"}  # fmt: skip


class Sampler(TemplateSampler):
    """Seeded random walks over the parsed templates; lists filled from `pools.yaml`."""

    def __init__(self, intents: Intents, seed: int = 7) -> None:
        super().__init__(intents, seed)
        with POOLS_FILE.open(encoding="utf-8") as stream:
            self._pools: dict[str, list[str]] = {
                str(k): [str(v) for v in values] for k, values in yaml.safe_load(stream).items()
            }

    def fill(self, ref: ListReference, rules: Mapping[str, Sentence]) -> Iterator[Piece]:
        """A random value of the list, marked with its slot."""
        slot = ref.slot_name
        values = self.intents.slot_lists.get(ref.list_name)
        if isinstance(values, TextSlotList) and values.values:
            chosen = self.random.choice(values.values)
            yield from self.walk(chosen.text_in, rules, slot)
        elif isinstance(values, RangeSlotList):
            numbers = [n for n in _NUMBERS if values.start <= n <= values.stop]
            number = self.random.choice(numbers or [values.start])
            spoken = _WORDS.get(number) if self.random.random() < 0.5 else None
            yield f" {spoken or number} ", slot
        else:
            pool = self._pools.get(ref.list_name) or self._pools.get(slot) or ["etwas"]
            yield f" {self.random.choice(pool)} ", slot


def example(pieces: list[Piece], label: str, mapping: MassiveMap) -> Example:
    """Words and slot spans of a drawn sentence; slot names as the tagger knows them."""
    text, marks = "", []
    for piece, slot in pieces:
        if slot is not None:
            marks.append((slot, len(text), len(text) + len(piece)))
        text += piece
    tokens = tokenize(text.lower())
    spans: list[Span] = []
    for slot, begin, end in marks:
        inside = [i for i, t in enumerate(tokens) if begin <= t.start and t.end <= end]
        if inside and (not spans or spans[-1][2] <= inside[0]):
            name = mapping.grammar_slots.get(slot, slot)
            if spans and spans[-1][0] == name and spans[-1][2] == inside[0]:
                spans[-1] = (name, spans[-1][1], inside[-1] + 1)
            else:
                spans.append((name, inside[0], inside[-1] + 1))
    return Example(tuple(t.word for t in tokens), label, tuple(spans))


def grammar_sentences(
    mapping: MassiveMap,
    read: Callable[[str], ParseResult],
    per_template: int = 2,
    per_intent: int = 400,
    seed: int = 7,
) -> list[Example]:
    """Labelled examples drawn from the grammar whose intent the grammar reads back."""
    sampler = Sampler(parse_source(load_source("de")), seed)
    out: list[Example] = []
    seen: set[tuple[str, ...]] = set()
    for intent, pieces in sampler.draw(per_template, per_intent):
        drawn = example(pieces, intent, mapping)
        if not drawn.words or drawn.words in seen:
            continue
        seen.add(drawn.words)
        result = read(" ".join(drawn.words))
        if result.intent != intent:
            continue
        out.append(Example(drawn.words, mapping.label_for(intent, result.slots), drawn.spans))
    return out
