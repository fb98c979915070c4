"""Idempotency-Key on spoken turns (WAV over POST /v1/ask, PCM over the WebSocket), against a
real `hausgeist serve` with whisper-base and espeak-ng's German voice."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from hausgeist.speech.audio import Audio
from tests.server.conftest import RunningServer, start_server, stop_server
from tests.speech.conftest import models_dir, speak, wav_bytes  # noqa: F401 (a fixture)

TIMER = "Stell einen Timer auf zehn Minuten"
# A household's first spoken turn builds its command index, and whisper on a busy 2-core
# machine takes seconds: the longest deadline a client may ask for, and a patient client.
WAV = {"content-type": "audio/wav", "x-deadline-ms": "30000"}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[RunningServer]:
    request.getfixturevalue("models_dir")  # one verified whisper-base for the session
    running = start_server(tmp_path_factory.mktemp("data"))
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def timer() -> Audio:
    return speak(TIMER, 140)


@pytest.fixture(scope="module")
def timer_wav(timer: Audio) -> bytes:
    return wav_bytes(timer)


def client(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=600,
                        headers={"authorization": f"Bearer {server.token}"})  # fmt: skip


def timers(server: RunningServer) -> int:
    with client(server) as http:
        return len(http.get("/v1/timers").json()["timers"])


def transcriptions(server: RunningServer) -> float:
    """How many recordings the server's recogniser has run on."""
    found = re.search(r'hausgeist_stage_seconds_count\{stage="stt"\} (\S+)', server.metrics())
    return float(found.group(1)) if found else 0.0


def without_audio(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("reply_audio", "replayed")}


def test_a_retried_spoken_timer_turn_sets_one_timer_and_is_not_heard_again(
    server: RunningServer, timer_wav: bytes
) -> None:
    before = timers(server)
    key = str(uuid.uuid4())
    with client(server) as http:
        first = http.post("/v1/ask", content=timer_wav, headers={**WAV, "idempotency-key": key})
        assert first.status_code == 200, first.text
        assert first.json()["intent"] == "HassStartTimer" and first.json()["transcript"]
        heard = transcriptions(server)
        again = http.post("/v1/ask", content=timer_wav, headers={**WAV, "idempotency-key": key})
        assert again.status_code == 200, again.text
        assert again.json()["replayed"] is True and "replayed" not in first.json()
        assert without_audio(again.json()) == without_audio(first.json())  # transcript too
        assert transcriptions(server) == heard  # answered from the kept answer, not heard again
        audio = http.get(again.json()["reply_audio"])
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert timers(server) == before + 1


def test_the_same_key_with_other_audio_or_text_is_refused_and_does_nothing(
    server: RunningServer, timer_wav: bytes
) -> None:
    key = str(uuid.uuid4())
    with client(server) as http:
        first = http.post("/v1/ask", content=timer_wav, headers={**WAV, "idempotency-key": key})
        assert first.status_code == 200, first.text
        before = timers(server)
        heard = transcriptions(server)
        other = wav_bytes(speak("Stell einen Timer auf drei Minuten", 140))
        refused = http.post("/v1/ask", content=other, headers={**WAV, "idempotency-key": key})
        typed = http.post("/v1/ask", json={"text": TIMER}, headers={"idempotency-key": key})
        malformed = http.post("/v1/ask", content=timer_wav,
                              headers={**WAV, "idempotency-key": "mit leerzeichen"})  # fmt: skip
        assert transcriptions(server) == heard
    assert refused.status_code == typed.status_code == 422, (refused.text, typed.text)
    assert refused.json()["code"] == typed.json()["code"] == "idempotency_key_reused"
    assert malformed.status_code == 400 and malformed.json()["code"] == "invalid_idempotency_key"
    assert timers(server) == before


def test_a_retried_websocket_audio_turn_is_answered_from_the_first(
    server: RunningServer, timer: Audio
) -> None:
    # espeak-ng's 22 kHz voice as 16-bit PCM, as a device streams it (the server resamples)
    pcm = (np.clip(timer.samples, -1, 1) * 32767).astype("<i2").tobytes()
    before = timers(server)
    url = server.url.replace("http://", "ws://") + "/v1/stream"
    key = f"ws-audio-{uuid.uuid4().hex}"
    with connect(url, max_size=None) as ws:
        ws.send(json.dumps({"type": "auth", "token": server.token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "ready"
        first = stream_turn(ws, pcm, timer.rate, key)
        again = stream_turn(ws, pcm, timer.rate, key)
        other = stream_turn(ws, pcm[: len(pcm) // 2], timer.rate, key)
    kinds = ["transcript", "intent", "actions", "reply", "reply_audio", "done"]
    assert [e["type"] for e in first] == [e["type"] for e in again] == kinds
    assert first[1]["intent"] == "HassStartTimer"
    assert again[0] == first[0] and again[1:3] == first[1:3]  # transcript, intent, actions
    reply, replayed = first[3], again[3]
    assert replayed == {**reply, "replayed": True}
    assert other[-1]["type"] == "error" and other[-1]["code"] == "idempotency_key_reused"
    assert timers(server) == before + 1


def stream_turn(ws: Any, pcm: bytes, rate: int, key: str) -> list[dict[str, Any]]:
    turn = {"type": "audio", "sample_rate": rate, "deadline_ms": 30_000, "idempotency_key": key}
    ws.send(json.dumps(turn))
    for start in range(0, len(pcm), 8_192):
        ws.send(pcm[start : start + 8_192])
    ws.send(json.dumps({"type": "end"}))
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] not in ("done", "error"):
        events.append(json.loads(ws.recv(timeout=600)))
    return events
