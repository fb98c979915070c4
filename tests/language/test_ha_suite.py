"""Home Assistant's German test suite: every row against its own home, intent and exact slots."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.parse import Understanding
from hausgeist.language.peer_suite import SuiteRow, agrees, context_key, read_suite
from tests.conftest import SHARED_DATA

SUITE = SHARED_DATA / "ha-intents-de" / "tests.jsonl"
EXPECTED_FAILURES = Path(__file__).with_name("ha_suite_expected_failures.yaml")


def _expected_failures() -> dict[str, str]:
    with EXPECTED_FAILURES.open(encoding="utf-8") as stream:
        return {item["text"]: item["reason"] for item in yaml.safe_load(stream)}


def _rows() -> list[pytest.param]:  # type: ignore[valid-type]
    if not SUITE.exists():
        pytest.fail(f"the peer suite is missing: {SUITE}")
    failing = _expected_failures()
    params = []
    for number, row in enumerate(read_suite(SUITE)):
        marks = []
        if row.text in failing:
            marks.append(pytest.mark.xfail(reason=failing[row.text], strict=True))
        params.append(pytest.param(row, id=f"{number}", marks=marks))
    return params


_HOMES: dict[str, HomeSnapshot] = {}


@pytest.mark.parametrize("row", _rows())
def test_row_is_understood_exactly(understanding: Understanding, row: SuiteRow) -> None:
    key = context_key(row.context)
    home = _HOMES.get(key) or _HOMES.setdefault(key, HomeSnapshot.from_json(row.context))
    result = understanding.parse(row.text, home)
    assert agrees(result, row), (row.text, row.intent, row.slots, result.intent, result.slots)


def test_expected_failures_name_real_rows_and_stay_few() -> None:
    failing = _expected_failures()
    texts = {row.text for row in read_suite(SUITE)}
    assert set(failing) <= texts
    assert len(failing) <= 0.03 * len(texts)
