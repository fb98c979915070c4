"""The MQTT driver against the local Mosquitto broker and a fake Zigbee2MQTT device."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hausgeist.home.drivers.base import DriverError
from hausgeist.home.drivers.mqtt import (
    CSS_COLORS,
    InvalidChangeError,
    MqttDriver,
    color_name,
    from_zigbee,
    to_zigbee,
)
from hausgeist.home.model import Device
from hausgeist.language.colors import COLORS

HOST, PORT = "127.0.0.1", 1883
TIMEOUT = 1.0

LAMP = Device("Deckenlampe", "light", friendly_name="living_room_lamp")
BLIND = Device("Rollladen", "cover", friendly_name="living_room_blind")


def _xy(code: str) -> dict[str, float]:
    """The CIE xy color a Zigbee bulb reports for a hex color, rounded like Zigbee2MQTT."""
    r, g, b = (int(code[i : i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b))
    x = 0.4124 * r + 0.3576 * g + 0.1805 * b
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = 0.0193 * r + 0.1192 * g + 0.9505 * b
    return {"x": round(x / (x + y + z), 4), "y": round(y / (x + y + z), 4)}


class FakeDevice:
    """A Zigbee2MQTT device as the broker sees it: takes /set and /get, publishes its state."""

    def __init__(self, base: str, name: str, state: dict[str, Any]) -> None:
        self.topic = f"{base}/{name}"
        self.state = dict(state)
        self.received: list[dict[str, Any]] = []
        self.asked = 0
        subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect(HOST, PORT)
        self.client.subscribe([(f"{self.topic}/set", 1), (f"{self.topic}/get", 1)])
        self.client.loop_start()
        if not subscribed.wait(2.0):
            raise RuntimeError("the fake device could not subscribe")

    def report(self, **changes: Any) -> None:
        """Change state outside hausgeist (a wall switch, the app) and publish it."""
        self.state.update(changes)
        self.client.publish(self.topic, json.dumps(self.state), qos=1).wait_for_publish(2.0)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic.endswith("/get"):
            self.asked += 1
        else:
            payload = json.loads(message.payload)
            self.received.append(payload)
            self._merge(payload)
        client.publish(self.topic, json.dumps(self.state), qos=1)

    def _merge(self, payload: dict[str, Any]) -> None:
        """Take a /set payload the way a real bulb or blind does."""
        for key, value in payload.items():
            if key == "color":
                self.state.update(color=_xy(value["hex"]), color_mode="xy")
            elif key == "color_temp":
                self.state.update(color_temp=value, color_mode="color_temp")
            elif key == "position":
                self.state.update(position=value, state="OPEN" if value > 0 else "CLOSE")
            elif key == "state" and value in ("OPEN", "CLOSE"):
                self.state.update(state=value, position=100 if value == "OPEN" else 0)
            else:
                self.state[key] = value
        if payload.get("brightness", 0) > 0:
            self.state["state"] = "ON"


@pytest.fixture
def base() -> str:
    """A topic prefix of this test alone, so runs and tests never hear each other."""
    return f"hgtest-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def driver(base: str) -> Iterator[MqttDriver]:
    """A driver on the local broker."""
    driver = MqttDriver(HOST, PORT, base_topic=base, timeout=TIMEOUT)
    yield driver
    driver.close()


@pytest.fixture
def fake(base: str) -> Iterator[Callable[..., FakeDevice]]:
    """Makes fake devices under the test's prefix; closes them afterwards."""
    made: list[FakeDevice] = []

    def make(name: str, **state: Any) -> FakeDevice:
        made.append(FakeDevice(base, name, state))
        return made[-1]

    yield make
    for device in made:
        device.close()


@pytest.fixture
def bulb(fake: Callable[..., FakeDevice]) -> FakeDevice:
    """A color bulb, off, at full brightness and warm white."""
    return fake(
        LAMP.friendly_name, state="OFF", brightness=254, color_temp=370, color_mode="color_temp"
    )


def test_switching_a_light_on_sends_ON_and_returns_the_lights_state(
    driver: MqttDriver, bulb: FakeDevice
) -> None:
    state = driver.apply(LAMP, {"state": "on"})

    assert bulb.received == [{"state": "ON"}]
    assert state == {
        "state": "on",
        "brightness": 100,
        "color_temp": 2700,
        "color_mode": "color_temp",
    }


def test_half_brightness_is_sent_as_127_of_254_and_reads_back_as_50_percent(
    driver: MqttDriver, bulb: FakeDevice
) -> None:
    state = driver.apply(LAMP, {"brightness": 50})

    assert bulb.received == [{"brightness": 127}]
    assert state["brightness"] == 50
    assert state["state"] == "on"


def test_red_is_sent_as_hex_and_the_bulbs_xy_color_reads_back_as_red(
    driver: MqttDriver, bulb: FakeDevice
) -> None:
    state = driver.apply(LAMP, {"color": "red"})

    assert bulb.received == [{"color": {"hex": "#ff0000"}}]
    assert state["color"] == "red"
    assert "color_temp" not in state  # a bulb in color mode has no meaningful temperature


def test_dark_red_reads_back_as_dark_red_though_the_bulb_reports_only_the_hue(
    driver: MqttDriver, bulb: FakeDevice
) -> None:
    state = driver.apply(LAMP, {"color": "darkred"})

    assert bulb.state["color"] == _xy("#ff0000")
    assert state["color"] == "darkred"


