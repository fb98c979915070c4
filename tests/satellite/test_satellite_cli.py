"""`hausgeist satellite` given bad input: a clear message and exit code, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from hausgeist.speech.audio import RATE, Audio, resample, write_wav
from tests.server.conftest import free_port
from tests.speech.conftest import speak


def satellite(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hausgeist.cli", "satellite", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_without_a_wake_word_or_push_to_talk_it_says_what_is_missing(tmp_path: Path) -> None:
    done = satellite(str(tmp_path / "x.wav"), "--token", "t")
    assert done.returncode == 2 and "--push-to-talk" in done.stderr


def test_without_a_token_it_says_so(tmp_path: Path) -> None:
    done = satellite(str(tmp_path / "x.wav"), "--push-to-talk", "--token", "")
    assert done.returncode == 2 and "Token" in done.stderr


def test_a_file_that_is_no_wav_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"kein RIFF, nur Text")
    done = satellite(str(junk), "--push-to-talk", "--token", "t")
    assert done.returncode == 1 and "keine WAV-Datei" in done.stderr
    assert "Traceback" not in done.stderr
    missing = satellite(str(tmp_path / "fehlt.wav"), "--push-to-talk", "--token", "t")
    assert missing.returncode == 1 and "fehlt.wav" in missing.stderr


def test_a_missing_wake_word_model_is_a_clear_error(tmp_path: Path) -> None:
    done = satellite(str(tmp_path / "x.wav"), "--wake-word", str(tmp_path / "nichts"),
                     "--token", "t")  # fmt: skip
    assert done.returncode == 1 and done.stderr.startswith("hausgeist: ")
    assert "Traceback" not in done.stderr


def test_a_server_that_is_not_there_gives_a_failed_turn_not_a_crash(tmp_path: Path) -> None:
    command = resample(speak("Wie spät ist es", 140), RATE).samples
    audio = np.concatenate([np.zeros(RATE // 4, np.float32), command, np.zeros(RATE, np.float32)])
    path = tmp_path / "frage.wav"
    path.write_bytes(write_wav(Audio(audio, RATE)))
    done = satellite(str(path), "--push-to-talk", "--token", "t", "--json", "--deadline", "1",
                     "--server", f"http://127.0.0.1:{free_port()}")  # fmt: skip
    assert done.returncode == 1, done.stderr
    turn = json.loads(done.stdout)
    assert turn["status"] == 0 and turn["code"] == "unreachable" and turn["attempts"] >= 1
