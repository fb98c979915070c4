"""`hausgeist serve`: first start, logging, and uvicorn with a graceful drain on SIGTERM."""

from __future__ import annotations

import logging
import sys
from types import FrameType

import uvicorn

from hausgeist.server.app import create_app, server_state
from hausgeist.server.middleware import JsonFormatter
from hausgeist.server.registry import Registry
from hausgeist.server.state import ServerState, Settings

DRAIN_SECONDS = 10  # how long in-flight turns get to finish after SIGTERM


def first_start(registry: Registry) -> str | None:
    """While no device is registered: the demo household and a browser device; its token."""
    if registry.store.query("SELECT 1 FROM devices LIMIT 1"):
        return None
    return registry.add_device("Browser", registry.default_household())


def serve(settings: Settings, host: str, port: int, log_level: str = "info") -> int:
    """Run the service until SIGTERM or Ctrl-C; in-flight turns finish first."""
    _logging(log_level)
    token = first_start(Registry(settings.data))
    app = create_app(settings)
    state = server_state(app)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    print(f"hausgeist: http://{shown}:{port}/ (Daten: {settings.data})", file=sys.stderr)
    if token:
        print("Zum Anmelden im Browser öffnen / open to log in:", file=sys.stderr)
        print(f"    http://{shown}:{port}/#token={token}", file=sys.stderr, flush=True)
    else:
        print(
            "Ein neues Gerät anmelden / a new device: hausgeist devices add NAME --household H",
            file=sys.stderr,
            flush=True,
        )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=DRAIN_SECONDS,
        timeout_keep_alive=5,
        ws_max_size=1 << 20,
        lifespan="on",
    )
    server = _DrainingServer(config, state)
    server.run()
    return 0


class _DrainingServer(uvicorn.Server):
    """Tells the app it is draining (event streams end, /readyz says 503) on SIGTERM."""

    def __init__(self, config: uvicorn.Config, state: ServerState) -> None:
        super().__init__(config)
        self._state = state

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Begin draining, then let uvicorn stop accepting and wait for in-flight requests."""
        self._state.drain()
        super().handle_exit(sig, frame)


def _logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
