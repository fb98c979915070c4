"""Reading recordings: any WAV is accepted and made 16 kHz mono; anything else is refused."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from hausgeist.speech.audio import (
    RATE,
    Audio,
    from_pcm16,
    normalize,
    prepare,
    read_wav,
    resample,
    write_wav,
)
from hausgeist.speech.errors import AudioTooLong, BadAudio


def _wav(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    out = io.BytesIO()
    soundfile.write(out, samples, rate, subtype, format="WAV")
    return out.getvalue()


def _tone(seconds: float, rate: int, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_a_wav_round_trips() -> None:
    audio = read_wav(_wav(_tone(1.0, RATE), RATE))
    again = read_wav(write_wav(audio))
    assert again.rate == RATE and len(again.samples) == RATE
    assert np.allclose(again.samples, audio.samples, atol=1e-3)


@pytest.mark.parametrize("rate", [8_000, 11_025, 22_050, 44_100, 48_000, 96_000])
def test_any_common_rate_becomes_16_khz_at_the_same_length(rate: int) -> None:
    ready = prepare(read_wav(_wav(_tone(1.0, rate), rate)))
    assert ready.rate == RATE and abs(len(ready.samples) - RATE) <= 1


def test_stereo_and_many_channels_are_mixed_to_mono() -> None:
    stereo = np.stack([_tone(0.5, RATE), _tone(0.5, RATE)], axis=1)
    six = np.repeat(_tone(0.5, RATE)[:, None], 6, axis=1)
    assert read_wav(_wav(stereo, RATE)).samples.ndim == 1
    assert read_wav(_wav(six, RATE)).samples.ndim == 1


def test_float_and_24_bit_wav_are_read() -> None:
    for subtype in ("FLOAT", "PCM_24", "PCM_U8"):
        assert read_wav(_wav(_tone(0.2, RATE), RATE, subtype)).seconds == pytest.approx(0.2)


def test_downsampling_removes_what_the_new_rate_cannot_carry() -> None:
    high = Audio(_tone(1.0, 48_000, hz=12_000), 48_000)
    middle = resample(high, RATE).samples[200:-200]  # the edges ring, as any filter does
    assert float(np.max(np.abs(middle))) < 0.05


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Das ist keine WAV-Datei."),
        (b"ID3\x03\x00 an mp3 file", "Das ist keine WAV-Datei."),
        (b"OggS" + b"\x00" * 40, "Das ist keine WAV-Datei."),
        (b"RIFF\x10\x00\x00\x00WAVEfmt \x99\x99", "Die WAV-Datei ist beschädigt."),
        (b"RIFF....WAVEfmt ", "Die WAV-Datei ist beschädigt."),
    ],
)
def test_bytes_that_are_no_wav_get_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(BadAudio) as raised:
        read_wav(data)
    assert raised.value.code == "bad_audio" and raised.value.message == message


def test_a_wav_without_samples_is_refused() -> None:
    with pytest.raises(BadAudio, match="leer"):
        read_wav(_wav(np.zeros(0, dtype=np.float32), RATE))


def test_ten_minutes_are_refused_before_they_are_decoded() -> None:
    ten_minutes = _wav(np.zeros(600 * 8_000, dtype=np.float32), 8_000)
    with pytest.raises(AudioTooLong) as raised:
        read_wav(ten_minutes)
    assert raised.value.code == "audio_too_long" and "60 Sekunden" in raised.value.message


def test_a_recording_that_is_mostly_clipped_is_refused() -> None:
    square = np.sign(_tone(1.0, RATE)).astype(np.float32)
    with pytest.raises(BadAudio, match="übersteuert"):
        prepare(read_wav(_wav(square, RATE)))


def test_some_clipping_is_tolerated() -> None:
    loud = np.clip(_tone(1.0, RATE) * 2.2, -1, 1).astype(np.float32)
    loud[: RATE // 2] *= 0.3
    assert prepare(read_wav(_wav(loud, RATE))).rate == RATE


def test_streamed_pcm_needs_whole_samples_and_a_sane_rate() -> None:
    assert from_pcm16(b"\x00\x00" * 160, RATE).seconds == pytest.approx(0.01)
    with pytest.raises(BadAudio):
        from_pcm16(b"\x00\x00\x00", RATE)
    with pytest.raises(BadAudio):
        from_pcm16(b"\x00\x00", 1_000_000)
    with pytest.raises(BadAudio):
        from_pcm16(b"", RATE)


def test_silence_is_not_amplified_into_noise() -> None:
    quiet = Audio(np.full(100, 1e-4, dtype=np.float32), RATE)
    assert float(np.max(normalize(quiet).samples)) <= 1e-4 * 30 + 1e-9
