"""The client over real HTTP: a real `hausgeist serve`, and a small server that sheds twice."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from hausgeist.satellite.client import Client
from hausgeist.satellite.errors import Unreachable
from hausgeist.satellite.http import HttpTransport
from hausgeist.satellite.retry import Backoff
from hausgeist.satellite.throttle import AdaptiveThrottle
from tests.server.conftest import free_port, start_server, stop_server


def test_a_turn_against_hausgeist_serve(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:

        async def turns() -> list[tuple[int, int, str]]:
            transport = HttpTransport(server.url)
            client = Client(transport, server.token)
            done = [
                await client.ask(text)
                for text in ("Mach das Licht im Flur an", "Mach das Licht im Flur aus")
            ]
            await transport.close()
            return [(d.response.status, d.attempts, d.response.json()["intent"]) for d in done]

        assert asyncio.run(turns()) == [(200, 1, "HassTurnOn"), (200, 1, "HassTurnOff")]
    finally:
        stop_server(server)


class Shedding(BaseHTTPRequestHandler):
    """Answers 503 with Retry-After: 0 to the first two requests, then 200."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        Shedding.seen.append(dict(self.headers.items()))
        shed = len(Shedding.seen) <= 2
        body = json.dumps({"code": "overloaded"} if shed else {"reply": "ok"}).encode()
        self.send_response(503 if shed else 200)
        if shed:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def shedding_server() -> Iterator[str]:
    Shedding.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Shedding)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_shed_turn_is_retried_over_real_http_with_the_time_left(shedding_server: str) -> None:
    async def turn() -> int:
        # A throttle that lets retries through: a device with no history would refuse a
        # second retry half the time (see test_client.py for the throttle's part).
        never = AdaptiveThrottle(draw=lambda: 1.0)
        client = Client(HttpTransport(shedding_server), "t", new_throttle=lambda: never,
                        backoff=Backoff(base=0.001, cap=0.01))  # fmt: skip
        done = await client.ask("Mach das Licht an")
        assert done.response.json() == {"reply": "ok"}
        return done.attempts

    assert asyncio.run(turn()) == 3
    deadlines = [int(h["X-Deadline-Ms"]) for h in Shedding.seen]
    assert all(0 < d <= 5000 for d in deadlines)
    assert Shedding.seen[0]["Authorization"] == "Bearer t"


def test_a_server_nobody_listens_on_is_unreachable_and_nothing_was_sent() -> None:
    async def turn() -> None:
        client = Client(HttpTransport(f"http://127.0.0.1:{free_port()}"), max_attempts=1)
        await client.ask("Licht an")

    with pytest.raises(Unreachable) as failed:
        asyncio.run(turn())
    assert failed.value.sent is False and failed.value.code == "unreachable"
