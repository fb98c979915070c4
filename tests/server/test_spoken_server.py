"""Spoken turns' classes at the door over real HTTP: the server's questions and device hints.

The server runs in this process with real engines (test_stages_server.py's way), so the test
can fill the recogniser as a surge would and see which spoken turn still gets in.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from hausgeist.server.admission import Reason, State
from hausgeist.server.criticality import Criticality
from hausgeist.server.stages import StageLimits
from tests.server.test_stages_server import WAV, Live, _serve, hold, light_is_on
from tests.speech.conftest import models_dir, speak, wav_bytes  # noqa: F401 (a fixture)


@pytest.fixture
def live(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Live]:
    """One recogniser slot and a queue of two."""
    request.getfixturevalue("models_dir")
    yield from _serve(tmp_path, StageLimits(1, 2, 10.0), StageLimits(1, 2, 10.0))


def spoken(text: str) -> bytes:
    return wav_bytes(speak(text, 140))


def test_the_spoken_answer_to_the_servers_question_is_critical_at_the_door(live: Live) -> None:
    stt = live.state.stages.stt.admission
    answer = spoken("Im Schlafzimmer")
    with live.client() as client:
        # The household's first spoken turn loads the recogniser and builds its command index
        # (tens of seconds on a busy machine): before the question, whose answer waits 30 s.
        # Three turns, so that the recogniser's median service time is a warm one.
        for _ in range(3):
            warm = client.post("/v1/ask", content=spoken("Wie spät ist es"), headers=WAV)
            assert warm.is_success, warm.text
        asked = client.post("/v1/ask", json={"text": "Mach das Licht an"}).json()
        assert asked["reply"] == "In welchem Raum?" and asked["follow_up"] == "critical"
        conversation = asked["conversation_id"]
        # A surge: the recogniser busy, its queue full of DEFAULT turns.
        held = hold(stt)
        waiters = [stt.offer(Criticality.DEFAULT, time.monotonic() + 600) for _ in range(2)]
        refused = client.post("/v1/ask", content=answer, headers=WAV)
        assert refused.status_code == 503, refused.text  # not an answer: DEFAULT
        replies: list[httpx.Response] = []
        follow_up = threading.Thread(target=lambda: replies.append(client.post(
            "/v1/ask", content=answer, headers={**WAV, "X-Deadline-Ms": "30000"},
            params={"conversation_id": conversation},
        )))  # fmt: skip
        follow_up.start()
        for _ in range(600):  # it queues, beyond the queue's two places: CRITICAL
            if stt.queued == 3:
                break
            time.sleep(0.05)
        # Nobody made room for it: the turns let wait before it go first (a stage serves its
        # waiters in order), then the answer, well within its deadline.
        assert [t.state for t in waiters] == [State.QUEUED] * 2
        assert stt.shed_by_reason[Reason.EVICTED] == 0
        stt.release(held)
        assert waiters[0].state is State.ADMITTED
        stt.release(waiters[0])
        assert waiters[1].state is State.ADMITTED
        stt.release(waiters[1])
        follow_up.join()
        assert replies[0].status_code == 200, replies[0].text
        assert stt.admitted[Criticality.CRITICAL] == 1
        assert replies[0].json().get("follow_up") is None
        assert light_is_on(client), replies[0].json()
        status = client.get("/v1/status").json()["spoken"]
        assert status["raised_at_door"] == 1 and status["follow_ups_open"] == 0


def test_a_device_whose_hint_lied_loses_its_credit(live: Live) -> None:
    household = live.state.registry.default_household()
    token = live.state.registry.add_device("Küche", household)
    chit_chat = spoken("Wie spät ist es")
    with httpx.Client(base_url=live.url, timeout=600,
                      headers={"authorization": f"Bearer {token}"}) as device:  # fmt: skip
        assert device.get("/v1/me").status_code == 200  # the server knows the device now
        hinted = {**WAV, "x-turn-class": "critical"}
        lie = device.post("/v1/ask", content=chit_chat, headers=hinted)
        assert lie.status_code == 200 and lie.json()["intent"] == "HassGetCurrentTime"
        again = device.post("/v1/ask", content=chit_chat, headers=hinted)
        assert again.status_code == 200
        hints = device.get("/v1/status").json()["spoken"]["hints"]
    assert hints["honoured"] == 1 and hints["proved_false"] == 2
    assert hints["refused"]["distrust"] == 1 and hints["distrusted_devices"] == 1
    assert live.state.stages.stt.admission.admitted[Criticality.CRITICAL] == 1
    metrics = live.metrics()
    assert 'hausgeist_turn_class_hints{outcome="false"} 2.0' in metrics
    assert "hausgeist_turn_class_hints_distrusted_devices 1.0" in metrics


def test_a_websocket_turn_class_field_is_a_hint_and_the_answer_window_holds_there_too(
    live: Live,
) -> None:
    stt = live.state.stages.stt.admission
    audio = speak("Mach das Licht im Schlafzimmer an", 140)
    pcm = (np.clip(audio.samples, -1, 1) * 32767).astype("<i2").tobytes()
    url = live.url.replace("http://", "ws://") + "/v1/stream"
    with connect(url, max_size=None) as ws:
        ws.send(json.dumps({"type": "auth", "token": live.token}))
        assert json.loads(ws.recv())["type"] == "ready"
        ws.send(json.dumps({"type": "audio", "sample_rate": audio.rate, "deadline_ms": 30000,
                            "turn_class": "critical"}))  # fmt: skip
        for start in range(0, len(pcm), 8000):
            ws.send(pcm[start : start + 8000])
        ws.send(json.dumps({"type": "end"}))
        events = []
        while not events or events[-1]["type"] not in ("done", "error"):
            events.append(json.loads(ws.recv(timeout=600)))
    assert [e["type"] for e in events][:2] == ["transcript", "intent"], events
    assert events[1]["intent"] == "HassTurnOn"
    assert stt.admitted[Criticality.CRITICAL] == 1  # the hint, honoured at the recogniser
    hints = live.state.door.hints
    assert hints.honoured == 1 and hints.proved_true == 1 and hints.proved_false == 0
