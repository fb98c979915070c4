"""Where a household's home description comes from: its own file or the embedded demo."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from hausgeist.home.snapshot import HomeSnapshot, SnapshotError

DEMO_HOME = Path(__file__).parent / "demo.yaml"


def data_dir() -> Path:
    """The data directory: $HAUSGEIST_DATA, else ~/.local/share/hausgeist."""
    configured = os.environ.get("HAUSGEIST_DATA")
    if configured:
        return Path(configured)
    return Path.home() / ".local" / "share" / "hausgeist"


def home_file(directory: Path | None = None) -> Path:
    """`<data>/home.yaml` when the household wrote one, else the embedded demo home."""
    own = (directory or data_dir()) / "home.yaml"
    return own if own.exists() else DEMO_HOME


def read_home_file(path: Path) -> dict[str, Any]:
    """The home file's YAML document; SnapshotError when it cannot be read as one."""
    try:
        with path.open(encoding="utf-8") as stream:
            document = yaml.safe_load(stream) or {}
    except (OSError, yaml.YAMLError) as err:
        raise SnapshotError(f"{path}: {err}") from err
    if not isinstance(document, dict):
        raise SnapshotError(f"{path}: the home file must hold a mapping")
    return document


def load_home(directory: Path | None = None) -> HomeSnapshot:
    """The configured home as the understanding stage sees it."""
    return HomeSnapshot.from_json(read_home_file(home_file(directory)))
