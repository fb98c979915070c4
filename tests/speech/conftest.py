"""Speech test helpers: German command audio made at test time with espeak-ng."""

from __future__ import annotations

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


def speak(text: str, speed: int = 150, pitch: int = 50, voice: str = "de") -> Audio:
    """espeak-ng's German voice (or a variant, "de+f2") saying `text`."""
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
