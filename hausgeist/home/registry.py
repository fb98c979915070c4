"""The home at run time: devices with their drivers, target resolution and state changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hausgeist.home.drivers.base import Driver, DriverError, State
from hausgeist.home.model import Device, HomeConfig
from hausgeist.home.snapshot import Entity, HomeSnapshot
from hausgeist.language.names import fold
from hausgeist.skills.base import Action


@dataclass(frozen=True)
class Selection:
    """The devices a request names, or why there are none (a German sentence)."""

    devices: tuple[Device, ...]
    problem: str | None = None


class Home:
    """Devices of one home, each reached through its driver."""

    def __init__(self, config: HomeConfig, drivers: Mapping[str, Driver]) -> None:
        self.config = config
        self.drivers = dict(drivers)
        self._by_name: dict[str, Device] = {}
        for device in config.devices:
            for name in (device.name, *device.aliases):
                self._by_name[fold(name)] = device

    @property
    def devices(self) -> tuple[Device, ...]:
        """Every device."""
        return self.config.devices

    def device(self, name: str) -> Device | None:
        """The device with this name or alias."""
        return self._by_name.get(fold(name))

    def floor_of(self, device: Device) -> str | None:
        """The floor a device's area is on."""
        for area in self.config.areas:
            if area.name == device.area:
                return area.floor
        return None

    def select(self, slots: Mapping[str, Any], domains: tuple[str, ...] = ()) -> Selection:
        """The devices named by `name`, `area`, `floor`, `domain` and `device_class` slots."""
        name, area, floor = slots.get("name"), slots.get("area"), slots.get("floor")
        wanted = (slots["domain"],) if isinstance(slots.get("domain"), str) else domains
        if isinstance(name, str):
            device = self.device(name)
            if device is None:
                return Selection((), f"Ich kenne kein Gerät namens {name}.")
            if isinstance(area, str) and device.area != area:
                return Selection((), f"{device.name} ist nicht im Raum {area}.")
            return Selection((device,))
        found = [d for d in self.devices if not wanted or d.domain in wanted]
        if isinstance(slots.get("device_class"), str):
            found = [d for d in found if d.device_class == slots["device_class"]]
        if isinstance(area, str):
            found = [d for d in found if d.area == area]
        if isinstance(floor, str):
            found = [d for d in found if self.floor_of(d) == floor]
        if not found:
            return Selection((), self._nothing_there(wanted, area, floor))
        return Selection(tuple(found))

    def _nothing_there(self, domains: tuple[str, ...], area: Any, floor: Any) -> str:
        what = _GERMAN_DOMAIN.get(domains[0], "passendes Gerät") if len(domains) == 1 else "Gerät"
        where = f" im Raum {area}" if isinstance(area, str) else ""
        where = f" im {floor}" if isinstance(floor, str) and not where else where
        return f"Ich finde kein {what}{where}."

    def state(self, device: Device) -> State:
        """A device's current state."""
        return self._driver(device).read(device)

    def apply(self, device: Device, change: State) -> Action:
        """Change a device; the action carries its state afterwards."""
        state = self._driver(device).apply(device, change)
        return Action(target=device.name, kind=device.domain, data=dict(change), state=state)

    def snapshot(self) -> HomeSnapshot:
        """The home as the understanding stage sees it."""
        entities = []
        for device in self.devices:
            try:
                state = str(self.state(device).get("state", "unknown"))
            except DriverError:
                state = "unavailable"
            entities.append(
                Entity(
                    device.name,
                    device.domain,
                    device.area,
                    state,
                    device.aliases,
                    device.device_class,
                )
            )
        return HomeSnapshot(self.config.areas, self.config.floors, tuple(entities))

    def _driver(self, device: Device) -> Driver:
        driver = self.drivers.get(device.driver)
        if driver is None:
            raise DriverError(f"Für {device.name} ist kein Treiber {device.driver} eingerichtet.")
        return driver


_GERMAN_DOMAIN = {
    "light": "Licht",
    "switch": "Schalter",
    "fan": "Ventilator",
    "cover": "Rollladen",
    "climate": "Thermostat",
    "vacuum": "Saugroboter",
    "media_player": "Abspielgerät",
    "lock": "Schloss",
    "valve": "Ventil",
}