def test_2700_kelvin_is_sent_as_370_mireds_and_reads_back_as_2700(
    driver: MqttDriver, bulb: FakeDevice
) -> None:
    state = driver.apply(LAMP, {"state": "on", "color_temp": 2700})

    assert bulb.received == [{"state": "ON", "color_temp": 370}]
    assert state["color_temp"] == 2700


def test_a_cover_moves_to_position_30(driver: MqttDriver, fake: Callable[..., FakeDevice]) -> None:
    blind = fake(BLIND.friendly_name, state="CLOSE", position=0)

    state = driver.apply(BLIND, {"position": 30})

    assert blind.received == [{"position": 30}]
    assert state == {"state": "open", "position": 30}


def test_closing_a_cover_sends_CLOSE_and_reads_back_closed(
    driver: MqttDriver, fake: Callable[..., FakeDevice]
) -> None:
    blind = fake(BLIND.friendly_name, state="OPEN", position=100)

    state = driver.apply(BLIND, {"state": "closed"})

    assert blind.received == [{"state": "CLOSE"}]
    assert state == {"state": "closed", "position": 0}


def test_read_shows_a_change_made_outside_hausgeist(driver: MqttDriver, bulb: FakeDevice) -> None:
    driver.apply(LAMP, {"state": "on"})

    bulb.report(state="OFF", brightness=127)

    assert _eventually(lambda: driver.read(LAMP)["state"] == "off")
    assert driver.read(LAMP)["brightness"] == 50


def test_read_of_a_device_not_heard_from_yet_asks_it_with_get(
    driver: MqttDriver, bulb: FakeDevice
) -> None:
    state = driver.read(LAMP)

    assert bulb.asked == 1
    assert state["state"] == "off"


def test_a_device_without_friendly_name_is_addressed_by_its_name(
    driver: MqttDriver, fake: Callable[..., FakeDevice]
) -> None:
    plug = fake("Steckdose", state="OFF")

    state = driver.apply(Device("Steckdose", "switch"), {"state": "on"})

    assert plug.received == [{"state": "ON"}]
    assert state == {"state": "on"}


def test_a_device_that_never_answers_fails_in_german_after_the_timeout(
    driver: MqttDriver,
) -> None:
    started = time.monotonic()

    with pytest.raises(DriverError, match=r"^Das Gerät Deckenlampe antwortet nicht\.$"):
        driver.apply(LAMP, {"state": "on"})

    assert TIMEOUT * 0.9 <= time.monotonic() - started < TIMEOUT + 0.5


def test_reading_a_device_that_never_answers_fails_too(driver: MqttDriver) -> None:
    with pytest.raises(DriverError, match="antwortet nicht"):
        driver.read(LAMP)


def test_an_unreachable_broker_fails_in_german_at_once() -> None:
    driver = MqttDriver(HOST, 1, timeout=2.0)
    started = time.monotonic()

    with pytest.raises(DriverError, match="MQTT-Broker ist nicht erreichbar"):
        driver.apply(LAMP, {"state": "on"})

    assert time.monotonic() - started < 1.0


def test_an_unknown_color_is_refused_before_anything_is_sent() -> None:
    driver = MqttDriver(HOST, 1)  # no broker: reaching it would fail differently

    with pytest.raises(InvalidChangeError, match=r"^Die Farbe mauve kenne ich nicht\.$"):
        driver.apply(LAMP, {"color": "mauve"})


def test_every_color_hausgeist_understands_has_a_hex_code() -> None:
    assert set(COLORS.values()) <= set(CSS_COLORS)


@pytest.mark.parametrize(
    ("change", "payload"),
    [
        ({"state": "off"}, {"state": "OFF"}),
        ({"state": "open"}, {"state": "OPEN"}),
        ({"brightness": 100}, {"brightness": 254}),
        ({"brightness": 0}, {"brightness": 0}),
        ({"color": "Turquoise"}, {"color": {"hex": "#40e0d0"}}),
        ({"color": "#123456"}, {"color": {"hex": "#123456"}}),
        ({"color_temp": 6500}, {"color_temp": 154}),
        ({"position": 30}, {"position": 30}),
    ],
)
def test_changes_are_sent_in_zigbee2mqtt_terms(
    change: dict[str, Any], payload: dict[str, Any]
) -> None:
    assert to_zigbee(change) == payload


@pytest.mark.parametrize(
    ("payload", "state"),
    [
        ({"state": "ON", "brightness": 254}, {"state": "on", "brightness": 100}),
        ({"state": "CLOSE", "position": 0}, {"state": "closed", "position": 0}),
        ({"color_temp": 153}, {"color_temp": 6540}),
        ({"color": {"hex": "#8b0000"}}, {"color": "darkred"}),
        ({"color": {"x": 0.1355, "y": 0.0399}}, {"color": "blue"}),
        ({"color": {"hue": 120}}, {}),
        ({"linkquality": 87}, {"linkquality": 87}),
    ],
)
def test_zigbee2mqtt_states_read_in_hausgeist_terms(
    payload: dict[str, Any], state: dict[str, Any]
) -> None:
    assert from_zigbee(payload) == state


def test_a_reported_hue_is_named_by_its_nearest_color() -> None:
    assert color_name({"hex": "#fe0102"}) == "red"
    assert color_name(_xy("#ffa500")) == "orange"
    assert color_name(_xy("#8b0000")) == "red"
    assert color_name(_xy("#8b0000"), hint="darkred") == "darkred"
    assert color_name(_xy("#0000ff"), hint="darkred") == "blue"


def _eventually(check: Callable[[], bool], within: float = 2.0) -> bool:
    """Whether the check comes true before the deadline: for messages the test cannot await."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
