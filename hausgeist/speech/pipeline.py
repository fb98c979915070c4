"""The speech half of a turn: audio in, a transcript to understand; reply text in, audio out.

`SpeechStage` holds the engines (loaded once per process, shared by households) and runs
the steps in order: read and check the audio, find speech with the VAD, transcribe with the
household's hints, and, when the transcript is no command as heard, snap it to the nearest
command of the home if that one is clearly nearest (nearest.py); otherwise it stays as
heard and the turn understands nothing. Audio without speech is a value (`Heard.speech` is
false), not an error: the household hears "Ich habe nichts verstanden." and nothing is done.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Hashable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hausgeist.dialog.assistant import Assistant, TurnResult
from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.grammar import load_source, parse_source
from hausgeist.language.parse import Understanding
from hausgeist.speech import stored
from hausgeist.speech.audio import MAX_SECONDS, Audio, pad, prepare, read_wav
from hausgeist.speech.models import models_dir
from hausgeist.speech.nearest import Guess, Nearest
from hausgeist.speech.rescore import Choice, Proposal, casing, decide, propose, written
from hausgeist.speech.sentences import Command, commands, filled, nouns
from hausgeist.speech.stt import Hints, SpeechToText, Transcript
from hausgeist.speech.tts import CachedTts, default_tts
from hausgeist.speech.vad import SileroVad, speech_seconds
from hausgeist.speech.vocabulary import hints
from hausgeist.speech.whisper import WhisperStt

NOTHING_HEARD = "Ich habe nichts verstanden."
MIN_SPEECH = 0.25  # seconds of voice before a recording counts as speech
MAX_NO_SPEECH = 0.8  # whisper's own no-speech belief above which its words are dropped
_HOMES = 64  # homes whose prompt and command index are kept


@dataclass(frozen=True)
class Heard:
    """What the speech stage made of a recording."""

    transcript: str  # what the understanding stage reads (snapped when near a command)
    heard: str  # what the recogniser wrote
    speech: bool  # whether anything was heard to understand (not silence, noise, or words
    # whisper itself doubts: see rescore.decide)
    seconds: float
    stt: Transcript | None = None
    snapped: bool = False
    guess: Guess | None = None  # the nearest command, when the transcript was no command
    timings: dict[str, float] = field(default_factory=dict)
    choice: Choice | None = None  # whisper's scores of the transcript and the home's commands


@dataclass(frozen=True)
class Listened:
    """A spoken turn: the turn's result, what was heard, and the spoken reply."""

    result: TurnResult
    heard: Heard
    reply_wav: bytes | None

    def to_json(self) -> dict[str, Any]:
        """`ask --json` plus the transcript."""
        return {**self.result.to_json(), "transcript": self.heard.transcript}


