"""Fixtures the skill tests share: an in-memory store and a clock that moves by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hausgeist.store.sqlite import Store


@pytest.fixture
def store() -> Iterator[Store]:
    db = Store(":memory:")
    yield db
    db.close()
