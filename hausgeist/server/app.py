"""The ASGI application: routes, error rendering, the ring ticker and the web UI's files."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio.to_thread
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from hausgeist import __version__
from hausgeist.app import load_grammar
from hausgeist.server import api
from hausgeist.server.errors import ApiError
from hausgeist.server.middleware import Observe
from hausgeist.server.openapi import document as openapi_document
from hausgeist.server.priority import shorten_time_slice
from hausgeist.server.registry import Registry
from hausgeist.server.shedding import AdmissionGate
from hausgeist.server.speech import SpeechService, reply_audio, speech_of, start_warm_up
from hausgeist.server.state import ServerState, Settings
from hausgeist.server.stream import stream

STATIC = Path(__file__).parent / "static"
TICK = 1.0  # seconds between looks for timers and alarms that ran out
log = logging.getLogger("hausgeist.server")


def create_app(settings: Settings) -> ASGIApp:
    """The service for the data directory in `settings`."""
    registry = Registry(settings.data)
    state = ServerState(settings, registry, load_grammar("de", settings.data / "cache"))
    app = Starlette(
        routes=_routes(),
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=_lifespan,
    )
    app.state.server = state
    app.state.speech = SpeechService(settings.data)
    # The gate is outermost: a refused turn costs no request id, log line or histogram, only
    # the shed counters (issue 6); admitted turns and every other route pass through Observe.
    return AdmissionGate(Observe(app, state.metrics), state.admission, state.count_shed,
                         settings.body_timeout, audio_stage=state.stages.stt.admission,
                         door=state.door)  # fmt: skip


def server_state(app: ASGIApp) -> ServerState:
    """The shared state inside the middleware layers `create_app` returned."""
    while not isinstance(app, Starlette):
        app = app.app  # type: ignore[attr-defined]
    state: ServerState = app.state.server
    return state


def _routes() -> list[Route | WebSocketRoute | Mount]:
    return [
        Route("/", _page("index.html")),
        Route("/status", _page("status.html")),
        Mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static"),
        Route("/healthz", _healthz),
        Route("/readyz", _readyz),
        Route("/metrics", _metrics),
        Route("/v1/openapi.json", _openapi),
        Route("/v1/status", _status),
        Route("/v1/me", api.me),
        Route("/v1/ask", api.ask, methods=["POST"]),
        Route("/v1/home", api.home),
        Route("/v1/home/devices/{name}", api.set_device, methods=["PATCH"]),
        Route("/v1/player", api.player, methods=["POST"]),
        Route("/v1/lists", api.lists),
        Route("/v1/lists/{name}/items", api.add_item, methods=["POST"]),
        Route("/v1/lists/{name}/items/{id:int}", api.set_item, methods=["PATCH"]),
        Route("/v1/lists/{name}/items/{id:int}", api.delete_item, methods=["DELETE"]),
        Route("/v1/timers", api.timers),
        Route("/v1/timers/{id:int}", api.cancel_timer, methods=["DELETE"]),
        Route("/v1/alarms/{id:int}", api.cancel_alarm, methods=["DELETE"]),
        Route("/v1/orders", api.orders),
        Route("/v1/orders/{id:int}/cancel", api.cancel_order, methods=["POST"]),
        Route("/v1/events", api.events),
        Route("/v1/operator/households", api.list_households),
        Route("/v1/operator/households", api.add_household, methods=["POST"]),
        Route("/v1/audio/{id}", reply_audio),
        WebSocketRoute("/v1/stream", stream),
    ]


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    state: ServerState = app.state.server
    shorten_time_slice()  # this is the event loop's thread: refusals preempt busy workers
    await anyio.to_thread.run_sync(app.state.speech.render_apology)
    ticker = asyncio.create_task(_ring_ticker(state, app.state.speech))
    if state.settings.warm_speech:
        start_warm_up(state, app.state.speech)
    try:
        yield
    finally:
        app.state.speech.stopped.set()
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


async def _ring_ticker(state: ServerState, speech: SpeechService) -> None:
    """Announce timers and alarms the moment they run out, to the household's devices."""
    while True:
        await asyncio.sleep(TICK)
        for household in state.services:
            try:
                now = household.assistant.clock()
                speak = functools.partial(_speak, speech, household.household.id)
                await anyio.to_thread.run_sync(household.ring, now, speak)
            except Exception:
                log.exception("ringing failed for household %s", household.household.id)


