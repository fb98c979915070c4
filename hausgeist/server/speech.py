"""Speech in the service: audio turns over POST /v1/ask and the WebSocket, reply audio.

The engines are loaded once per process (at start-up with the warm-up, else on the first
audio turn) and shared by every household. Speech-to-text and text-to-speech each run behind
a stage limit (stages.py): a recording that finds the recogniser full is refused with the
pre-rendered apology (503, text and audio); a reply that finds the voice full is answered as
text only, marked `"degraded": "text_only"` (degrade before refusing). The turn's deadline
counts from its arrival and every stage checks it: a turn whose requester has given up is
dropped (504), not finished late (one exception: `_after_cold_start`, while a household's
command index is not built yet; `hausgeist serve` loads the recogniser and builds every
household's index at start-up in a background thread, `warm_up`). A spoken turn with an
Idempotency-Key is fingerprinted by its audio's sha256: a retry is answered from the kept
answer (transcript included) without hearing it again, and only its reply audio is rendered
anew. Rendered replies are kept in memory for `AUDIO_TTL` seconds, at most `AUDIO_KEPT` of
them, under unguessable ids a household's devices fetch with their token; the apology is
rendered once at start and served to any device as `/v1/audio/apology`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import numpy as np
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from hausgeist.server.api import (
    MAX_AUDIO_BODY,
    deadline_error,
    household_of,
    read_body,
    run_turn,
    state_of,
)
from hausgeist.server.criticality import Criticality, classify_text
from hausgeist.server.deadline import Deadline, DeadlineExceeded
from hausgeist.server.errors import ApiError
from hausgeist.server.household import HouseholdService
from hausgeist.server.idempotency import Once, TurnReplies
from hausgeist.server.middleware import request_id
from hausgeist.server.priority import lower_thread_priority
from hausgeist.server.registry import Household, Principal
from hausgeist.server.shedding import (
    APOLOGY,
    DEADLINE_SCOPE_KEY,
    DOOR_SCOPE_KEY,
    shed_message,
    shed_response,
)
from hausgeist.server.spoken import DoorClass
from hausgeist.server.stages import Stage, StageBusy
from hausgeist.server.state import ServerState
from hausgeist.speech.audio import RATE, Audio, from_pcm16
from hausgeist.speech.errors import AudioTooLong, BadAudio, SpeechError
from hausgeist.speech.models import models_dir
from hausgeist.speech.opus import WAV, reply_format, wav_to_opus
from hausgeist.speech.pipeline import Heard, SpeechStage, nothing_heard
from hausgeist.speech.stt import Hints
from hausgeist.speech.tts import default_tts

AUDIO_TTL = 600.0
AUDIO_KEPT = 512
WARM_HOUSEHOLDS = 64  # households warmed at start-up: as many homes as the stage keeps
WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave")
log = logging.getLogger("hausgeist.speech")

Answer = Callable[
    [WebSocket, Principal, str, "str | None", Deadline, bool, "Once | None"],
    Awaitable["dict[str, Any] | None"],
]
TEXT_ONLY = "text_only"  # the marker of a reply whose audio was skipped under load


class SpeechService:
    """The speech stage of one server process and the replies it rendered."""

    def __init__(self, data: Path, stage: SpeechStage | None = None) -> None:
        self.data = data
        self._stage = stage
        self._loading = threading.Lock()
        self._apology: bytes | None = None
        self._ready: set[int] = set()  # households whose command index is built
        self._warming = 0  # warm-up threads running
        self._warming_lock = threading.Lock()
        self.stopped = threading.Event()  # the server is stopping: no more warming up
        self._audio: OrderedDict[str, tuple[int, float, bytes]] = OrderedDict()
        self._audio_lock = threading.Lock()

    def stage(self) -> SpeechStage:
        """The engines, loaded on first use (blocking: call it in a worker thread)."""
        with self._loading:
            if self._stage is None:
                self._stage = SpeechStage.default(self.data)
            return self._stage

    def hear(self, wav: bytes | Any, household: HouseholdService) -> Heard:
        """Transcribe for a household (blocking)."""
        return self.stage().hear(wav, household.assistant, lock=household.lock,
                                 household=household.household.directory)  # fmt: skip

    def speak(self, text: str, household: int) -> str | None:
        """Render a reply; the URL to fetch it, or None when no voice is available."""
        try:
            wav = self.stage().tts.wav(text)
        except SpeechError as err:
            log.warning("no reply audio: %s", err)
            return None
        key = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._audio_lock:
            self._audio[key] = (household, now, wav)
            while self._audio and (
                len(self._audio) > AUDIO_KEPT
                or next(iter(self._audio.values()))[1] < now - AUDIO_TTL
            ):
                self._audio.popitem(last=False)  # fmt: skip
        return f"/v1/audio/{key}"

    def cold(self, household: int) -> bool:
        """Whether the household's command index is not built yet in this process (neither
        warmed up nor built by a spoken turn): its next spoken turn builds it, seconds to
        tens of seconds."""
        return household not in self._ready

    def heard(self, household: int) -> None:
        """The household's speech was heard: its command index is built."""
        self._ready.add(household)

    def warm(self, household: HouseholdService) -> None:
        """Build the household's command index now (blocking: seconds to tens of seconds),
        or load it from the household's directory where a build of the same home was kept.

        The household's lock is held only while its home is read, so its turns go on."""
        self.stage().warm(household.assistant, household.lock, household.household.directory)
        self._ready.add(household.household.id)

    def warm_engine(self) -> None:
        """Load the recogniser now (blocking: seconds), by letting it read a second of
        silence, so the first spoken turn does not wait for it either."""
        self.stage().stt.transcribe(Audio(np.zeros(RATE, dtype=np.float32), RATE), Hints())

    @property
    def warming(self) -> bool:
        """Whether a warm-up is running."""
        return self._warming > 0

    def begin_warming(self) -> None:
        """A warm-up thread is about to start."""
        with self._warming_lock:
            self._warming += 1

    def end_warming(self) -> None:
        """A warm-up thread ended."""
        with self._warming_lock:
            self._warming -= 1

    def warm_count(self) -> int:
        """Households whose command index is built."""
        return len(self._ready)

    def render_apology(self) -> None:
        """Render the load apology once, so that refusing never needs the voice (blocking)."""
        try:
            self._apology = default_tts(models_dir(self.data)).wav(APOLOGY)
        except SpeechError as err:
            log.warning("no spoken apology: %s", err)

    def reply(self, key: str, household: int) -> bytes | None:
        """A rendered reply of this household, while it is kept; the apology for anyone."""
        if key == "apology":
            return self._apology
        with self._audio_lock:
            found = self._audio.get(key)
        if found is None or found[0] != household or found[1] < time.monotonic() - AUDIO_TTL:
            return None
        return found[2]


