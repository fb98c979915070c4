"""Audio in and out: read and write WAV, mix to mono, resample to 16 kHz, normalize level.

Everything works on `Audio`, float32 samples in [-1, 1] with their rate; the engines get
16 kHz mono, the rate whisper and silero were trained on.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soundfile

from hausgeist.speech.errors import AudioTooLong, BadAudio

RATE = 16_000
MAX_SECONDS = 60.0  # one command; longer recordings are refused before they are decoded
MIN_RATE, MAX_RATE = 4_000, 384_000
MAX_CHANNELS = 32
CLIPPED_LEVEL = 0.999
MAX_CLIPPED = 0.25  # above this share of clipped samples a recording is noise, not speech
_WAV_MAGIC = (b"RIFF", b"RIFX", b"RF64")

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples at `rate` samples per second."""

    samples: Samples
    rate: int

    @property
    def seconds(self) -> float:
        """The duration."""
        return len(self.samples) / self.rate if self.rate else 0.0


def read_wav(data: bytes, max_seconds: float = MAX_SECONDS) -> Audio:
    """A WAV file's audio, mixed to mono; `BadAudio` for anything that is not a usable WAV."""
    if len(data) < 12 or data[:4] not in _WAV_MAGIC or data[8:12] != b"WAVE":
        raise BadAudio("Das ist keine WAV-Datei.", "expected a RIFF/WAVE header")
    try:
        info = soundfile.info(io.BytesIO(data))
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as err:
        raise BadAudio("Die WAV-Datei ist beschädigt.", str(err)) from err
    _check_format(info.samplerate, info.channels)
    if info.frames <= 0:
        raise BadAudio("Die Aufnahme ist leer.", "no samples")
    if info.frames / info.samplerate > max_seconds:
        raise _too_long(info.frames / info.samplerate, max_seconds)
    try:
        frames, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as err:
        raise BadAudio("Die WAV-Datei ist beschädigt.", str(err)) from err
    if len(frames) == 0:
        raise BadAudio("Die Aufnahme ist leer.", "no samples")
    samples = np.nan_to_num(frames.mean(axis=1)).astype(np.float32)
    return Audio(samples, int(rate))


def from_pcm16(data: bytes, rate: int, max_seconds: float = MAX_SECONDS) -> Audio:
    """Raw little-endian 16-bit mono PCM, as a microphone streams it."""
    _check_format(rate, 1)
    if not data:
        raise BadAudio("Die Aufnahme ist leer.", "no samples")
    if len(data) % 2:
        raise BadAudio("Die Audiodaten sind unvollständig.", "odd number of bytes for 16-bit PCM")
    if len(data) / 2 / rate > max_seconds:
        raise _too_long(len(data) / 2 / rate, max_seconds)
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    return Audio(samples, rate)


def write_wav(audio: Audio) -> bytes:
    """16-bit PCM WAV bytes."""
    out = io.BytesIO()
    soundfile.write(out, np.clip(audio.samples, -1.0, 1.0), audio.rate, "PCM_16", format="WAV")
    return out.getvalue()


def prepare(audio: Audio) -> Audio:
    """16 kHz, level-normalized audio for the engines; refuses one that is mostly clipped."""
    if clipped_share(audio) > MAX_CLIPPED:
        raise BadAudio("Die Aufnahme ist übersteuert.", "more than a quarter of it is clipped")
    return normalize(resample(audio, RATE))


def pad(audio: Audio, seconds: float = 0.5) -> Audio:
    """Silence before and after: recognisers miss a first sound that starts at sample zero."""
    silence = np.zeros(int(seconds * audio.rate), dtype=np.float32)
    return Audio(np.concatenate([silence, audio.samples, silence]), audio.rate)


def clipped_share(audio: Audio) -> float:
    """The share of samples at full scale."""
    if not len(audio.samples):
        return 0.0
    return float(np.mean(np.abs(audio.samples) >= CLIPPED_LEVEL))


def resample(audio: Audio, rate: int) -> Audio:
    """Band-limited resampling: cut above the lower Nyquist frequency, then interpolate."""
    if audio.rate == rate or not len(audio.samples):
        return Audio(audio.samples, rate) if len(audio.samples) == 0 else audio
    samples = audio.samples
    if rate < audio.rate:
        samples = _low_pass(samples, audio.rate, rate / 2)
    count = max(1, round(len(samples) * rate / audio.rate))
    positions = np.arange(count, dtype=np.float64) * (audio.rate / rate)
    out = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return Audio(out, rate)


def normalize(audio: Audio, peak: float = 0.9, max_gain: float = 30.0) -> Audio:
    """Scale to `peak`; quiet recordings gain at most `max_gain` so silence stays silence."""
    top = float(np.max(np.abs(audio.samples))) if len(audio.samples) else 0.0
    if top <= 0.0:
        return audio
    gain = min(peak / top, max_gain)
    return Audio((audio.samples * gain).astype(np.float32), audio.rate)


def _low_pass(samples: Samples, rate: int, cutoff: float) -> Samples:
    size = 1 << max(1, (len(samples) - 1).bit_length())
    spectrum = np.fft.rfft(samples, size)
    frequencies = np.fft.rfftfreq(size, 1.0 / rate)
    spectrum[frequencies > cutoff] = 0
    return np.fft.irfft(spectrum, size)[: len(samples)].astype(np.float32)


def _check_format(rate: int, channels: int) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise BadAudio(
            "Diese Abtastrate wird nicht unterstützt.", f"{rate} Hz; {MIN_RATE} to {MAX_RATE}"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise BadAudio("Diese Kanalzahl wird nicht unterstützt.", f"{channels} channels")


def _too_long(seconds: float, limit: float) -> AudioTooLong:
    return AudioTooLong(
        f"Die Aufnahme ist zu lang: höchstens {limit:.0f} Sekunden.", f"{seconds:.1f} s"
    )
