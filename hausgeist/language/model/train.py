"""Training the fallback: `hausgeist train` and bench/understanding.py call `train`.

Inputs: MASSIVE de train.jsonl (never dev for fitting, never test) and sentences drawn from
hausgeist's grammar. Outputs in one directory: intents.npz (the classifier), slots.crfsuite
(the CRF tagger) and, where PyTorch is installed, slots_rnn.npz (the recurrent tagger).
Everything is seeded, so the same inputs give the same files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]

from hausgeist.language.model.augment import substituted
from hausgeist.language.model.data import Example, read_massive
from hausgeist.language.model.features import BUCKETS, fit_idf, vector
from hausgeist.language.model.generate import grammar_sentences
from hausgeist.language.model.intents import INTENTS_FILE, IntentModel
from hausgeist.language.model.mapping import load_mapping
from hausgeist.language.model.recurrent import RECURRENT_FILE, train_recurrent
from hausgeist.language.model.slots import SLOTS_FILE, train_tagger
from hausgeist.language.parse import ParseResult

# Chosen on MASSIVE de dev (BENCHMARKS.md): the SVM's regularization, the softmax
# temperature over its margins, and the tagger's iterations.
SVM_C = 0.5
TEMPERATURE = 10.0
CRF_ITERATIONS = 100


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What was trained on and written."""

    massive_rows: int
    grammar_rows: int
    buckets: int
    directory: Path


def train(
    massive_train: Path,
    out: Path,
    read: Callable[[str], ParseResult],
    log: Callable[[str], None] = print,
) -> TrainingReport:
    """Train classifier and tagger on MASSIVE train plus grammar sentences; write both."""
    mapping = load_mapping()
    massive = list(read_massive(massive_train, mapping))
    drawn = grammar_sentences(mapping, read)
    log(f"{len(massive)} MASSIVE sentences, {len(drawn)} drawn from the grammar")
    out.mkdir(parents=True, exist_ok=True)
    model = train_intents(massive + drawn)
    model.save(out / INTENTS_FILE)
    log(f"intents: {len(model.labels)} classes, {len(model.buckets)} buckets")
    # The taggers learn from MASSIVE alone (on dev, drawn sentences lowered the CRF's F1),
    # and from one copy of it with its slot values swapped (BENCHMARKS.md).
    tagged = massive + substituted(massive)
    train_tagger(tagged, out / SLOTS_FILE, iterations=CRF_ITERATIONS)
    log("slots: CRF trained")
    recurrent = out / RECURRENT_FILE
    if _torch_installed():
        train_recurrent(tagged, recurrent)
        log("slots: recurrent tagger trained")
    else:
        recurrent.unlink(missing_ok=True)
        log("slots: PyTorch is not installed, so no recurrent tagger (the CRF tags alone)")
    (out / "model.json").write_text(
        json.dumps({"massive_rows": len(massive), "grammar_rows": len(drawn)}) + "\n"
    )
    return TrainingReport(len(massive), len(drawn), len(model.buckets), out)


def _torch_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("torch") is not None


def train_intents(examples: list[Example]) -> IntentModel:
    """A linear SVM on the hashed features of the buckets seen in two sentences or more."""
    from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

    idf = fit_idf([row.words for row in examples])
    matrix = _matrix(examples, idf)
    df = np.bincount(matrix.indices, minlength=BUCKETS)
    buckets = np.flatnonzero(df >= 2).astype(np.int64)
    svm = LinearSVC(C=SVM_C, random_state=0).fit(matrix[:, buckets], [e.label for e in examples])
    return IntentModel(
        buckets,
        svm.coef_.T.astype(np.float16),
        svm.intercept_.astype(np.float32),
        idf,
        tuple(str(label) for label in svm.classes_),
        TEMPERATURE,
    )


def _matrix(examples: list[Example], idf: npt.NDArray[np.float32]) -> sp.csr_matrix:
    indices, values, starts = [], [], [0]
    for example in examples:
        index, value = vector(example.words, idf)
        indices.append(index)
        values.append(value)
        starts.append(starts[-1] + len(index))
    return sp.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.array(starts)),
        shape=(len(examples), BUCKETS),
    )
