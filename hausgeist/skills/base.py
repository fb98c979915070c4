"""What every skill shares: the turn it gets, the outcome it gives, the protocol it follows.

A skill is a class with a `name`, the `intents` it handles, `handle(turn)` for a new
request and `resume(pending, turn)` for the answer to a question it asked (a confirmation,
a voice code, a missing duration). Skills get their dependencies (store, home, clock,
players) through their constructor; they never reach for globals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

# How long a question or confirmation waits for its answer.
PENDING_TTL = timedelta(seconds=30)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Action:
    """One thing a turn changed: which target, what was asked, and its state afterwards."""

    target: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The `actions` entry of `ask --json` and the API."""
        return {"target": self.target, "kind": self.kind, "data": self.data, "state": self.state}


@dataclass(frozen=True)
class Pending:
    """A question waiting for its answer in a conversation."""

    skill: str
    kind: str  # "confirm", "code" or "question"
    data: dict[str, Any]
    expires_at: datetime


@dataclass(frozen=True)
class Turn:
    """One understood request as a skill sees it."""

    intent: str
    slots: dict[str, Any]
    text: str
    now: datetime
    conversation_id: str
    device_area: str | None = None
    device: str | None = None
    response: str | None = None  # the key of Home Assistant's response template, if any


@dataclass(frozen=True)
class Outcome:
    """What a skill did and says; `pending` when it waits for an answer."""

    reply: str
    actions: tuple[Action, ...] = ()
    pending: Pending | None = None
    code: str = "done"  # "done", "asked", "refused", "failed", "nothing"


class Skill(Protocol):
    """The interface every skill implements."""

    name: str
    intents: frozenset[str]

    def handle(self, turn: Turn) -> Outcome:
        """Act on a new request."""
        ...

    def resume(self, pending: Pending, turn: Turn) -> Outcome:
        """Act on the answer to this skill's pending question."""
        ...


def ask_back(skill: str, kind: str, data: dict[str, Any], reply: str, now: datetime) -> Outcome:
    """An outcome that asks the household something and waits for the answer."""
    return Outcome(reply, pending=Pending(skill, kind, data, now + PENDING_TTL), code="asked")
