"""A turn's deadline: when its requester stops waiting, so work after it is wasted.

The client sends how long it will wait (header `X-Deadline-Ms`, or `deadline_ms` on the
WebSocket); the server turns it into a point on its own monotonic clock, so the two clocks
need not agree. Missing or unreadable values get the default; negative, tiny or huge ones are
clamped, so no client can ask the server to hold work for an hour.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MS = 5_000
MIN_MS = 50
MAX_MS = 30_000


@dataclass(frozen=True)
class Deadline:
    """The monotonic time after which a turn's answer is no use to anyone."""

    at: float

    @classmethod
    def after(cls, milliseconds: object, now: float) -> Deadline:
        """The deadline `milliseconds` from `now`, defaulted and clamped."""
        return cls(now + clamp_ms(milliseconds) / 1000)

    def remaining(self, now: float) -> float:
        """Seconds left (negative once passed)."""
        return self.at - now

    def expired(self, now: float) -> bool:
        """Whether the requester has given up."""
        return now >= self.at


def clamp_ms(value: object) -> int:
    """A deadline in milliseconds from a header or JSON value, within MIN_MS..MAX_MS."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, bool):
        return DEFAULT_MS
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return DEFAULT_MS
    if not isinstance(value, int | float) or value != value:  # NaN is not a number of ms
        return DEFAULT_MS
    return int(max(MIN_MS, min(MAX_MS, value)))


class DeadlineExceeded(Exception):
    """The deadline passed before a stage began; the work is dropped, not done late."""

    code = "deadline_exceeded"

    def __init__(self, stage: str) -> None:
        super().__init__(f"deadline passed before {stage}")
        self.stage = stage
