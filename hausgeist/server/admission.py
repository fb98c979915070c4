"""Admission control: a concurrency limit with a bounded, prioritised waiting room.

A turn is admitted while fewer than `limit.current` turns are in flight. Beyond that it may
wait in a queue that is bounded in length and in time; when a slot frees, the most critical,
longest-waiting turn gets it. A full queue makes room for a more critical turn by shedding the
newest of a less critical class. SHEDDABLE turns may only take the first quarter of the queue
and DEFAULT turns three quarters, so the rest stays free for CRITICAL ones (a stage's queue is
not shared out: `_room`).

Waiting is bounded the CoDel way: while the queue empties now and then, a turn may wait up to
`max_wait` (a short burst is absorbed); once a queue has stood for `interval`, the server is
overloaded and waiting only adds latency, so turns wait at most `target_wait` before they are
shed (those already waiting too); CRITICAL turns may wait `critical_wait` (1 s), since they
are first in line whenever a slot frees and wait long only while the server stalls. The
overload ends when the queue stays empty, and no turn is refused, for an `interval`. In an
overload a turn is refused at once, even with a slot free, while more critical turns are
being refused: the lower classes go first. No turn waits past its deadline. And no turn
waits only to be shed: while the server is busy it learns how often a slot frees, and a
newcomer that would not reach a slot within its wait, given the turns ahead of it, is shed at
once (a fast "no" instead of a slow one). This class is pure: the clock is injected and the
async shell (`hausgeist.server.shedding`) does the waiting.

An expensive stage (speech-to-text: one slot, a second or more per turn) sizes its waits by
its own observed service time instead (`by_service_time`): a newcomer is let wait when the
turns ahead of it, served one after another, leave it time to be served before its deadline,
within a queue's worth of service; overloaded (more turns came to it than its slots serve:
`_over_demand`), only when it would be next in line
(`_ONE_PER_SLOT`). A queue that stands is no overload there: a burst at half load stands one
for a few services. A turn a stage has let wait is then served while its deadline allows, in
the order the stage let them wait: it is not refused later because the turn in the slot ran
long, and a more critical turn (always let wait) queues behind it instead of pushing it
back. Such a refusal would come after a second or more of waiting (a slow "no"), while the
more critical turn is still answered in time a service later; the newcomers behind them
hear "no" at the door instead. A fixed 200 ms or 2 s wait refused every spoken turn that
found the one slot busy, and the slot then idled until the next turn happened to arrive.
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from hausgeist.server.concurrency import FixedLimit, Gradient2Limit
from hausgeist.server.criticality import Criticality

# The share of the queue each class may fill.
_QUEUE_SHARE = {Criticality.SHEDDABLE: 0.25, Criticality.DEFAULT: 0.75, Criticality.CRITICAL: 1.0}
_MOST_CRITICAL_FIRST = sorted(Criticality, reverse=True)
_numbers = itertools.count()  # tickets in the order they came (their clock times may tie)
_SERVICE_SAMPLES = 16  # the service time is the median of this many recent turns
# A stage is overloaded while more turns came to it (refused ones too) than its slots serve,
# over the last _DEMAND_WINDOW slot intervals and over the last _DEMAND_RECENT. Taken from a
# queue that stood for a slot interval, as at the entry, Poisson bursts overloaded a stage at
# half load, and one waiter per slot then refused turns that had time to wait. Event
# simulation of the recogniser (bench/stage_sim.py: 0.75 s a turn, 5 s deadlines, 3 x 600 s a
# level), refused at 0.5x / 0.8x, goodput at 1x / 2x / 10x: a standing queue 8.4 % / 19 %,
# 72 / 93 / 99.5 %; this 0.6 % / 9.5 %, 78 / 92 / 99.5 %, admitted p99 3.1 s at 0.5x and 3.0 s
# at 10x; over 8 intervals alone 2.1 % at 0.5x. The recent window ends an overload a few
# services after a surge: over 16 alone it lasted 12 s into the 1x after it. Over the long
# window demand must exceed the slots by a quarter (_DEMAND_MARGIN): at 1x it is near them
# half the time, and taken for an overload it refused turns a queue would serve in time
# (0.4 s a turn, refused at 0.5x / 0.8x / 1x and goodput at 1x: 1.0 % / 10.5 % / 21.6 %, 78 %;
# with the margin 0.4 % / 4.7 % / 14.6 %, 84 %; 2x to 10x the same).
_DEMAND_WINDOW = 16
_DEMAND_RECENT = 4
_DEMAND_MARGIN = 1.25
# An overloaded stage lets a newcomer wait only while the turns ahead of it would be served
# within this many slot intervals: one waiter per slot, half an interval to spare, since
# services vary. (The waiter then waits as long as its deadline allows: in an event
# simulation at 10x, 0.42 s +- 25 % per turn, a waiter that left after 1.5 intervals when
# the turn in the slot ran long let the slot idle until the next turn came: busy 97.7 %;
# waiting 3 intervals, 99.8 %.)
_ONE_PER_SLOT = 1.5
# A stage serves its waiters in the order it let them wait, whatever their class: a more
# critical turn that came ahead of them pushed them back, and those pushed past their wait
# were refused after waiting (a slow "no"). Event simulation of the stage at 10x (0.6 s
# +- 12 % a turn, 3.5 % CRITICAL at the door; share of the refusals that came after waiting
# / admitted p99, 0.5x: 2.10 s): evicted at once 0.93 % / 2.15 s; kept while pushed back 4
# intervals 0.37 % / 2.64 s; kept to the deadline 0.06 % / 3.62 s. Through the real server
# with a recogniser that sleeps 0.6 s (bench/surge.py --sleeping-stt, 120 s at 10x): evicted
# at once 1.24 % / 2.32 s (0.5x 1.82 s); kept 4 intervals 0.45 % / 2.62 s (2.06 s); with
# whisper, 2 of about 190 refusals at 5x came after 0.7 s.


class State(Enum):
    """Where a ticket is."""

    QUEUED = "queued"
    ADMITTED = "admitted"
    SHED = "shed"
    RELEASED = "released"


class Reason(Enum):
    """Why a turn was shed."""

    OVERLOAD = "overload"  # no slot and no room in the queue
    QUEUE_TIMEOUT = "queue_timeout"  # waited as long as it may
    EVICTED = "evicted"  # its place in the queue went to a more critical turn
    DEADLINE = "deadline"  # its requester had already given up


@dataclass(eq=False)
class Ticket:
    """One turn's passage through admission."""

    criticality: Criticality
    arrived: float
    give_up: float  # when it leaves the queue shed, if still waiting
    deadline: float = float("inf")  # when its requester gives up
    state: State = State.QUEUED
    reason: Reason | None = None
    admitted: float | None = None
    in_flight_at_admission: int = 0
    wake: Callable[[], None] | None = field(default=None, repr=False)
    number: int = field(default_factory=_numbers.__next__, repr=False, compare=False)

    @property
    def waited(self) -> float:
        """Seconds spent in the queue (0 for a turn admitted at once)."""
        return (self.admitted or self.arrived) - self.arrived


