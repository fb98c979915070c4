"""A real `hausgeist serve` process on a free port and a fresh data directory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hausgeist.server.registry import Registry


@dataclass
class RunningServer:
    """A server process the tests talk to over HTTP."""

    url: str
    token: str  # the browser device of the demo household, from the first-start link
    data: Path
    process: subprocess.Popen[str]

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client, authenticated with `token` (the demo device's by default)."""
        headers = {"authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def registry(self) -> Registry:
        """The server's registry of households and devices (the same SQLite file)."""
        return Registry(self.data)


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