def start_warm_up(
    state: ServerState, speech: SpeechService, households: list[Household] | None = None
) -> None:
    """Warm up in a daemon thread: the recogniser and every household's command index (up
    to WARM_HOUSEHOLDS) at start-up, or the given households' (one just added).

    A daemon thread, not a worker of the event loop's pool: it runs for seconds to minutes
    and must neither hold up requests nor a shutdown. Call it on the event loop.
    """
    loop = asyncio.get_running_loop()
    speech.begin_warming()  # now, so that /v1/status says so before the thread runs
    args = (state, speech, loop, households)
    threading.Thread(target=warm_up, args=args, name="warm-up", daemon=True).start()


def warm_up(
    state: ServerState, speech: SpeechService, loop: asyncio.AbstractEventLoop,
    households: list[Household] | None = None,
) -> None:  # fmt: skip
    """The warm-up thread's body: households one after the other, skipping those already
    heard.

    It runs beside the server, which answers text turns and health checks meanwhile; a
    household's spoken turn that comes before its index is built still gets the cold-start
    exception. A household that fails is logged and stays cold; the others go on.
    """
    lower_thread_priority()  # background work: the event loop and the turns go first
    try:
        if households is None:
            households = state.registry.households()[:WARM_HOUSEHOLDS]
            try:
                speech.warm_engine()
            except SpeechError as err:
                log.warning("the recogniser did not load: %s", err)
        for household in households:
            if speech.stopped.is_set():
                return
            if speech.cold(household.id):
                _warm_one(state, speech, loop, household)
    finally:
        speech.end_warming()


