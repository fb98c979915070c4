"""A real `hausgeist serve` process on a free port and a fresh data directory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from hausgeist.server.registry import Registry


@dataclass
class RunningServer:
    """A server process the tests talk to over HTTP."""

    url: str
    token: str  # the browser device of the demo household, from the first-start link
    data: Path
    process: subprocess.Popen[str]
    operator: str | None = field(default=None, repr=False)  # made by the first `metrics()`

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client, authenticated with `token` (the demo device's by default)."""
        headers = {"authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def registry(self) -> Registry:
        """The server's registry of households and devices (the same SQLite file)."""
        return Registry(self.data)

    def metrics(self) -> str:
        """The server's `/metrics` page, read as an operator (a token made on first use)."""
        if self.operator is None:
            self.operator = self.registry().add_device("Prometheus", None, role="operator")
        return read_metrics(self.url, self.operator)


def read_metrics(url: str, operator: str) -> str:
    """`/metrics` with an operator token: Prometheus's text, or a failed test."""
    answer = httpx.get(f"{url}/metrics", headers={"authorization": f"Bearer {operator}"})
    assert answer.status_code == 200, answer.text
    return answer.text


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread of this process; yields its URL.

    For tests that need to reach into the running server's objects (its stages, its speech
    service), which a separate process would hide."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, lifespan="on"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def start_server(data: Path, *extra: str) -> RunningServer:
    """Start `hausgeist serve` and wait until it answers /healthz."""
    port = free_port()
    env = {**os.environ, "HAUSGEIST_DATA": str(data)}
    log = data / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "hausgeist.cli", "serve", "--port", str(port),
             "--log-level", "warning", "--warm-speech", "off", *extra],
            env=env, stderr=stderr, text=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                found = re.search(r"#token=(\S+)", log.read_text())
                return RunningServer(url, found.group(1) if found else "", data, process)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"hausgeist serve did not start: {log.read_text()[-2000:]}")


def stop_server(server: RunningServer) -> int:
    """SIGTERM, then wait for the process to drain and exit."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server per test module, on its own data directory."""
    running = start_server(tmp_path_factory.mktemp("data"), "--body-timeout", "1")
    yield running
    stop_server(running)
