"""The HTTP API under /v1: thin handlers that check input, call the household, render JSON."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from hausgeist.dialog.assistant import TurnResult
from hausgeist.server.criticality import Criticality
from hausgeist.server.deadline import Deadline
from hausgeist.server.errors import ApiError, bad_request
from hausgeist.server.household import HouseholdService
from hausgeist.server.idempotency import Once
from hausgeist.server.middleware import request_id
from hausgeist.server.registry import Principal, RegistryError
from hausgeist.server.shedding import DEADLINE_SCOPE_KEY
from hausgeist.server.state import ServerState

log = logging.getLogger("hausgeist.turn")
MAX_TEXT_BODY = 1_000_000
MAX_AUDIO_BODY = 10_000_000
MAX_TEXT = 1_000  # characters of one spoken or typed command
HEARTBEAT = 15.0  # seconds between keep-alive comments on an event stream

Handler = Callable[[Request], Awaitable[Response]]


def state_of(connection: HTTPConnection) -> ServerState:
    """The server's shared state."""
    state: ServerState = connection.app.state.server
    return state


def principal(request: Request, state: ServerState) -> Principal:
    """The caller named by the bearer token; 401 without a valid one, 429 over its rate."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Anmeldung fehlt: Authorization: Bearer <token>.",
                       {"www-authenticate": "Bearer"})  # fmt: skip
    found = state.registry.authenticate(token.strip())
    if found is None:
        raise ApiError(401, "unauthorized", "Unbekanntes oder gesperrtes Token.",
                       {"www-authenticate": "Bearer"})  # fmt: skip
    if found.household is not None:
        state.door.known(token.strip(), found.device_id, found.household.id)
    wait = state.limiter.take(found.device_id)
    if wait > 0:
        raise ApiError(429, "rate_limited", "Zu viele Anfragen von diesem Gerät.",
                       {"retry-after": str(max(1, round(wait)))})  # fmt: skip
    return found


async def household_of(request: Request) -> tuple[Principal, HouseholdService]:
    """The calling device and its household (operators have none here: 403)."""
    state = state_of(request)
    who = principal(request, state)
    if who.household is None:
        raise ApiError(403, "forbidden", "Dieses Token gehört zu keinem Haushalt.")
    return who, await state.service(who.household)


async def read_json(request: Request, limit: int = MAX_TEXT_BODY) -> dict[str, Any]:
    """The JSON object of the body: 415, 413, 408 or 400 when it is not one."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "unsupported_media_type", "Erwartet wird application/json.")
    body = await read_body(request, limit)
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise bad_request(f"malformed JSON: {err}", "malformed_json") from err
    if not isinstance(document, dict):
        raise bad_request("the body must be a JSON object")
    return document


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is longer than `limit`, 408 when too slow."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    try:
        with anyio.fail_after(state_of(request).settings.body_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except TimeoutError as err:
        raise ApiError(408, "request_timeout", "Der Inhalt kam zu langsam an.") from err
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, "too_large", f"Der Inhalt ist größer als {limit:,} Bytes.".replace(",", ".")
    )


def text_field(document: dict[str, Any], name: str = "text", limit: int = MAX_TEXT) -> str:
    """A required, non-empty string field."""
    value = document.get(name)
    if not isinstance(value, str):
        raise bad_request(f"'{name}' must be a string", "invalid_field")
    if not value.strip():
        raise bad_request(f"'{name}' is empty", "invalid_field")
    if len(value) > limit:
        raise bad_request(f"'{name}' is longer than {limit} characters", "invalid_field")
    return value


def optional_text(document: dict[str, Any], name: str, limit: int = 100) -> str | None:
    """An optional string field."""
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise bad_request(f"'{name}' must be a string of at most {limit} characters")
    return value


# Handlers


async def me(request: Request) -> Response:
    """Who the token belongs to."""
    state = state_of(request)
    who = principal(request, state)
    household = {"id": who.household.id, "name": who.household.name} if who.household else None
    return JSONResponse({
        "household": household, "device": {"id": who.device_id, "name": who.device},
        "role": who.role,
    })  # fmt: skip


