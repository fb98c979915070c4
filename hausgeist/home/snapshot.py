"""A read-only snapshot of a home, the world the language matcher works against.

The JSON form is the `context` format of Home Assistant's German test suite
(shared/data/ha-intents-de/tests.jsonl): areas, floors, entities, timers, media.
Unknown fields are ignored so that newer contexts still parse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class SnapshotError(ValueError):
    """A home snapshot could not be read."""

    code = "bad_home"


@dataclass(frozen=True)
class Entity:
    """One device or helper in the home."""

    name: str
    domain: str | None = None
    area: str | None = None
    state: str | None = None
    aliases: tuple[str, ...] = ()
    device_class: str | None = None


@dataclass(frozen=True)
class Area:
    """A room; `floor` names the floor it is on."""

    name: str
    aliases: tuple[str, ...] = ()
    floor: str | None = None


@dataclass(frozen=True)
class Timer:
    """A running or paused timer."""

    name: str | None = None
    area: str | None = None
    is_active: bool = True
    start_hours: int | None = None
    start_minutes: int | None = None
    start_seconds: int | None = None
    total_seconds_left: int | None = None


@dataclass(frozen=True)
class Media:
    """A media item the home knows by title (a favourite, a playlist, an artist)."""

    title: str


@dataclass(frozen=True)
class HomeSnapshot:
    """Areas, floors, entities, timers and media of one home at one moment."""

    areas: tuple[Area, ...] = ()
    floors: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()
    timers: tuple[Timer, ...] = ()
    media: tuple[Media, ...] = ()
    key: str = field(default="", compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HomeSnapshot:
        """Read the test-suite context format; raise SnapshotError on wrong types."""
        if not isinstance(data, Mapping):
            raise SnapshotError("context must be a JSON object")
        try:
            areas = tuple(_area(a) for a in _items(data, "areas"))
            floors = tuple(_text(f, "floors") for f in _items(data, "floors"))
            entities = tuple(_entity(e) for e in _items(data, "entities"))
            timers = tuple(_timer(t) for t in _items(data, "timers"))
            media = tuple(Media(_text(_get(m, "title"), "media")) for m in _items(data, "media"))
        except (TypeError, KeyError) as err:
            raise SnapshotError(f"context is malformed: {err}") from err
        key = hashlib.sha1(
            json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        return cls(areas, floors, entities, timers, media, key)


def _items(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name) or []
    if not isinstance(value, list):
        raise SnapshotError(f"context field {name!r} must be a list")
    return value


def _get(item: Any, key: str) -> Any:
    if not isinstance(item, Mapping):
        raise SnapshotError(f"expected an object with {key!r}, got {type(item).__name__}")
    return item.get(key)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SnapshotError(f"{where}: expected a non-empty string")
    return value


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _aliases(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str) and v.strip())


def _area(item: Any) -> Area:
    if isinstance(item, str):
        return Area(_text(item, "areas"))
    return Area(
        _text(_get(item, "name"), "areas"),
        _aliases(item.get("aliases")),
        _optional_text(item.get("floor")),
    )


def _entity(item: Any) -> Entity:
    return Entity(
        name=_text(_get(item, "name"), "entities"),
        domain=_optional_text(item.get("domain")),
        area=_optional_text(item.get("area")),
        state=_optional_text(item.get("state")),
        aliases=_aliases(item.get("aliases")),
        device_class=_optional_text(item.get("device_class")),
    )


def _timer(item: Any) -> Timer:
    _get(item, "is_active")
    return Timer(
        name=_optional_text(item.get("name")),
        area=_optional_text(item.get("area")),
        is_active=bool(item.get("is_active", True)),
        start_hours=_optional_int(item.get("start_hours")),
        start_minutes=_optional_int(item.get("start_minutes")),
        start_seconds=_optional_int(item.get("start_seconds")),
        total_seconds_left=_optional_int(item.get("total_seconds_left")),
    )
