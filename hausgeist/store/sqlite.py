"""The SQLite store: one file under the data directory, migrated to the newest schema on open.

Migrations are the numbered SQL files in `migrations/` (`0001_core.sql`, `0002_...`), applied
in order inside one transaction each; `PRAGMA user_version` remembers how far a database
has come. A migration is never edited once it has landed: a change is a new file.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"(\d{4})_\w+\.sql")


class StoreError(Exception):
    """The store could not be opened or migrated."""

    code = "store_unavailable"


class Store:
    """A household's state in one SQLite file (or ":memory:" in tests)."""

    def __init__(self, path: Path | str, schema: Path = MIGRATIONS) -> None:
        self._schema = schema
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except sqlite3.Error as err:
            raise StoreError(f"cannot open {path}: {err}") from err
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA busy_timeout = 5000")
        if str(path) != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._lock = threading.RLock()
        self.migrate()

    @property
    def version(self) -> int:
        """The schema version this database is at."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply every migration newer than the database, each in its own transaction."""
        for number, path in migrations(self._schema):
            if number <= self.version:
                continue
            with self.transaction() as db:
                db.executescript_in_transaction(path.read_text(encoding="utf-8"))
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _Transaction(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query."""
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def ping(self) -> bool:
        """Whether the database answers a query."""
        try:
            with self._lock:
                self._db.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()


class _Transaction:
    """The connection as seen inside a transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement."""
        return self._db.execute(sql, params)

    def executescript_in_transaction(self, script: str) -> None:
        """Run the statements of a migration script one by one (executescript would commit)."""
        for statement in _statements(script):
            self._db.execute(statement)


def migrations(schema: Path = MIGRATIONS) -> list[tuple[int, Path]]:
    """The migration files of a schema folder, in order."""
    found = []
    for path in schema.glob("*.sql"):
        matched = _NAME.fullmatch(path.name)
        if matched:
            found.append((int(matched.group(1)), path))
    return sorted(found)


def _statements(script: str) -> Iterator[str]:
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer
