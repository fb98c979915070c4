"""The device's listening loop: a wake word or the button, then the command until it ends.

`WakeLoop` takes 16 kHz mono audio in frames of any size, as a microphone delivers it. While
waiting it feeds a wake-word detector (`hausgeist.speech.wakeword`); after a detection, or at
once when the button is pressed (push-to-talk works with or without a wake-word model), it
collects the following audio and endpoints it with the speech stage's VAD (silero and its
`Endpointer`). The command, from just before the speech starts to the silence that ends it,
comes out as a `Command` for the caller to send as a turn. Nobody speaking after the wake word
gives `NothingSaid`. The detector is reset after every command, so the command's own words
cannot wake the device again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from hausgeist.speech.audio import RATE, Audio, Samples
from hausgeist.speech.vad import FRAME, EndpointConfig, Endpointer, Phase
from hausgeist.speech.wakeword import Detection, WakeWordDetector, as_samples

MAX_SECONDS = 15.0  # a command longer than this is cut and sent as it is
PRE_ROLL = 0.3  # seconds kept before the VAD said speech started: its first sound


class FrameVad(Protocol):
    """Speech probabilities of a 16 kHz stream, one 512-sample frame at a time."""

    def reset(self) -> None:
        """Start a new stream."""
        ...

    def probability(self, frame: Samples) -> float:
        """The speech probability of the next frame."""
        ...


@dataclass(frozen=True)
class Woke:
    """The device started listening: on a wake word, or on the button (`detection` None)."""

    detection: Detection | None


@dataclass(frozen=True)
class Command:
    """What was said after waking: 16 kHz audio to send as a turn."""

    audio: Audio
    trigger: Detection | None
    complete: bool  # False when it was cut at MAX_SECONDS


@dataclass(frozen=True)
class NothingSaid:
    """Woken, but nobody spoke before the endpointer's timeout; `audio` is what was heard."""

    audio: Audio
    trigger: Detection | None


Event = Woke | Command | NothingSaid


class Listening(enum.Enum):
    """What the loop is doing."""

    WAITING = "waiting"  # for the wake word or the button
    COMMAND = "command"  # collecting what is said


class WakeLoop:
    """Wake word or button, then one command; over and over."""

    def __init__(
        self,
        vad: FrameVad,
        detector: WakeWordDetector | None = None,
        endpoint: EndpointConfig | None = None,
        max_seconds: float = MAX_SECONDS,
        pre_roll: float = PRE_ROLL,
    ) -> None:
        self.vad = vad
        self.detector = detector
        self.endpoint = endpoint or EndpointConfig()
        self.max_frames = int(max_seconds * RATE) // FRAME
        self.pre_roll_frames = round(pre_roll * RATE / FRAME)
        self.state = Listening.WAITING
        self._fed = 0  # samples the detector heard since its last reset
        self._trigger: Detection | None = None
        self._endpointer = Endpointer(self.endpoint)
        self._frames: list[Samples] = []
        self._partial = np.zeros(0, dtype=np.float32)

    def press(self) -> list[Event]:
        """The push-to-talk button: listen for a command now, wake word or not."""
        if self.state is Listening.COMMAND:
            return []
        self._start(None)
        return [Woke(None)]

    def feed(self, frame: npt.ArrayLike | bytes) -> list[Event]:
        """Take a frame of any length (int16, floats in [-1, 1], or 16-bit PCM bytes)."""
        samples = as_samples(frame)
        events: list[Event] = []
        while len(samples):
            if self.state is Listening.COMMAND:
                return events + self._listen(samples)
            if self.detector is None:
                return events  # push-to-talk only: audio between commands is not kept
            heard_before = self._fed
            found = self.detector.feed(samples)
            self._fed += len(samples)
            if not found:
                return events
            detection = found[0]
            events.append(Woke(detection))
            self._start(detection)
            # The detection ends a chunk inside this frame; what follows is the command.
            samples = samples[max(0, round(detection.seconds * RATE) - heard_before) :]
        return events

    def _start(self, trigger: Detection | None) -> None:
        self.state = Listening.COMMAND
        self._trigger = trigger
        self._endpointer = Endpointer(self.endpoint)
        self._frames, self._partial = [], np.zeros(0, dtype=np.float32)
        self.vad.reset()

    def _listen(self, samples: Samples) -> list[Event]:
        buffered = np.concatenate([self._partial, samples])
        whole = len(buffered) // FRAME * FRAME
        self._partial = buffered[whole:]
        for start in range(0, whole, FRAME):
            frame = buffered[start : start + FRAME]
            self._frames.append(frame)
            phase = self._endpointer.feed(self.vad.probability(frame))
            if phase is Phase.ENDED or len(self._frames) >= self.max_frames:
                return [self._finish(complete=phase is Phase.ENDED)]
            if phase is Phase.TIMED_OUT:
                return [self._nothing()]
        return []

    def end(self) -> list[Event]:
        """The stream ended (a recording's last frame): what was being said is the command."""
        if self.state is not Listening.COMMAND:
            return []
        if self._endpointer.phase is Phase.SPEAKING:
            return [self._finish(complete=True)]
        return [self._nothing()]

    def _nothing(self) -> NothingSaid:
        heard = np.concatenate([*self._frames, self._partial, np.zeros(FRAME, np.float32)])
        nothing = NothingSaid(Audio(heard.astype(np.float32), RATE), self._trigger)
        self._wait()
        return nothing

    def _finish(self, complete: bool) -> Command:
        first = max(0, (self._endpointer.start_frame or 0) - self.pre_roll_frames)
        audio = Audio(np.concatenate(self._frames[first:]), RATE)
        command = Command(audio, self._trigger, complete)
        self._wait()
        return command

    def _wait(self) -> None:
        self.state = Listening.WAITING
        self._frames, self._partial = [], np.zeros(0, dtype=np.float32)
        if self.detector is not None:
            self.detector.reset()
        self._fed = 0


def commands(loop: WakeLoop, frames: Iterable[npt.ArrayLike | bytes]) -> Iterator[Command]:
    """Every command heard in a stream of frames (a microphone, a recording)."""
    for frame in frames:
        for event in loop.feed(frame):
            if isinstance(event, Command):
                yield event
    yield from (event for event in loop.end() if isinstance(event, Command))


def first_turn(loop: WakeLoop, audio: Audio) -> tuple[Detection, Audio] | None:
    """In a recording: the first wake word and what followed it (the command, or the silence
    that is no command); None when the wake word never came."""
    events = [event for frame in frames_of(audio) for event in loop.feed(frame)] + loop.end()
    for event in events:
        if isinstance(event, Command | NothingSaid) and event.trigger is not None:
            return event.trigger, event.audio
    return None


def frames_of(audio: Audio, size: int = 1_280) -> Iterator[Samples]:
    """A 16 kHz recording in frames of `size` samples, as a microphone would deliver it."""
    for start in range(0, len(audio.samples), size):
        yield audio.samples[start : start + size]