def _speak(speech: SpeechService, household: int, text: str) -> str | None:
    return speech.speak(text, household)


def _page(name: str) -> Any:
    async def page(request: Request) -> Response:
        path = STATIC / name
        if not path.exists():
            raise ApiError(404, "not_found", "Die Weboberfläche fehlt in dieser Installation.")
        return FileResponse(path, headers={"cache-control": "no-cache"})

    return page


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _readyz(request: Request) -> Response:
    state = api.state_of(request)
    if state.draining.is_set():
        return JSONResponse({"status": "draining"}, status_code=503)
    ok = await anyio.to_thread.run_sync(state.registry.store.ping)
    return JSONResponse({"status": "ok" if ok else "store_unreachable"},
                        status_code=200 if ok else 503)  # fmt: skip


async def _metrics(request: Request) -> Response:
    """Prometheus's page, for an operator token only: it shows every household's load."""
    state = api.operator(request)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(__version__))


async def _status(request: Request) -> Response:
    state = api.state_of(request)
    speech = speech_of(request)
    offered = max(state.turns + state.shed, 1)
    return JSONResponse({
        "status": "draining" if state.draining.is_set() else "ok",
        "version": __version__,
        "uptime_seconds": round(time.monotonic() - state.started, 1),
        "turns": state.turns,
        "in_flight": state.in_flight,
        "load": min(state.in_flight / 64, 1.0),
        "shed_rate": round(state.shed / offered, 4),
        "admission": _admission(state),
        "spoken": _spoken(state),
        "households": len(state.services),
        "speech": {"warming": speech.warming, "households_warm": speech.warm_count()},
        "store": "ok" if state.registry.store.ping() else "unreachable",
    })  # fmt: skip


def _admission(state: ServerState) -> dict[str, Any]:
    admission = state.admission
    return {
        "enabled": admission.enabled,
        "limit": admission.limit.current,
        "in_flight": admission.in_flight,
        "queued": admission.queued,
        "queue_age_ms": round(admission.queue_age() * 1000, 1),
        "overloaded": admission.overloaded(),
        "shed": {c.label: n for c, n in admission.shed.items()},
        "shed_by_reason": {r.value: n for r, n in admission.shed_by_reason.items()},
        "stages": {stage.name: {
            "limit": stage.admission.limit.current, "in_flight": stage.admission.in_flight,
            "queued": stage.admission.queued,
            "queue_age_ms": round(stage.admission.queue_age() * 1000, 1),
            "shed": {c.label: n for c, n in stage.admission.shed.items()},
            "degraded": stage.degraded, "busy_seconds": round(stage.busy_seconds, 3),
            "admitted": sum(stage.admission.admitted.values()),
        } for stage in state.stages.every},
    }  # fmt: skip


def _spoken(state: ServerState) -> dict[str, Any]:
    """Spoken turns' classes at the door: raised ones, open questions, the devices' hints."""
    door, hints = state.door, state.door.hints
    return {
        "raised_at_door": door.raised,
        "follow_ups_open": door.followups.open,
        "hints": {
            "honoured": hints.honoured,
            "refused": {r.value: n for r, n in hints.refused.items()},
            "proved_true": hints.proved_true, "proved_false": hints.proved_false,
            "distrusted_devices": hints.distrusted_count(),
        },
    }  # fmt: skip


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    api.state_of(request).metrics.errors.labels(error.code).inc()
    return JSONResponse(error.to_json(), status_code=error.status, headers=error.headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    message = {404: "Diese Adresse gibt es nicht / no such route.",
               405: "Diese Methode geht hier nicht / method not allowed."}.get(
        error.status_code, str(error.detail))  # fmt: skip
    return JSONResponse({"code": code, "message": message}, status_code=error.status_code,
                        headers=error.headers)  # fmt: skip
