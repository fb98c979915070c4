"""Seeded random walks over parsed templates: sentences the grammar accepts, with slot marks.

The walk is shared; what fills a list reference (a random value of a text list, a number of
a range, a name of the home, an everyday value of a free-text slot) is each user's own, in
`fill`. Each piece of a drawn sentence carries the slot it fills, if any.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping

from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    Permutation,
    RuleReference,
    Sentence,
    Sequence,
    TextChunk,
)
from hassil.intents import Intents

OPTIONAL = 0.5  # chance of leaving out an optional part

# A piece of a drawn sentence: its text and the slot it fills, if any.
Piece = tuple[str, str | None]


class TemplateSampler:
    """Walks every template a few times; subclasses say how list references are filled."""

    def __init__(self, intents: Intents, seed: int) -> None:
        self.intents = intents
        self.random = random.Random(seed)

    def draw(
        self, per_template: int, per_intent: int | None = None
    ) -> Iterator[tuple[str, list[Piece]]]:
        """(intent, pieces) pairs: `per_template` per template, at most `per_intent` per intent."""
        for name, intent in self.intents.intents.items():
            count = 0
            for data in intent.data:
                rules = {**self.intents.expansion_rules, **data.expansion_rules}
                for sentence in data.sentences:
                    for _ in range(per_template):
                        yield name, list(self.walk(sentence.expression, rules, None))
                        count += 1
                    if per_intent is not None and count >= per_intent:
                        break
                if per_intent is not None and count >= per_intent:
                    break

    def walk(
        self, expression: Expression, rules: Mapping[str, Sentence], slot: str | None
    ) -> Iterator[Piece]:
        """One random reading of an expression."""
        if isinstance(expression, TextChunk):
            yield expression.original_text, slot
        elif isinstance(expression, Alternative):
            if expression.is_optional and self.random.random() < OPTIONAL:
                return
            choices = [item for item in expression.items if not _empty(item)] or expression.items
            yield from self.walk(self.random.choice(choices), rules, slot)
        elif isinstance(expression, Permutation):
            items = list(expression.items)
            self.random.shuffle(items)
            for item in items:
                yield from self.walk(item, rules, slot)
        elif isinstance(expression, (Sequence, Group)):
            for item in expression.items:
                yield from self.walk(item, rules, slot)
        elif isinstance(expression, ListReference):
            yield from self.fill(expression, rules)
        elif isinstance(expression, RuleReference):
            rule = rules.get(expression.rule_name)
            if rule is not None:
                yield from self.walk(rule.expression, rules, slot)

    def fill(self, ref: ListReference, rules: Mapping[str, Sentence]) -> Iterator[Piece]:
        """The pieces a list reference stands for."""
        raise NotImplementedError


def _empty(expression: Expression) -> bool:
    return isinstance(expression, TextChunk) and not expression.text.strip()
