"""An adaptive concurrency limit: Netflix's Gradient2, as a plain class on an injected clock.

The limit is how many turns may be worked on at once. Gradient2 compares the recent latency
(the average of a short window of samples) with a slow moving average of it: while the two
agree, the limit grows a little (by `headroom`, an allowance for queueing); when recent turns
take longer than `tolerance` times the long-term latency, the limit shrinks in proportion,
never by more than half per window. See netflix/concurrency-limits, `Gradient2Limit`.

Every `probe_every` seconds the limit drops to `probe_limit` (one) for a few turns, whose
latency becomes the long-term average (Envoy's adaptive concurrency does the same with its
minRTT window, pinned at three). The probe lasts at most `10 * window` and ends then even if
every turn in it failed (`unsampled`): spoken turns that all ran out of their deadline on a
busy machine held the limit at one for good. Three, as Envoy, was tried: on a CPU-bound server
the three turns share the core, the baseline is three times a lone turn's latency and the limit
settles near seven instead of four (more latency for text turns); dividing each latency by the
turns in flight fixes that but breaks a server whose latency does not grow with load. The
long-term average falls within about a second and rises ten times slower than Netflix's
(which moves at one pace), so that it stays near the latency of a lightly loaded server: latency
that grows with the limit itself, as on a CPU-bound server, does not become the new normal
within minutes and let the limit creep up.

The allowance is fixed, as Netflix's default (four there). Where latency grows with the limit
itself, as on a CPU-bound server, each window at most halves the limit and adds the allowance,
so the limit settles at about twice the allowance: four here. An allowance of one (a limit of
two) left a quarter of the one server core idle at ten times its capacity (bench/surge.py:
goodput 83 % of capacity), since a turn also waits for the event loop, a worker thread and the
GIL between its stages; four to six kept the core busy, and more only adds latency. That the
refusals then queued behind the busy workers is solved where it arises: worker threads run
below the event loop (`stages.lower_thread_priority`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Gradient2Limit:
    """The concurrency limit, updated once per window of latency samples."""

    limit: float = 4.0
    min_limit: float = 1.0
    max_limit: float = 64.0
    smoothing: float = 0.2
    tolerance: float = 1.5  # recent latency may exceed the long-term one by this factor
    long_window: int = 600  # windows the long-term average spans
    window: float = 0.1  # seconds of samples per update
    min_samples: int = 10
    headroom: float = 2.0  # turns the limit may exceed what the latency justifies
    probe_every: float = 30.0  # seconds between measurements of the unloaded latency
    probe_limit: int = 1  # the limit while measuring it (Envoy's min_concurrency: 3)
    long_rtt: float | None = None
    _window_start: float | None = field(default=None, repr=False)
    _sum: float = field(default=0.0, repr=False)
    _count: int = field(default=0, repr=False)
    _peak_in_flight: int = field(default=0, repr=False)
    _next_probe: float | None = field(default=None, repr=False)
    _probe: list[float] | None = field(default=None, repr=False)  # latencies, while probing
    _probe_began: float = field(default=0.0, repr=False)

    @property
    def current(self) -> int:
        """The limit as a whole number of turns (at least one; `probe_limit` while probing)."""
        return max(1, self.probe_limit if self._probe is not None else int(self.limit))

    def sample(self, rtt: float, in_flight: int, now: float) -> None:
        """One finished turn: how long it took and how many were in flight when it began."""
        if self._probing(rtt, in_flight, now):
            return
        if self._window_start is None:
            self._window_start = now
        self._sum += rtt
        self._count += 1
        self._peak_in_flight = max(self._peak_in_flight, in_flight)
        if now - self._window_start < self.window or self._count < self.min_samples:
            return
        self._update(self._sum / self._count, self._peak_in_flight)
        self._window_start, self._sum, self._count, self._peak_in_flight = now, 0.0, 0, 0

    def unsampled(self, now: float) -> None:
        """A turn ended without a latency to learn from (it failed or was dropped): an
        overdue probe still ends, or turns that all fail would hold the limit low for good."""
        if self._probe is not None and self._probe_over(now):
            self._end_probe(now)

    def _probing(self, rtt: float, in_flight: int, now: float) -> bool:
        """Envoy's minimum-latency window: every `probe_every` seconds the limit is
        `probe_limit` until `min_samples` turns ran with at most that many in flight; their
        median latency becomes the long-term average. Without it, a
        server that was never lightly loaded would take its loaded latency for normal
        (latency grows with the limit on a CPU-bound server)."""
        if self._next_probe is None:
            self._next_probe = now  # the first turns measure the baseline
        if self._probe is None:
            if now < self._next_probe:
                return False
            self._probe, self._probe_began = [], now
        if in_flight <= self.probe_limit:  # turns admitted before the probe ran beside more
            self._probe.append(rtt)
        if len(self._probe) >= self.min_samples or self._probe_over(now):
            self._end_probe(now)
        return True

    def _probe_over(self, now: float) -> bool:
        """Whether the probe has taken as long as it may (too few turns ran within it)."""
        return now - self._probe_began > 10 * self.window

    def _end_probe(self, now: float) -> None:
        if self._probe is not None and len(self._probe) >= self.min_samples:
            self.long_rtt = sorted(self._probe)[len(self._probe) // 2]
        self._probe, self._next_probe = None, now + self.probe_every
        self._window_start, self._sum, self._count, self._peak_in_flight = now, 0.0, 0, 0

    def _update(self, short_rtt: float, in_flight: int) -> None:
        short_rtt = max(short_rtt, 1e-6)
        if self.long_rtt is None:
            self.long_rtt = short_rtt
            return
        # The long-term average follows falling latency within a second or so and rising
        # latency ten times slower than Netflix's: on a CPU-bound server latency grows with
        # the limit itself, and an average that caught up with it would let the limit creep.
        rising = short_rtt > self.long_rtt
        span = self.long_window * 10 if rising else max(1, self.long_window // 60)
        self.long_rtt += (short_rtt - self.long_rtt) / span
        if self.long_rtt / short_rtt > 2:
            # Latency fell well below the long-term average (the load went away): let the
            # average follow faster, or the limit would trust stale slowness for minutes.
            self.long_rtt *= 0.95
        if in_flight < self.limit / 2:
            return  # the load did not use the limit: no evidence to grow or shrink on
        gradient = max(0.5, min(1.0, self.tolerance * self.long_rtt / short_rtt))
        proposed = self.limit * gradient + self.headroom
        smoothed = self.limit * (1 - self.smoothing) + proposed * self.smoothing
        self.limit = max(self.min_limit, min(self.max_limit, smoothed))


@dataclass
class FixedLimit:
    """A limit that does not adapt: a stage with a known number of engines (speech)."""

    limit: int = 1

    @property
    def current(self) -> int:
        """The limit (at least one)."""
        return max(1, self.limit)

    def sample(self, rtt: float, in_flight: int, now: float) -> None:
        """A finished turn teaches a fixed limit nothing."""

    def unsampled(self, now: float) -> None:
        """Nor does a failed one."""
