"""A home's command index kept in the household's directory: written on the first build,
loaded (not built) by the next process, rebuilt when the home's structure changes or the
file is damaged. No recogniser is needed: warming a home builds or loads its index only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from hausgeist.app import build_assistant
from hausgeist.dialog.assistant import Assistant
from hausgeist.home.config import DEMO_HOME
from hausgeist.speech import pipeline, sentences, stored
from hausgeist.speech.pipeline import SpeechStage
from hausgeist.speech.sentences import Command


@pytest.fixture(scope="module")
def grammar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compiled-grammar cache for the module: compiling it is not what is tested."""
    return tmp_path_factory.mktemp("grammar")


@pytest.fixture
def household(tmp_path: Path, grammar: Path) -> Path:
    """A household directory with a small home of its own: two rooms of the demo home."""
    home = yaml.safe_load(DEMO_HOME.read_text(encoding="utf-8"))
    rooms = {"Küche", "Flur"}
    home["areas"] = [a for a in home["areas"] if a["name"] in rooms]
    home["entities"] = [e for e in home["entities"] if e.get("area") in rooms]
    assert home["entities"]
    directory = tmp_path / "household"
    directory.mkdir()
    (directory / "home.yaml").write_text(yaml.safe_dump(home, allow_unicode=True))
    (tmp_path / "grammar").symlink_to(grammar)
    return directory


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds of a command index: the drawing of the home's commands."""
    calls: list[int] = []
    real = sentences.commands

    def counted(*args: Any, **kwargs: Any) -> list[Command]:
        calls.append(1)
        return real(*args, **{"per_template": 2, **kwargs})  # fewer draws: a faster test

    monkeypatch.setattr(pipeline, "commands", counted)
    return calls


def new_stage() -> SpeechStage:
    """A stage as a new process has one: nothing in memory. Warming needs no engine."""
    unused = cast(Any, object())
    return SpeechStage(unused, unused, unused)


def assistant(household: Path) -> Assistant:
    return build_assistant(household, cache_dir=household.parent / "grammar")


def warmed(household: Path, stage: SpeechStage | None = None) -> tuple[list[Command], list[str]]:
    """Warm a fresh stage (or `stage`) for the household; its index's commands and keys."""
    stage = stage or new_stage()
    helper = assistant(household)
    stage.warm(helper, household=household)
    nearest = stage._home(helper, household).nearest(helper.understanding)
    return nearest.commands, nearest.keys


def test_the_index_is_written_and_the_next_process_loads_it_without_building(
    household: Path, builds: list[int]
) -> None:
    built = warmed(household)
    assert len(builds) == 1
    path = stored.path_in(household)
    assert path.is_file()
    assert not list(path.parent.glob("*.tmp"))  # the temporary file was renamed
    loaded = warmed(household)
    assert len(builds) == 1  # loaded, not built
    assert loaded == built and len(built[0]) > 50


def test_the_loaded_index_snaps_like_the_built_one(household: Path, builds: list[int]) -> None:
    helper = assistant(household)
    first, second = new_stage(), new_stage()
    first.warm(helper, household=household)
    second.warm(helper, household=household)
    assert len(builds) == 1
    heard = "schalte das kuchenlicht an"
    built = first._home(helper, household).nearest(helper.understanding).guess(heard)
    loaded = second._home(helper, household).nearest(helper.understanding).guess(heard)
    assert loaded == built and built.command is not None


def test_a_stage_without_the_households_directory_keeps_the_index_in_memory_only(
    household: Path, builds: list[int]
) -> None:
    new_stage().warm(assistant(household))
    assert len(builds) == 1
    assert not stored.path_in(household).exists()


def _change_home(household: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = household / "home.yaml"
    home = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(home)
    path.write_text(yaml.safe_dump(home, allow_unicode=True))


@pytest.mark.parametrize(
    "change",
    [
        lambda home: home["areas"].append({"name": "Keller", "floor": "Erdgeschoss"}),
        lambda home: home["entities"].append(
            {"name": "Flurlampe", "domain": "light", "area": "Flur", "state": "off"}
        ),
        lambda home: home["entities"][0].update(name="Herdlicht"),
    ],
    ids=["a new room", "a new device", "a renamed device"],
)
def test_a_change_of_the_homes_structure_rebuilds_and_rewrites_the_index(
    household: Path, builds: list[int], change: Callable[[dict[str, Any]], None]
) -> None:
    before = warmed(household)
    key_before = json.loads(stored.path_in(household).read_text())["key"]
    _change_home(household, change)
    after = warmed(household)
    assert len(builds) == 2
    assert after != before
    assert json.loads(stored.path_in(household).read_text())["key"] != key_before
    warmed(household)
    assert len(builds) == 2  # the rewritten file is the one loaded now


def test_a_devices_state_is_not_part_of_the_key(household: Path, builds: list[int]) -> None:
    warmed(household)
    _change_home(household, lambda home: home["entities"][0].update(state="on"))
    warmed(household)
    assert len(builds) == 1


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _bad_command(path: Path) -> None:
    document = json.loads(path.read_text())
    document["commands"][3] = ["schalte", "HassTurnOn", ["HassTurnOn"], [0, 99], None]
    path.write_text(json.dumps(document))


def _fewer_keys(path: Path) -> None:
    document = json.loads(path.read_text())
    document["keys"].pop()
    path.write_text(json.dumps(document))


def _pickle(path: Path) -> None:
    # What an attacker or another program might leave there: never run, only refused.
    path.write_bytes(b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94.")


@pytest.mark.parametrize(
    "damage",
    [
        _truncated,
        _bad_command,
        _fewer_keys,
        _pickle,
        lambda path: path.write_text("[1, 2, 3]"),
        lambda path: path.write_text('{"format": 999, "key": "x", "commands": []}'),
        lambda path: path.write_bytes(b"\xff\xfe\x00garbage"),
        lambda path: path.write_text(""),
    ],
    ids=[
        "truncated",
        "bad command",
        "fewer keys",
        "pickle",
        "foreign json",
        "other format",
        "not utf-8",
        "empty",
    ],
)
def test_a_damaged_or_foreign_file_is_logged_and_rebuilt(
    household: Path,
    builds: list[int],
    damage: Callable[[Path], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    built = warmed(household)
    damage(stored.path_in(household))
    with caplog.at_level(logging.WARNING, logger="hausgeist.speech"):
        again = warmed(household)
    assert len(builds) == 2
    assert again == built
    assert any("command index" in r.getMessage() for r in caplog.records)
    warmed(household)
    assert len(builds) == 2  # the rebuilt index was written back whole


def test_an_unwritable_directory_costs_the_build_but_not_the_turn(
    household: Path, builds: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    (household / "cache").write_text("a file where the cache directory would be")
    with caplog.at_level(logging.WARNING, logger="hausgeist.speech"):
        built = warmed(household)
    assert built[0]
    assert any("not written" in r.getMessage() for r in caplog.records)
    warmed(household)
    assert len(builds) == 2


def test_code_that_cannot_be_read_keeps_the_index_in_memory_only(
    household: Path, builds: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stored, "_CODE", (*stored._CODE, household / "missing.py"))
    stored._versions.cache_clear()
    try:
        built = warmed(household)
    finally:
        stored._versions.cache_clear()
    assert built[0] and len(builds) == 1
    assert not stored.path_in(household).exists()