async def ask(request: Request) -> Response:
    """POST /v1/ask: one text turn."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("audio/wav", "audio/x-wav", "audio/wave"):
        from hausgeist.server.speech import ask_audio  # it builds on this module

        return await ask_audio(request)
    who, household = await household_of(request)
    document = await read_json(request)
    text = text_field(document)
    conversation = optional_text(document, "conversation_id")
    deadline = request.scope.get(DEADLINE_SCOPE_KEY)
    once = Once.of(who.device_id, request.headers.get("idempotency-key"),
                   {"text": text, "conversation_id": conversation})  # fmt: skip
    answer = await run_turn(state_of(request), household, who, text, conversation, deadline, once)
    return JSONResponse(answer)


async def run_turn(
    state: ServerState,
    household: HouseholdService,
    who: Principal,
    text: str,
    conversation: str | None,
    deadline: Deadline | None = None,
    once: Once | None = None,
) -> dict[str, Any]:
    """A turn in a worker thread, measured and counted; dropped once its deadline passed.

    A keyed turn (`once`) that the household answered before gets that answer again and
    does nothing.
    """
    check_deadline(state, deadline, "admission")
    turn_id = request_id.get()

    def work() -> tuple[dict[str, Any], TurnResult | None, Criticality | None]:
        check_deadline(state, deadline, "worker")  # it may have waited for a thread
        if once is not None:
            answer, result = household.ask_once(once, text, conversation, who.area, who.device,
                                                turn_id)  # fmt: skip
        else:
            result = household.ask(text, conversation, who.area, who.device, turn_id)
            answer = {**result.to_json(), "turn_id": turn_id}
        asked = None
        if result is not None and result.code == "asked":
            asked = household.question_class(result.conversation_id)
        return answer, result, asked

    state.in_flight += 1
    state.metrics.in_flight.inc()
    try:
        with state.metrics.stage_seconds.labels("turn").time():
            answer, result, asked = await anyio.to_thread.run_sync(work)
    finally:
        state.in_flight -= 1
        state.metrics.in_flight.dec()
    if result is not None:
        _follow_up(state, household, who, conversation, result, asked, answer)
    if result is None:
        state.metrics.turns.labels(answer.get("intent") or "none", "replayed").inc()
        log.info("turn replayed", extra={"fields": {
            "household": household.household.id, "device": who.device, "of": answer["turn_id"],
        }})  # fmt: skip
        return answer
    state.turns += 1
    state.metrics.turns.labels(result.intent or "none", result.code).inc()
    for stage, seconds in result.seconds.items():
        state.metrics.stage_seconds.labels(stage).observe(seconds)
    log.info("turn", extra={"fields": {
        "household": household.household.id, "device": who.device, "intent": result.intent,
        "outcome": result.code, "actions": len(result.actions),
    }})  # fmt: skip
    return answer


def _follow_up(
    state: ServerState, household: HouseholdService, who: Principal, conversation: str | None,
    result: TurnResult, asked: Criticality | None, answer: dict[str, Any],
) -> None:  # fmt: skip
    """Open the device's window for the answer to a question the turn asked (its class then
    goes with the answer, `follow_up`, for the device's hint), or close the one it answered."""
    if asked is None:
        state.door.followups.answered(who.device_id, conversation)
        return
    state.door.followups.asked(who.device_id, household.household.id, result.conversation_id,
                               asked)  # fmt: skip
    answer["follow_up"] = asked.label


def check_deadline(state: ServerState, deadline: Deadline | None, stage: str) -> None:
    """504 instead of starting `stage` once the requester has given up on the turn."""
    if deadline is not None and deadline.expired(time.monotonic()):
        raise deadline_error(state, stage)


def deadline_error(state: ServerState, stage: str) -> ApiError:
    """The 504 of a turn dropped before `stage` because its requester had given up."""
    state.metrics.deadline_dropped.labels(stage).inc()
    return ApiError(504, "deadline_exceeded",
                    "Das hat zu lange gedauert; ich habe nichts ausgeführt.")  # fmt: skip