def _warm_one(
    state: ServerState, speech: SpeechService, loop: asyncio.AbstractEventLoop,
    household: Household,
) -> None:  # fmt: skip
    began = time.perf_counter()
    try:
        opening = asyncio.run_coroutine_threadsafe(state.service(household), loop)
        speech.warm(opening.result(timeout=600))
    except Exception:  # a background thread: log it, and the caller warms the others
        log.exception("warm-up failed for household %s", household.id)
        return
    log.info("command index built", extra={"fields": {
        "household": household.id, "seconds": round(time.perf_counter() - began, 2),
    }})  # fmt: skip


def speech_of(connection: HTTPConnection) -> SpeechService:
    """The process's speech service."""
    service: SpeechService = connection.app.state.speech
    return service


def is_audio(request: Request) -> bool:
    """Whether the body is a WAV recording."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in WAV_TYPES


async def ask_audio(request: Request) -> Response:
    """POST /v1/ask with a WAV body (`?conversation_id=` continues a dialog)."""
    who, household = await household_of(request)
    conversation = request.query_params.get("conversation_id") or None
    if conversation is not None and len(conversation) > 100:
        raise ApiError(400, "invalid_field", "'conversation_id' is too long")
    state = state_of(request)
    deadline = request.scope.get(DEADLINE_SCOPE_KEY) or Deadline.after(
        request.headers.get("x-deadline-ms"), time.monotonic()
    )
    body = await read_body(request, MAX_AUDIO_BODY)
    once = spoken_once(who, request.headers.get("idempotency-key"), body, conversation)
    speech = speech_of(request)
    kept = await _kept(household, once)
    if kept is not None:
        answer = {**kept, "replayed": True}
        criticality = classify_text(answer.get("transcript") or "", conversation is not None)
    else:
        door: DoorClass = request.scope.get(DOOR_SCOPE_KEY) or state.door.at(
            who.device_id, household.household.id, conversation,
            request.headers.get("x-turn-class"),
        )  # fmt: skip
        cold = speech.cold(household.household.id)
        try:
            heard = await _hear(state, speech, body, household, deadline, door.criticality)
        except StageBusy as busy:
            state.count_shed(door.criticality)
            return shed_response(busy.reason)
        if cold:
            deadline = _after_cold_start(request.headers.get("x-deadline-ms"))
        answer = await _spoken_turn(state, household, who, heard, conversation, deadline, once)
        criticality = state.door.check(door, heard.transcript if heard.speech else "",
                                       answer.get("intent"))  # fmt: skip
    url = await _speak(state, speech, answer["reply"], household.household.id, deadline,
                       criticality)  # fmt: skip
    answer["reply_audio"] = None if url is TEXT_ONLY else url
    if url is TEXT_ONLY:
        answer["degraded"] = TEXT_ONLY
    return JSONResponse(answer)


def spoken_once(who: Principal, key: Any, audio: bytes, conversation: Any,
                rate: Any = None) -> Once | None:  # fmt: skip
    """The keyed spoken turn: its fingerprint is the audio's sha256 (and the dialog it
    continues), so the same key with other audio is refused (422)."""
    request: dict[str, Any] = {"audio_sha256": hashlib.sha256(audio).hexdigest(),
                               "conversation_id": conversation}  # fmt: skip
    if rate is not None:
        request["sample_rate"] = rate
    return Once.of(who.device_id, key, request)


async def _kept(household: HouseholdService, once: Once | None) -> dict[str, Any] | None:
    """The answer kept for a keyed turn, if it was answered before (422 for another request)."""
    if once is None:
        return None

    def find() -> dict[str, Any] | None:
        with household.lock:
            return _replies(household).find(once)

    return await anyio.to_thread.run_sync(find)


async def _keep(household: HouseholdService, once: Once | None, answer: dict[str, Any]) -> None:
    """Keep a keyed spoken turn's answer with its transcript (replacing the one the turn
    itself kept, which has none), so that a retry is answered without hearing it again."""
    if once is None or answer.get("replayed"):
        return
    kept = {k: v for k, v in answer.items() if k not in ("reply_audio", "degraded")}

    def keep() -> None:
        with household.lock:
            _replies(household).keep(once, kept)

    await anyio.to_thread.run_sync(keep)


def _replies(household: HouseholdService) -> TurnReplies:
    return TurnReplies(household.assistant.conversations.store)


async def _spoken_turn(
    state: ServerState, household: HouseholdService, who: Principal, heard: Heard,
    conversation: str | None, deadline: Deadline, once: Once | None,
) -> dict[str, Any]:  # fmt: skip
    """The turn of what was heard (acted on once per key)."""
    if not heard.speech:
        answer = {**nothing_heard(conversation).to_json(), "turn_id": request_id.get()}
        answer["transcript"] = heard.transcript
        await _keep(household, once, answer)
        return answer
    answer = await run_turn(state, household, who, heard.transcript, conversation, deadline, once)
    # A retry that ran alongside the first attempt got the answer the turn kept, without
    # its transcript: the same audio was heard, so it is the same transcript.
    answer["transcript"] = answer.get("transcript", heard.transcript)
    await _keep(household, once, answer)
    return answer


async def reply_audio(request: Request) -> Response:
    """GET /v1/audio/{id}: a spoken reply, for the household whose turn it answered; as
    Ogg/Opus with `Accept: audio/ogg` or `?format=opus`."""
    _, household = await household_of(request)
    wav = speech_of(request).reply(request.path_params["id"], household.household.id)
    if wav is None:
        raise ApiError(404, "not_found", "Diese Antwort ist nicht (mehr) da.")
    kind = reply_format(request.headers.get("accept", ""), request.query_params.get("format"))
    if kind is None:
        raise ApiError(406, "unsupported_format", "Antworten gibt es als wav oder opus.")
    body = wav if kind == WAV else await anyio.to_thread.run_sync(wav_to_opus, wav)
    headers = {"cache-control": "private, max-age=600", "vary": "accept"}
    return Response(body, media_type=kind, headers=headers)


async def stream_audio_turn(
    websocket: WebSocket,
    who: Principal,
    pcm: bytes,
    message: dict[str, Any],
    deadline: Deadline,
    answer: Answer,
) -> None:
    """One audio turn of the stream: transcript event, then the turn as for text."""
    conversation = message.get("conversation_id")
    rate = message.get("sample_rate", 16_000)
    state = state_of(websocket)
    assert who.household is not None  # checked when the connection authenticated
    household = await state.service(who.household)
    speech = speech_of(websocket)
    try:
        once = spoken_once(who, message.get("idempotency_key"), pcm, conversation, rate)
        kept = await _kept(household, once)
    except ApiError as err:
        await websocket.send_json({"type": "error", "code": err.code, "message": err.message})
        return
    if kept is not None:
        await _replay(websocket, kept, household.household.id, deadline)
        return
    door = state.door.at(who.device_id, household.household.id, conversation,
                         message.get("turn_class"))  # fmt: skip
    cold = speech.cold(household.household.id)
    try:
        if not isinstance(rate, int) or isinstance(rate, bool):
            raise BadAudio("Die Abtastrate fehlt.", "sample_rate must be an integer")
        heard = await _hear(state, speech, from_pcm16(pcm, rate), household, deadline,
                            door.criticality)  # fmt: skip
    except StageBusy as busy:
        state.count_shed(door.criticality)
        await websocket.send_json(shed_message(busy.reason))
        return
    except ApiError as err:
        await websocket.send_json({"type": "error", "code": err.code, "message": err.message})
        return
    except SpeechError as err:
        await websocket.send_json({"type": "error", "code": err.code, "message": err.message})
        return
    await websocket.send_json({"type": "transcript", "text": heard.transcript})
    if cold:
        deadline = _after_cold_start(message.get("deadline_ms"))
    if heard.speech:
        answered = await answer(websocket, who, heard.transcript, conversation, deadline, True,
                                once)  # fmt: skip
        if answered is not None:
            state.door.check(door, heard.transcript, answered.get("intent"))
            answered["transcript"] = answered.get("transcript", heard.transcript)
            await _keep(household, once, answered)
        return
    state.door.check(door, "", None)
    result = nothing_heard(conversation).to_json()
    await _keep(household, once, {**result, "turn_id": request_id.get(),
                                   "transcript": heard.transcript})  # fmt: skip
    await send_answer(websocket, result, household.household.id, deadline, speak=True)


async def _replay(
    websocket: WebSocket, kept: dict[str, Any], household: int, deadline: Deadline
) -> None:
    """The events of a keyed spoken turn answered before, from its kept answer; only the
    reply audio is rendered again."""
    await websocket.send_json({"type": "transcript", "text": kept.get("transcript", "")})
    await send_answer(websocket, {**kept, "replayed": True}, household, deadline, speak=True)


async def send_answer(
    websocket: WebSocket, answer: dict[str, Any], household: int, deadline: Deadline,
    speak: bool,
) -> None:  # fmt: skip
    """A turn's events after its transcript: intent, actions, reply, its audio when
    `speak`, done."""
    await websocket.send_json({"type": "intent", "intent": answer.get("intent"),
                               "slots": answer.get("slots", {})})  # fmt: skip
    await websocket.send_json({"type": "actions", "actions": answer.get("actions", [])})
    reply = {"type": "reply", "text": answer["reply"],
             "conversation_id": answer.get("conversation_id")}  # fmt: skip
    if "turn_id" in answer:
        reply["turn_id"] = answer["turn_id"]
    if answer.get("replayed"):
        reply["replayed"] = True
    await websocket.send_json(reply)
    if speak:
        await send_reply_audio(websocket, answer["reply"], household, deadline)
    await websocket.send_json({"type": "done"})


async def send_reply_audio(
    websocket: WebSocket, text: str, household: int, deadline: Deadline | None = None
) -> None:
    """The `reply_audio` event: where the spoken reply can be fetched; `degraded` instead
    when the voice is saturated (the device shows the reply's text)."""
    state = state_of(websocket)
    deadline = deadline or Deadline.after(None, time.monotonic())
    try:
        url = await _speak(state, speech_of(websocket), text, household, deadline,
                           classify_text(text))  # fmt: skip
    except ApiError as err:
        await websocket.send_json({"type": "error", "code": err.code, "message": err.message})
        return
    if url is TEXT_ONLY:
        await websocket.send_json({"type": "degraded", "degraded": TEXT_ONLY})
    elif url is not None:
        await websocket.send_json({"type": "reply_audio", "url": url, "format": "audio/wav"})


def _after_cold_start(milliseconds: object) -> Deadline:
    """The one exception to "the deadline counts from arrival": a household's first spoken
    turn in this process pays for building its command index, a cold start of the server
    and not the requester's wait, so its deadline starts again once its words are known."""
    log.info("cold start: the household's first spoken turn; its deadline starts now")
    return Deadline.after(milliseconds, time.monotonic())


async def _hear(
    state: ServerState, speech: SpeechService, audio: Any, household: HouseholdService,
    deadline: Deadline, criticality: Criticality = Criticality.DEFAULT,
) -> Heard:  # fmt: skip
    """Transcribe within the speech-to-text stage's limit: StageBusy when it is full.

    `criticality` is the class the turn got at the door (spoken.py): DEFAULT unless it
    answers the server's question or a device's hint was honoured."""
    # Loading the engines (once per process, seconds) is not the turn's work: the deadline
    # covers waiting for and running the recogniser.
    await anyio.to_thread.run_sync(speech.stage)
    try:
        heard = await state.stages.stt.run(lambda: speech.hear(audio, household), deadline,
                                           criticality)  # fmt: skip
        speech.heard(household.household.id)
    except DeadlineExceeded as err:
        raise deadline_error(state, err.stage) from err
    except AudioTooLong as err:
        raise ApiError(413, err.code, err.message) from err
    except BadAudio as err:
        raise ApiError(400, err.code, err.message) from err
    except SpeechError as err:
        log.warning("speech failed: %s", err, extra={"fields": {"code": err.code}})
        raise ApiError(503, "speech_unavailable", err.message) from err
    for stage, seconds in heard.timings.items():
        state.metrics.stage_seconds.labels(stage).observe(seconds)
    return heard


async def _speak(
    state: ServerState, speech: SpeechService, text: str, household: int, deadline: Deadline,
    criticality: Criticality,
) -> str | None:  # fmt: skip
    """The reply's URL within the text-to-speech stage's limit; TEXT_ONLY when it is full,
    None without a voice; 504 once the deadline passed (the reply is not rendered late)."""
    stage: Stage = state.stages.tts
    try:
        return await stage.run(lambda: speech.speak(text, household), deadline, criticality)
    except DeadlineExceeded as err:
        raise deadline_error(state, err.stage) from err
    except StageBusy:
        stage.degraded += 1
        state.metrics.degraded.labels(stage.name).inc()
        return TEXT_ONLY
