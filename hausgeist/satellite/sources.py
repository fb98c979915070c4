"""Where a satellite's audio comes from: a recording, a raw PCM stream, later a microphone.

A source delivers 16 kHz mono audio in frames, as a microphone would. Any object with an
async `frames()` iterator is one (`AudioSource`); a microphone source (sounddevice,
PyAudio, ALSA) needs nothing else: its callback puts frames on a bounded queue that
`frames()` reads. This machine has no microphone, so hausgeist ships the two sources it can
test: a WAV file and a raw PCM stream such as `arecord -f S16_LE -r 16000 -c 1 -t raw`
writes to stdout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from hausgeist.satellite.errors import SatelliteError
from hausgeist.satellite.wake import frames_of
from hausgeist.speech.audio import RATE, Samples, read_wav, resample
from hausgeist.speech.errors import SpeechError

FRAME_SAMPLES = 1_280  # 80 ms at 16 kHz, openWakeWord's chunk


class BadSource(SatelliteError):
    """The audio source cannot be read."""

    code = "bad_audio"
    message = "Die Aufnahme lässt sich nicht lesen."


class AudioSource(Protocol):
    """16 kHz mono audio in frames (float32 in [-1, 1]), until the source ends."""

    def frames(self) -> AsyncIterator[Samples]:
        """The frames, as they come."""
        ...


class WavSource:
    """A WAV recording (any rate and channel count), in 80 ms frames."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def frames(self) -> AsyncIterator[Samples]:
        """The recording, resampled to 16 kHz mono."""
        try:
            audio = resample(read_wav(self.path.read_bytes()), RATE)
        except OSError as err:
            raise BadSource(f"{self.path}: {err.strerror or err}") from err
        except SpeechError as err:
            raise BadSource(f"{err.message} ({err.detail})" if err.detail else err.message) from err
        for frame in frames_of(audio, FRAME_SAMPLES):
            yield frame


class PcmSource:
    """Raw signed 16-bit little-endian mono PCM at 16 kHz from a stream (stdin, a pipe)."""

    def __init__(self, stream: BinaryIO, frame_samples: int = FRAME_SAMPLES) -> None:
        self.stream = stream
        self.frame_bytes = 2 * frame_samples

    async def frames(self) -> AsyncIterator[Samples]:
        """Frames as they arrive; a trailing odd byte is dropped."""
        while True:
            # A blocking read, off the event loop: a live stream delivers in real time.
            chunk = await asyncio.to_thread(self.stream.read, self.frame_bytes)
            if not chunk:
                return
            whole = len(chunk) // 2 * 2
            if whole:
                pcm = np.frombuffer(chunk[:whole], dtype="<i2")
                yield (pcm.astype(np.float32) / 32768.0).astype(np.float32)
