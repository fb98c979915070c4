"""A home's commands kept on disk, so that the index of them is built once, not per process.

Drawing and reading back the commands of a home (sentences.py) costs seconds of CPU; a
`hausgeist listen` call and every server start would pay them again. The drawn commands are
kept in the household's directory as plain JSON (no pickle: the data directory's files must
not be able to run code), under a key made of everything that decides them: the format of
the file, the grammar's templates and the versions that interpret them, the code that draws
and reads sentences, the trained fallback's files, and the home's structure (rooms, floors,
devices and their names, not their states). A file whose key differs is rebuilt and
replaced atomically; one that is unreadable, truncated or not ours is logged and rebuilt.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from hausgeist.home.snapshot import HomeSnapshot
from hausgeist.language.grammar import load_source, source_digest
from hausgeist.language.parse import Understanding
from hausgeist.speech.sentences import Command

FORMAT = 1  # raise when the file's layout or the meaning of its fields changes
FILE = Path("cache") / "speech-commands-de.json"  # inside the household's directory
_HERE = Path(__file__).parent
# The code that decides which sentences are drawn and what they mean.
_CODE = (
    *(
        _HERE / name
        for name in ("sentences.py", "sounds.py", "nearest.py", "phrases.yaml", "stored.py")
    ),
    *sorted((_HERE.parent / "language").glob("**/*.py")),
)
log = logging.getLogger("hausgeist.speech")


def path_in(household: Path) -> Path:
    """Where a household's commands are kept."""
    return household / FILE


def key_of(understanding: Understanding, home: HomeSnapshot) -> str | None:
    """The digest of everything that decides the home's commands; None when the code or
    the model cannot be read to know it (then nothing is kept on disk)."""
    layout = [asdict(replace(entity, state=None)) for entity in home.entities]
    structure = [[asdict(area) for area in home.areas], list(home.floors), layout]
    model = understanding.fallback.directory if understanding.fallback is not None else None
    try:
        versions = _versions(model)
    except OSError as err:
        log.warning("command index not kept on disk: %s", err)
        return None
    payload = json.dumps([FORMAT, versions, structure], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


@functools.cache
def _versions(model: Path | None) -> list[str]:
    """The grammar's, the code's and the trained model's digests (once per process)."""
    code = hashlib.sha256()
    for path in _CODE:
        code.update(path.name.encode() + b"\0" + path.read_bytes())
    trained = hashlib.sha256()
    if model is not None and model.is_dir():
        for path in sorted(model.iterdir()):
            if path.is_file():
                trained.update(path.name.encode() + b"\0" + path.read_bytes())
    return [source_digest(load_source("de")), code.hexdigest(), trained.hexdigest()]


Kept = tuple[list[Command], list[str]]  # the commands and their sound-alike spellings


def load(path: Path, key: str) -> Kept | None:
    """The commands and their sound-alike spellings kept under `key`, or None when there
    are none (missing, another key, or a file that is not a readable commands file: that
    one is logged)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        log.warning("command index %s unreadable, building it again: %s", path, err)
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        log.warning("command index %s is not of format %s, building it again", path, FORMAT)
        return None
    if document.get("key") != key:
        log.info("command index %s is for another home or version, building it again", path)
        return None
    try:
        commands = [_command(item) for item in document["commands"]]
        keys = document["keys"]
        if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
            raise ValueError("the keys are not a list of strings")
        if len(keys) != len(commands):
            raise ValueError(f"{len(keys)} keys for {len(commands)} commands")
        return commands, keys
    except (KeyError, TypeError, ValueError) as err:
        log.warning("command index %s is malformed, building it again: %s", path, err)
        return None


def save(path: Path, key: str, commands: list[Command], keys: list[str]) -> None:
    """Keep the commands and their spellings under `key`, replacing the file atomically. A
    file that cannot be written only costs the next process the build, so failing is
    logged, not raised."""
    document = {"format": FORMAT, "key": key, "commands": [_item(c) for c in commands],
                "keys": keys}  # fmt: skip
    temp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, ensure_ascii=False, separators=(",", ":"))
        os.replace(temp, path)
        temp = None
    except OSError as err:
        log.warning("command index %s not written: %s", path, err)
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _item(command: Command) -> list[Any]:
    free = list(command.free) if command.free is not None else None
    return [command.text, command.intent, list(command.meaning), free, command.free_slot]


def _command(item: Any) -> Command:
    """A command from its stored list; ValueError or TypeError for anything else."""
    if not isinstance(item, list) or len(item) != 5:
        raise ValueError(f"not a command: {str(item)[:80]}")
    text, intent, meaning, free, slot = item
    if not (isinstance(text, str) and text and isinstance(intent, str)):
        raise ValueError(f"not a command: {str(item)[:80]}")
    if not isinstance(meaning, list) or not all(isinstance(part, str) for part in meaning):
        raise ValueError(f"not a meaning: {str(meaning)[:80]}")
    span: tuple[int, int] | None = None
    if free is not None:
        if not (isinstance(free, list) and len(free) == 2
                and all(type(i) is int for i in free)
                and 0 <= free[0] < free[1] <= len(text.split())):  # fmt: skip
            raise ValueError(f"not a word span: {str(free)[:80]}")
        span = (free[0], free[1])
    if slot is not None and not isinstance(slot, str):
        raise ValueError(f"not a slot: {str(slot)[:80]}")
    return Command(text, intent, tuple(meaning), span, slot)
