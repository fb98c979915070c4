"""The SQLite store and its migrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausgeist.store.sqlite import Store, migrations


def test_a_new_database_is_migrated_to_the_newest_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "db" / "hausgeist.db")
    assert store.version == migrations()[-1][0]
    tables = {row["name"] for row in store.query("SELECT name FROM sqlite_master")}
    assert {"device_state", "list_items", "conversations", "settings"} <= tables


def test_reopening_keeps_data_and_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "hausgeist.db"
    store = Store(path)
    with store.transaction() as db:
        db.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
    store.close()
    again = Store(path)
    assert again.version == migrations()[-1][0]
    assert [row["value"] for row in again.query("SELECT value FROM settings")] == ["1"]


def test_a_failed_transaction_leaves_nothing_behind() -> None:
    store = Store(":memory:")
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")
    assert store.query("SELECT * FROM settings") == []


def test_migration_files_are_numbered_without_gaps() -> None:
    numbers = [number for number, _ in migrations()]
    assert numbers == list(range(1, len(numbers) + 1))
