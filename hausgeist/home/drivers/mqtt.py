"""The MQTT driver: devices behind Zigbee2MQTT, reached through an MQTT broker.

Zigbee2MQTT publishes each device's state as JSON on `<base>/<friendly_name>` and takes
changes on `<base>/<friendly_name>/set` (`/get` asks for the state). Its terms differ from
hausgeist's: brightness 0-254 instead of percent, color temperature in mireds instead of
kelvin, colors as {"hex"} or CIE {"x", "y"} instead of CSS names, "ON" instead of "on".
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from hausgeist.home.drivers.base import DriverError, State
from hausgeist.home.model import Device

log = logging.getLogger(__name__)

# The CSS colors hausgeist names (see hausgeist.language.colors). A plain color comes before
# its darker twins: a bulb reports only the hue, so #8b0000's hue is "red" unless hinted.
CSS_COLORS: dict[str, str] = {
    "white": "#ffffff", "snow": "#fffafa", "ivory": "#fffff0", "black": "#000000",
    "red": "#ff0000", "darkred": "#8b0000", "maroon": "#800000", "crimson": "#dc143c",
    "tomato": "#ff6347", "orangered": "#ff4500", "orange": "#ffa500", "darkorange": "#ff8c00",
    "yellow": "#ffff00", "lightyellow": "#ffffe0", "gold": "#ffd700", "khaki": "#f0e68c",
    "green": "#008000", "lime": "#00ff00", "lightgreen": "#90ee90", "darkgreen": "#006400",
    "olive": "#808000", "blue": "#0000ff", "lightblue": "#add8e6", "darkblue": "#00008b",
    "navy": "#000080", "skyblue": "#87ceeb", "royalblue": "#4169e1", "turquoise": "#40e0d0",
    "cyan": "#00ffff", "teal": "#008080", "purple": "#800080", "violet": "#ee82ee",
    "magenta": "#ff00ff", "indigo": "#4b0082", "lavender": "#e6e6fa", "pink": "#ffc0cb",
    "lightpink": "#ffb6c1", "coral": "#ff7f50", "salmon": "#fa8072", "brown": "#a52a2a",
    "beige": "#f5f5dc", "gray": "#808080", "lightgray": "#d3d3d3", "darkgray": "#a9a9a9",
    "silver": "#c0c0c0",
}  # fmt: skip
_NAME_BY_HEX = {code: name for name, code in CSS_COLORS.items()}
_HEX = re.compile(r"#[0-9a-f]{6}")
# How much farther (in CIE xy) than the nearest color the color last sent may be and still
# name the reply: a bulb reports its color rounded, and dark colors share their hue.
_SAME_HUE = 0.01
_STATE_OUT = {"on": "ON", "off": "OFF", "open": "OPEN", "closed": "CLOSE", "stop": "STOP"}
_STATE_IN = {"CLOSED": "closed", **{theirs: ours for ours, theirs in _STATE_OUT.items()}}


class InvalidChangeError(DriverError):
    """A change Zigbee2MQTT cannot be told: an unknown color, an impossible temperature."""

    code = "invalid_change"


def to_zigbee(change: State) -> dict[str, Any]:
    """A change in hausgeist's terms as a Zigbee2MQTT `/set` payload; other keys pass as-is."""
    payload: dict[str, Any] = {}
    for key, value in change.items():
        if key == "state":
            payload[key] = _STATE_OUT.get(str(value), str(value).upper())
        elif key == "brightness":
            payload[key] = round(min(max(float(value), 0.0), 100.0) * 254 / 100)
        elif key == "color":
            payload[key] = {"hex": color_hex(str(value))}
        elif key == "color_temp":
            if float(value) <= 0:
                raise InvalidChangeError(f"{value} Kelvin sind keine Farbtemperatur.")
            payload[key] = round(1_000_000 / float(value))
        else:
            payload[key] = value
    return payload


def from_zigbee(payload: dict[str, Any], color_hint: str | None = None) -> State:
    """A Zigbee2MQTT state in hausgeist's terms; `color_hint` names a color among equals."""
    mode = payload.get("color_mode")
    state: State = {}
    for key, value in payload.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key == "state" and isinstance(value, str):
            state[key] = _STATE_IN.get(value.upper(), value.lower())
        elif key == "brightness" and number:
            state[key] = round(value * 100 / 254)
        elif key == "color_temp" and number and value > 0:
            # A bulb in color mode still reports a stale temperature, and vice versa.
            if mode not in ("xy", "hs"):
                state[key] = int(round(1_000_000 / value, -1))
        elif key == "color" and isinstance(value, dict):
            name = color_name(value, color_hint)
            if name is not None and mode != "color_temp":
                state[key] = name
        else:
            state[key] = value
    return state


def color_hex(color: str) -> str:
    """The hex code of a CSS color name (or of a hex code)."""
    color = color.strip().lower()
    if _HEX.fullmatch(color):
        return color
    if color not in CSS_COLORS:
        raise InvalidChangeError(f"Die Farbe {color} kenne ich nicht.")
    return CSS_COLORS[color]


def color_name(color: dict[str, Any], hint: str | None = None) -> str | None:
    """The CSS name of a Zigbee2MQTT color: exact for a known hex, else the nearest hue."""
    code = str(color.get("hex", "")).lower()
    if code in _NAME_BY_HEX:
        return _NAME_BY_HEX[code]
    x, y = color.get("x"), color.get("y")
    point = _xy(code) if _HEX.fullmatch(code) else None
    if isinstance(x, int | float) and isinstance(y, int | float):
        point = (float(x), float(y))
    if point is None:
        return None
    distance = {name: math.dist(point, xy) for name, xy in _XY_BY_NAME.items()}
    # Rounded, so a color and its darker twin (the same hue) tie and the table's order decides.
    nearest = min(distance, key=lambda name: round(distance[name], 9))
    if hint in distance and distance[hint] <= distance[nearest] + _SAME_HUE:
        return hint
    return nearest


