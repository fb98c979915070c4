"""Hashed TF-IDF features of a sentence: character 2-5-grams within words, words, word
classes (numbers, colors, rooms) and pairs.

Hashing (CRC-32 into a fixed number of buckets) means no vocabulary is stored: the same
function runs at training and at inference, and a model file holds only the weights of
the buckets that training saw.
"""

from __future__ import annotations

import itertools
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hausgeist.language.colors import parse_color
from hausgeist.language.numbers import word_value

# Words for rooms and parts of a home, beyond any "...zimmer".
_ROOMS = frozenset("küche flur bad büro diele keller garage garten dachboden terrasse balkon"
                   " haus wohnung wohnraum erdgeschoss obergeschoss".split())  # fmt: skip
BITS = 20
BUCKETS = 1 << BITS
_MASK = BUCKETS - 1
CHAR_SIZES = (2, 3, 4, 5)

Vector = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]


def grams(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """Character n-grams of each padded word; words, word classes and their pairs."""
    chars: list[str] = []
    for word in words:
        padded = f" {word} "
        for size in CHAR_SIZES:
            chars.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    tokens = list(words) + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    classes = [word_class(word) or word for word in words]
    tokens += [c for c in classes if c.startswith("#")]
    tokens += [f"{a} {b}" for a, b in itertools.pairwise(classes)
               if a.startswith("#") or b.startswith("#")]  # fmt: skip
    return chars, tokens


def word_class(word: str) -> str | None:
    """A class for words a sentence may hold any of: "#num", "#color", "#room", or None.

    "mach das licht im lesezimmer grün" then shares features with the rooms and colors
    training saw, whatever the home calls its rooms.
    """
    if word.isdigit() or word_value(word) is not None:
        return "#num"
    if parse_color(word) is not None:
        return "#color"
    if word in _ROOMS or word.endswith("zimmer"):
        return "#room"
    return None


def bucket_counts(words: Sequence[str]) -> tuple[Counter[int], Counter[int]]:
    """Counts per hash bucket, characters and words apart (words in their own namespace)."""
    chars, tokens = grams(words)
    return (
        Counter(zlib.crc32(g.encode()) & _MASK for g in chars),
        Counter(word_bucket(t) for t in tokens),
    )


def word_bucket(word: str) -> int:
    """The bucket of a single word as a word feature."""
    return zlib.crc32(b"w" + word.encode()) & _MASK


def vector(words: Sequence[str], idf: npt.NDArray[np.float32]) -> Vector:
    """Sparse TF-IDF vector (sublinear tf, each block L2-normalized): indices and values."""
    indices: list[npt.NDArray[np.int64]] = []
    values: list[npt.NDArray[np.float32]] = []
    for counts in bucket_counts(words):
        if not counts:
            continue
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        value = ((1.0 + np.log(tf)) * idf[index]).astype(np.float32)
        norm = float(np.linalg.norm(value))
        indices.append(index)
        values.append(value / norm if norm else value)
    if not indices:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(indices), np.concatenate(values).astype(np.float32)


def fit_idf(corpus: Sequence[Sequence[str]]) -> npt.NDArray[np.float32]:
    """Smoothed inverse document frequency per bucket, as scikit-learn computes it."""
    df = np.zeros(BUCKETS, dtype=np.float64)
    for words in corpus:
        for counts in bucket_counts(words):
            df[np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))] += 1
    return (np.log((1 + len(corpus)) / (1 + df)) + 1).astype(np.float32)
