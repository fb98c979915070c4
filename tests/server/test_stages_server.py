"""The speech stages over real HTTP, on a server with one slot per stage and real engines.

The server runs in this process (uvicorn in a thread) so that a test can hold a stage's
only slot through the stage's own admission, as a long turn would; the server is idle
whenever the test takes or gives back the slot.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hausgeist.server.admission import Admission, State, Ticket
from hausgeist.server.app import create_app, server_state
from hausgeist.server.criticality import Criticality
from hausgeist.server.registry import Registry
from hausgeist.server.serve import first_start
from hausgeist.server.shedding import APOLOGY
from hausgeist.server.stages import StageLimits
from hausgeist.server.state import ServerState, Settings
from tests.server.conftest import read_metrics, serve_in_thread
from tests.speech.conftest import models_dir, speak, wav_bytes  # noqa: F401 (a fixture)

LIGHT_ON = "Mach das Licht im Schlafzimmer an"
# Whisper on a busy 2-core machine may take seconds: the longest deadline a client may ask for.
WAV = {"content-type": "audio/wav", "x-deadline-ms": "30000"}


@dataclass
class Live:
    url: str
    token: str
    state: ServerState

    def client(self) -> httpx.Client:
        # A household's first spoken turn builds its command index: minutes on a busy machine.
        return httpx.Client(base_url=self.url, timeout=600,
                            headers={"authorization": f"Bearer {self.token}"})  # fmt: skip

    def metrics(self) -> str:
        operator = self.state.registry.add_device("Prometheus", None, role="operator")
        return read_metrics(self.url, operator)


def _serve(data: Path, stt: StageLimits, tts: StageLimits) -> Iterator[Live]:
    token = first_start(Registry(data))
    assert token is not None
    app = create_app(Settings(data, stt=stt, tts=tts))
    with serve_in_thread(app) as url:
        yield Live(url, token, server_state(app))


@pytest.fixture
def one_slot(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Live]:
    """One slot per stage and no queue: a second turn finds the stage full."""
    request.getfixturevalue("models_dir")
    yield from _serve(tmp_path, StageLimits(1, 0, 0.5), StageLimits(1, 0, 0.3))


@pytest.fixture
def queued(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Live]:
    """One recogniser slot and a queue that would wait longer than a short deadline."""
    request.getfixturevalue("models_dir")
    yield from _serve(tmp_path, StageLimits(1, 2, 10.0), StageLimits(1, 0, 0.3))


@pytest.fixture(scope="module")
def command() -> bytes:
    return wav_bytes(speak(LIGHT_ON, 140))


@pytest.fixture(scope="module")
def question() -> bytes:
    """A spoken command that changes nothing in the home (so every turn hears the same home)."""
    return wav_bytes(speak("Wie spät ist es", 140))


def hold(admission: Admission) -> Ticket:
    ticket = admission.offer(Criticality.DEFAULT, time.monotonic() + 60)
    assert ticket.state is State.ADMITTED
    return ticket


def light_is_on(client: httpx.Client) -> bool:
    home = client.get("/v1/home").json()
    lights = [d for d in home["devices"] if d.get("area") == "Schlafzimmer"
              and d.get("domain") == "light"]  # fmt: skip
    assert lights, "the demo home has a bedroom light"
    return any(d["state"].get("state") == "on" for d in lights)


def test_a_saturated_voice_gives_a_text_only_reply_not_a_503(
    one_slot: Live, question: bytes
) -> None:
    tts = one_slot.state.stages.tts.admission
    with one_slot.client() as client:
        held = hold(tts)
        answer = client.post("/v1/ask", content=question, headers=WAV)
        tts.release(held)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["intent"] == "HassGetCurrentTime" and body["reply"]
        assert body["degraded"] == "text_only" and body["reply_audio"] is None
        stages = client.get("/v1/status").json()["admission"]["stages"]
        assert stages["tts"]["degraded"] == 1 and stages["tts"]["in_flight"] == 0
        metrics = one_slot.metrics()
        assert 'hausgeist_degraded_total{stage="tts"} 1.0' in metrics
        response = client.post("/v1/ask", content=question, headers=WAV)
        assert response.status_code == 200, response.text
        again = response.json()
        assert "degraded" not in again and again["reply_audio"].startswith("/v1/audio/")


def test_a_saturated_recogniser_sheds_with_the_spoken_apology(
    one_slot: Live, command: bytes
) -> None:
    stt = one_slot.state.stages.stt.admission
    held = hold(stt)
    with one_slot.client() as client:
        answer = client.post("/v1/ask", content=command, headers=WAV)
        stt.release(held)
        assert answer.status_code == 503, answer.text
        body = answer.json()
        assert body["code"] == "overloaded" and body["message"] == APOLOGY
        assert body["reason"] == "overload"
        assert int(answer.headers["retry-after"]) >= 1
        apology = client.get(body["reply_audio"])
        assert apology.status_code == 200 and apology.content[:4] == b"RIFF"
        assert not light_is_on(client)
        metrics = one_slot.metrics()
        assert 'hausgeist_stage_shed{class="default",stage="stt"} 1.0' in metrics
        assert 'hausgeist_stage_limit{stage="stt"} 1.0' in metrics


def test_a_turn_whose_deadline_passes_waiting_for_the_recogniser_is_dropped(
    queued: Live, command: bytes
) -> None:
    stt = queued.state.stages.stt.admission
    held = hold(stt)
    with queued.client() as client:
        headers = {**WAV, "x-deadline-ms": "300"}
        answer = client.post("/v1/ask", content=command, headers=headers)
        stt.release(held)
        assert answer.status_code == 504, answer.text
        assert answer.json()["code"] == "deadline_exceeded"
        assert 'hausgeist_deadline_dropped_total{stage="stt"} 1.0' in queued.metrics()
        assert stt.in_flight == 0 and stt.queued == 0
        assert not light_is_on(client)  # nothing was acted on, then or later