def _xy(code: str) -> tuple[float, float] | None:
    """The CIE 1931 chromaticity of an sRGB hex color; black has none."""
    r, g, b = (_linear(int(code[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = 0.4124 * r + 0.3576 * g + 0.1805 * b
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    total = x + y + 0.0193 * r + 0.1192 * g + 0.9505 * b
    return (x / total, y / total) if total > 0 else None


def _linear(encoded: float) -> float:
    """sRGB's transfer function undone: the light an encoded channel value stands for."""
    return encoded / 12.92 if encoded <= 0.04045 else ((encoded + 0.055) / 1.055) ** 2.4


_XY_BY_NAME = {name: xy for name, code in CSS_COLORS.items() if (xy := _xy(code)) is not None}


class MqttDriver:
    """Reads and changes Zigbee2MQTT devices over one MQTT connection, opened on first use."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1883,
        base_topic: str = "zigbee2mqtt",
        timeout: float = 2.0,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host, self.port, self.base_topic, self.timeout = host, port, base_topic, timeout
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self._client.connect_timeout = timeout
        if username is not None:
            self._client.username_pw_set(username, password)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._start_lock = threading.Lock()
        self._started = False
        # Guards everything below; notified on every state message and connection change.
        self._changed = threading.Condition()
        self._ready = False
        self._refused: str | None = None
        self._states: dict[str, dict[str, Any]] = {}
        self._updates: dict[str, int] = {}  # state messages seen per device, to spot a new one
        self._colors: dict[str, str] = {}  # the color last sent per device, to name the reply

    def read(self, device: Device) -> State:
        """The last state the device reported, or the one it reports when asked."""
        name = device.friendly_name or device.name
        with self._changed:
            seen, hint = self._states.get(name), self._colors.get(name)
        if seen is not None:
            return from_zigbee(seen, hint)
        return self._request(device, "get", {"state": ""})

    def apply(self, device: Device, change: State) -> State:
        """Send the change to the device; return the state it reports next."""
        payload = to_zigbee(change)
        if "color" in change:
            with self._changed:
                self._colors[device.friendly_name or device.name] = str(change["color"])
        return self._request(device, "set", payload)

    def close(self) -> None:
        """Disconnect from the broker; the next use connects again."""
        with self._start_lock:
            if self._started:
                self._client.disconnect()
                self._client.loop_stop()
                self._started = False
        with self._changed:
            self._ready = False

    def _request(self, device: Device, command: str, payload: dict[str, Any]) -> State:
        deadline = time.monotonic() + self.timeout
        self._connect(deadline)
        name = device.friendly_name or device.name
        with self._changed:
            before = self._updates.get(name, 0)
        self._client.publish(f"{self.base_topic}/{name}/{command}", json.dumps(payload), qos=1)
        with self._changed:
            answered = self._changed.wait_for(
                lambda: self._updates.get(name, 0) > before, deadline - time.monotonic()
            )
            state, hint = dict(self._states.get(name, {})), self._colors.get(name)
        if not answered:
            raise DriverError(f"Das Gerät {device.name} antwortet nicht.")
        return from_zigbee(state, hint)

    def _connect(self, deadline: float) -> None:
        """Connect and subscribe unless done; wait for the broker until the deadline."""
        with self._start_lock:
            if not self._started:
                try:
                    self._client.connect(self.host, self.port)
                except OSError as err:
                    log.warning("MQTT broker %s:%s unreachable: %s", self.host, self.port, err)
                    raise DriverError("Der MQTT-Broker ist nicht erreichbar.") from err
                self._client.loop_start()
                self._started = True
        with self._changed:
            self._changed.wait_for(
                lambda: self._ready or self._refused is not None, deadline - time.monotonic()
            )
            if not self._ready:
                raise DriverError(self._refused or "Der MQTT-Broker ist nicht erreichbar.")

    def _on_connect(
        self, client: mqtt.Client, _u: Any, _f: Any, reason: ReasonCode, *_: Any
    ) -> None:
        if reason.is_failure:
            log.warning("MQTT broker %s:%s refused us: %s", self.host, self.port, reason)
            with self._changed:
                self._refused = "Der MQTT-Broker hat die Anmeldung abgelehnt."
                self._changed.notify_all()
            return
        # Subscribing on every connect renews the subscription after a reconnect.
        client.subscribe(f"{self.base_topic}/+", qos=1)

    def _on_subscribe(
        self, _c: Any, _u: Any, _mid: int, reasons: list[ReasonCode], *_: Any
    ) -> None:
        with self._changed:
            if any(reason.is_failure for reason in reasons):
                self._refused = "Der MQTT-Broker verweigert die Gerätezustände."
            else:
                self._ready, self._refused = True, None
            self._changed.notify_all()

    def _on_disconnect(self, *_: Any) -> None:
        with self._changed:
            self._ready = False
            self._changed.notify_all()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        name = message.topic.removeprefix(f"{self.base_topic}/")
        if "/" in name or name == "bridge":
            return  # bridge news and /set, /get echoes are not device states
        try:
            payload = json.loads(message.payload)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            # Raising here would stop paho's network thread; a bad message is only skipped.
            log.debug("skipping non-JSON-object message on %s", message.topic)
            return
        with self._changed:
            self._states[name] = {**self._states.get(name, {}), **payload}
            self._updates[name] = self._updates.get(name, 0) + 1
            self._changed.notify_all()
