"""Households and device tokens: random, shown once, kept only as a digest."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from hausgeist.server.registry import Registry, RegistryError


def test_a_token_is_stored_only_as_its_sha256_digest(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    token = registry.add_device("Küche", registry.add_household("Müller"))
    assert len(token) >= 43  # 32 random bytes, base64url
    raw = (tmp_path / "households.db").read_bytes()
    assert token.encode() not in raw
    with sqlite3.connect(tmp_path / "households.db") as db:
        stored = db.execute("SELECT token_sha256 FROM devices").fetchone()[0]
    assert stored == hashlib.sha256(token.encode()).hexdigest()


def test_a_token_names_its_device_and_household(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    household = registry.add_household("Müller")
    token = registry.add_device("Flurpanel", household, area="Flur")
    who = registry.authenticate(token)
    assert who is not None and who.household == household
    assert (who.device, who.role, who.area) == ("Flurpanel", "device", "Flur")
    assert registry.authenticate(token + "x") is None
    assert registry.authenticate("") is None


def test_households_have_unique_valid_names_and_their_own_directory(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    first = registry.add_household("Müller")
    second = registry.add_household("Schmidt")
    assert first.directory != second.directory and first.directory.is_dir()
    for bad in ("müller", "", "../etc", "x" * 65):
        with pytest.raises(RegistryError):
            registry.add_household(bad)
    with pytest.raises(RegistryError):
        registry.household("Niemand")


def test_a_data_directory_from_before_households_becomes_the_first_household(
    tmp_path: Path,
) -> None:
    (tmp_path / "hausgeist.db").write_bytes(b"")
    household = Registry(tmp_path).default_household()
    assert household.directory == tmp_path / "."
    assert Registry(tmp_path).households() == [household]


def test_the_default_household_is_created_once(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    assert registry.default_household() == registry.default_household()
    assert len(registry.households()) == 1
