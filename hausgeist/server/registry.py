"""Households and the devices allowed to speak for them, kept in `<data>/households.db`.

A device token is a random 256-bit secret shown once; the registry keeps only its SHA-256
digest. A fast hash is right here: the secret is not guessable, and every request checks one.
The first household keeps its state (store and home file) in the data directory itself, as
a one-family box always has; each further household gets `households/<id>/`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hausgeist.store.sqlite import Store

SCHEMA = Path(__file__).parent / "migrations"
DEMO_HOUSEHOLD = "Zuhause"
_NAME = re.compile(r"^[\w][\w .'-]{0,63}$")


class RegistryError(ValueError):
    """A household or device that cannot be created or found."""

    code = "registry"


@dataclass(frozen=True)
class Household:
    """One household: its id, name and state directory."""

    id: int
    name: str
    directory: Path


@dataclass(frozen=True)
class Principal:
    """Who is calling: a household's device, or an operator (no household)."""

    device_id: int
    device: str
    role: str
    household: Household | None
    area: str | None = None


class Registry:
    """Households and device tokens."""

    def __init__(self, data: Path) -> None:
        self.data = data
        legacy = (data / "hausgeist.db").exists() and not (data / "households.db").exists()
        self.store = Store(data / "households.db", schema=SCHEMA)
        if legacy:
            # A data directory from before households existed: it is the first household's.
            self.default_household()

    def households(self) -> list[Household]:
        """Every household, oldest first."""
        rows = self.store.query("SELECT id, name, directory FROM households ORDER BY id")
        return [self._household(row) for row in rows]

    def household(self, name_or_id: str | int) -> Household:
        """The household with this name (or id)."""
        for household in self.households():
            if name_or_id in (household.name, household.id, str(household.id)):
                return household
        raise RegistryError(f"Es gibt keinen Haushalt „{name_or_id}“.")

    def add_household(self, name: str) -> Household:
        """A new household with an empty state directory."""
        name = name.strip()
        if not _NAME.match(name):
            raise RegistryError(f"„{name}“ ist kein gültiger Name für einen Haushalt.")
        if any(h.name.casefold() == name.casefold() for h in self.households()):
            raise RegistryError(f"Den Haushalt „{name}“ gibt es schon.")
        return self._insert_household(name, None)

    def default_household(self) -> Household:
        """The first household, created as the demo household on a fresh data directory.

        It keeps its state in the data directory itself (as a one-family box always has);
        households added later get a directory of their own.
        """
        found = self.households()
        return found[0] if found else self._insert_household(DEMO_HOUSEHOLD, ".")

    def add_device(
        self, name: str, household: Household | None, role: str = "device", area: str | None = None
    ) -> str:
        """Register a device (or an operator, without household); returns its new token."""
        name = name.strip()
        if not _NAME.match(name):
            raise RegistryError(f"„{name}“ ist kein gültiger Gerätename.")
        if (role == "device") != (household is not None):
            raise RegistryError("A device belongs to a household; an operator to none.")
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO devices (household_id, name, role, area, token_sha256, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (household.id if household else None, name, role, area, digest(token), _now()),
            )
        return token

    def authenticate(self, token: str) -> Principal | None:
        """The caller a token belongs to, or None for an unknown or revoked token."""
        rows = self.store.query(
            "SELECT d.id, d.name, d.role, d.area, h.id AS hid, h.name AS hname, h.directory"
            " FROM devices d LEFT JOIN households h ON h.id = d.household_id"
            " WHERE d.token_sha256 = ? AND d.revoked_at IS NULL",
            (digest(token),),
        )
        if not rows:
            return None
        row = rows[0]
        household = None
        if row["hid"] is not None:
            household = Household(row["hid"], row["hname"], self.data / row["directory"])
        return Principal(row["id"], row["name"], row["role"], household, row["area"])

    def revoke(self, device_id: int) -> None:
        """A device's token stops working."""
        with self.store.transaction() as db:
            db.execute("UPDATE devices SET revoked_at = ? WHERE id = ?", (_now(), device_id))

    def _insert_household(self, name: str, directory: str | None) -> Household:
        with self.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO households (name, directory, created_at) VALUES (?, ?, ?)",
                (name, directory or "", _now()),
            )
            household_id = int(cursor.lastrowid or 0)
            if directory is None:
                directory = f"households/{household_id}"
                db.execute(
                    "UPDATE households SET directory = ? WHERE id = ?", (directory, household_id)
                )
        (self.data / directory).mkdir(parents=True, exist_ok=True)
        return Household(household_id, name, self.data / directory)

    def _household(self, row: object) -> Household:
        return Household(row["id"], row["name"], self.data / row["directory"])  # type: ignore[index]


def digest(token: str) -> str:
    """The SHA-256 digest of a token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()
