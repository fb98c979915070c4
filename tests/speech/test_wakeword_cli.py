"""`hausgeist listen FILE --wake-word MODELS`: the turn is what follows the wake word.

The wake word is the test graphs' (tests/speech/wakeword_graphs.py): a loud tone. The command
after it is German speech from espeak-ng, heard by the real VAD and whisper-base.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from hausgeist.speech.audio import RATE, Audio, resample
from tests.speech.conftest import speak, wav_bytes
from tests.speech.wakeword_graphs import model_folder


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return model_folder(tmp_path_factory.mktemp("wake"))


def recording(path: Path, *parts: np.ndarray) -> Path:
    path.write_bytes(wav_bytes(Audio(np.concatenate(parts).astype(np.float32), RATE)))
    return path


def wake_word() -> np.ndarray:
    t = np.arange(int(0.6 * RATE)) / RATE
    return 0.9 * np.sin(2 * np.pi * 440 * t)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE))


def listen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hausgeist.cli", "listen", *args],
        capture_output=True, text=True, timeout=180, env=dict(os.environ),
    )  # fmt: skip


def test_the_command_after_the_wake_word_is_the_turn(
    models: Path, tmp_path: Path, models_dir: Path
) -> None:
    command = resample(speak("Mach das Licht im Schlafzimmer an", 140), RATE).samples
    wav = recording(tmp_path / "in.wav", quiet(1.0), wake_word(), quiet(0.4), command, quiet(1.5))
    out = tmp_path / "antwort.opus"
    done = listen(str(wav), "--wake-word", str(models), "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["intent"] == "HassTurnOn" and answer["slots"]["area"] == "Schlafzimmer"
    assert answer["wake_word"]["name"] == "hey_hausgeist"
    assert answer["wake_word"]["score"] >= 0.5 and 1.0 < answer["wake_word"]["seconds"] < 2.0
    with av.open(io.BytesIO(out.read_bytes())) as container:
        assert container.streams.audio[0].codec_context.name == "opus"


def test_waking_and_saying_nothing_is_not_understood_and_does_nothing(
    models: Path, tmp_path: Path, models_dir: Path
) -> None:
    wav = recording(tmp_path / "in.wav", quiet(1.0), wake_word(), quiet(3.0))
    done = listen(str(wav), "--wake-word", str(models), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["intent"] is None and answer["actions"] == []
    assert answer["reply"] == "Ich habe nichts verstanden."


def test_a_recording_without_the_wake_word_is_no_turn(models: Path, tmp_path: Path) -> None:
    command = resample(speak("Mach das Licht im Schlafzimmer an", 140), RATE).samples
    wav = recording(tmp_path / "in.wav", quiet(0.5), command, quiet(1.0))
    done = listen(str(wav), "--wake-word", str(models), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"] == "no_wake_word"
    assert "Aktivierungswort kam in der Aufnahme nicht vor" in done.stderr


@pytest.mark.parametrize("which", ["missing", "empty"])
def test_no_wake_word_model_is_a_clear_error_not_a_crash(tmp_path: Path, which: str) -> None:
    folder = tmp_path / "models"
    if which == "empty":
        folder.mkdir()
    wav = recording(tmp_path / "in.wav", quiet(1.0))
    done = listen(str(wav), "--wake-word", str(folder))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Kein Aktivierungswort-Modell gefunden (no wake-word model found)" in done.stderr


def test_a_threshold_outside_0_to_1_is_refused(models: Path, tmp_path: Path) -> None:
    wav = recording(tmp_path / "in.wav", quiet(1.0))
    done = listen(str(wav), "--wake-word", str(models), "--wake-threshold", "7")
    assert done.returncode == 1 and "zwischen 0 und 1" in done.stderr
