"""Speech in the service: audio turns over POST /v1/ask and the WebSocket, reply audio.

The engines are loaded once per process on the first audio turn and shared by every
household. Audio turns wait for the recogniser one at a time; at most `MAX_WAITING` may
wait, the rest get 503 at once (a spoken command answered a minute late is worse than
"try again"). Rendered replies are kept in memory for `AUDIO_TTL` seconds, at most
`AUDIO_KEPT` of them, under unguessable ids a household's devices fetch with their token.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from hausgeist.server.api import MAX_AUDIO_BODY, household_of, read_body, run_turn, state_of
from hausgeist.server.deadline import Deadline
from hausgeist.server.errors import ApiError
from hausgeist.server.household import HouseholdService
from hausgeist.server.middleware import request_id
from hausgeist.server.registry import Principal
from hausgeist.speech.audio import from_pcm16
from hausgeist.speech.errors import AudioTooLong, BadAudio, SpeechError
from hausgeist.speech.opus import WAV, reply_format, wav_to_opus
from hausgeist.speech.pipeline import Heard, SpeechStage, nothing_heard

MAX_WAITING = 8
AUDIO_TTL = 600.0
AUDIO_KEPT = 512
WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave")
log = logging.getLogger("hausgeist.speech")

Answer = Callable[[WebSocket, Principal, str, "str | None", Deadline, bool], Awaitable[None]]


class SpeechService:
    """The speech stage of one server process and the replies it rendered."""

    def __init__(self, data: Path, stage: SpeechStage | None = None) -> None:
        self.data = data
        self._stage = stage
        self._loading = threading.Lock()
        self.waiting = 0
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
        return self.stage().hear(wav, household.assistant, lock=household.lock)

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

    def reply(self, key: str, household: int) -> bytes | None:
        """A rendered reply of this household, while it is kept."""
        with self._audio_lock:
            found = self._audio.get(key)
        if found is None or found[0] != household or found[1] < time.monotonic() - AUDIO_TTL:
            return None
        return found[2]


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
    body = await read_body(request, MAX_AUDIO_BODY)
    speech = speech_of(request)
    heard = await _hear(speech, body, household)
    if heard.speech:
        # The turn's deadline starts once its words are known: listening is not acting late.
        deadline = Deadline.after(request.headers.get("x-deadline-ms"), time.monotonic())
        answer = await run_turn(
            state_of(request), household, who, heard.transcript, conversation, deadline
        )
    else:
        answer = {**nothing_heard(conversation).to_json(), "turn_id": request_id.get()}
    answer["transcript"] = heard.transcript
    answer["reply_audio"] = await anyio.to_thread.run_sync(
        speech.speak, answer["reply"], household.household.id
    )
    return JSONResponse(answer)


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
        if not isinstance(rate, int) or isinstance(rate, bool):
            raise BadAudio("Die Abtastrate fehlt.", "sample_rate must be an integer")
        heard = await _hear(speech, from_pcm16(pcm, rate), household)
    except ApiError as err:
        await websocket.send_json({"type": "error", "code": err.code, "message": err.message})
        return
    except SpeechError as err:
        await websocket.send_json({"type": "error", "code": err.code, "message": err.message})
        return
    await websocket.send_json({"type": "transcript", "text": heard.transcript})
    if heard.speech:
        # As over HTTP, the deadline counts from the moment the words are known.
        deadline = Deadline.after(message.get("deadline_ms"), time.monotonic())
        await answer(websocket, who, heard.transcript, conversation, deadline, True)
        return
    result = nothing_heard(conversation)
    await websocket.send_json({"type": "intent", "intent": None, "slots": {}})
    await websocket.send_json({"type": "actions", "actions": []})
    await websocket.send_json({"type": "reply", "text": result.reply,
                               "conversation_id": result.conversation_id})  # fmt: skip
    await send_reply_audio(websocket, result.reply, household.household.id)
    await websocket.send_json({"type": "done"})


async def send_reply_audio(websocket: WebSocket, text: str, household: int) -> None:
    """The `reply_audio` event: where the spoken reply can be fetched."""
    url = await anyio.to_thread.run_sync(speech_of(websocket).speak, text, household)
    if url is not None:
        await websocket.send_json({"type": "reply_audio", "url": url, "format": "audio/wav"})


async def _hear(speech: SpeechService, audio: Any, household: HouseholdService) -> Heard:
    if speech.waiting >= MAX_WAITING:
        raise ApiError(503, "speech_busy", "Die Spracherkennung ist gerade ausgelastet.",
                       {"retry-after": "2"})  # fmt: skip
    speech.waiting += 1
    try:
        return await anyio.to_thread.run_sync(speech.hear, audio, household)
    except AudioTooLong as err:
        raise ApiError(413, err.code, err.message) from err
    except BadAudio as err:
        raise ApiError(400, err.code, err.message) from err
    except SpeechError as err:
        log.warning("speech failed: %s", err, extra={"fields": {"code": err.code}})
        raise ApiError(503, "speech_unavailable", err.message) from err
    finally:
        speech.waiting -= 1
