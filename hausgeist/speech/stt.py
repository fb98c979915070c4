"""Speech-to-text: the interface every engine implements, and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hausgeist.speech.audio import Audio


@dataclass(frozen=True)
class Hints:
    """What the household is likely to say, to bias decoding."""

    prompt: str = ""  # text the engine reads as if it had just been said
    hotwords: tuple[str, ...] = ()  # names worth favouring (rooms, devices, products)


@dataclass(frozen=True)
class Transcript:
    """What an engine heard."""

    text: str
    seconds: float  # length of the audio
    elapsed: float  # time the engine took
    no_speech: float = 0.0  # the engine's own belief that there was no speech (0-1)
    # The engine's mean log-probability per token of each given sentence for this audio,
    # when it can tell (whisper can); sentences it may have misheard are compared by it.
    score: Callable[[Sequence[str]], list[float]] | None = field(default=None, compare=False)
    # The engine's next best readings of the same audio, best first (whisper's other beam
    # hypotheses): where the best one misheard a word, another often has it.
    alternatives: tuple[str, ...] = ()

    @property
    def real_time_factor(self) -> float:
        """Processing time per second of audio."""
        return self.elapsed / self.seconds if self.seconds else 0.0


class SpeechToText(Protocol):
    """An engine that turns 16 kHz mono audio into German text."""

    name: str

    def transcribe(self, audio: Audio, hints: Hints) -> Transcript:
        """The words in `audio`; raises `SpeechError` subclasses on failure."""
        ...
