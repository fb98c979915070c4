"""SIGTERM drains: a turn in flight is answered, event streams end, then the process exits."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from pathlib import Path

import httpx

from tests.server.conftest import start_server


def test_sigterm_lets_the_turn_in_flight_finish_and_ends_event_streams(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--body-timeout", "5")
    ended = threading.Event()

    def listen() -> None:
        with server.client() as client, client.stream("GET", "/v1/events") as stream:
            for _ in stream.iter_lines():
                pass
        ended.set()

    threading.Thread(target=listen, daemon=True).start()
    body = json.dumps({"text": "Mach das Licht im Büro an"}).encode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + server.token.encode() + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body[:10]
        )
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        raw.sendall(body[10:])
        raw.settimeout(30)
        received = b""
        while chunk := raw.recv(65536):  # the server closes the connection after answering
            received += chunk
    answer = received.decode()
    assert answer.startswith("HTTP/1.1 200"), answer
    assert "Licht eingeschaltet" in answer
    # uvicorn re-raises the signal once drained: "terminated by SIGTERM", as init systems expect.
    assert server.process.wait(timeout=15) in (0, -signal.SIGTERM)
    assert ended.wait(timeout=5)
    try:
        httpx.get(f"{server.url}/healthz", timeout=1)
        raise AssertionError("the server still answers after draining")
    except httpx.TransportError:
        pass