def blocking(method: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run a household method in a worker thread."""

    async def run(*args: Any) -> Any:
        return await anyio.to_thread.run_sync(method, *args)

    return run


def reader(method: str) -> Handler:
    """A GET handler answering with one of the household's resources."""

    async def read(request: Request) -> Response:
        _, household = await household_of(request)
        return JSONResponse(await blocking(getattr(household, method))())

    read.__doc__ = f"GET /v1/{method}."
    return read


home, lists, timers, orders = (reader(m) for m in ("home", "lists", "timers", "orders"))


def canceller(table: str) -> Handler:
    """A DELETE handler cancelling a timer or an alarm by id."""

    async def cancel(request: Request) -> Response:
        _, household = await household_of(request)
        await blocking(household.cancel)(table, request.path_params["id"])
        return Response(status_code=204)

    cancel.__doc__ = f"DELETE /v1/{table}/{{id}}."
    return cancel


cancel_timer, cancel_alarm = canceller("timers"), canceller("alarms")


async def set_device(request: Request) -> Response:
    """PATCH /v1/home/devices/{name}."""
    _, household = await household_of(request)
    change = await read_json(request)
    name = request.path_params["name"]
    return JSONResponse(await blocking(household.set_device)(name, change))


async def player(request: Request) -> Response:
    """POST /v1/player."""
    _, household = await household_of(request)
    return JSONResponse(await blocking(household.player)(await read_json(request)))


async def add_item(request: Request) -> Response:
    """POST /v1/lists/{name}/items."""
    _, household = await household_of(request)
    document = await read_json(request)
    item = await blocking(household.add_item)(request.path_params["name"], document.get("text"))
    return JSONResponse(item, status_code=201)


async def set_item(request: Request) -> Response:
    """PATCH /v1/lists/{name}/items/{id}."""
    _, household = await household_of(request)
    document = await read_json(request)
    params = request.path_params
    item = await blocking(household.set_item)(params["name"], params["id"], document.get("done"))
    return JSONResponse(item)


async def delete_item(request: Request) -> Response:
    """DELETE /v1/lists/{name}/items/{id}."""
    _, household = await household_of(request)
    await blocking(household.delete_item)(request.path_params["name"], request.path_params["id"])
    return Response(status_code=204)


async def cancel_order(request: Request) -> Response:
    """POST /v1/orders/{id}/cancel."""
    _, household = await household_of(request)
    return JSONResponse(await blocking(household.cancel_order)(request.path_params["id"]))


async def events(request: Request) -> Response:
    """GET /v1/events: the household's changes as Server-Sent Events."""
    _, household = await household_of(request)
    state = state_of(request)
    queue = household.hub.subscribe()
    state.metrics.event_listeners.inc()

    async def stream() -> AsyncIterator[str]:
        try:
            yield ": verbunden\n\n"
            while not state.draining.is_set():
                try:
                    event = await asyncio.wait_for(queue.get(), HEARTBEAT)
                except TimeoutError:
                    yield ": ping\n\n"
                    continue
                if event is None:  # too slow to keep up: the client reconnects and refetches
                    return
                yield event.to_sse()
        finally:
            household.hub.unsubscribe(queue)
            state.metrics.event_listeners.dec()

    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


# Operators


def operator(request: Request) -> ServerState:
    """The server state, for an operator token only (403 for a household's device)."""
    state = state_of(request)
    if principal(request, state).role != "operator":
        raise ApiError(403, "forbidden", "Nur für Betreiber / operators only.")
    return state


async def list_households(request: Request) -> Response:
    """GET /v1/operator/households."""
    state = operator(request)
    found = await anyio.to_thread.run_sync(state.registry.households)
    return JSONResponse({"households": [{"id": h.id, "name": h.name} for h in found]})


async def add_household(request: Request) -> Response:
    """POST /v1/operator/households {"name"}: a new household and its first device's token."""
    state = operator(request)
    document = await read_json(request)
    name = text_field(document, "name", 64)
    device = optional_text(document, "device") or "Browser"
    try:
        household = await anyio.to_thread.run_sync(state.registry.add_household, name)
        token = await anyio.to_thread.run_sync(state.registry.add_device, device, household)
    except RegistryError as err:
        raise ApiError(409, "conflict", str(err)) from err
    if state.settings.warm_speech:
        from hausgeist.server.speech import speech_of, start_warm_up  # it builds on this module

        start_warm_up(state, speech_of(request), [household])
    return JSONResponse({"id": household.id, "name": household.name, "device_token": token},
                        status_code=201)  # fmt: skip