class SpeechStage:
    """Engines and the steps of the speech half of a turn."""

    def __init__(self, stt: SpeechToText, tts: CachedTts, vad: SileroVad | None = None) -> None:
        self.stt = stt
        self.tts = tts
        self.vad = vad or SileroVad()
        self._homes: dict[Hashable, _Home] = {}

    @classmethod
    def default(cls, data: Path, model: str = "base") -> SpeechStage:
        """whisper (the bundled base unless `model` names another) and espeak-ng or Piper."""
        models = models_dir(data)
        return cls(WhisperStt(model, models), default_tts(models))

    def hear(
        self,
        wav: bytes | Audio,
        assistant: Assistant,
        max_seconds: float = MAX_SECONDS,
        lock: AbstractContextManager[Any] | None = None,
        household: Path | None = None,
    ) -> Heard:
        """Read, check and transcribe a recording for `assistant`'s household.

        `lock` guards the household's assistant while its home and grammar are read; the
        recogniser runs outside it, so the household's other turns need not wait.
        `household` is its directory, where its command index is kept (stored.py); None
        builds the index in memory only.
        """
        guard = lock or contextlib.nullcontext()
        began = time.perf_counter()
        audio = wav if isinstance(wav, Audio) else read_wav(wav, max_seconds)
        ready = prepare(audio)
        spoken = speech_seconds(self.vad.probabilities(ready))
        timings = {"vad": time.perf_counter() - began}
        if spoken < MIN_SPEECH:
            return Heard("", "", False, audio.seconds, timings=timings)
        with guard:
            home = self._home(assistant, household)
        transcript = self.stt.transcribe(pad(ready), home.hints)
        timings["stt"] = transcript.elapsed
        if not transcript.text or transcript.no_speech > MAX_NO_SPEECH:
            return Heard("", transcript.text, False, audio.seconds, transcript, timings=timings)
        mark = time.perf_counter()
        if transcript.score is not None:
            with guard:
                proposal = home.propose(assistant.understanding, transcript)
            choice = decide(proposal, transcript.score(proposal.sentences))
            timings["rescore"] = time.perf_counter() - mark
            if choice.doubted:
                return Heard("", transcript.text, False, audio.seconds, transcript,
                             choice=choice, timings=timings)  # fmt: skip
            return Heard(choice.text, transcript.text, True, audio.seconds, transcript,
                         choice.chosen is not None, choice=choice, timings=timings)  # fmt: skip
        with guard:
            guess = home.snap(assistant.understanding, transcript.text)
        timings["snap"] = time.perf_counter() - mark
        if guess is None or not guess.sure:
            return Heard(transcript.text, transcript.text, True, audio.seconds, transcript,
                         guess=guess, timings=timings)  # fmt: skip
        return Heard(guess.text, transcript.text, True, audio.seconds, transcript, True, guess,
                     timings)  # fmt: skip

    def proposal(
        self,
        assistant: Assistant,
        transcript: Transcript,
        lock: AbstractContextManager[Any] | None = None,
        household: Path | None = None,
    ) -> Proposal:
        """The transcript and the home's commands near it and near the recogniser's other
        readings, for the recogniser to score (`lock` and `household` as in `hear`)."""
        with lock or contextlib.nullcontext():
            home = self._home(assistant, household)
            return home.propose(assistant.understanding, transcript)

    def listen(
        self,
        wav: bytes | Audio,
        assistant: Assistant,
        conversation_id: str | None = None,
        speak: bool = True,
        household: Path | None = None,
    ) -> Listened:
        """A whole spoken turn: hear, ask the assistant, speak the reply."""
        heard = self.hear(wav, assistant, household=household)
        if heard.speech:
            result = assistant.ask(heard.transcript, conversation_id)
        else:
            result = nothing_heard(conversation_id)
        return Listened(result, heard, self.tts.wav(result.reply) if speak else None)

    def warm(
        self,
        assistant: Assistant,
        lock: AbstractContextManager[Any] | None = None,
        household: Path | None = None,
    ) -> None:
        """Build (or load from `household`'s directory) the household's prompt and command
        index now (blocking; building takes seconds to tens of seconds), so that its first
        spoken turn does not.

        `lock` is held only while the home is read: the index is built outside it, so the
        household's turns go on meanwhile (parsing is safe from two threads).
        """
        with lock or contextlib.nullcontext():
            home = self._home(assistant, household)
        home.nearest(assistant.understanding)

    def _home(self, assistant: Assistant, household: Path | None = None) -> _Home:
        home = assistant.home.snapshot()
        # The home's structure, not its devices' states: switching a light must not rebuild
        # the index of its commands.
        layout = tuple(replace(entity, state=None) for entity in home.entities)
        key: Hashable = (id(assistant.understanding), home.key or (home.areas, layout))
        found = self._homes.get(key)
        if found is None:
            kept = None
            if household is not None:
                # Keyed on the home the commands are drawn from (_draw), so that a file
                # never holds another home's commands under this home's key.
                understanding = assistant.understanding
                digest = stored.key_of(understanding, understanding.home)
                kept = None if digest is None else (stored.path_in(household), digest)
            found = _Home(hints(home), _nouns(home), kept)
            if len(self._homes) >= _HOMES:
                self._homes.pop(next(iter(self._homes)))
            self._homes[key] = found
        return found


class _Home:
    """One home's decoding prompt and, built on its first misheard command, its index."""

    def __init__(
        self, prompt: Hints, nouns: dict[str, str], kept: tuple[Path, str] | None = None
    ) -> None:
        self.hints = prompt
        self.nouns = nouns
        self.kept = kept  # where its commands are kept on disk, and under which key
        self._nearest: Nearest | None = None

    def snap(self, understanding: Understanding, heard: str) -> Guess | None:
        """None when `heard` is a command as it is, else the nearest command (maybe unsure)."""
        if understanding.parse(heard).intent is not None:
            return None
        return self.nearest(understanding).guess(heard)

    def propose(self, understanding: Understanding, transcript: Transcript) -> Proposal:
        """The transcript and the home's commands nearest to it and to the recogniser's
        other readings, for the recogniser to score."""
        return propose(transcript.text, self.nearest(understanding), understanding.parse,
                       self.nouns, lambda text: understanding.parse(text, model=False),
                       transcript.alternatives)  # fmt: skip

    def nearest(self, understanding: Understanding) -> Nearest:
        """The index of the home's commands, loaded or built on first use."""
        if self._nearest is None:
            found = stored.load(*self.kept) if self.kept is not None else None
            if found is not None:
                self._nearest = Nearest(found[0], understanding.parse, found[1])
            else:
                self._nearest = Nearest(_draw(understanding), understanding.parse)
                if self.kept is not None:
                    path, key = self.kept
                    stored.save(path, key, self._nearest.commands, self._nearest.keys)
        return self._nearest


def _draw(understanding: Understanding) -> list[Command]:
    """The home's commands drawn from the grammar (seconds of CPU)."""
    intents = parse_source(load_source("de"))
    return commands(intents, understanding.home, understanding.parse)


def _nouns(home: HomeSnapshot) -> dict[str, str]:
    """How whisper writes the home's command words: the grammar's replies, the everyday
    phrases with the home's names, and the vocabulary's nouns."""
    return casing([*written(load_source("de")), *filled(home), "x " + " ".join(nouns())])


def nothing_heard(conversation_id: str | None) -> TurnResult:
    """The turn for a recording without speech: nothing done, one short answer."""
    return TurnResult("", None, {}, NOTHING_HEARD, conversation_id or uuid.uuid4().hex,
                      code="nothing")  # fmt: skip
