"""The figures of bench/understanding.py, as pure functions of gold rows and predictions."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hausgeist.language.model.data import Example
from hausgeist.language.model.mapping import MassiveMap


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a system made of one sentence: `intent` acts; `asked` is a reading to confirm."""

    intent: str | None
    slots: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None
    slot_values: frozenset[tuple[str, str]] | None = None
    asked: tuple[str, Mapping[str, Any]] | None = None
    # A device command read but not acted on: the home has no target for it.
    withheld: tuple[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Scores:
    """Intent and slot figures on one partition (shares, 0-1; None where not measured)."""

    accuracy_all: float | None
    in_scope_accuracy: float
    out_of_scope_acted: float
    slot_f1: float | None
    in_scope_rows: int
    out_of_scope_rows: int
    in_scope_asked: float = 0.0
    out_of_scope_asked: float = 0.0
    right_after_yes: float = 0.0  # in scope: right at once, or asked about the right reading
    # In scope: right at once, or a right device command withheld only because the home
    # lacks its device (understood, not servable in this home); None where not measured.
    understood: float | None = None


def score(gold: Sequence[Example], predicted: Sequence[Prediction], mapping: MassiveMap) -> Scores:
    """Accuracy over MASSIVE's labels, in hausgeist's vocabulary, acted-on share, slot F1."""
    inside = [i for i, row in enumerate(gold) if mapping.in_scope(row.label)]
    outside = [i for i, row in enumerate(gold) if not mapping.in_scope(row.label)]
    right = sum(
        mapping.correct(gold[i].label, p.intent, p.slots) for i, p in _at(predicted, inside)
    )
    confirmed = sum(
        p.asked is not None and mapping.correct(gold[i].label, *p.asked)
        for i, p in _at(predicted, inside)
    )
    withheld = sum(
        p.withheld is not None and mapping.correct(gold[i].label, *p.withheld)
        for i, p in _at(predicted, inside)
    )
    acted = sum(p.intent is not None for _, p in _at(predicted, outside))
    labelled = all(p.label is not None for p in predicted)
    accuracy = sum(p.label == g.label for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return Scores(
        accuracy if labelled else None,
        right / max(1, len(inside)),
        acted / max(1, len(outside)),
        slot_f1(gold, predicted),
        len(inside),
        len(outside),
        _share(predicted, inside),
        _share(predicted, outside),
        (right + confirmed) / max(1, len(inside)),
        (right + withheld) / max(1, len(inside)) if _read(predicted) else None,
    )


def _read(predicted: Sequence[Prediction]) -> bool:
    """Whether the system reports readings withheld for want of a target (any row)."""
    return any(p.withheld is not None for p in predicted)


def _share(predicted: Sequence[Prediction], rows: list[int]) -> float:
    """The share of `rows` on which the system asked back."""
    return sum(p.asked is not None for _, p in _at(predicted, rows)) / max(1, len(rows))


def slot_f1(
    gold: Sequence[Example],
    predicted: Sequence[Prediction],
    kinds: Collection[str] | None = None,
) -> float | None:
    """Micro F1 over (slot, words) pairs, as MASSIVE reports it; None without a tagger.

    With `kinds`, only pairs of those slot types count (gold and predicted alike).
    """
    if any(p.slot_values is None for p in predicted):
        return None
    hits = found = wanted = 0
    for row, guess in zip(gold, predicted, strict=True):
        expected, got = row.slot_values(), guess.slot_values or frozenset()
        if kinds is not None:
            expected = {pair for pair in expected if pair[0] in kinds}
            got = frozenset(pair for pair in got if pair[0] in kinds)
        hits += len(expected & got)
        found += len(got)
        wanted += len(expected)
    if not hits:
        return 0.0
    precision, recall = hits / found, hits / wanted
    return 2 * precision * recall / (precision + recall)


def _at(predicted: Sequence[Prediction], rows: list[int]) -> list[tuple[int, Prediction]]:
    return [(i, predicted[i]) for i in rows]
