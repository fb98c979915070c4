"""Small stand-ins shared by the tests."""

from __future__ import annotations

from datetime import datetime, timedelta

START = datetime(2026, 11, 25, 9, 30)  # a Wednesday, as the understanding fixture's clock


class FakeClock:
    """A clock that stands still until the test moves it; call it (or `now`) for the time."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def now(self) -> datetime:
        """The current time (for code that takes `clock.now`)."""
        return self.current

    def advance(self, **span: float) -> datetime:
        """Move the clock forward by a timedelta's keyword arguments."""
        self.current += timedelta(**span)
        return self.current
