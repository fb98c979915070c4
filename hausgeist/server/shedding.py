"""The turn entry's guard: admission for POST /v1/ask, and the polite, instant refusal.

`AdmissionGate` is pure ASGI middleware (not BaseHTTPMiddleware: a shed answer must cost
microseconds, and the admitted turn's body is handed on untouched). It reads the small JSON
body once to classify the turn, asks `Admission`, and either passes the request on with its
deadline in the scope, or answers 503 at once from pre-rendered bytes, without touching the
registry, the store or any engine. WebSocket turns use `acquire` and `shed_message` directly.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hausgeist.server.admission import Admission, Reason, State, Ticket
from hausgeist.server.criticality import Criticality, classify_text
from hausgeist.server.deadline import Deadline
from hausgeist.server.spoken import UNKNOWN, DoorClass, SpokenDoor

APOLOGY = "Gerade ist viel los. Versuch es bitte in ein paar Sekunden noch einmal."
RETRY_AFTER = (1, 2, 3, 4)  # seconds; one is drawn per answer so that retries spread out
DEADLINE_SCOPE_KEY = "hausgeist.deadline"
CRITICALITY_SCOPE_KEY = "hausgeist.criticality"
DOOR_SCOPE_KEY = "hausgeist.door"  # a spoken turn's DoorClass: why it got its class
_TEXT_BODY_LIMIT = 64 * 1024  # a text turn's JSON is tiny; longer bodies are not looked into
_AUDIO = (b"audio/wav", b"audio/x-wav", b"audio/wave")


APOLOGY_AUDIO = "/v1/audio/apology"  # the apology spoken, rendered once at start


def _render(retry_after: int, reason: Reason) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({
        "code": "overloaded", "message": APOLOGY, "retry_after": retry_after,
        "reason": reason.value, "reply_audio": APOLOGY_AUDIO,
    }, ensure_ascii=False).encode()  # fmt: skip
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
        (b"cache-control", b"no-store"),
    ]
    return headers, body


# Every answer there can be, rendered at import: refusing costs no JSON encoding.
_SHED = {(seconds, reason): _render(seconds, reason) for seconds in RETRY_AFTER
         for reason in Reason}  # fmt: skip


def shed_message(reason: Reason = Reason.OVERLOAD) -> dict[str, Any]:
    """The WebSocket form of the refusal."""
    return {"type": "error", "code": "overloaded", "message": APOLOGY, "reason": reason.value,
            "retry_after": random.choice(RETRY_AFTER), "reply_audio": APOLOGY_AUDIO}  # fmt: skip


async def send_shed(send: Send, reason: Reason) -> None:
    """The HTTP refusal: 503, a jittered Retry-After and the apology, all pre-rendered."""
    headers, body = _SHED[random.choice(RETRY_AFTER), reason]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def shed_response(reason: Reason) -> Response:
    """The same refusal as a Starlette response, for a stage behind admission (speech)."""
    headers, body = _SHED[random.choice(RETRY_AFTER), reason]
    return Response(body, 503, {k.decode(): v.decode() for k, v in headers
                                if k != b"content-length"})  # fmt: skip


async def acquire(admission: Admission, criticality: Criticality, deadline: Deadline) -> Ticket:
    """Admit, or wait in the queue until admitted or shed; the ticket's state tells which."""
    ticket = admission.offer(criticality, deadline.at)
    if ticket.state is not State.QUEUED:
        return ticket
    loop = asyncio.get_running_loop()
    woken: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not woken.done():
            woken.set_result(None)

    ticket.wake = wake
    timer = loop.call_at(_loop_time(loop, ticket.give_up), admission.give_up, ticket)
    try:
        await woken
    except asyncio.CancelledError:
        admission.give_up(ticket)  # the requester left while waiting
        admission.release(ticket, ok=False)  # or was admitted at the same moment
        raise
    finally:
        timer.cancel()
    return ticket


def _loop_time(loop: asyncio.AbstractEventLoop, monotonic: float) -> float:
    return loop.time() + (monotonic - time.monotonic())


class AdmissionGate:
    """Admission control in front of POST /v1/ask."""

    def __init__(
        self,
        app: ASGIApp,
        admission: Admission,
        on_shed: Callable[[Criticality], None],
        body_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        audio_stage: Admission | None = None,
        door: SpokenDoor | None = None,
    ) -> None:
        self.app = app
        self.admission = admission
        # The recogniser's admission: a spoken turn it would refuse is refused at the door.
        self.audio_stage = audio_stage
        # A spoken turn's class before its words are known (answers to the server's own
        # questions, devices' hints within budget): DEFAULT without it.
        self.door = door
        self.on_shed = on_shed
        self.body_timeout = body_timeout
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard a turn; everything else passes straight through."""
        if scope["type"] != "http" or scope["path"] != "/v1/ask" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        deadline = Deadline.after(headers.get(b"x-deadline-ms"), self.clock())
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        try:
            head, receive = await self._peek(receive, kind not in _AUDIO)
        except TimeoutError:
            await send_slow_body(send)  # a slow body holds no slot and no worker
            return
        if kind in _AUDIO:
            door = self._door(headers, scope)
            criticality = door.criticality
            scope[DOOR_SCOPE_KEY] = door
        else:
            criticality = _classify(head)
        if (kind in _AUDIO and self.audio_stage is not None and self.admission.enabled
                and self.audio_stage.would_refuse(criticality, deadline.at)):  # fmt: skip
            # Before its audio is read and an entry slot taken: the recogniser would refuse it.
            self.audio_stage.refuse(criticality, deadline.at)
            self.on_shed(criticality)
            await send_shed(send, Reason.OVERLOAD)
            return
        ticket = await acquire(self.admission, criticality, deadline)
        if ticket.state is State.SHED:
            self.on_shed(criticality)
            await send_shed(send, ticket.reason or Reason.OVERLOAD)
            return
        scope[DEADLINE_SCOPE_KEY], scope[CRITICALITY_SCOPE_KEY] = deadline, criticality
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # Only completed turns teach the limit; a refusal or a crash says nothing of speed.
            self.admission.release(ticket, ok=status < 400)

    def _door(self, headers: dict[bytes, bytes], scope: Scope) -> DoorClass:
        if self.door is None:
            return UNKNOWN
        return self.door.at_http(headers, scope.get("query_string", b""))

    async def _peek(self, receive: Receive, read: bool) -> tuple[bytes, Receive]:
        """A small body, read whole; the receive that replays it to the handler."""
        if not read:
            return b"", receive
        messages: list[Message] = []
        size, more = 0, True
        async with asyncio.timeout(self.body_timeout):
            while more and size <= _TEXT_BODY_LIMIT:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                size += len(message.get("body", b""))
                more = message.get("more_body", False)
        head = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        return (b"" if more else head), replay


async def send_slow_body(send: Send) -> None:
    """408, in the handlers' error shape, for a body that did not arrive in time."""
    body = json.dumps({"code": "request_timeout", "message": "Der Inhalt kam zu langsam an."},
                      ensure_ascii=False).encode()  # fmt: skip
    await send({"type": "http.response.start", "status": 408, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
    ]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _classify(body: bytes) -> Criticality:
    """The class of a JSON text turn; anything unreadable is left to the handler as DEFAULT."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Criticality.DEFAULT
    if not isinstance(document, dict) or not isinstance(document.get("text"), str):
        return Criticality.DEFAULT
    return classify_text(document["text"], bool(document.get("conversation_id")))
