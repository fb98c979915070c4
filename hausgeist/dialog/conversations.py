"""Conversation state in the store: what is pending and what was last asked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hausgeist.skills.base import Pending
from hausgeist.store.sqlite import Store


@dataclass
class Conversation:
    """One conversation's memory between turns."""

    id: str
    pending: Pending | None = None
    last_intent: str | None = None
    last_slots: dict[str, Any] = field(default_factory=dict)
    last_response: str | None = None


class Conversations:
    """Loads and saves conversations."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, conversation_id: str, now: datetime) -> tuple[Conversation, bool]:
        """The conversation, and whether a pending question expired unanswered."""
        rows = self.store.query("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        if not rows:
            return Conversation(conversation_id), False
        row = rows[0]
        pending = _pending(row["pending"])
        expired = pending is not None and pending.expires_at < now
        slots = json.loads(row["last_slots"]) if row["last_slots"] else {}
        conversation = Conversation(
            conversation_id,
            None if expired else pending,
            row["last_intent"],
            slots,
            row["last_response"],
        )
        return conversation, expired

    def save(self, conversation: Conversation, now: datetime) -> None:
        """Remember the conversation."""
        pending = conversation.pending
        stored = None
        if pending is not None:
            stored = json.dumps(
                {
                    "skill": pending.skill,
                    "kind": pending.kind,
                    "data": pending.data,
                    "expires_at": pending.expires_at.isoformat(),
                }
            )
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO conversations (id, pending, expires_at, last_intent, last_slots,"
                " last_response, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id)"
                " DO UPDATE SET pending = excluded.pending, expires_at = excluded.expires_at,"
                " last_intent = excluded.last_intent, last_slots = excluded.last_slots,"
                " last_response = excluded.last_response, updated_at = excluded.updated_at",
                (
                    conversation.id,
                    stored,
                    pending.expires_at.isoformat() if pending else None,
                    conversation.last_intent,
                    json.dumps(conversation.last_slots, default=str),
                    conversation.last_response,
                    now.isoformat(),
                ),
            )


def _pending(stored: str | None) -> Pending | None:
    if not stored:
        return None
    data = json.loads(stored)
    return Pending(
        data["skill"], data["kind"], data["data"], datetime.fromisoformat(data["expires_at"])
    )
