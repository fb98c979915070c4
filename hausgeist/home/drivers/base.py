"""The interface every device driver implements.

A device state is a plain dict in Home Assistant's terms: {"state": "on", "brightness": 80,
"color": "red", "color_temp": 2700} for a light (brightness 0-100 percent, color a CSS name,
color temperature in kelvin); {"state": "open", "position": 40} for a cover;
{"state": "heat", "temperature": 21.5} for a thermostat; {"state": "docked"} for a vacuum.
"""

from __future__ import annotations

from typing import Any, Protocol

from hausgeist.home.model import Device

State = dict[str, Any]


class DriverError(Exception):
    """A device could not be reached or refused the change."""

    code = "device_unreachable"


class Driver(Protocol):
    """Reads and changes devices of one kind."""

    def read(self, device: Device) -> State:
        """The device's current state."""
        ...

    def apply(self, device: Device, change: State) -> State:
        """Apply a partial change; return the device's whole state afterwards."""
        ...
