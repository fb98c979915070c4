"""The household's home as configured: areas, floors and devices with their capabilities.

The home file is YAML in the suite's `context` shape, extended per device with
`capabilities` (what it can do: "dim", "color", "color_temp", "position", ...), `driver`
("virtual" by default, or "mqtt") and, for MQTT, its Zigbee2MQTT `friendly_name`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hausgeist.home.snapshot import Area, SnapshotError

# What a device of a domain can do when the home file does not say.
DEFAULT_CAPABILITIES: dict[str, frozenset[str]] = {
    "light": frozenset({"onoff", "dim", "color", "color_temp"}),
    "switch": frozenset({"onoff"}),
    "fan": frozenset({"onoff", "speed"}),
    "cover": frozenset({"open_close", "position"}),
    "climate": frozenset({"onoff", "temperature"}),
    "vacuum": frozenset({"clean", "dock"}),
    "lawn_mower": frozenset({"mow", "dock"}),
    "media_player": frozenset({"play", "volume"}),
    "todo": frozenset({"items"}),
    "lock": frozenset({"lock"}),
    "valve": frozenset({"open_close"}),
    "scene": frozenset({"activate"}),
    "script": frozenset({"run"}),
}


@dataclass(frozen=True)
class Device:
    """One device of the home."""

    name: str
    domain: str
    area: str | None = None
    aliases: tuple[str, ...] = ()
    capabilities: frozenset[str] = frozenset()
    driver: str = "virtual"
    friendly_name: str | None = None
    device_class: str | None = None
    initial: dict[str, Any] = field(default_factory=dict)

    def can(self, capability: str) -> bool:
        """Whether the device has a capability."""
        return capability in self.capabilities


@dataclass(frozen=True)
class HomeConfig:
    """Areas, floors and devices of one home."""

    areas: tuple[Area, ...]
    floors: tuple[str, ...]
    devices: tuple[Device, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HomeConfig:
        """Read the home file's structure; raise SnapshotError when it is not one."""
        if not isinstance(data, Mapping):
            raise SnapshotError("the home file must hold a mapping")
        areas = tuple(_area(item) for item in data.get("areas") or [])
        floors = tuple(str(floor) for floor in data.get("floors") or [])
        devices = tuple(_device(item) for item in data.get("entities") or [])
        names = [device.name.casefold() for device in devices]
        if len(names) != len(set(names)):
            raise SnapshotError("two devices share a name")
        known = {area.name for area in areas}
        for device in devices:
            if device.area is not None and device.area not in known:
                raise SnapshotError(f"device {device.name!r} is in unknown area {device.area!r}")
        return cls(areas, floors, devices)


def _area(item: Any) -> Area:
    if isinstance(item, str):
        return Area(item)
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        raise SnapshotError(f"an area needs a name: {item!r}")
    aliases = tuple(str(a) for a in item.get("aliases") or [])
    return Area(item["name"], aliases, item.get("floor"))


def _device(item: Any) -> Device:
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        raise SnapshotError(f"a device needs a name: {item!r}")
    domain = item.get("domain")
    if not isinstance(domain, str):
        raise SnapshotError(f"device {item['name']!r} needs a domain")
    listed = item.get("capabilities")
    capabilities = DEFAULT_CAPABILITIES.get(domain, frozenset())
    if listed:
        capabilities = frozenset(str(c) for c in listed)
    initial = {"state": item["state"]} if isinstance(item.get("state"), str) else {}
    return Device(
        name=item["name"],
        domain=domain,
        area=item.get("area"),
        aliases=tuple(str(a) for a in item.get("aliases") or []),
        capabilities=capabilities,
        driver=str(item.get("driver") or "virtual"),
        friendly_name=item.get("friendly_name"),
        device_class=item.get("device_class"),
        initial=initial,
    )
