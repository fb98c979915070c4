"""Spoken replies as Ogg/Opus (RFC 7845), encoded with PyAV's libopus.

Replies are rendered and cached as WAV; devices that would rather fetch a tenth of the bytes
ask for Opus (`Accept: audio/ogg` or `?format=opus`, `hausgeist listen --out reply.opus`) and
get the same audio at Opus's 48 kHz, mono, 32 kbit/s: plenty for one voice.
"""

from __future__ import annotations

import io

import numpy as np

from hausgeist.speech.audio import Audio, read_wav
from hausgeist.speech.errors import BadAudio, EngineError

OPUS_RATE = 48_000
BITRATE = 32_000
OGG, WAV = "audio/ogg", "audio/wav"
_FORMATS = {"opus": OGG, "ogg": OGG, "wav": WAV}
_OGG_TYPES = ("audio/ogg", "audio/opus")
_WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/*", "*/*")
MAX_SECONDS = 600.0


def encode_opus(audio: Audio, bitrate: int = BITRATE) -> bytes:
    """Ogg/Opus bytes of `audio` (any rate: libopus's input is resampled to 48 kHz)."""
    if not len(audio.samples) or audio.rate <= 0:
        raise BadAudio("Die Aufnahme ist leer.", "no samples to encode")
    if audio.seconds > MAX_SECONDS:
        raise BadAudio("Die Aufnahme ist zu lang.", f"{audio.seconds:.0f} s")
    import av  # here: PyAV loads FFmpeg's libraries, which only this needs

    samples = np.clip(np.nan_to_num(audio.samples), -1.0, 1.0).astype(np.float32)
    out = io.BytesIO()
    try:
        with av.open(out, "w", format="ogg") as container:
            stream = container.add_stream("libopus", rate=OPUS_RATE, layout="mono")
            stream.bit_rate = bitrate
            frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
            frame.sample_rate = audio.rate
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                container.mux(packet)
    except (av.FFmpegError, ValueError) as err:
        raise EngineError("Die Antwort ließ sich nicht als Opus speichern.", str(err)) from err
    return out.getvalue()


def wav_to_opus(wav: bytes, bitrate: int = BITRATE) -> bytes:
    """A WAV file as Ogg/Opus."""
    return encode_opus(read_wav(wav, max_seconds=MAX_SECONDS), bitrate)


def reply_format(accept: str, requested: str | None = None) -> str | None:
    """The reply's media type: `?format=` first, else what `Accept` prefers (WAV on a tie);
    None for a format this service does not make."""
    if requested is not None:
        return _FORMATS.get(requested.strip().lower())
    ogg = wav = 0.0
    for part in accept.split(","):
        kind, _, params = part.partition(";")
        quality = _quality(params)
        kind = kind.strip().lower()
        if kind in _OGG_TYPES:
            ogg = max(ogg, quality)
        elif kind in _WAV_TYPES:
            wav = max(wav, quality)
    return OGG if ogg > wav else WAV


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(1.0, max(0.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0
