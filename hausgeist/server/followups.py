"""Questions the server asked and waits an answer to: their class is known before the audio.

A spoken turn is DEFAULT until it is transcribed, since only its words tell what it is. One
kind the server knows at the door without trusting the device: the answer to its own
question. When a turn leaves a question pending ("In welchem Raum?" after "Mach das Licht
an", "Soll ich ... bestellen?"), the server opens a window for the device that asked, keyed
by the conversation: a spoken turn of that device in that conversation, while the window is
open, is the answer and gets the question's class at the door. Nothing here comes from the
device but the conversation id, which it was given by the server and which only counts for
the device it was given to.

A window closes when the conversation's next turn is answered (a new question opens a new
one), when the dialog's own wait for the answer ends (`PENDING_TTL`), or after `MAX_USES`
turns have passed the door with it (the answer and its retries): a device cannot live on one
question. Only the latest question of a device is open. Kept in memory, bounded: a restart
forgets them, and the answers are then DEFAULT at the door, as before.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from hausgeist.server.criticality import Criticality
from hausgeist.skills.base import PENDING_TTL

MAX_USES = 3  # turns that may pass the door with one question: its answer and two retries
MAX_WINDOWS = 100_000  # one per device at most; the oldest go first


@dataclass
class Window:
    """One open question of one device."""

    conversation: str
    household: int
    criticality: Criticality
    closes: float  # monotonic seconds
    uses: int = 0


class FollowUps:
    """The open questions, one per device at most."""

    def __init__(
        self, ttl: float = PENDING_TTL.total_seconds(), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._open: OrderedDict[int, Window] = OrderedDict()  # by device id
        self.opened = 0
        self.used = dict.fromkeys(Criticality, 0)  # turns classed at the door by a window

    def asked(
        self, device: int, household: int, conversation: str, criticality: Criticality
    ) -> None:
        """A turn of `device` left a question of class `criticality` pending."""
        self._open.pop(device, None)
        window = Window(conversation, household, criticality, self._clock() + self.ttl)
        self._open[device] = window
        self.opened += 1
        if len(self._open) > MAX_WINDOWS:
            self._open.popitem(last=False)

    def answered(self, device: int, conversation: str | None) -> None:
        """A turn of `device` in `conversation` was answered without a new question."""
        window = self._open.get(device)
        if window is not None and window.conversation == conversation:
            del self._open[device]

    def peek(self, device: int, conversation: str | None) -> Criticality | None:
        """The class of the question `device` is answering in `conversation`, if one is open."""
        window = self._window(device, conversation)
        return None if window is None else window.criticality

    def use(self, device: int, conversation: str | None) -> Criticality | None:
        """`peek`, counting the turn against the window's uses (at the door)."""
        window = self._window(device, conversation)
        if window is None or window.uses >= MAX_USES:
            return None
        window.uses += 1
        self.used[window.criticality] += 1
        return window.criticality

    @property
    def open(self) -> int:
        """Windows open now (expired ones included until they are looked at)."""
        return len(self._open)

    def _window(self, device: int, conversation: str | None) -> Window | None:
        window = self._open.get(device)
        if window is None or conversation is None or window.conversation != conversation:
            return None
        if window.closes <= self._clock():
            del self._open[device]
            return None
        return window
