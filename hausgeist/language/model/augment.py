"""More tagger training sentences from MASSIVE's own: each slot value swapped for another
value of the same slot type seen in training ("weck mich [time: um sieben]" becomes "weck
mich [time: um halb acht]"), so the taggers learn the words around a slot, not only its
values. Seeded: the same rows give the same sentences.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from hausgeist.language.model.data import Example, Span


def substituted(examples: Sequence[Example], seed: int = 0) -> list[Example]:
    """One new sentence for each example with slots whose values changed."""
    rng = random.Random(seed)
    values: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for example in examples:
        for slot, start, end in example.spans:
            values[slot].append(example.words[start:end])
    out = []
    for example in examples:
        if not example.spans:
            continue
        words: list[str] = []
        spans: list[Span] = []
        position = 0
        for slot, start, end in sorted(example.spans, key=lambda span: span[1]):
            words.extend(example.words[position:start])
            pool = values[slot]
            value = rng.choice(pool) if len(pool) > 1 else example.words[start:end]
            spans.append((slot, len(words), len(words) + len(value)))
            words.extend(value)
            position = end
        words.extend(example.words[position:])
        if tuple(words) != example.words:
            out.append(Example(tuple(words), example.label, tuple(spans)))
    return out
