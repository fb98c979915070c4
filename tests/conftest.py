"""Shared fixtures: one compiled grammar per test session, on a fixed clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hausgeist.app import build_assistant
from hausgeist.dialog.assistant import Assistant
from hausgeist.home.config import DEMO_HOME, read_home_file
from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.parse import Understanding
from tests.fakes import FakeClock

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TODAY = datetime(2026, 11, 25, 9, 30)  # a Wednesday


@pytest.fixture(scope="session")
def grammar_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory for the compiled grammar, shared by the session."""
    return tmp_path_factory.mktemp("grammar-cache")


@pytest.fixture(scope="session")
def understanding(grammar_cache: Path) -> Understanding:
    """The German understanding stage against the demo home, on a fixed clock."""
    return Understanding.load(
        HomeSnapshot.from_json(read_home_file(DEMO_HOME)),
        cache_dir=grammar_cache,
        clock=lambda: TODAY,
    )


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when a test moves it."""
    return FakeClock()


@pytest.fixture
def assistant(tmp_path: Path, grammar_cache: Path, clock: FakeClock) -> Assistant:
    """The assistant `hausgeist ask` and the server build (with the packaged model), on the
    demo home, a fresh data directory and the fake clock."""
    (tmp_path / "cache").symlink_to(grammar_cache)
    return build_assistant(tmp_path, clock=clock)
