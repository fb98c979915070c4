"""The slot taggers' parts that need no training: the recurrent tagger's file and arithmetic,
the BIO-valid best path, and slot-value substitution."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hausgeist.language.model.augment import substituted
from hausgeist.language.model.data import Example
from hausgeist.language.model.recurrent import (
    CHAR_FILTERS,
    HIDDEN,
    INTENT_DIM,
    WORD_DIM,
    RecurrentTagger,
)
from hausgeist.language.model.slots import _transitions, best_path

TAGS = ("B-time", "I-time", "B-area", "O")


def _tagger(seed: int = 0) -> RecurrentTagger:
    rng = np.random.default_rng(seed)
    size = WORD_DIM + CHAR_FILTERS + INTENT_DIM
    shapes = {
        "word_embedding": (4, WORD_DIM), "char_projection": (3, 30, CHAR_FILTERS),
        "conv_bias": (CHAR_FILTERS,),
        "intent_embedding": (2, INTENT_DIM),
        "forward_ih": (4 * HIDDEN, size), "forward_hh": (4 * HIDDEN, HIDDEN),
        "forward_bias": (4 * HIDDEN,),
        "backward_ih": (4 * HIDDEN, size), "backward_hh": (4 * HIDDEN, HIDDEN),
        "backward_bias": (4 * HIDDEN,),
        "out_weight": (len(TAGS), 2 * HIDDEN), "out_bias": (len(TAGS),),
    }  # fmt: skip
    weights = {name: rng.normal(0, 0.3, shape).astype(np.float32) for name, shape in shapes.items()}
    weights["char_projection"][:, 0] = 0.0  # padding
    chars = {c: i + 2 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}
    return RecurrentTagger({"licht": 2, "um": 3}, chars, {"alarm_set": 1}, TAGS, weights)


def test_the_recurrent_tagger_reads_back_from_its_file_with_the_same_probabilities(
    tmp_path: Path,
) -> None:
    tagger = _tagger()
    tagger.save(tmp_path / "rnn.npz")
    again = RecurrentTagger.load(tmp_path / "rnn.npz")
    words = ["weck", "mich", "um", "sieben", "im", "schlafzimmerß"]
    first = tagger.probabilities(words, "alarm_set")
    assert first.shape == (len(words), len(TAGS))
    assert np.allclose(first.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, again.probabilities(words, "alarm_set"))
    # An unknown intent class and unknown words are read, not refused.
    assert again.probabilities(["xyz"], "no_such_intent").shape == (1, len(TAGS))


def test_the_best_path_never_continues_a_slot_that_was_not_begun() -> None:
    scores = np.log(np.array([
        [0.1, 0.8, 0.05, 0.05],  # I-time is likeliest, but nothing was begun
        [0.05, 0.1, 0.05, 0.8],
        [0.05, 0.9, 0.0, 0.05],  # I-time after O
    ], dtype=np.float32) + 1e-9)  # fmt: skip
    # Word by word: I-time, O, I-time; the best valid path begins the slot and carries it on.
    assert best_path(scores, TAGS, _transitions(TAGS)) == ["B-time", "I-time", "I-time"]


def test_substituted_sentences_swap_values_within_a_slot_type_and_keep_the_class() -> None:
    rows = [
        Example(("weck", "mich", "um", "sieben"), "alarm_set", (("time", 2, 4),)),
        Example(("wecker", "für", "halb", "acht", "uhr"), "alarm_set", (("time", 2, 5),)),
        Example(("licht", "in", "der", "küche"), "iot_hue_lighton", (("area", 3, 4),)),
        Example(("hallo",), "general_greet"),
    ]
    new = substituted(rows)
    assert new == substituted(rows)  # seeded
    assert {row.label for row in new} <= {"alarm_set"}  # one kitchen: nothing to swap it with
    for row in new:
        assert row.words[:2] in {("weck", "mich"), ("wecker", "für")}
        ((slot, start, end),) = row.spans
        assert slot == "time"
        assert row.words[start:end] in {("um", "sieben"), ("halb", "acht", "uhr")}
