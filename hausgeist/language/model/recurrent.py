"""A small recurrent slot tagger: a BiLSTM over word embeddings, a character CNN per word and
the sentence's intent class, trained with PyTorch by `hausgeist train`, run with NumPy.

Its tag probabilities are averaged with the CRF's marginals (slots.py): the two make
different mistakes, and on MASSIVE de dev the pair tags better than either (BENCHMARKS.md).
PyTorch is needed only to train; the file holds plain arrays.
"""

from __future__ import annotations

import importlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from hausgeist.language.model.data import Example

Floats = npt.NDArray[np.float32]
RECURRENT_FILE = "slots_rnn.npz"
# Chosen on MASSIVE de dev (BENCHMARKS.md): sizes, epochs, dropout of words and units.
WORD_DIM, CHAR_DIM, CHAR_FILTERS, INTENT_DIM, HIDDEN = 100, 32, 64, 16, 128
EPOCHS = 12
BATCH = 32
WORD_DROPOUT = 0.1
DROPOUT = 0.33
MAX_CHARS = 20
_UNKNOWN = 1  # index 0 pads


@dataclass(frozen=True, slots=True)
class RecurrentTagger:
    """The tagger's vocabularies and weights (float32 arrays named as in `_WEIGHTS`)."""

    words: dict[str, int]
    chars: dict[str, int]
    intents: dict[str, int]
    tags: tuple[str, ...]
    weights: dict[str, Floats]

    def probabilities(self, words: Sequence[str], intent: str | None) -> Floats:
        """P(tag | word, sentence) for every word (rows) and tag (columns)."""
        w = self.weights
        n = len(words)
        width = max(min(len(word), MAX_CHARS) for word in words)
        chars = np.zeros((n, width + 2), dtype=np.int64)  # one pad on each side: the conv's
        for i, word in enumerate(words):
            chars[i, 1 : 1 + min(len(word), MAX_CHARS)] = [
                self.chars.get(c, _UNKNOWN) for c in word[:MAX_CHARS]
            ]
        # The convolution is linear in the characters' embeddings: each character's share at
        # each of the three offsets is stored ready, so it is looked up and added (no matrix
        # product: one this size would start OpenBLAS's threads, which cost milliseconds on a
        # busy machine).
        projection = w["char_projection"]
        conv = sum(projection[k][chars[:, k : k + width]] for k in range(3)) + w["conv_bias"]
        char_features = np.maximum(conv, 0.0).max(axis=1)
        index = np.array([self.words.get(word, _UNKNOWN) for word in words])
        intent_vector = w["intent_embedding"][self.intents.get(intent or "", 0)]
        x = np.concatenate(
            [w["word_embedding"][index], char_features, np.tile(intent_vector, (n, 1))], axis=1
        )
        forward = _lstm(x, w["forward_ih"], w["forward_hh"], w["forward_bias"])
        backward = _lstm(x[::-1], w["backward_ih"], w["backward_hh"], w["backward_bias"])[::-1]
        logits = np.concatenate([forward, backward], axis=1) @ w["out_weight"].T + w["out_bias"]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        out: Floats = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def save(self, path: Path) -> None:
        """Write vocabularies and weights as one compressed NumPy archive."""
        arrays: dict[str, npt.NDArray[Any]] = {
            "words": np.array(sorted(self.words, key=self.words.__getitem__)),
            "chars": np.array(sorted(self.chars, key=self.chars.__getitem__)),
            "intents": np.array(sorted(self.intents, key=self.intents.__getitem__)),
            "tags": np.array(self.tags),
            **self.weights,
        }
        cast(Any, np.savez_compressed)(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> RecurrentTagger:
        """Read a tagger written by `save`."""
        with np.load(path, allow_pickle=False) as archive:
            return cls(
                _indexed(archive["words"], 2),
                _indexed(archive["chars"], 2),
                _indexed(archive["intents"], 1),
                tuple(str(tag) for tag in archive["tags"]),
                {name: archive[name] for name in _WEIGHTS},
            )


def _indexed(items: npt.NDArray[np.str_], first: int) -> dict[str, int]:
    """Item -> index, from `first` on (the indices below are padding and unknown)."""
    return {str(item): first + i for i, item in enumerate(items)}


def _lstm(x: Floats, w_ih: Floats, w_hh: Floats, bias: Floats) -> Floats:
    """One direction of PyTorch's LSTM (gates in/forget/cell/out) over the rows of `x`."""
    hidden = w_hh.shape[1]
    # Row by row, for the same reason as the characters' convolution: no threads.
    gates_in = [w_ih @ row + bias for row in x]
    h: npt.NDArray[Any] = np.zeros(hidden, dtype=np.float32)
    c: npt.NDArray[Any] = np.zeros(hidden, dtype=np.float32)
    out = np.empty((len(x), hidden), dtype=np.float32)
    # The input, forget and output gates of PyTorch's (input, forget, cell, output) layout.
    sigmoid_gates = np.r_[0 : 2 * hidden, 3 * hidden : 4 * hidden]
    for t in range(len(x)):
        gates = gates_in[t] + w_hh @ h
        ifo = _sigmoid(gates[sigmoid_gates])
        c = ifo[hidden : 2 * hidden] * c + ifo[:hidden] * np.tanh(gates[2 * hidden : 3 * hidden])
        h = ifo[2 * hidden :] * np.tanh(c)
        out[t] = h
    return out


def _sigmoid(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
    result: npt.NDArray[Any] = 1.0 / (1.0 + np.exp(-x))
    return result


_WEIGHTS = ("word_embedding", "char_projection", "conv_bias", "intent_embedding",
            "forward_ih", "forward_hh", "forward_bias", "backward_ih", "backward_hh",
            "backward_bias", "out_weight", "out_bias")  # fmt: skip


def train_recurrent(examples: Sequence[Example], path: Path, epochs: int = EPOCHS) -> None:
    """Train the tagger with PyTorch (one thread, seeded: the same file every time); write it."""
    # Imported by name: PyTorch is needed only here, and is no dependency of the runtime.
    torch: Any = importlib.import_module("torch")

    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = random.Random(0)
    counts = Counter(word for example in examples for word in example.words)
    words = {w: i + 2 for i, w in enumerate(sorted(w for w, c in counts.items() if c >= 2))}
    letters = sorted({c for example in examples for word in example.words for c in word})
    chars = {c: i + 2 for i, c in enumerate(letters)}
    tags = tuple(sorted({tag for example in examples for tag in example.tags()}))
    intents = {label: i + 1 for i, label in enumerate(sorted({e.label for e in examples}))}
    net = _network(torch, len(words) + 2, len(chars) + 2, len(intents) + 1, len(tags))
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    tag_index = {tag: i for i, tag in enumerate(tags)}
    rows = [example for example in examples if example.words]
    for _ in range(epochs):
        net.train()
        rng.shuffle(rows)
        rows.sort(key=lambda row: len(row.words) + rng.random() * 3)
        batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
        rng.shuffle(batches)
        for batch in batches:
            encoded = [_encode(row.words, row.label, words, chars, intents, rng) for row in batch]
            tensors = _tensors(torch, encoded)
            target = torch.full(tensors[0].shape, -100, dtype=torch.long)
            for b, row in enumerate(batch):
                target[b, : len(row.words)] = torch.tensor([tag_index[t] for t in row.tags()])
            logits = net(*tensors)
            loss: Any = torch.nn.functional.cross_entropy(
                logits.reshape(-1, len(tags)), target.view(-1), ignore_index=-100
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    _exported(net, words, chars, intents, tags).save(path)


def _exported(
    net: Any,
    words: dict[str, int],
    chars: dict[str, int],
    intents: dict[str, int],
    tags: tuple[str, ...],
) -> RecurrentTagger:
    """The NumPy tagger holding a trained network's weights."""
    state = {name: value.detach().numpy().astype(np.float32)
             for name, value in net.state_dict().items()}  # fmt: skip
    weights = {
        "word_embedding": state["words.weight"],
        "char_projection": np.stack(
            [state["chars.weight"] @ state["conv.weight"][:, :, k].T for k in range(3)]
        ),
        "conv_bias": state["conv.bias"],
        "intent_embedding": state["intents.weight"],
        "forward_ih": state["lstm.weight_ih_l0"],
        "forward_hh": state["lstm.weight_hh_l0"],
        "forward_bias": state["lstm.bias_ih_l0"] + state["lstm.bias_hh_l0"],
        "backward_ih": state["lstm.weight_ih_l0_reverse"],
        "backward_hh": state["lstm.weight_hh_l0_reverse"],
        "backward_bias": state["lstm.bias_ih_l0_reverse"] + state["lstm.bias_hh_l0_reverse"],
        "out_weight": state["out.weight"],
        "out_bias": state["out.bias"],
    }
    return RecurrentTagger(words, chars, intents, tags, weights)


def _encode(
    sentence: Sequence[str],
    label: str,
    words: dict[str, int],
    chars: dict[str, int],
    intents: dict[str, int],
    rng: random.Random,
) -> tuple[list[int], list[list[int]], int]:
    """Word, character and intent indices; a word is dropped to unknown now and then."""
    index = [_UNKNOWN if rng.random() < WORD_DROPOUT else words.get(w, _UNKNOWN) for w in sentence]
    spelled = [[chars.get(c, _UNKNOWN) for c in w[:MAX_CHARS]] for w in sentence]
    return index, spelled, intents.get(label, 0)


def _tensors(torch: Any, encoded: list[tuple[list[int], list[list[int]], int]]) -> tuple[Any, ...]:
    length = max(len(index) for index, _, _ in encoded)
    width = max(len(w) for _, spelled, _ in encoded for w in spelled)
    words = torch.zeros(len(encoded), length, dtype=torch.long)
    chars = torch.zeros(len(encoded), length, width, dtype=torch.long)
    for b, (index, spelled, _) in enumerate(encoded):
        words[b, : len(index)] = torch.tensor(index)
        for t, w in enumerate(spelled):
            chars[b, t, : len(w)] = torch.tensor(w)
    return words, chars, torch.tensor([intent for _, _, intent in encoded])


def _network(torch: Any, words: int, chars: int, intents: int, tags: int) -> Any:
    nn = torch.nn

    class Network(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.words = nn.Embedding(words, WORD_DIM, padding_idx=0)
            self.chars = nn.Embedding(chars, CHAR_DIM, padding_idx=0)
            self.conv = nn.Conv1d(CHAR_DIM, CHAR_FILTERS, 3, padding=1)
            self.intents = nn.Embedding(intents, INTENT_DIM)
            self.lstm = nn.LSTM(WORD_DIM + CHAR_FILTERS + INTENT_DIM, HIDDEN,
                                batch_first=True, bidirectional=True)  # fmt: skip
            self.drop = nn.Dropout(DROPOUT)
            self.out = nn.Linear(2 * HIDDEN, tags)

        def forward(self, w: Any, c: Any, i: Any) -> Any:
            b, t = w.shape
            spelled = self.chars(c.view(b * t, -1)).transpose(1, 2)
            spelled = torch.relu(self.conv(spelled)).max(2).values.view(b, t, -1)
            intent = self.intents(i)[:, None, :].expand(b, t, INTENT_DIM)
            hidden, _ = self.lstm(self.drop(torch.cat([self.words(w), spelled, intent], 2)))
            return self.out(self.drop(hidden))

    return Network()
