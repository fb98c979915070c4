"""The understanding stage as the rest of hausgeist uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language import build
from hausgeist.language.parse import Understanding


def test_demo_home_commands(understanding: Understanding) -> None:
    result = understanding.parse("Mach das Licht im Wohnzimmer an")
    assert (result.intent, result.slots) == (
        "HassTurnOn",
        {"area": "Wohnzimmer", "domain": "light"},
    )
    assert (result.confidence, result.source) == (1.0, "grammar")


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("Stell einen Timer auf zehn Minuten", "HassStartTimer", {"minutes": 10}),
        (
            "Bestelle zwei Packungen Batterien",
            "OrderProduct",
            {"product": "Batterien", "quantity": 2},
        ),
        ("weck mich morgen um halb sieben", "AlarmSet", {"date": "2026-11-26", "time": "06:30"}),
        ("Küchenlicht aus", "HassTurnOff", {"name": "Küchenlicht"}),
        (
            "Setze das Licht in der Küche auf blau",
            "HassLightSet",
            {"area": "Küche", "color": "blue", "domain": "light"},
        ),
    ],
)
def test_everyday_commands(
    understanding: Understanding, text: str, intent: str, slots: dict
) -> None:  # type: ignore[type-arg]
    result = understanding.parse(text)
    assert (result.intent, result.slots) == (intent, slots)


@pytest.mark.parametrize(
    ("name", "domain", "intent"),
    [("Rover", "vacuum", "HassVacuumStart"), ("Rover", "light", "HassTurnOn"),
     ("TV", "media_player", "HassSetVolume"), ("TV", "light", "HassLightSet")],
)  # fmt: skip
def test_a_known_domain_settles_what_a_name_alone_leaves_open(
    understanding: Understanding, name: str, domain: str, intent: str
) -> None:
    home = HomeSnapshot.from_json({"entities": [{"name": name, "domain": domain}]})
    text = {"Rover": "Rover an", "TV": "Stelle TV auf maximum"}[name]
    assert understanding.parse(text, home).intent == intent


@pytest.mark.parametrize(
    "text", ["Wie war dein Tag?", "ähm äh", "asdf qwer", "Licht", "zwölf", "22"]
)
def test_no_command_no_intent(understanding: Understanding, text: str) -> None:
    assert understanding.parse(text).intent is None


def test_compiled_grammar_is_cached_and_reloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "PACKAGE_CACHE", tmp_path / "package")
    first = build.load_compiled("de", tmp_path / "cache")
    cached = list((tmp_path / "cache").glob("grammar-de-*.pickle"))
    assert len(cached) == 1
    again = build.load_compiled("de", tmp_path / "cache")
    assert again is not first
    assert again.dfa.moves == first.dfa.moves
    understanding = Understanding(again, HomeSnapshot())
    assert understanding.parse("Schalte alle Lichter aus").intent == "HassTurnOff"


def test_a_corrupt_cache_file_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "PACKAGE_CACHE", tmp_path / "package")
    build.load_compiled("de", tmp_path)
    cached = next(tmp_path.glob("grammar-de-*.pickle"))
    cached.write_bytes(b"not a pickle")
    loaded = build.load_compiled("de", tmp_path)
    assert Understanding(loaded, HomeSnapshot()).parse("Licht aus").intent == "HassTurnOff"