class Admission:
    """Decides, for each turn, to admit it now, let it wait, or shed it."""

    def __init__(
        self,
        limit: Gradient2Limit | FixedLimit | None = None,
        queue_size: int = 32,
        max_wait: float = 0.2,
        critical_wait: float | None = 1.0,
        target_wait: float = 0.01,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        enabled: bool = True,
        by_service_time: bool = False,
    ) -> None:
        self.limit = limit or Gradient2Limit()
        # Waits from the observed service time and the deadline (a stage), not the fixed ones.
        self.by_service_time = by_service_time
        self._service: deque[float] = deque(maxlen=_SERVICE_SAMPLES)
        self.queue_size = queue_size
        self.max_wait = max_wait
        # First in line whenever a slot frees, a CRITICAL turn waits long only while the
        # server stalls (a slow disk, a busy machine); then waiting beats a refusal.
        self.critical_wait = max_wait if critical_wait is None else max(max_wait, critical_wait)
        self.target_wait = target_wait
        self.interval = interval
        self.enabled = enabled
        self.in_flight = 0
        self.shed = dict.fromkeys(Criticality, 0)
        self.shed_by_reason = dict.fromkeys(Reason, 0)
        self.admitted = dict.fromkeys(Criticality, 0)
        self._clock = clock
        self._queues: dict[Criticality, deque[Ticket]] = {c: deque() for c in Criticality}
        self._standing_since: float | None = None  # when the queue began to stand
        self._empty_since: float | None = None  # when the queue last emptied (None: it has not)
        self._cut = False  # whether the waits of this overload's waiters were cut
        self._last_refused = dict.fromkeys(Criticality, float("-inf"))  # for load, by class
        self._last_release: float | None = None
        self._slot_interval: float | None = None  # seconds between freed slots while busy
        self._arrivals: deque[float] = deque()  # a stage's: when turns came, for its demand

    # Decisions

    def offer(self, criticality: Criticality, deadline: float) -> Ticket:
        """A new turn: admitted, queued (until `wake`) or shed, as the ticket's state says."""
        now = self._clock()
        self._arrived(now)
        self.expire()
        ticket = self._ticket(criticality, deadline, now)
        if deadline <= now:
            return self._shed(ticket, Reason.DEADLINE)
        if self.enabled and self._outranked(criticality, now):
            return self._shed(ticket, Reason.OVERLOAD)
        if not self.enabled or (self.queued == 0 and self.in_flight < self.limit.current):
            return self._admit(ticket, now)
        if not self._make_room(criticality) or self._too_far_back(ticket, now):
            return self._shed(ticket, Reason.OVERLOAD)
        if self.by_service_time:
            # Let wait, it is served while its deadline allows (see the module's docstring).
            ticket.give_up = deadline - self._service_margin()
        if self._standing_since is None:
            self._standing_since = now
        self._queues[criticality].append(ticket)
        self._queue_changed(now)
        if not self.by_service_time:
            self._drop_hopeless(criticality, now)
        return ticket

    def would_refuse(self, criticality: Criticality, deadline: float) -> bool:
        """Whether a turn offered now would be refused for load, without offering it.

        For a stage further on (the recogniser): the entry refuses a spoken turn that its
        stage would refuse, before it uploads its audio and takes an entry slot, and the
        refusal stays a fast one. A prediction: a slot may free meanwhile."""
        if not self.enabled:
            return False
        now = self._clock()
        if self._outranked(criticality, now):
            return True
        if self.queued == 0 and self.in_flight < self.limit.current:
            return False
        if self._full(criticality):
            return True
        return self._too_far_back(self._ticket(criticality, deadline, now), now)

    def refuse(self, criticality: Criticality, deadline: float) -> Ticket:
        """A turn refused on this admission's behalf (`would_refuse`): counted as its own."""
        now = self._clock()
        self._arrived(now)
        return self._shed(Ticket(criticality, now, now, deadline), Reason.OVERLOAD)

    def release(self, ticket: Ticket, ok: bool = True) -> None:
        """An admitted turn finished; `ok` when it completed (its latency then counts)."""
        if ticket.state is not State.ADMITTED:
            return
        now = self._clock()
        ticket.state = State.RELEASED
        if self.queued and self._last_release is not None:
            # Turns were waiting, so this gap is how fast a busy server frees slots.
            gap = now - self._last_release
            last = self._slot_interval
            self._slot_interval = gap if last is None else 0.8 * last + 0.2 * gap
        elif self._slot_interval is None and ticket.admitted is not None:
            # Until the server has been busy: a turn's time shared by the turns beside it.
            self._slot_interval = (now - ticket.admitted) / max(self.in_flight, 1)
        self._last_release = now
        self.in_flight -= 1
        if ok and ticket.admitted is not None:
            self._service.append(now - ticket.admitted)
            self.limit.sample(now - ticket.admitted, ticket.in_flight_at_admission, now)
        else:
            self.limit.unsampled(now)
        self.expire()
        self._dispatch(now)

    def give_up(self, ticket: Ticket) -> None:
        """A waiting turn's time is up (or its requester left): it is shed."""
        if ticket.state is State.QUEUED:
            self._queues[ticket.criticality].remove(ticket)
            self._shed(ticket, _timed_out(ticket))
            self._queue_changed(self._clock())

    def expire(self) -> None:
        """Shed every waiting turn whose time in the queue is up."""
        now = self._clock()
        if not self._cut and not self.by_service_time and self._overloaded(now):
            # The overload began: turns that queued before it wait no longer than newcomers.
            # (A stage's waits do not change with the overload: they follow its service.)
            self._cut = True
            for kind, queue in self._queues.items():
                if kind is not Criticality.CRITICAL:
                    for ticket in queue:
                        ticket.give_up = min(ticket.give_up, now + self.target_wait)
        for queue in self._queues.values():
            while queue and queue[0].give_up <= now:
                ticket = queue.popleft()
                self._shed(ticket, _timed_out(ticket))
            stale = [t for t in queue if t.give_up <= now]  # deadlines differ within a class
            for ticket in stale:
                queue.remove(ticket)
                self._shed(ticket, _timed_out(ticket))
        self._queue_changed(now)

    # Readings

    @property
    def queued(self) -> int:
        """Turns waiting now."""
        return sum(len(queue) for queue in self._queues.values())

    def queue_age(self) -> float:
        """Seconds the longest-waiting turn has waited (0 with an empty queue)."""
        oldest = [queue[0].arrived for queue in self._queues.values() if queue]
        return self._clock() - min(oldest) if oldest else 0.0

    def overloaded(self) -> bool:
        """Whether a queue has stood for longer than `interval`, without staying empty for
        an `interval` since."""
        return self._overloaded(self._clock())

    # Inside

    def _overloaded(self, now: float) -> bool:
        """A queue stood for an interval, or a turn was refused for load within one; at a
        stage, more turns came than its slots serve (`_over_demand`).

        A queue ends its stand only once it stayed empty for a whole interval: one that
        empties for a moment (a slot took the last waiter before the next arrived) does so
        many times a second in a surge. And while turns are refused at the door the queue
        stays empty, yet the surge goes on. Either way, were the overload taken for over,
        newcomers would again be let wait the long wait, only to be shed after it: a slow
        "no"."""
        if self.by_service_time:
            return self._over_demand(now)
        since, empty, span = self._standing_since, self._empty_since, self._span()
        if since is not None and empty is not None and now - empty >= span:
            self._standing_since = since = None
        refusing = now - max(self._last_refused.values()) < span
        if (since is not None and now - since >= span) or refusing:
            return True
        self._cut = False
        return False

    def _arrived(self, now: float) -> None:
        if self.by_service_time:
            self._arrivals.append(now)

    def _over_demand(self, now: float) -> bool:
        """Whether more turns came to this stage (refused ones too) than its slots serve:
        a quarter more over the last `_DEMAND_WINDOW` slot intervals, and more over the last
        `_DEMAND_RECENT`."""
        interval = self._interval()
        if interval is None:
            return False
        while self._arrivals and self._arrivals[0] <= now - _DEMAND_WINDOW * interval:
            self._arrivals.popleft()
        recent = now - _DEMAND_RECENT * interval
        lately = itertools.takewhile(lambda arrived: arrived > recent, reversed(self._arrivals))
        return (
            len(self._arrivals) > _DEMAND_MARGIN * _DEMAND_WINDOW
            and sum(1 for _ in lately) > _DEMAND_RECENT
        )

    def _outranked(self, criticality: Criticality, now: float) -> bool:
        """Whether, in an overload, a more critical turn was refused within an interval.

        Then a free slot is not this turn's to take: a more critical one will arrive for it
        before long. Without this, a slot freed in a surge goes to whoever comes next, most
        often chit-chat, and the lower classes would not be the ones shed first."""
        if criticality is Criticality.CRITICAL or not self._overloaded(now):
            return False
        return any(now - self._last_refused[c] < self._span()
                   for c in Criticality if c > criticality)  # fmt: skip

    def _ticket(self, criticality: Criticality, deadline: float, now: float) -> Ticket:
        """A newcomer's ticket, with the wait it is offered (judged by `_too_far_back`)."""
        give_up = min(deadline - self._service_margin(), now + self._wait(criticality, now))
        return Ticket(criticality, now, give_up, deadline)

    def service_time(self) -> float | None:
        """The median time of the recent completed turns (None before the first)."""
        return statistics.median(self._service) if self._service else None

    def _service_margin(self) -> float:
        """Time a turn must have left when it leaves the queue to be served before its
        deadline: the observed service time, for a stage that sizes its waits by it."""
        service = self.service_time() if self.by_service_time else None
        return service or 0.0

    def _interval(self) -> float | None:
        """Seconds between freed slots while busy: for a stage, its service time per slot."""
        if self.by_service_time:
            service = self.service_time()
            return None if service is None else service / self.limit.current
        return self._slot_interval

    def _span(self) -> float:
        """How long a queue must stand, or refusals last, to be an overload: `interval`; and
        how long a refusal keeps less critical turns out (`_outranked`): for a stage at
        least one slot interval of its own."""
        interval = self._interval() if self.by_service_time else None
        return max(self.interval, interval or 0.0)

    def _wait(self, criticality: Criticality, now: float) -> float:
        if self.by_service_time:
            if criticality is Criticality.CRITICAL:
                return math.inf  # while its deadline allows (`_room`)
            interval = self._interval()
            if interval is None:
                return self.max_wait
            if self._overloaded(now):
                # Overloaded, one turn waiting per slot keeps the slots busy; more would
                # only add their service time to every admitted turn's latency (CoDel's
                # target, in this stage's own time; `_too_far_back` counts that one).
                return _ONE_PER_SLOT * interval
            # A queue's worth of this stage's service, at least `max_wait`; the deadline
            # (less the service itself) bounds it further.
            return max(self.max_wait, self.queue_size * interval)
        if criticality is Criticality.CRITICAL:
            return self.critical_wait
        return self.target_wait if self._overloaded(now) else self.max_wait

    def _too_far_back(self, ticket: Ticket, now: float) -> bool:
        """Whether the turns ahead would keep this one waiting past its wait (never a
        CRITICAL turn at the entry, where it goes first)."""
        interval = self._interval()
        if interval is None or (ticket.criticality is Criticality.CRITICAL
                                and not self.by_service_time):  # fmt: skip
            return False
        if self.by_service_time:  # a stage serves its waiters in order (`_next_queue`)
            ahead = self.queued
        else:
            ahead = sum(len(self._queues[c]) for c in Criticality if c >= ticket.criticality)
        return self._slots_to_wait(ahead) * interval > ticket.give_up - now

    def _slots_to_wait(self, ahead: int) -> float:
        """Slot intervals a turn with `ahead` turns before it is counted to wait.

        At the entry twice the mean: slots free unevenly, and a turn that then times out in
        the queue has waited for nothing; a short queue is enough to keep every slot busy.
        A stage knows its service time, which varies less: the turns ahead and the one in
        the slot (at most a whole interval), each served in turn. Twice would refuse every
        spoken turn that finds the recogniser busy, and its slot would idle between turns."""
        return (ahead + 1) * (1.0 if self.by_service_time else 2.0)

    def _drop_hopeless(self, newcomer: Criticality, now: float) -> None:
        """Shed now the less critical waiters a newcomer pushed back beyond their wait.

        Their place was counted when they arrived; a more critical turn that queues ahead
        of them since would otherwise let them time out in the queue: a slow "no". (A stage
        pushes nobody back: `_next_queue`.)"""
        interval = self._interval()
        if interval is None:
            return
        for lower in Criticality:
            if lower >= newcomer or lower is Criticality.CRITICAL:
                break
            queue = self._queues[lower]
            ahead = sum(len(self._queues[c]) for c in Criticality if c > lower)
            kept: deque[Ticket] = deque()
            for ticket in queue:
                if self._slots_to_wait(ahead + len(kept)) * interval > ticket.give_up - now:
                    self._shed(ticket, Reason.EVICTED)
                else:
                    kept.append(ticket)
            self._queues[lower] = kept

    def _room(self, criticality: Criticality) -> float:
        """How many waiters there may be when a turn of this class queues.

        At the entry the lower classes keep to their share of the queue, so that the rest
        stays free for CRITICAL turns. A stage's queue is not shared out: its waits follow
        its service time and the turn's deadline (`_too_far_back`, one waiter per slot in an
        overload). Shared out, one chit-chat turn waiting (a quarter of a queue of four)
        refused the next at half load. A CRITICAL turn waits at a stage beyond its places,
        behind every waiter, while its deadline allows: answers to the server's questions
        came at 0.9 a second in a spoken surge, and one found four of them waiting and was
        refused (35 of 36 answered; 99.6 % of CRITICAL turns in bench/stage_sim.py at 10x).
        """
        if self.by_service_time:
            return math.inf if criticality is Criticality.CRITICAL else self.queue_size
        return self.queue_size * _QUEUE_SHARE[criticality]

    def _full(self, criticality: Criticality) -> bool:
        """No place for a newcomer of this class, even were a lower waiter shed for it."""
        if self.queued < self._room(criticality):
            return False
        return self.by_service_time or not any(
            self._queues[lower] for lower in Criticality if lower < criticality
        )

    def _make_room(self, criticality: Criticality) -> bool:
        """Whether a newcomer of this class finds a place; at the entry, the newest waiter of
        a lower class gives up its place to it. A stage sheds no waiter for a newcomer (it
        serves them in order): a DEFAULT turn that evicted waiting chit-chat turned a fast
        "no" at the door into a slow one after waiting (0.2-1.2 % of the turns at 0.5x-1x in
        bench/stage_sim.py)."""
        if self._full(criticality):
            return False
        if self.queued >= self._room(criticality):
            lower = next(c for c in Criticality if c < criticality and self._queues[c])
            self._shed(self._queues[lower].pop(), Reason.EVICTED)  # its newest goes
        return True

    def _dispatch(self, now: float) -> None:
        while self.in_flight < self.limit.current:
            queue = self._next_queue()
            if queue is None:
                break
            self._admit(queue.popleft(), now)
        self._queue_changed(now)

    def _next_queue(self) -> deque[Ticket] | None:
        """The queue whose first waiter goes next: the most critical class's at the entry,
        the longest waiting one's at a stage (the module's docstring)."""
        waiting = [self._queues[c] for c in _MOST_CRITICAL_FIRST if self._queues[c]]
        if not waiting:
            return None
        if self.by_service_time:
            return min(waiting, key=lambda queue: queue[0].number)
        return waiting[0]

    def _admit(self, ticket: Ticket, now: float) -> Ticket:
        ticket.state, ticket.admitted = State.ADMITTED, now
        self.in_flight += 1
        ticket.in_flight_at_admission = self.in_flight
        self.admitted[ticket.criticality] += 1
        if ticket.wake is not None:
            ticket.wake()
        return ticket

    def _shed(self, ticket: Ticket, reason: Reason) -> Ticket:
        ticket.state, ticket.reason = State.SHED, reason
        if reason is not Reason.DEADLINE:
            self._last_refused[ticket.criticality] = self._clock()
        self.shed[ticket.criticality] += 1
        self.shed_by_reason[reason] += 1
        if ticket.wake is not None:
            ticket.wake()
        return ticket

    def _queue_changed(self, now: float) -> None:
        if self.queued:
            self._empty_since = None
        elif self._empty_since is None:
            self._empty_since = now


def _timed_out(ticket: Ticket) -> Reason:
    """Why a waiting ticket left: its requester's deadline, or the queue's own bound."""
    return Reason.DEADLINE if ticket.give_up >= ticket.deadline else Reason.QUEUE_TIMEOUT
