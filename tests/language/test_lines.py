"""The `hausgeist parse` line protocol, including every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hausgeist.language.lines import LineParser
from hausgeist.language.parse import Understanding

KEYS = {"text", "intent", "slots", "confidence", "source"}


@pytest.fixture(scope="module")
def lines(understanding: Understanding) -> LineParser:
    return LineParser(understanding)


def test_plain_line_is_parsed_against_the_configured_home(lines: LineParser) -> None:
    out = lines.parse_line("Schalte das Küchenlicht an".encode())
    assert out == {
        "text": "Schalte das Küchenlicht an",
        "intent": "HassTurnOn",
        "slots": {"name": "Küchenlicht"},
        "confidence": 1.0,
        "source": "grammar",
    }


def test_json_line_is_parsed_against_its_own_context(lines: LineParser) -> None:
    line = {"text": "Mach die Lampe im Atelier an", "context": {"areas": ["Atelier"]}}
    out = lines.parse_line(json.dumps(line).encode())
    assert (out["intent"], out["slots"]) == ("HassTurnOn", {"area": "Atelier", "domain": "light"})


def test_unknown_context_fields_are_ignored(lines: LineParser) -> None:
    line = {"text": "Mach die Lampe im Atelier an", "context": {"areas": ["Atelier"], "pets": [1]}}
    out = lines.parse_line(json.dumps(line).encode())
    assert out["intent"] == "HassTurnOn" and "error" not in out


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b'{"text": "Licht an"', "invalid JSON"),
        (b"{not json at all", "invalid JSON"),
        (b'{"text": 42}', "must be a string"),
        (b'{"text": "Licht an", "context": [1, 2]}', "must be an object"),
        ('{"text": "Licht an", "context": {"areas": "Küche"}}'.encode(), "must be a list"),
        (b'{"text": "Licht an", "context": {"entities": [{"area": "Bad"}]}}', "non-empty string"),
        (b"\xff\xfe\xfa Licht an", "invalid UTF-8"),
        (b"[" * 100_000, None),
    ],
)
def test_unreadable_lines_get_null_intent_and_an_error(
    lines: LineParser, raw: bytes, error: str | None
) -> None:
    out = lines.parse_line(raw)
    assert out["intent"] is None
    assert set(out) >= KEYS
    if error is not None:
        assert error in out["error"]


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", "äh ähm ähm".encode(), ("Licht an " * 1250).encode(), bytes(range(1, 256))[:200]],
)
def test_empty_huge_and_garbage_lines_match_nothing(lines: LineParser, raw: bytes) -> None:
    out = lines.parse_line(raw)
    assert out["intent"] is None and out["slots"] == {}


def test_deeply_nested_json_does_not_crash(lines: LineParser) -> None:
    out = lines.parse_line(b'{"text": "x", "context": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")
    assert out["intent"] is None and "error" in out


def test_command_answers_one_line_per_input_line(tmp_path: Path) -> None:
    inputs = [
        b"Mach das Licht im Wohnzimmer an",
        b"",
        b'{"text": "Stell einen Timer auf zehn Minuten", "context": {}}',
        b'{"text": broken',
        b"\xc3\x28 invalid utf-8",
        b"x" * 10_000,
        bytes(range(1, 10)) + b"\x00\x7f garbage",
        b"Bestelle zwei Packungen Batterien",
    ]
    env = {**os.environ, "HAUSGEIST_DATA": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "hausgeist.cli", "parse"],
        input=b"\n".join(inputs) + b"\n",
        capture_output=True,
        env=env,
        timeout=120,
        check=True,
    )
    outputs = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(outputs) == len(inputs)
    assert [o["intent"] for o in outputs] == [
        "HassTurnOn", None, "HassStartTimer", None, None, None, None, "OrderProduct",
    ]  # fmt: skip
    assert outputs[2]["slots"] == {"minutes": 10}
    assert "error" in outputs[3] and "error" in outputs[4]
    assert outputs[7]["slots"] == {"product": "Batterien", "quantity": 2}
