"""The slot tagger: a linear-chain CRF (CRFsuite) over word, affix, context and word-class
features, and the sentence's intent class (gold in training, the classifier's at run time).

It tags words with BIO labels whose slot names are the tagger's (massive.yaml `slots` and
`grammar_slots`); normalize.py turns the tagged words into the values the skills use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pycrfsuite  # type: ignore[import-untyped]

from hausgeist.language.model.data import Example, Span
from hausgeist.language.model.features import word_class
from hausgeist.language.numbers import word_value

Features = list[str]
SLOTS_FILE = "slots.crfsuite"


def word_features(words: Sequence[str], i: int, intent: str | None = None) -> Features:
    """What the tagger sees of word `i`: itself, its affixes and shape, its neighbours'
    words and word classes, and the sentence's intent class."""
    word = words[i]
    out = [
        f"w={word}",
        f"p2={word[:2]}",
        f"p3={word[:3]}",
        f"p4={word[:4]}",
        f"s1={word[-1:]}",
        f"s2={word[-2:]}",
        f"s3={word[-3:]}",
        f"s4={word[-4:]}",
        f"len={min(len(word), 8)}",
    ]
    if i == 0:
        out.append("first")
    if i == len(words) - 1:
        out.append("last")
    if word_value(word) is not None:
        out.append("number")
    if word.isdigit():
        out.append("digits")
    for offset in (-2, -1, 1, 2):
        j = i + offset
        neighbour = words[j] if 0 <= j < len(words) else ("<s>" if j < 0 else "</s>")
        out.append(f"w{offset:+d}={neighbour}")
    for offset in (-1, 1):
        if 0 <= i + offset < len(words):
            out.append(f"s3{offset:+d}={words[i + offset][-3:]}")
    if i > 1:
        out.append(f"t-2={words[i - 2]}|{words[i - 1]}|{word}")
    if i > 0:
        out.append(f"b-1={words[i - 1]}|{word}")
    if i + 1 < len(words):
        out.append(f"b+1={word}|{words[i + 1]}")
    if intent is not None:
        out.append(f"intent={intent}")
    for offset in (-1, 0, 1):
        j = i + offset
        found = word_class(words[j]) if 0 <= j < len(words) else None
        if found is not None:
            out.append(f"c{offset:+d}={found}")
    return out


def sentence_features(words: Sequence[str], intent: str | None = None) -> list[Features]:
    """Features of every word of a sentence (`intent`: its class, gold or predicted)."""
    return [word_features(words, i, intent) for i in range(len(words))]


def train_tagger(
    examples: Sequence[Example], path: Path, iterations: int = 120, c1: float = 0.05
) -> None:
    """Train the CRF and write it to `path`."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for example in examples:
        if example.words:
            trainer.append(sentence_features(example.words, example.label), example.tags())
    trainer.set_params(
        {"c1": c1, "c2": 0.01, "max_iterations": iterations, "feature.possible_transitions": True}
    )
    trainer.train(str(path))


class SlotTagger:
    """A trained CRF, loaded from its file; one sentence at a time (CRFsuite keeps state)."""

    def __init__(self, path: Path) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        # The server's worker threads share one tagger; a CRFsuite tagger holds the sentence
        # it decodes, so two threads at once would mix their sentences.
        self._lock = threading.Lock()

    def spans(self, words: Sequence[str], intent: str | None = None) -> tuple[Span, ...]:
        """The slot spans of a sentence whose intent class the classifier gave."""
        if not words:
            return ()
        features = sentence_features(words, intent)
        with self._lock:
            tags = self._tagger.tag(features)
        return spans_of(tags)


def spans_of(tags: Sequence[str]) -> tuple[Span, ...]:
    """Spans from BIO tags (an I- without its B- starts a span)."""
    out: list[Span] = []
    for i, tag in enumerate(tags):
        if tag == "O":
            continue
        kind, _, slot = tag.partition("-")
        if kind == "I" and out and out[-1][0] == slot and out[-1][2] == i:
            out[-1] = (slot, out[-1][1], i + 1)
        else:
            out.append((slot, i, i + 1))
    return tuple(out)
