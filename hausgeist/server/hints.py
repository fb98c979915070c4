"""A device's hint of a spoken turn's class: honoured within a budget, while it proves true.

A spoken turn is DEFAULT at the door, since its words are not known yet; a device may know
more (it just played the server's "Soll ich ... bestellen?" and records the answer) and say
so (`X-Turn-Class: critical`, or `turn_class` on the WebSocket). The device is not trusted:

- a hint that raises a turn's class spends a token of the device's bucket (`rate`, `burst`)
  and one of its household's (`household_rate`, `household_burst`), which also pays for the
  turns the server itself promotes (answers to its questions, followups.py): a household
  never gets more CRITICAL spoken turns at the door than its budget, however many devices
  or questions it has, so it cannot push other households out;
- after transcription the server compares the hint with the class the turn really had
  (`verify`); a device whose hint claimed more loses its hint credit for `distrust` seconds,
  doubled for each further false hint (up to an hour), and its hints are ignored meanwhile;
- a hint that lowers the class (a device that knows it is chit-chat) costs nothing.

Pure: the clock is injected; the server calls it at the door and after the turn.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum

from hausgeist.server.criticality import Criticality
from hausgeist.server.ratelimit import RateLimiter

MAX_DEVICES = 100_000  # distrusted devices remembered; the oldest go first
LONGEST_DISTRUST = 3600.0


class Refusal(Enum):
    """Why a hint was not honoured."""

    BUDGET = "budget"  # the device's bucket is empty
    HOUSEHOLD = "household"  # its household's bucket is empty
    DISTRUST = "distrust"  # an earlier hint of the device claimed more than the turn was


def parse_hint(value: object) -> Criticality | None:
    """A hint's class from a header's or field's value ("critical", ...); None otherwise."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    try:
        return Criticality[value.strip().upper()]
    except KeyError:
        return None


class HintCredit:
    """Budgets and trust of the devices' hints."""

    def __init__(
        self,
        rate: float = 0.1,
        burst: float = 3.0,
        household_rate: float = 0.5,
        household_burst: float = 6.0,
        distrust: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._devices = RateLimiter(rate, burst, clock)
        self._households = RateLimiter(household_rate, household_burst, clock)
        self.distrust = distrust
        self._distrusted: OrderedDict[int, tuple[float, int]] = OrderedDict()  # until, strikes
        self.honoured = 0
        self.refused = dict.fromkeys(Refusal, 0)
        self.proved_true = 0
        self.proved_false = 0

    def honour(self, device: int, household: int, hinted: Criticality) -> Criticality:
        """The class a hinted turn gets at the door: the hint, or DEFAULT when refused."""
        if hinted <= Criticality.DEFAULT:
            return hinted  # lowering its own turn needs no credit
        refusal = self._refusal(device, household)
        if refusal is not None:
            self.refused[refusal] += 1
            return Criticality.DEFAULT
        self.honoured += 1
        return hinted

    def promote(self, household: int) -> bool:
        """Whether the household's budget pays for a turn the server itself promotes."""
        if self._households.take(household) > 0:
            self.refused[Refusal.HOUSEHOLD] += 1
            return False
        return True

    def verify(self, device: int, hinted: Criticality, real: Criticality) -> bool:
        """After the turn: whether the hint was true; a false one costs the device its
        credit for a while."""
        if hinted <= real:
            self.proved_true += 1
            return True
        self.proved_false += 1
        now = self._clock()
        _, strikes = self._distrusted.pop(device, (0.0, 0))
        seconds = min(self.distrust * 2**strikes, LONGEST_DISTRUST)
        self._distrusted[device] = (now + seconds, strikes + 1)
        if len(self._distrusted) > MAX_DEVICES:
            self._distrusted.popitem(last=False)
        return False

    def distrusted(self, device: int) -> bool:
        """Whether the device's hints are ignored now."""
        until, _ = self._distrusted.get(device, (0.0, 0))
        return until > self._clock()

    def distrusted_count(self) -> int:
        """Devices whose hints are ignored now."""
        now = self._clock()
        return sum(1 for until, _ in self._distrusted.values() if until > now)

    def _refusal(self, device: int, household: int) -> Refusal | None:
        if self.distrusted(device):
            return Refusal.DISTRUST
        if self._devices.take(device) > 0:
            return Refusal.BUDGET
        if self._households.take(household) > 0:
            return Refusal.HOUSEHOLD
        return None
