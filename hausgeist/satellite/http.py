"""A small HTTP/1.1 transport on asyncio streams: keep-alive connections, JSON bodies.

A satellite needs nothing more to reach its server, and the surge benchmark needs a client
cheap enough not to be the bottleneck; both use this rather than a general HTTP library.
Responses must carry Content-Length (every answer of the /v1 API does).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from hausgeist.satellite.errors import Unreachable


@dataclass(frozen=True)
class Request:
    """One HTTP request to the server."""

    method: str
    path: str
    body: dict[str, Any] | bytes | None = None  # JSON, or raw bytes with their content-type
    headers: dict[str, str] = field(default_factory=dict)

    def idempotent(self) -> bool:
        """Whether sending it twice has the effect of sending it once (RFC 9110, 9.2.2)."""
        return self.method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class Response:
    """The server's answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)

    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (Retry-After in seconds), if it said."""
        value = self.headers.get("retry-after", "")
        try:
            return max(0.0, float(value))
        except ValueError:
            return None


class Transport(Protocol):
    """Sends one request; raises `Unreachable` when no answer came."""

    async def send(self, request: Request, timeout: float) -> Response:
        """The answer to `request`, within `timeout` seconds."""
        ...


class HttpTransport:
    """HTTP/1.1 to one server, reusing up to `pool` idle keep-alive connections."""

    def __init__(self, url: str, pool: int = 8) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"expected http://host:port, got {url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.pool = pool
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def send(self, request: Request, timeout: float) -> Response:
        """One request on an idle or new connection."""
        sent = False
        try:
            async with asyncio.timeout(max(timeout, 0.001)):
                reused = bool(self._idle)
                reader, writer = await self._connection()
                sent = True
                try:
                    response = await _exchange(reader, writer, self._encode(request))
                except asyncio.IncompleteReadError as err:
                    if not reused or err.partial:
                        raise
                    # The server had closed the idle connection: nothing was read, so the
                    # request was never taken up; it goes again on a new connection.
                    writer.close()
                    sent = False
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                    sent = True
                    response = await _exchange(reader, writer, self._encode(request))
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as err:
            raise Unreachable(str(err) or type(err).__name__, sent=sent) from err
        keep = response.headers.get("connection", "").lower() != "close"
        if keep and len(self._idle) < self.pool:
            self._idle.append((reader, writer))
        else:
            writer.close()
        return response

    async def close(self) -> None:
        """Close the idle connections."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    def _encode(self, request: Request) -> bytes:
        raw = isinstance(request.body, bytes)
        body = request.body if isinstance(request.body, bytes) else b""
        if request.body is not None and not raw:
            body = json.dumps(request.body).encode()
        lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(body)}"]  # fmt: skip
        if request.body is not None and not raw:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in request.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> Response:
    writer.write(request)
    return await _read_response(reader)


async def _read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise ValueError("a response without Content-Length")
    body = await reader.readexactly(int(headers["content-length"]))
    return Response(status, headers, body)
