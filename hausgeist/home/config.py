"""Where a household's home description comes from: its own file or the embedded demo."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from hausgeist.home.snapshot import HomeSnapshot, SnapshotError

DEMO_HOME = Path(__file__).parent / "demo.yaml"


def data_dir() -> Path:
    """The data directory: $HAUSGEIST_DATA, else ~/.local/share/hausgeist."""
    configured = os.environ.get("HAUSGEIST_DATA")
    if configured:
        return Path(configured)
    return Path.home() / ".local" / "share" / "hausgeist"


def load_home(directory: Path | None = None) -> HomeSnapshot:
    """The home in `<data>/home.yaml` when present, else the embedded demo home."""
    own = (directory or data_dir()) / "home.yaml"
    return read_home(own if own.exists() else DEMO_HOME)


def read_home(path: Path) -> HomeSnapshot:
    """Read a home description file; raise SnapshotError when it is not one."""
    try:
        with path.open(encoding="utf-8") as stream:
            data = yaml.safe_load(stream) or {}
    except (OSError, yaml.YAMLError) as err:
        raise SnapshotError(f"{path}: {err}") from err
    return HomeSnapshot.from_json(data)
