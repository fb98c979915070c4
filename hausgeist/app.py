"""Assembling a household's assistant from the data directory: store, home, drivers, skills."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from hausgeist.dialog.assistant import Assistant
from hausgeist.home.config import DEMO_HOME
from hausgeist.home.drivers.base import Driver
from hausgeist.home.drivers.mqtt import MqttDriver
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
    path = home_file(data)
    config = HomeConfig.read(path)
    home = Home(config, drivers(store, path))
    understanding = Understanding.load(
        home.snapshot(), lang=lang, cache_dir=data / "cache", clock=clock
    )
    skills: list[Skill] = [HomeSkill(home), ListSkill(store, home), InfoSkill()]
    return Assistant(understanding, home, store, skills, clock)


def drivers(store: Store, path: Path) -> dict[str, Driver]:
    """The virtual driver, and an MQTT driver when the home file has an `mqtt:` section."""
    found: dict[str, Driver] = {"virtual": VirtualDriver(store)}
    with path.open(encoding="utf-8") as stream:
        settings = (yaml.safe_load(stream) or {}).get("mqtt")
    if isinstance(settings, dict):
        found["mqtt"] = MqttDriver(
            host=str(settings.get("host", "127.0.0.1")),
            port=int(settings.get("port", 1883)),
            base_topic=str(settings.get("base_topic", "zigbee2mqtt")),
            username=settings.get("username"),
            password=settings.get("password"),
        )
    return found
