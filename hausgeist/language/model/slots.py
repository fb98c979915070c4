"""The slot tagger: a linear-chain CRF (CRFsuite) over word, affix, context and word-class
features, and the sentence's intent class (gold in training, the classifier's at run time),
with a recurrent tagger beside it when its file is there (recurrent.py): the tags are then
the best BIO-valid path through the average of the two models' tag probabilities.

It tags words with BIO labels whose slot names are the tagger's (massive.yaml `slots` and
`grammar_slots`); normalize.py turns the tagged words into the values the skills use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pycrfsuite  # type: ignore[import-untyped]

from hausgeist.language.model.data import Example, Span
from hausgeist.language.model.features import word_class
from hausgeist.language.model.recurrent import RecurrentTagger
from hausgeist.language.numbers import word_value

Features = list[str]
Floats = npt.NDArray[np.float32]
SLOTS_FILE = "slots.crfsuite"
# The CRF's share of the averaged tag probabilities; the recurrent tagger has the rest
# (chosen on MASSIVE de dev, BENCHMARKS.md).
CRF_SHARE = 0.5


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
    """A trained CRF, loaded from its file, and the recurrent tagger if there is one; one
    sentence at a time (CRFsuite keeps state)."""

    def __init__(self, path: Path, recurrent: RecurrentTagger | None = None) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        self._recurrent = recurrent
        self._known = frozenset(self._tagger.labels())
        # The server's worker threads share one tagger; a CRFsuite tagger holds the sentence
        # it decodes, so two threads at once would mix their sentences.
        self._lock = threading.Lock()

    def spans(self, words: Sequence[str], intent: str | None = None) -> tuple[Span, ...]:
        """The slot spans of a sentence whose intent class the classifier gave."""
        if not words:
            return ()
        features = sentence_features(words, intent)
        if self._recurrent is None:
            with self._lock:
                return spans_of(self._tagger.tag(features))
        recurrent = self._recurrent.probabilities(words, intent)
        with self._lock:
            path = self._tagger.tag(features)
            tags = _candidates(path, recurrent, self._recurrent.tags)
            crf = np.array([[self._tagger.marginal(tag, i) if tag in self._known else 0.0
                             for tag in tags] for i in range(len(words))])  # fmt: skip
        columns = [self._recurrent.tags.index(tag) for tag in tags]
        mixed = CRF_SHARE * crf + (1 - CRF_SHARE) * recurrent[:, columns]
        return spans_of(best_path(np.log(mixed + 1e-9), tags, _transitions(tags)))


def _candidates(path: Sequence[str], recurrent: Floats, tags: Sequence[str]) -> list[str]:
    """The tags worth weighing: the CRF's path, any the recurrent tagger gives 1 % somewhere,
    "O", and both halves (B-, I-) of every slot among them. The others cannot win the
    average, and leaving them out spares most of the CRF's marginals and the path search."""
    likely = [tags[int(j)] for j in np.flatnonzero(recurrent.max(axis=0) >= 0.01)]
    slots = {tag[2:] for tag in [*path, *likely] if tag != "O"}
    halves = [f"{kind}-{slot}" for slot in sorted(slots) for kind in "BI"]
    return ["O", *(tag for tag in halves if tag in tags)]


def _transitions(tags: Sequence[str]) -> npt.NDArray[np.float64]:
    """0 where tag b may follow tag a, minus infinity where not (I-x only after B-x or I-x)."""
    allowed = np.zeros((len(tags), len(tags)))
    for b, tag in enumerate(tags):
        if tag.startswith("I-"):
            for a, before in enumerate(tags):
                if before[2:] != tag[2:] or before == "O":
                    allowed[a, b] = -np.inf
    return allowed


def best_path(
    scores: npt.NDArray[np.float32], tags: Sequence[str], transitions: npt.NDArray[np.float64]
) -> list[str]:
    """The tags of the best BIO-valid path through per-word log probabilities (Viterbi)."""
    first = np.array([not tag.startswith("I-") for tag in tags])
    best = np.where(first, scores[0], -np.inf)
    back = []
    for row in scores[1:]:
        candidates = best[:, None] + transitions
        back.append(candidates.argmax(axis=0))
        best = candidates.max(axis=0) + row
    path = [int(best.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return [tags[i] for i in reversed(path)]


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
