"""The intent classifier: a linear SVM over hashed TF-IDF features, run with NumPy alone.

Only the buckets that training saw in at least two sentences keep a weight row (float16),
so the file stays small; a softmax over the margins, with a temperature chosen on
MASSIVE's dev partition, turns them into class probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hausgeist.language.model.features import vector, word_bucket

Floats = npt.NDArray[np.float32]
INTENTS_FILE = "intents.npz"


@dataclass(frozen=True, slots=True)
class IntentModel:
    """Weights per used bucket and class, the idf, the class labels, the temperature."""

    buckets: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float16]
    bias: Floats
    idf: Floats
    labels: tuple[str, ...]
    temperature: float

    def probabilities(self, words: Sequence[str]) -> Floats:
        """P(class | sentence) for every label."""
        index, value = vector(words, self.idf)
        rows = np.searchsorted(self.buckets, index)
        rows = np.minimum(rows, len(self.buckets) - 1)
        known = self.buckets[rows] == index
        margins = value[known] @ self.weights[rows[known]].astype(np.float32) + self.bias
        scaled = (margins - margins.max()) * self.temperature
        exp = np.exp(scaled)
        probabilities: Floats = (exp / exp.sum()).astype(np.float32)
        return probabilities

    def known_share(self, words: Sequence[str]) -> float:
        """The share of words that training saw as words (in two sentences or more)."""
        if not words:
            return 0.0
        index = np.array([word_bucket(word) for word in words], dtype=np.int64)
        rows = np.minimum(np.searchsorted(self.buckets, index), len(self.buckets) - 1)
        return float(np.mean(self.buckets[rows] == index))

    def save(self, path: Path) -> None:
        """Write the model as a compressed NumPy archive."""
        np.savez_compressed(
            path,
            buckets=self.buckets,
            weights=self.weights,
            bias=self.bias,
            idf=self.idf,
            labels=np.array(self.labels),
            temperature=np.array(self.temperature),
        )

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        """Read a model written by `save`."""
        with np.load(path, allow_pickle=False) as archive:
            return cls(
                archive["buckets"],
                archive["weights"],
                archive["bias"],
                archive["idf"],
                tuple(str(label) for label in archive["labels"]),
                float(archive["temperature"]),
            )
