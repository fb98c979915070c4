"""The virtual driver: devices that exist only in the store, for the demo home and tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hausgeist.home.drivers.base import State
from hausgeist.home.model import Device
from hausgeist.store.sqlite import Store

# The state a device of a domain starts in.
INITIAL: dict[str, State] = {
    "light": {"state": "off", "brightness": 100, "color": "white", "color_temp": 2700},
    "switch": {"state": "off"},
    "fan": {"state": "off", "percentage": 0},
    "cover": {"state": "closed", "position": 0},
    "climate": {"state": "heat", "temperature": 20.0, "current_temperature": 20.5},
    "vacuum": {"state": "docked"},
    "lawn_mower": {"state": "docked"},
    "lock": {"state": "locked"},
}


class VirtualDriver:
    """Keeps each device's state as JSON in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read(self, device: Device) -> State:
        """The stored state, or the domain's initial state."""
        rows = self.store.query("SELECT state FROM device_state WHERE entity = ?", (device.name,))
        if rows:
            return dict(json.loads(rows[0]["state"]))
        return {**INITIAL.get(device.domain, {"state": "unknown"}), **device.initial}

    def apply(self, device: Device, change: State) -> State:
        """Merge the change into the stored state."""
        state = {**self.read(device), **change}
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO device_state (entity, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (entity) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at",
                (device.name, json.dumps(state), datetime.now(UTC).isoformat()),
            )
        return state
