"""Spoken replies as Ogg/Opus: a real espeak-ng reply, encoded, decoded back with PyAV."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from hausgeist.speech.audio import Audio, read_wav, resample, write_wav
from hausgeist.speech.errors import BadAudio
from hausgeist.speech.opus import OGG, OPUS_RATE, WAV, encode_opus, reply_format, wav_to_opus
from hausgeist.speech.tts import EspeakTts
from tests.server.conftest import RunningServer, start_server, stop_server
from tests.speech.conftest import speak, wav_bytes


@pytest.fixture(scope="module")
def reply() -> Audio:
    return EspeakTts().synthesize("Licht eingeschaltet. Der Timer läuft noch fünf Minuten.")


def decode(data: bytes) -> tuple[str, int, int, Audio]:
    """Codec name, stream rate, channels, and the decoded audio."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        codec, rate = stream.codec_context.name, stream.codec_context.sample_rate
        channels = stream.codec_context.channels
        frames = [f.to_ndarray().reshape(-1) for f in container.decode(stream)]
    return codec, rate, channels, Audio(np.concatenate(frames).astype(np.float32), rate)


def envelope(audio: Audio, seconds: float = 0.02) -> np.ndarray:
    size = int(audio.rate * seconds)
    count = len(audio.samples) // size
    return np.sqrt((audio.samples[: count * size].reshape(count, size) ** 2).mean(axis=1))


def test_a_spoken_reply_becomes_ogg_opus_at_48_khz_of_the_same_length(reply: Audio) -> None:
    data = encode_opus(reply)
    assert data[:4] == b"OggS" and b"OpusHead" in data[:100]
    codec, rate, channels, decoded = decode(data)
    assert (codec, rate, channels) == ("opus", OPUS_RATE, 1)
    assert decoded.seconds == pytest.approx(reply.seconds, abs=0.03)


def test_the_decoded_reply_sounds_like_the_original(reply: Audio) -> None:
    _, _, _, decoded = decode(encode_opus(reply))
    original = envelope(resample(reply, OPUS_RATE))
    heard = envelope(decoded)
    count = min(len(original), len(heard))
    assert np.corrcoef(original[:count], heard[:count])[0, 1] > 0.95


def test_opus_is_far_smaller_than_the_wav(reply: Audio) -> None:
    wav = write_wav(reply)
    assert len(wav_to_opus(wav)) < len(wav) / 4


@pytest.mark.parametrize(
    "audio", [Audio(np.zeros(0, dtype=np.float32), 16_000), Audio(np.zeros(10, np.float32), 0)]
)
def test_empty_audio_is_a_clear_error(audio: Audio) -> None:
    with pytest.raises(BadAudio, match="leer"):
        encode_opus(audio)


def test_bytes_that_are_no_wav_are_a_clear_error() -> None:
    with pytest.raises(BadAudio, match="keine WAV-Datei"):
        wav_to_opus(b"OggS not a wav at all")


def test_eleven_minutes_are_refused_before_encoding() -> None:
    with pytest.raises(BadAudio, match="zu lang"):
        encode_opus(Audio(np.zeros(660 * 8_000, dtype=np.float32), 8_000))


@pytest.mark.parametrize(
    ("accept", "requested", "expected"),
    [
        ("", None, WAV),
        ("*/*", None, WAV),
        ("audio/ogg", None, OGG),
        ("audio/opus", None, OGG),
        ("audio/ogg;q=0.5, audio/wav", None, WAV),
        ("audio/wav;q=0.2, audio/ogg", None, OGG),
        ("audio/ogg, */*;q=0.1", None, OGG),
        ("audio/ogg;q=nonsense", None, WAV),
        ("audio/wav", "opus", OGG),
        ("audio/ogg", "wav", WAV),
        ("", "OGG", OGG),
        ("", "mp3", None),
    ],
)
def test_the_format_follows_the_query_then_the_accept_header(
    accept: str, requested: str | None, expected: str | None
) -> None:
    assert reply_format(accept, requested) == expected


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    stop_server(running)


def test_a_device_can_fetch_the_spoken_reply_as_opus(server: RunningServer) -> None:
    with server.client() as client:
        client.timeout = 120
        wav = wav_bytes(speak("Wie spät ist es", 140))
        url = client.post("/v1/ask", content=wav,
                          headers={"content-type": "audio/wav"}).json()["reply_audio"]  # fmt: skip
        as_wav = client.get(url)
        by_accept = client.get(url, headers={"accept": "audio/ogg"})
        by_query = client.get(url + "?format=opus")
        unknown = client.get(url + "?format=mp3")
    assert as_wav.headers["content-type"] == "audio/wav" and as_wav.content[:4] == b"RIFF"
    for answer in (by_accept, by_query):
        assert answer.status_code == 200 and answer.headers["content-type"] == "audio/ogg"
        assert "accept" in answer.headers["vary"].lower()
        codec, rate, _, decoded = decode(answer.content)
        assert (codec, rate) == ("opus", OPUS_RATE)
        spoken = read_wav(as_wav.content, max_seconds=600)
        assert decoded.seconds == pytest.approx(spoken.seconds, abs=0.03)
    assert unknown.status_code == 406 and unknown.json()["code"] == "unsupported_format"
