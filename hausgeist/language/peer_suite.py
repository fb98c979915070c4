"""Home Assistant's German test suite as a yardstick (shared/data/ha-intents-de/tests.jsonl).

Each row has a sentence, the expected intent and slots, and the home (`context`) it is
spoken in. A result agrees with a row when the intent is the same and the slots are: every
slot the row names has that value (a list in the row means any of its values), and every
slot the result has beyond them is one its template sets by itself. The suite's authors
list such fixed slots (the `domain` of "alle Lichter") in some files and not in others;
slots read from the sentence must always match exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hausgeist.language.parse import ParseResult


@dataclass(frozen=True)
class SuiteRow:
    """One sentence of the suite."""

    text: str
    intent: str
    slots: dict[str, Any]
    context: dict[str, Any]
    source: str


def read_suite(path: Path) -> Iterator[SuiteRow]:
    """The rows of a tests.jsonl file."""
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            row = json.loads(line)
            yield SuiteRow(row["text"], row["intent"], row["slots"], row["context"], row["source"])


def agrees(result: ParseResult, row: SuiteRow) -> bool:
    """Whether a parse result is what the row expects."""
    if result.intent != row.intent:
        return False
    extra = set(result.slots) - set(row.slots)
    if not extra <= result.fixed_slots:
        return False
    return all(_same(result.slots.get(name), want) for name, want in row.slots.items())


def _same(value: Any, want: Any) -> bool:
    if isinstance(want, list):
        return value in want
    return bool(value == want)


def context_key(context: Mapping[str, Any]) -> str:
    """A stable key for a row's home."""
    return json.dumps(context, sort_keys=True, ensure_ascii=False)
