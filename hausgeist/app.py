"""Assembling a household's assistant from the data directory: store, home, drivers, skills."""

from __future__ import annotations

import gc
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hausgeist.dialog.assistant import Assistant
from hausgeist.home.config import home_file, read_home_file
from hausgeist.home.drivers.base import Driver
from hausgeist.home.drivers.mqtt import MqttDriver
from hausgeist.home.drivers.virtual import VirtualDriver
from hausgeist.home.model import HomeConfig
from hausgeist.home.registry import Home
from hausgeist.home.snapshot import SnapshotError
from hausgeist.language.build import Compiled, load_compiled
from hausgeist.language.parse import PACKAGED, Understanding
from hausgeist.media.mpd import MpdPlayer
from hausgeist.media.player import Player
from hausgeist.media.stored import StoredPlayer
from hausgeist.media.virtual import VirtualPlayer, demo_library
from hausgeist.skills.alarms import AlarmSkill
from hausgeist.skills.base import Clock, Skill
from hausgeist.skills.home import HomeSkill
from hausgeist.skills.info import InfoSkill
from hausgeist.skills.lists import ListSkill
from hausgeist.skills.media import MediaSkill
from hausgeist.skills.orders import OrderSkill
from hausgeist.skills.timers import TimerSkill
from hausgeist.skills.weather import BrightSkyProvider, WeatherSkill
from hausgeist.store.sqlite import Store

DEFAULT_TIME_ZONE = "Europe/Berlin"


def build_assistant(
    data: Path,
    clock: Clock | None = None,
    lang: str = "de",
    compiled: Compiled | None = None,
    cache_dir: Path | None = None,
) -> Assistant:
    """The assistant for the household whose state lives in `data`.

    A server with many households passes one `compiled` grammar to all of them.
    """
    store = Store(data / "hausgeist.db")
    document = read_home_file(home_file(data))
    config = HomeConfig.from_dict(document)
    clock = clock or household_clock(document)
    home = Home(config, drivers(store, document))
    if compiled is None:
        compiled = load_grammar(lang, cache_dir or data / "cache")
    # The grammar first, then the trained model shipped in the package (one per process).
    understanding = Understanding(compiled, home.snapshot(), clock, PACKAGED)
    skills: list[Skill] = [
        HomeSkill(home),
        ListSkill(store, home),
        InfoSkill(),
        OrderSkill(store, clock),
        TimerSkill(store, clock),
        AlarmSkill(store, clock),
        WeatherSkill(BrightSkyProvider(), home_place=str(document.get("place") or "Berlin")),
        MediaSkill(player(document, store)),
    ]
    return Assistant(understanding, home, store, skills, clock)


def load_grammar(lang: str, cache_dir: Path | None) -> Compiled:
    """The compiled grammar, loaded once per process and shared by every household."""
    compiled = load_compiled(lang, cache_dir)
    # The grammar is millions of long-lived objects; without this, every full garbage
    # collection walks all of them and parsing slows down the longer a process runs.
    gc.freeze()
    return compiled


def drivers(store: Store, document: dict[str, Any]) -> dict[str, Driver]:
    """The virtual driver, and an MQTT driver when the home file has an `mqtt:` section."""
    found: dict[str, Driver] = {"virtual": VirtualDriver(store)}
    settings = document.get("mqtt")
    if isinstance(settings, dict):
        found["mqtt"] = MqttDriver(
            host=str(settings.get("host", "127.0.0.1")),
            port=int(settings.get("port", 1883)),
            base_topic=str(settings.get("base_topic", "zigbee2mqtt")),
            username=settings.get("username"),
            password=settings.get("password"),
        )
    return found


def household_clock(document: dict[str, Any]) -> Clock:
    """Wall-clock time in the household's time zone (`time_zone:` in the home file)."""
    name = document.get("time_zone") or DEFAULT_TIME_ZONE
    try:
        zone = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise SnapshotError(f"unknown time zone {name!r}") from err
    return lambda: datetime.now(zone).replace(tzinfo=None)


def player(document: dict[str, Any], store: Store) -> Player:
    """An MPD (or Mopidy) player when the home file has an `mpd:` section, else the virtual one."""
    settings = document.get("mpd")
    if isinstance(settings, dict):
        return MpdPlayer(
            host=str(settings.get("host", "127.0.0.1")), port=int(settings.get("port", 6600))
        )
    return StoredPlayer(VirtualPlayer(demo_library()), store)
