"""Which model folder a model name means."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausgeist.speech.whisper import WhisperStt


def test_a_folder_named_like_the_model_in_the_current_directory_is_not_taken_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base").mkdir()  # e.g. someone's unrelated folder where `serve` was started
    monkeypatch.chdir(tmp_path)
    chosen = WhisperStt("base", tmp_path / "models").model_path()
    assert chosen != Path("base") and (chosen / "model.bin").is_file()


def test_an_explicit_path_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    assert WhisperStt(str(tmp_path / "mine"), tmp_path).model_path() == tmp_path / "mine"
