"""Weather: Bright Sky answers served by a local HTTP server, said in German."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hausgeist.language.parse import Understanding
from hausgeist.skills.base import Turn
from hausgeist.skills.weather import (
    GERMAN_CITIES,
    UNAVAILABLE,
    BrightSkyProvider,
    Weather,
    WeatherError,
    WeatherSkill,
)

NOW = datetime(2026, 11, 25, 9, 30)
TIMEOUT = 0.5
# How much longer than the timeout a failing fetch may take on a slow test machine.
SLACK = 0.75


def bright_sky(**weather: Any) -> dict[str, Any]:
    """A Bright Sky `current_weather` answer, with `weather` overriding a cloudy 12.3 °C."""
    fields: dict[str, Any] = {
        "temperature": 12.3,
        "condition": "dry",
        "icon": "cloudy",
        "wind_speed_10": 14.4,
        "relative_humidity": 81,
        "precipitation_10": 0.0,
    }
    fields.update(weather)
    return {"weather": fields, "sources": [{"id": 1, "station_name": "Berlin-Tempelhof"}]}


Behaviour = Callable[[BaseHTTPRequestHandler], None]


class CannedBrightSky:
    """A local stand-in for api.brightsky.dev: answers as told and counts requests."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.release = threading.Event()  # frees handlers that hang, at teardown
        self.behaviour: Behaviour = self.answer(bright_sky())
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canned.paths.append(self.path)
                canned.behaviour(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, document: object, status: int = 200) -> Behaviour:
        """Answer with `document` as JSON (or as is, if it is bytes)."""
        body = document if isinstance(document, bytes) else json.dumps(document).encode()

        def send(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        return send

    def hang(self, handler: BaseHTTPRequestHandler) -> None:
        """Never answer (until the test is over)."""
        self.release.wait(10)

    def trickle(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one byte at a time, each well within the timeout, the whole far beyond it."""
        body = json.dumps(bright_sky()).encode()
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body:
            if self.release.wait(TIMEOUT / 5):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()


@pytest.fixture
def server() -> Iterator[CannedBrightSky]:
    canned = CannedBrightSky()
    # A short poll interval: shutdown() waits for one, and every test shuts a server down.
    thread = threading.Thread(target=canned.server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield canned
    canned.release.set()
    canned.server.shutdown()
    canned.server.server_close()
    thread.join(5)


@pytest.fixture
def provider(server: CannedBrightSky) -> BrightSkyProvider:
    return BrightSkyProvider(server.base_url, timeout=TIMEOUT)


@pytest.fixture
def skill(provider: BrightSkyProvider) -> WeatherSkill:
    return WeatherSkill(provider, GERMAN_CITIES, "Berlin")


def ask(skill: WeatherSkill, name: str | None = None, text: str = "wie ist das Wetter") -> Any:
    slots = {} if name is None else {"name": name}
    return skill.handle(Turn("HassGetWeather", slots, text, NOW, "gespräch-1"))


def test_without_a_place_the_weather_at_home_is_said(
    skill: WeatherSkill, server: CannedBrightSky
) -> None:
    outcome = ask(skill)
    assert outcome.reply == "In Berlin sind es 12 Grad, es ist bewölkt."
    assert outcome.code == "done"
    assert server.paths == ["/current_weather?lat=52.52&lon=13.405"]


@pytest.mark.parametrize("name", ["München", "münchen", "Muenchen", " MÜNCHEN "])
def test_a_named_known_place_is_asked_for_by_its_coordinates(
    skill: WeatherSkill, server: CannedBrightSky, name: str
) -> None:
    assert ask(skill, name).reply == "In München sind es 12 Grad, es ist bewölkt."
    assert server.paths == ["/current_weather?lat=48.137&lon=11.575"]


def test_a_short_name_finds_the_one_place_it_begins() -> None:
    assert WeatherSkill(BrightSkyProvider()).find_place("Frankfurt") == "Frankfurt am Main"


def test_an_unknown_place_is_refused_without_fetching(
    skill: WeatherSkill, server: CannedBrightSky
) -> None:
    outcome = ask(skill, "Los Angeles")
    assert outcome.reply.startswith("Für Los Angeles kenne ich keinen Ort. Ich kenne: Berlin, ")
    assert "Münster" in outcome.reply
    assert outcome.code == "refused"
    assert server.paths == []


@pytest.mark.parametrize(
    ("temperature", "said"),
    [
        (-3.4, "In Berlin sind es minus 3 Grad"),
        (-2.5, "In Berlin sind es minus 3 Grad"),
        (-1.2, "In Berlin ist es minus 1 Grad"),
        (-0.4, "In Berlin sind es 0 Grad"),
        (1, "In Berlin ist es 1 Grad"),
        (12.5, "In Berlin sind es 13 Grad"),
        (31.49, "In Berlin sind es 31 Grad"),
    ],
)
def test_temperatures_are_said_in_whole_degrees(
    skill: WeatherSkill, server: CannedBrightSky, temperature: float, said: str
) -> None:
    server.behaviour = server.answer(bright_sky(temperature=temperature))
    assert ask(skill).reply == f"{said}, es ist bewölkt."


@pytest.mark.parametrize(
    ("icon", "condition", "sky"),
    [
        ("clear-day", "dry", "es ist sonnig"),
        ("clear-night", "dry", "es ist klar"),
        ("partly-cloudy-day", "dry", "es ist teilweise bewölkt"),
        ("partly-cloudy-night", "dry", "es ist teilweise bewölkt"),
        ("cloudy", "dry", "es ist bewölkt"),
        ("fog", "fog", "es ist neblig"),
        ("wind", "dry", "es ist windig"),
        ("rain", "rain", "es regnet"),
        ("sleet", "sleet", "es gibt Schneeregen"),
        ("snow", "snow", "es schneit"),
        ("hail", "hail", "es hagelt"),
        ("thunderstorm", "thunderstorm", "es gewittert"),
        (None, "rain", "es regnet"),
        ("tornado", "snow", "es schneit"),
    ],
)
def test_the_sky_is_said_in_german(
    skill: WeatherSkill, server: CannedBrightSky, icon: str | None, condition: str, sky: str
) -> None:
    server.behaviour = server.answer(bright_sky(icon=icon, condition=condition))
    assert ask(skill).reply == f"In Berlin sind es 12 Grad, {sky}."


def test_an_unknown_sky_leaves_just_the_temperature(
    skill: WeatherSkill, server: CannedBrightSky
) -> None:
    server.behaviour = server.answer(bright_sky(icon=None, condition=None))
    assert ask(skill).reply == "In Berlin sind es 12 Grad."


def test_the_provider_reads_all_fields(provider: BrightSkyProvider) -> None:
    assert provider.current(52.52, 13.405) == Weather(12.3, "dry", "cloudy", 14.4, 81.0)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param((bright_sky(), 500), id="server error"),
        pytest.param((bright_sky(), 404), id="not found"),
        pytest.param((b"<html>Wartung</html>", 200), id="not json"),
        pytest.param((b'{"weather": {"temperature": NaN}}', 200), id="nan"),
        pytest.param((b"\xff\xfe", 200), id="not utf-8"),
        pytest.param(([1, 2, 3], 200), id="not an object"),
        pytest.param(({"sources": []}, 200), id="no weather"),
        pytest.param(({"weather": None}, 200), id="weather null"),
        pytest.param(({"weather": {"icon": "cloudy"}}, 200), id="no temperature"),
        pytest.param((bright_sky(temperature=None), 200), id="temperature null"),
        pytest.param((bright_sky(temperature="12"), 200), id="temperature text"),
        pytest.param((bright_sky(temperature=True), 200), id="temperature bool"),
        pytest.param((bright_sky(temperature=412.0), 200), id="temperature absurd"),
        pytest.param((bright_sky(condition="sunny"), 200), id="unknown condition"),
        pytest.param((bright_sky(icon=7), 200), id="icon number"),
        pytest.param((bright_sky(wind_speed_10="stark"), 200), id="wind text"),
    ],
)
def test_a_bad_answer_is_a_failure_reply(
    skill: WeatherSkill, server: CannedBrightSky, answer: tuple[object, int]
) -> None:
    document, status = answer
    server.behaviour = server.answer(document, status)
    outcome = ask(skill)
    assert (outcome.reply, outcome.code) == (UNAVAILABLE, "failed")


@pytest.mark.parametrize("behaviour", ["hang", "trickle"])
def test_a_server_too_slow_to_answer_fails_within_the_timeout(
    skill: WeatherSkill, server: CannedBrightSky, behaviour: str
) -> None:
    server.behaviour = getattr(server, behaviour)
    started = time.monotonic()
    outcome = ask(skill)
    assert (outcome.reply, outcome.code) == (UNAVAILABLE, "failed")
    assert time.monotonic() - started < TIMEOUT + SLACK


def test_a_refused_connection_is_a_failure_reply() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    skill = WeatherSkill(BrightSkyProvider(f"http://127.0.0.1:{port}", timeout=TIMEOUT))
    started = time.monotonic()
    outcome = ask(skill)
    assert (outcome.reply, outcome.code) == (UNAVAILABLE, "failed")
    assert time.monotonic() - started < TIMEOUT + SLACK


def test_the_provider_error_has_a_stable_code_and_german_message(
    server: CannedBrightSky, provider: BrightSkyProvider
) -> None:
    server.behaviour = server.answer(b"kaputt")
    with pytest.raises(WeatherError) as caught:
        provider.current(52.52, 13.405)
    assert caught.value.code == "weather_unavailable"
    assert caught.value.message == UNAVAILABLE


@pytest.mark.parametrize("base_url", ["file:///etc/passwd", "ftp://example.org", "brightsky"])
def test_only_http_addresses_are_accepted(base_url: str) -> None:
    with pytest.raises(ValueError):
        BrightSkyProvider(base_url)


def test_the_home_place_must_be_known() -> None:
    with pytest.raises(ValueError):
        WeatherSkill(BrightSkyProvider(), {"Berlin": (52.52, 13.405)}, "Wien")


@pytest.mark.parametrize("said", ["wie ist das Wetter", "wie kalt ist es draußen", "Wetterbericht"])
def test_spoken_german_asks_for_the_weather_at_home(
    understanding: Understanding, skill: WeatherSkill, said: str
) -> None:
    result = understanding.parse(said)
    assert result.intent == "HassGetWeather"
    turn = Turn(result.intent, result.slots, said, NOW, "gespräch-1")
    assert skill.handle(turn).reply == "In Berlin sind es 12 Grad, es ist bewölkt."
