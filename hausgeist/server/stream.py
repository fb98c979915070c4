"""WebSocket /v1/stream: turns as JSON control messages and binary PCM audio.

The first message authenticates (`{"type": "auth", "token"}`; browsers cannot send an
Authorization header on a WebSocket). Then, per turn, either `{"type": "text", "text"}` or
`{"type": "audio", "sample_rate": 16000}`, binary chunks of 16-bit mono PCM and
`{"type": "end"}`; either may carry `deadline_ms` (5000 by default, clamped) and
`idempotency_key` (a retry of a turn answered before gets its answer again, `replayed`
in the `reply` event, and acts on nothing; audio is fingerprinted by its bytes). The server
answers each turn with events: `transcript` (audio only), `intent`, `actions`, `reply`, then
`done`; or `error` with a `code` and a German `message` (`overloaded` adds `retry_after`).
A client that sends garbage is told why and closed.
"""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from hausgeist.server.admission import Reason, State
from hausgeist.server.api import MAX_AUDIO_BODY, MAX_TEXT, run_turn, state_of
from hausgeist.server.criticality import classify_text
from hausgeist.server.deadline import Deadline
from hausgeist.server.errors import ApiError
from hausgeist.server.idempotency import Once
from hausgeist.server.registry import Principal
from hausgeist.server.shedding import acquire, shed_message
from hausgeist.server.speech import send_answer, stream_audio_turn

AUTH_TIMEOUT = 10.0
IDLE_TIMEOUT = 300.0
# WebSocket close codes: policy violation, unsupported data, too big.
_POLICY, _UNSUPPORTED, _TOO_BIG = 1008, 1003, 1009


class _Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


async def stream(websocket: WebSocket) -> None:
    """One device's stream connection."""
    await websocket.accept()
    try:
        who = await _authenticate(websocket)
        await websocket.send_json({"type": "ready"})
        while True:
            message = await _control(websocket, IDLE_TIMEOUT)
            await _turn(websocket, who, message)
    except _Closing as closing:
        await websocket.close(closing.code, closing.reason)
    except WebSocketDisconnect:
        pass


async def _authenticate(websocket: WebSocket) -> Principal:
    state = state_of(websocket)
    message = await _control(websocket, AUTH_TIMEOUT)
    token = message.get("token")
    if message.get("type") != "auth" or not isinstance(token, str):
        raise _Closing(_POLICY, "first message must be {type: auth, token}")
    who = state.registry.authenticate(token)
    if who is None or who.household is None:
        raise _Closing(_POLICY, "unknown or revoked token")
    return who


async def _control(websocket: WebSocket, timeout: float) -> dict[str, Any]:
    """The next JSON control message."""
    try:
        with anyio.fail_after(timeout):
            message = await websocket.receive()
    except TimeoutError as err:
        raise _Closing(_POLICY, "idle for too long") from err
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        raise _Closing(_UNSUPPORTED, "expected a JSON control message, got binary data")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise _Closing(_UNSUPPORTED, "malformed JSON") from err
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise _Closing(_UNSUPPORTED, "a control message is a JSON object with a 'type'")
    return document


async def _turn(websocket: WebSocket, who: Principal, message: dict[str, Any]) -> None:
    kind = message["type"]
    conversation = message.get("conversation_id")
    if conversation is not None and not isinstance(conversation, str):
        raise _Closing(_UNSUPPORTED, "conversation_id must be a string")
    if kind == "text":
        text = message.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            await _error(websocket, "invalid_field", f"'text' must be 1 to {MAX_TEXT} characters")
            return
        deadline = Deadline.after(message.get("deadline_ms"), time.monotonic())
        try:
            once = Once.of(who.device_id, message.get("idempotency_key"),
                           {"text": text, "conversation_id": conversation})  # fmt: skip
        except ApiError as err:
            await _error(websocket, err.code, err.message)
            return
        await _answer(websocket, who, text, conversation, deadline, once=once)
    elif kind == "audio":
        pcm = await _receive_audio(websocket)
        deadline = Deadline.after(message.get("deadline_ms"), time.monotonic())
        await stream_audio_turn(websocket, who, pcm, message, deadline, _answer)
    else:
        raise _Closing(_UNSUPPORTED, f"unknown message type {kind!r}")


async def _answer(
    websocket: WebSocket, who: Principal, text: str, conversation: str | None,
    deadline: Deadline, speak: bool = False, once: Once | None = None,
) -> dict[str, Any] | None:  # fmt: skip
    """The events of one understood turn; its answer, or None when it got an error."""
    state = state_of(websocket)
    assert who.household is not None  # checked when the connection authenticated
    if state.limiter.take(who.device_id) > 0:
        await _error(websocket, "rate_limited", "Zu viele Anfragen von diesem Gerät.")
        return None
    criticality = classify_text(text, conversation is not None)
    # The answer to the server's own question has that question's class (followups.py).
    asked = state.door.followups.peek(who.device_id, conversation)
    if asked is not None:
        criticality = max(criticality, asked)
    ticket = await acquire(state.admission, criticality, deadline)
    if ticket.state is State.SHED:
        state.count_shed(criticality)
        await websocket.send_json(shed_message(ticket.reason or Reason.OVERLOAD))
        return None
    ok = False
    try:
        household = await state.service(who.household)
        answer = await run_turn(state, household, who, text, conversation, deadline, once)
        ok = True
    except ApiError as err:
        await _error(websocket, err.code, err.message)
        return None
    finally:
        state.admission.release(ticket, ok)
    await send_answer(websocket, answer, who.household.id, deadline, speak)
    return answer


async def _receive_audio(websocket: WebSocket) -> bytes:
    """PCM chunks up to the end message; too much audio closes the connection."""
    chunks, size = [], 0
    while True:
        try:
            with anyio.fail_after(AUTH_TIMEOUT):
                message = await websocket.receive()
        except TimeoutError as err:
            raise _Closing(_POLICY, "audio stopped arriving") from err
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        if message.get("bytes") is not None:
            size += len(message["bytes"])
            if size > MAX_AUDIO_BODY:
                raise _Closing(_TOO_BIG, "more than 10 MB of audio in one turn")
            chunks.append(message["bytes"])
            continue
        try:
            document = json.loads(message.get("text") or "")
        except json.JSONDecodeError as err:
            raise _Closing(_UNSUPPORTED, "malformed JSON") from err
        if isinstance(document, dict) and document.get("type") == "end":
            return b"".join(chunks)
        raise _Closing(_UNSUPPORTED, "expected audio chunks or {type: end}")


async def _error(websocket: WebSocket, code: str, message: str) -> None:
    await websocket.send_json({"type": "error", "code": code, "message": message})
