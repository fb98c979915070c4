"""Assembling a household's assistant from the data directory: store, home, drivers, skills."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hausgeist.dialog.assistant import Assistant
from hausgeist.home.config import DEMO_HOME
from hausgeist.home.drivers.virtual import VirtualDriver
from hausgeist.home.model import HomeConfig
from hausgeist.home.registry import Home
from hausgeist.language.parse import Understanding
from hausgeist.skills.base import Clock, Skill
from hausgeist.skills.home import HomeSkill
from hausgeist.skills.info import InfoSkill
from hausgeist.skills.lists import ListSkill
from hausgeist.store.sqlite import Store


def home_file(data: Path) -> Path:
    """The household's home file, or the embedded demo home."""
    own = data / "home.yaml"
    return own if own.exists() else DEMO_HOME


def build_assistant(data: Path, clock: Clock = datetime.now, lang: str = "de") -> Assistant:
    """The assistant for the household whose state lives in `data`."""
    store = Store(data / "hausgeist.db")
    config = HomeConfig.read(home_file(data))
    home = Home(config, {"virtual": VirtualDriver(store)})
    understanding = Understanding.load(
        home.snapshot(), lang=lang, cache_dir=data / "cache", clock=clock
    )
    skills: list[Skill] = [HomeSkill(home), ListSkill(store, home), InfoSkill()]
    return Assistant(understanding, home, store, skills, clock)
