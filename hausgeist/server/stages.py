"""Capacity limits for the expensive stages of a spoken turn: speech-to-text and text-to-speech.

Admission at the entry bounds how many turns are worked on; a spoken turn then spends most
of its time in the recogniser and some in the voice, and both engines do one thing at a time
well on a small machine. Each stage has a fixed number of slots and a short, bounded queue
(`Admission` with a `FixedLimit`: the same queue, classes and deadlines as the entry), whose
waits follow the stage's own observed service time (`by_service_time`): a turn may wait while
it can still be served before its deadline, up to a queue's worth of service (at least
`max_wait`), and one that the turns ahead would keep from that is refused at once. Every
stage checks the turn's deadline before it begins, again once it has a worker thread, and
gives up waiting when the deadline comes: work the requester has given up on is dropped,
never finished late (`DeadlineExceeded`). A full stage answers `StageBusy`, which the caller
turns into the polite refusal (speech-to-text) or a reply without audio (text-to-speech:
degrade before refusing).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio.to_thread

from hausgeist.server.admission import Admission, Reason, State
from hausgeist.server.concurrency import FixedLimit
from hausgeist.server.criticality import Criticality
from hausgeist.server.deadline import Deadline, DeadlineExceeded
from hausgeist.server.priority import lower_thread_priority
from hausgeist.server.shedding import acquire

T = TypeVar("T")
STT, TTS = "stt", "tts"


@dataclass(frozen=True)
class StageLimits:
    """Slots, queue length and longest wait of one stage."""

    slots: int = 1
    queue: int = 4
    max_wait: float = 2.0  # seconds at least; longer for a queue's worth of a slow stage


class StageBusy(Exception):
    """The stage is full and the turn could not wait for it."""

    def __init__(self, stage: str, reason: Reason) -> None:
        super().__init__(f"{stage} is saturated ({reason.value})")
        self.stage = stage
        self.reason = reason


class Stage:
    """One expensive stage: its admission and the turns it sent away with less."""

    def __init__(
        self, name: str, limits: StageLimits, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.clock = clock
        # No CoDel short wait here (target = max): a stage's queue is short, and its waits
        # follow its service time and the turn's deadline.
        self.admission = Admission(
            FixedLimit(limits.slots), queue_size=limits.queue, max_wait=limits.max_wait,
            target_wait=limits.max_wait, critical_wait=None, clock=clock, by_service_time=True,
        )  # fmt: skip
        self.degraded = 0  # turns answered without this stage (a text-only reply)
        self.busy_seconds = 0.0  # time its slots were held by turns, summed (its use)

    async def run(self, work: Callable[[], T], deadline: Deadline,
                  criticality: Criticality = Criticality.DEFAULT) -> T:  # fmt: skip
        """`work` in a worker thread once a slot is free; StageBusy or DeadlineExceeded."""
        if deadline.expired(self.clock()):
            raise DeadlineExceeded(self.name)
        ticket = await acquire(self.admission, criticality, deadline)
        if ticket.state is State.SHED:
            if ticket.reason is Reason.DEADLINE:
                raise DeadlineExceeded(self.name)
            raise StageBusy(self.name, ticket.reason or Reason.OVERLOAD)

        def guarded() -> T:
            lower_thread_priority()  # below the event loop, which refuses the excess
            if deadline.expired(self.clock()):  # it may have waited for a worker thread
                raise DeadlineExceeded(self.name)
            return work()

        ok, began = False, self.clock()
        try:
            result = await anyio.to_thread.run_sync(guarded)
            ok = True
            return result
        finally:
            self.busy_seconds += self.clock() - began
            self.admission.release(ticket, ok)


class Stages:
    """The speech stages of one server process."""

    def __init__(
        self,
        stt: StageLimits,
        tts: StageLimits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stt = Stage(STT, stt, clock)
        self.tts = Stage(TTS, tts, clock)

    @property
    def every(self) -> tuple[Stage, Stage]:
        """Both stages, for metrics and the status page."""
        return self.stt, self.tts
