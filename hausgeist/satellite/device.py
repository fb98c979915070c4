"""The satellite: listen, send what was said as a spoken turn, play the answer; repeat.

Audio from a source (sources.py) goes through the wake loop (wake.py: a wake word or the
push-to-talk button, then the command endpointed by the VAD). Each command is sent as one
WAV turn with the client (client.py: backoff, retry budget, adaptive throttling, deadline)
under a fresh Idempotency-Key, so a retry of a turn whose answer was lost acts once; the
reply's audio is fetched and handed to a sink (a file, a player). A turn that continues a
dialog (the server asked back: "Soll ich ... bestellen?") is sent with the conversation of
the answer before it while that is at most `FOLLOW_UP` seconds old. When that answer said
its question belongs to a CRITICAL request (`"follow_up": "critical"`: a light, a timer, an
order's confirmation), the command is sent with the hint `critical`, within `HINT_WINDOW`
seconds only (before the server's own wait for the answer ends), so the hint is true: the
server checks every hint after the turn and stops honouring a device whose hints lied.

While a turn is in flight the source is not read: a live stream waits in its own buffer
(a pipe, the microphone driver's ring), a recording simply pauses.
"""

from __future__ import annotations

import logging
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hausgeist.satellite.client import Client
from hausgeist.satellite.errors import SatelliteError
from hausgeist.satellite.sources import AudioSource
from hausgeist.satellite.wake import Command, NothingSaid, WakeLoop
from hausgeist.speech.audio import write_wav
from hausgeist.speech.wakeword import Detection

log = logging.getLogger("hausgeist.satellite")
FOLLOW_UP = 30.0  # seconds an answer's conversation is continued by the next command
HINT_WINDOW = 25.0  # seconds a question's class is hinted: inside the server's 30 s wait


@dataclass(frozen=True)
class Turn:
    """One command sent to the server and what came back."""

    number: int  # 1 for the first command of this run
    trigger: Detection | None  # the wake word, or None for the button
    seconds: float  # of the command's audio
    key: str  # its Idempotency-Key
    status: int  # the final HTTP status; 0 when no answer came
    attempts: int
    answer: dict[str, Any]  # the server's JSON (an error's code and message otherwise)
    reply_wav: bytes | None = None
    reply_file: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether the server answered the turn."""
        return self.status == 200


@dataclass(frozen=True)
class Unheard:
    """Woken, but nobody spoke: nothing is sent."""

    trigger: Detection | None
    seconds: float


Outcome = Turn | Unheard


class ReplySink(Protocol):
    """Where reply audio goes: a speaker, a file."""

    def play(self, wav: bytes, number: int) -> Path | None:
        """Play or keep the reply of turn `number`; the file it went to, if any."""
        ...


@dataclass
class SaveReplies:
    """Keeps each reply as `antwort-N.wav` in a folder."""

    folder: Path

    def play(self, wav: bytes, number: int) -> Path | None:
        """Write the reply's file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"antwort-{number}.wav"
        path.write_bytes(wav)
        return path


@dataclass
class PlayCommand:
    """Pipes each reply into a player command (`aplay -q`, `paplay`, `ffplay -nodisp -`)."""

    command: list[str]
    timeout: float = 60.0

    def play(self, wav: bytes, number: int) -> Path | None:
        """Play the reply to its end."""
        try:
            subprocess.run(self.command, input=wav, check=True, timeout=self.timeout,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        except (OSError, subprocess.SubprocessError) as err:
            raise SatelliteError(f"{' '.join(self.command)}: {err}") from err
        return None


@dataclass
class Satellite:
    """A device: its wake loop, its client to the server and where replies go."""

    client: Client
    loop: WakeLoop
    sinks: list[ReplySink] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic
    new_key: Callable[[], str] = lambda: uuid.uuid4().hex
    _count: int = field(default=0, init=False)
    # The last answer's conversation, when it came, and the class of the question it asked.
    _conversation: tuple[str, float, str | None] | None = field(default=None, init=False)

    async def run(self, source: AudioSource, press: bool = False) -> AsyncIterator[Outcome]:
        """Every command heard in `source`, as sent and answered; `press` pushes the button
        at the start (push-to-talk)."""
        events = self.loop.press() if press else []
        async for frame in source.frames():
            events += self.loop.feed(frame)
            for event in events:
                if isinstance(event, Command | NothingSaid):
                    yield await self.handle(event)
            events = []
        for event in self.loop.end():
            if isinstance(event, Command | NothingSaid):
                yield await self.handle(event)

    async def handle(self, event: Command | NothingSaid) -> Outcome:
        """Send a command as a turn and play its reply; nothing for silence."""
        if isinstance(event, NothingSaid):
            return Unheard(event.trigger, event.audio.seconds)
        self._count += 1
        key = self.new_key()
        conversation, hint = self._follow_up()
        try:
            attempted = await self.client.ask_audio(
                write_wav(event.audio), criticality=hint or "default", idempotency_key=key,
                conversation_id=conversation, hint=hint,
            )  # fmt: skip
        except SatelliteError as err:
            answer = {"code": err.code, "message": err.message, "detail": str(err)}
            return Turn(self._count, event.trigger, event.audio.seconds, key, 0,
                        err.attempts, answer)  # fmt: skip
        response = attempted.response
        try:
            answer = response.json()
        except ValueError:
            answer = {"code": "bad_answer", "message": response.body[:200].decode("latin-1")}
        turn = Turn(self._count, event.trigger, event.audio.seconds, key, response.status,
                    attempted.attempts, answer if isinstance(answer, dict) else {})  # fmt: skip
        if turn.ok and isinstance(turn.answer.get("conversation_id"), str):
            asked = turn.answer.get("follow_up")
            self._conversation = (turn.answer["conversation_id"], self.clock(),
                                  asked if isinstance(asked, str) else None)  # fmt: skip
        return await self._reply(turn)

    def _follow_up(self) -> tuple[str | None, str | None]:
        """The conversation the next command continues, and the class to hint for it: only
        that of the server's own question, and only while the server still waits for the
        answer."""
        if self._conversation is None:
            return None, None
        conversation, at, asked = self._conversation
        age = self.clock() - at
        if age > FOLLOW_UP:
            return None, None
        return conversation, asked if asked == "critical" and age <= HINT_WINDOW else None

    async def _reply(self, turn: Turn) -> Turn:
        """The turn with its reply's audio fetched and played (the apology for a shed turn)."""
        url = turn.answer.get("reply_audio")
        if not isinstance(url, str) or not url.startswith("/v1/audio/"):
            return turn
        try:
            fetched = await self.client.fetch(url)
        except SatelliteError:
            return turn  # the reply's text is still there; the device shows it
        if fetched.response.status != 200:
            return turn
        wav = fetched.response.body
        saved = None
        for sink in self.sinks:
            try:
                saved = sink.play(wav, turn.number) or saved
            except (SatelliteError, OSError) as err:
                # A broken speaker must not stop the device: the next command still works.
                log.warning("reply %s not played: %s", turn.number, err)
        return Turn(turn.number, turn.trigger, turn.seconds, turn.key, turn.status,
                    turn.attempts, turn.answer, wav, saved)  # fmt: skip
