"""The satellite's turns against a scripted transport, on a fake clock: keys, follow-ups,
reply audio and a broken speaker (the real server is in test_satellite_server.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np

from hausgeist.satellite.client import Client
from hausgeist.satellite.device import FOLLOW_UP, HINT_WINDOW, Satellite, SaveReplies, Turn, Unheard
from hausgeist.satellite.errors import SatelliteError
from hausgeist.satellite.http import Request, Response
from hausgeist.satellite.wake import Command, NothingSaid, WakeLoop
from hausgeist.speech.audio import RATE, Audio
from hausgeist.speech.vad import SileroVad

RIFF = b"RIFF....WAVEfmt "


class Server:
    """Answers every turn with the next conversation id and its reply's audio."""

    def __init__(self, status: int = 200, asks: list[str | None] | None = None) -> None:
        self.status = status
        self.sent: list[Request] = []
        self.asks = asks or []  # each turn's `follow_up`: the class of the question it asked

    async def send(self, request: Request, timeout: float) -> Response:
        self.sent.append(request)
        if request.method == "GET":
            return Response(200, {}, RIFF)
        body = {"reply": "Licht eingeschaltet", "conversation_id": f"c{len(self.sent)}",
                "reply_audio": "/v1/audio/abc"}  # fmt: skip
        if self.asks and self.asks.pop(0) is not None:
            body["follow_up"] = "critical"
        if self.status != 200:
            body = {"code": "overloaded", "reply_audio": "/v1/audio/apology"}
        return Response(self.status, {"retry-after": "0"}, json.dumps(body).encode())


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Broken:
    def play(self, wav: bytes, number: int) -> Path | None:
        raise SatelliteError("aplay: no such device")


def command(seconds: float = 1.0) -> Command:
    return Command(Audio(np.zeros(int(seconds * RATE), np.float32), RATE), None, True)


def device(server: Server, clock: Clock, sinks: list[object]) -> Satellite:
    client = Client(server, "t", clock=clock, max_attempts=1)
    return Satellite(client, WakeLoop(SileroVad()), sinks, clock=clock)  # type: ignore[arg-type]


def test_each_command_has_its_own_key_and_a_quick_follow_up_continues_the_dialog(
    tmp_path: Path,
) -> None:
    server, clock = Server(), Clock()
    satellite = device(server, clock, [SaveReplies(tmp_path)])
    turns = [asyncio.run(satellite.handle(command()))]
    clock.now += 10.0
    turns.append(asyncio.run(satellite.handle(command())))
    clock.now += FOLLOW_UP + 1.0
    turns.append(asyncio.run(satellite.handle(command())))
    posts = [r for r in server.sent if r.method == "POST"]
    assert [r.path for r in posts] == ["/v1/ask", "/v1/ask?conversation_id=c1", "/v1/ask"]
    keys = [r.headers["Idempotency-Key"] for r in posts]
    assert len(set(keys)) == 3 and [t.key for t in turns if isinstance(t, Turn)] == keys
    assert all(r.headers["Content-Type"] == "audio/wav" and isinstance(r.body, bytes)
               and r.body[:4] == b"RIFF" for r in posts)  # fmt: skip
    assert [r.path for r in server.sent if r.method == "GET"] == ["/v1/audio/abc"] * 3
    for number, turn in enumerate(turns, start=1):
        assert isinstance(turn, Turn) and turn.ok and turn.reply_wav == RIFF
        assert turn.reply_file == tmp_path / f"antwort-{number}.wav"
        assert turn.reply_file.read_bytes() == RIFF


def test_only_the_answer_to_a_critical_question_is_hinted_and_only_in_time() -> None:
    # Turn 1 asks a critical question; 2 answers it; 3 follows up a plain answer; 4 answers
    # a question asked 26 s before (the server may have stopped waiting); 5 after 31 s.
    server = Server(asks=["critical", None, "critical", "critical", None])
    clock = Clock()
    satellite = device(server, clock, [])
    for wait in (0.0, 5.0, 5.0, 5.0, HINT_WINDOW + 1.0, FOLLOW_UP + 1.0):
        clock.now += wait
        asyncio.run(satellite.handle(command()))
    posts = [r for r in server.sent if r.method == "POST"]
    hints = [r.headers.get("X-Turn-Class") for r in posts]
    assert hints == [None, "critical", None, "critical", None, None]
    conversations = [r.path.partition("=")[2] or None for r in posts]
    assert conversations == [None, "c1", "c3", "c5", "c7", None]
    # The hinted turn is throttled as a critical one (the server sheds by class).
    assert {"default", "critical"} <= set(satellite.client.throttles)


def test_a_broken_speaker_does_not_stop_the_device(tmp_path: Path) -> None:
    server, clock = Server(), Clock()
    satellite = device(server, clock, [Broken(), SaveReplies(tmp_path)])
    turn = asyncio.run(satellite.handle(command()))
    assert isinstance(turn, Turn) and turn.ok and turn.reply_file == tmp_path / "antwort-1.wav"


def test_a_shed_turn_plays_the_apology_and_silence_sends_nothing() -> None:
    server, clock = Server(status=503), Clock()
    satellite = device(server, clock, [])
    shed = asyncio.run(satellite.handle(command()))
    assert isinstance(shed, Turn) and shed.status == 503 and not shed.ok
    assert shed.reply_wav == RIFF and server.sent[-1].path == "/v1/audio/apology"
    sent = len(server.sent)
    quiet = Audio(np.zeros(RATE, np.float32), RATE)
    assert asyncio.run(satellite.handle(NothingSaid(quiet, None))) == Unheard(None, 1.0)
    assert len(server.sent) == sent
