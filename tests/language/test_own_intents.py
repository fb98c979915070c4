"""hausgeist's own intents (lights, media, alarms, lists, orders, dialog): sentence fixtures."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.parse import Understanding

FIXTURES = Path(__file__).parent / "fixtures" / "own_intents_de.yaml"
with FIXTURES.open(encoding="utf-8") as _stream:
    DATA: dict[str, Any] = yaml.safe_load(_stream)


@pytest.fixture(scope="module")
def own(grammar_cache: Path) -> Understanding:
    today = date.fromisoformat(DATA["today"])
    return Understanding.load(
        HomeSnapshot.from_json(DATA["context"]),
        cache_dir=grammar_cache,
        clock=lambda: datetime(today.year, today.month, today.day, 9, 0),
    )


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda case: case["text"])
def test_sentence_gives_intent_and_normalized_slots(
    own: Understanding, case: dict[str, Any]
) -> None:
    result = own.parse(case["text"])
    assert (result.intent, result.slots) == (case["intent"], case.get("slots", {}))


@pytest.mark.parametrize("text", DATA["negatives"])
def test_chatter_and_questions_are_no_command(own: Understanding, text: str) -> None:
    result = own.parse(text)
    assert result.intent is None, result


def test_every_own_intent_has_cases() -> None:
    own_intents = {
        "LightStep", "MediaQuery", "AlarmSet", "AlarmCancel", "AlarmQuery", "ListRead",
        "OrderProduct", "OrderStatus", "OrderCancel", "Affirm", "Deny", "VoiceCode", "Help",
    }  # fmt: skip
    assert own_intents <= {case["intent"] for case in DATA["cases"]}
