"""Speech test helpers: German command audio made at test time with espeak-ng (its own
formant voice, and mbrola's German diphone voices where installed)."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

from hausgeist.speech.audio import Audio, read_wav, write_wav

COMMANDS = Path(__file__).parent / "commands.yaml"
CALIBRATION = Path(__file__).parent / "calibration.yaml"  # for choosing settings, not testing


def commands(path: Path = COMMANDS) -> list[dict[str, str | None]]:
    """The fixed list of spoken commands and their intents."""
    found: list[dict[str, str | None]] = yaml.safe_load(path.read_text())["commands"]
    return found


# mbrola's seven German voices (Debian's mbrola-de1 ... de7: de2, de4 and de6 male, the
# others female), which espeak-ng speaks as the voices mb-de1 ... mb-de7.
MBROLA_VOICES = tuple(f"mb-de{n}" for n in range(1, 8))
ROTATION = "mbrola"  # a voice name for "the mbrola voices in turn, one per command"


def voice_of(voice: str, index: int) -> str:
    """The voice speaking the `index`th command: `voice` itself, or for "mbrola" (and
    "mbrola+K", starting K voices later) the mbrola voices in turn."""
    if voice == ROTATION or voice.startswith(ROTATION + "+"):
        shift = int(voice.partition("+")[2] or 0)
        return MBROLA_VOICES[(index + shift) % len(MBROLA_VOICES)]
    return voice


@functools.cache
def mbrola_installed() -> bool:
    """Whether espeak-ng can speak with every mbrola German voice (scripts/install.sh dev)."""
    for voice in MBROLA_VOICES:
        done = subprocess.run(["espeak-ng", "-v", voice, "--stdout", "ja"], capture_output=True)
        if done.returncode != 0 or len(done.stdout) < 1_000:
            return False
    return True


def speak(text: str, speed: int = 150, pitch: int = 50, voice: str = "de") -> Audio:
    """espeak-ng's German voice (or a variant, "de+f2", or an mbrola voice, "mb-de6")
    saying `text`."""
    done = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
        capture_output=True, check=True,
    )  # fmt: skip
    return read_wav(done.stdout)


def with_noise(audio: Audio, snr_db: float, seed: int = 7) -> Audio:
    """White noise added at a signal-to-noise ratio."""
    noise = np.random.default_rng(seed).standard_normal(len(audio.samples)).astype(np.float32)
    power = float(np.mean(audio.samples**2)) or 1e-9
    noise *= np.sqrt(power / 10 ** (snr_db / 10))
    return Audio((audio.samples + noise).astype(np.float32), audio.rate)


def wav_bytes(audio: Audio) -> bytes:
    """A 16-bit WAV file."""
    return write_wav(audio)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One models directory for the session: whisper-base is joined and checked once."""
    path = Path(os.environ.get("HAUSGEIST_MODELS") or tmp_path_factory.mktemp("models"))
    previous = os.environ.get("HAUSGEIST_MODELS")
    os.environ["HAUSGEIST_MODELS"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("HAUSGEIST_MODELS", None)
