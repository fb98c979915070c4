"""Idempotency-Key on turns: a device's retry gets the first answer, the action runs once.

A device that lost the answer to a turn (a dropped connection, a timeout) may send the turn
again with the same `Idempotency-Key` header (or `idempotency_key` on the WebSocket). The
household keeps each keyed turn's answer for a day in its own store, next to what the turn
changed: the retry is answered from there and acts on nothing. The same key with a different
request is refused (422), as the IETF draft on the header says. Turns of one household run one
after another under its lock, so a retry that arrives while the first is still running waits
for it and then gets its answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hausgeist.server.errors import ApiError, bad_request
from hausgeist.store.sqlite import Store

KEEP = timedelta(days=1)
_KEY = re.compile(r"[\x21-\x7e]{1,200}")  # printable ASCII, no spaces: UUIDs and the like


@dataclass(frozen=True)
class Once:
    """A keyed turn: the device, its key and a digest of what it asked."""

    device_id: int
    key: str
    digest: str

    @classmethod
    def of(cls, device_id: int, key: str | None, request: dict[str, Any]) -> Once | None:
        """The keyed turn, or None without a key; 400 for a key that is not one."""
        if key is None:
            return None
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise bad_request(
                "Idempotency-Key must be 1 to 200 printable ASCII characters without spaces",
                "invalid_idempotency_key",
            )
        canonical = json.dumps(request, sort_keys=True, ensure_ascii=False).encode()
        return cls(device_id, key, hashlib.sha256(canonical).hexdigest())


class TurnReplies:
    """The answers of keyed turns in a household's store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, once: Once, now: datetime | None = None) -> dict[str, Any] | None:
        """The answer given to this key within the last day; 422 if it was another request."""
        since = ((now or datetime.now(UTC)) - KEEP).isoformat()
        rows = self._store.query(
            "SELECT request_sha256, reply FROM turn_replies"
            " WHERE device_id = ? AND key = ? AND created_at >= ?",
            (once.device_id, once.key, since),
        )
        if not rows:
            return None
        if rows[0]["request_sha256"] != once.digest:
            raise ApiError(422, "idempotency_key_reused",
                           "Dieser Idempotency-Key gehört zu einer anderen Anfrage.")  # fmt: skip
        reply: dict[str, Any] = json.loads(rows[0]["reply"])
        return reply

    def keep(self, once: Once, reply: dict[str, Any], now: datetime | None = None) -> None:
        """Remember a keyed turn's answer (and forget those older than a day)."""
        now = now or datetime.now(UTC)
        with self._store.transaction() as db:
            db.execute("DELETE FROM turn_replies WHERE created_at < ?", ((now - KEEP).isoformat(),))
            db.execute(
                "INSERT OR REPLACE INTO turn_replies"
                " (device_id, key, request_sha256, reply, created_at) VALUES (?, ?, ?, ?, ?)",
                (once.device_id, once.key, once.digest, json.dumps(reply, ensure_ascii=False),
                 now.isoformat()),
            )  # fmt: skip
