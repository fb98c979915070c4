"""The start-up warm-up: every household's command index is built in a background thread
while the server answers; afterwards a household's first spoken turn is no cold start.

The server runs in this process (uvicorn in a thread) so the test can read its speech
service's view of each household.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp

from hausgeist.server.app import create_app
from hausgeist.server.registry import Registry
from hausgeist.server.serve import first_start
from hausgeist.server.speech import SpeechService
from hausgeist.server.state import Settings
from tests.server.conftest import serve_in_thread
from tests.speech.conftest import models_dir, speak, wav_bytes  # noqa: F401 (a fixture)


@dataclass
class Live:
    url: str
    tokens: list[str]  # one device of each household
    operator: str
    households: list[int]
    speech: SpeechService

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=600,
                            headers={"authorization": f"Bearer {token}"})  # fmt: skip


def speech_of(app: ASGIApp) -> SpeechService:
    while not isinstance(app, Starlette):
        app = app.app  # type: ignore[attr-defined]
    service: SpeechService = app.state.speech
    return service


@pytest.fixture
def warming(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Live]:
    """Two households and a server that warms both up at start."""
    request.getfixturevalue("models_dir")
    registry = Registry(tmp_path)
    token = first_start(registry)
    assert token is not None
    holiday = registry.add_household("Ferienhaus")
    tokens = [token, registry.add_device("Radio", holiday)]
    households = [registry.default_household().id, holiday.id]
    operator = registry.add_device("Betrieb", None, role="operator")
    app = create_app(Settings(tmp_path, warm_speech=True))
    with serve_in_thread(app) as url:
        yield Live(url, tokens, operator, households, speech_of(app))


def wait_for_warm_up(live: Live) -> dict[str, object]:
    ends = time.monotonic() + 900  # minutes on a busy 2-core machine
    while time.monotonic() < ends:
        with live.client(live.tokens[0]) as client:
            speech: dict[str, object] = client.get("/v1/status").json()["speech"]
        if not speech["warming"]:
            return speech
        time.sleep(0.5)
    raise AssertionError("the warm-up did not finish")


def test_the_server_answers_while_it_warms_up_and_every_household_ends_warm_new_ones_too(
    warming: Live, caplog: pytest.LogCaptureFixture
) -> None:
    # The first household is the one the warm-up opens and builds first.
    with warming.client(warming.tokens[0]) as client:
        assert client.get("/healthz").status_code == 200
        answer = client.post("/v1/ask", json={"text": "Mach das Licht in der Küche an"})
        status = client.get("/v1/status").json()["speech"]
    assert answer.status_code == 200 and answer.json()["intent"] == "HassTurnOn"
    # Answered while the indexes were still being built (each takes seconds of CPU).
    assert status["warming"] is True and status["households_warm"] < 2
    assert wait_for_warm_up(warming) == {"warming": False, "households_warm": 2}
    assert not any(warming.speech.cold(h) for h in warming.households)
    caplog.set_level(logging.INFO, logger="hausgeist.speech")
    wav = wav_bytes(speak("Wie spät ist es", 140))
    with warming.client(warming.tokens[1]) as client:
        headers = {"content-type": "audio/wav", "x-deadline-ms": "30000"}
        spoken = client.post("/v1/ask", content=wav, headers=headers)
    assert spoken.status_code == 200 and spoken.json()["transcript"]
    # The household's first spoken turn found its index built: no cold-start exception.
    assert not [r for r in caplog.records if "cold start" in r.getMessage()]
    with warming.client(warming.operator) as client:
        added = client.post("/v1/operator/households", json={"name": "Gartenhaus"})
        assert added.status_code == 201, added.text
        assert client.get("/v1/status").json()["speech"]["warming"] is True
    assert wait_for_warm_up(warming) == {"warming": False, "households_warm": 3}
    assert not warming.speech.cold(added.json()["id"])


def test_without_the_warm_up_a_household_stays_cold_until_it_is_heard(tmp_path: Path) -> None:
    service = SpeechService(tmp_path)
    assert service.cold(1) and service.warm_count() == 0
    service.heard(1)
    assert not service.cold(1) and service.cold(2) and service.warm_count() == 1
