"""Speech through the running service: POST /v1/ask with a WAV, then fetch the spoken reply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import RunningServer, start_server, stop_server
from tests.speech.conftest import speak, wav_bytes


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    stop_server(running)


def test_a_spoken_command_is_transcribed_acted_on_and_answered_aloud(
    server: RunningServer,
) -> None:
    with server.client() as client:
        client.timeout = 120
        wav = wav_bytes(speak("Mach das Licht im Schlafzimmer an", 140))
        answer = client.post("/v1/ask", content=wav, headers={"content-type": "audio/wav"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["intent"] == "HassTurnOn" and body["transcript"]
        assert body["reply"] == "Licht eingeschaltet"
        audio = client.get(body["reply_audio"])
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        assert audio.headers["content-type"] == "audio/wav"


def test_reply_audio_needs_the_households_token(server: RunningServer) -> None:
    with server.client() as client:
        client.timeout = 120
        wav = wav_bytes(speak("Wie spät ist es", 140))
        url = client.post("/v1/ask", content=wav,
                          headers={"content-type": "audio/wav"}).json()["reply_audio"]  # fmt: skip
    with server.client("not-a-token") as stranger:
        assert stranger.get(url).status_code == 401
    with server.client() as client:
        assert client.get("/v1/audio/unknown").status_code == 404
