"""Pure ASGI middleware: request ids, JSON access logs, metrics, and no stack trace ever.

Pure ASGI (not BaseHTTPMiddleware) keeps streaming responses streaming and costs one call
per message, which matters at thousands of requests per second.
"""

from __future__ import annotations

import contextvars
import json
import logging
import random
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hausgeist.server.metrics import Metrics

log = logging.getLogger("hausgeist.access")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class JsonFormatter(logging.Formatter):
    """One JSON object per log line, with the request (turn) id it belongs to."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON."""
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "turn_id": request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class Observe:
    """Gives each request an id, logs it as JSON, counts it, and turns a crash into a 500."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # Each label set's counter and histogram, looked up once (labels() takes a lock).
        self._series: dict[tuple[str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one connection."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # A correlation id, not a secret: 64 random bits without a system call per request.
        ident = f"{random.getrandbits(64):016x}"
        token = request_id.set(ident)
        began = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", ident.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            # Whatever broke, the caller gets a JSON error and never a stack trace.
            log.exception("unhandled error")
            self.metrics.errors.labels("internal").inc()
            if status == 0 and scope["type"] == "http":
                status = 500
                await _internal_error(send, ident)
        finally:
            route = _route(scope)
            elapsed = time.perf_counter() - began
            if scope["type"] == "http":
                count, seconds = self._of(route, status)
                count.inc()
                seconds.observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info("request", extra={"fields": {
                    "method": scope.get("method", "WS"), "path": scope.get("path"),
                    "route": route, "status": status, "ms": round(elapsed * 1000, 2),
                }})  # fmt: skip
            request_id.reset(token)

    def _of(self, route: str, status: int) -> tuple[Any, Any]:
        """The request counter and latency histogram of a route and status."""
        series = self._series.get((route, status))
        if series is None:
            series = (self.metrics.requests.labels(route, str(status)),
                      self.metrics.request_seconds.labels(route))  # fmt: skip
            self._series[route, status] = series
        return series


def _route(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))


async def _internal_error(send: Send, ident: str) -> None:
    body = json.dumps({
        "code": "internal", "message": "Interner Fehler / internal error", "request_id": ident,
    }).encode()  # fmt: skip
    await send({
        "type": "http.response.start", "status": 500,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
