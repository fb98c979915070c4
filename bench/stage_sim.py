"""The recogniser's stage admission in an event simulation: Poisson arrivals against one slot.

The real `Stage` and `Admission` on a simulated clock, without whisper or a server, so a rule
can be judged over minutes of simulated load in seconds: at each offered load (times the
stage's capacity) it prints the share of the turns refused (at the door, or after waiting),
goodput as a share of capacity and the p50/p99 of the turns served. `--step` runs 1x, then
10x, then 1x again and prints the share answered in time per 2 s bin around the surge.

    .venv/bin/python bench/stage_sim.py [--service 0.75] [--seconds 600] [--seeds 3] [--step]
"""

from __future__ import annotations

import argparse
import collections
import functools
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from hausgeist.server.admission import Admission, State, Ticket
from hausgeist.server.criticality import Criticality
from hausgeist.server.stages import Stage, StageLimits

# Spoken turns at the recogniser: answers to the server's questions CRITICAL, the rest by
# the device's hint (as bench/surge.py's spoken mix, roughly).
MIX = ((Criticality.CRITICAL, 0.035), (Criticality.DEFAULT, 0.465), (Criticality.SHEDDABLE, 0.5))
DEADLINE = 5.0
STEP = 0.005  # simulated seconds per tick
WARM = 30.0  # seconds before counting


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Tally:
    arrived: int = 0
    refused_at_door: int = 0
    refused_after_wait: int = 0
    late: int = 0
    latencies: list[float] = field(default_factory=list)
    critical: list[int] = field(default_factory=lambda: [0, 0])  # answered, not


def simulate(
    load_at: Callable[[float], float], seconds: float, service: float, seed: int,
    on_tally: Callable[[float], Tally | None],
) -> None:  # fmt: skip
    """Offer Poisson turns at `load_at(t)` times capacity; `on_tally(t_arrived)` gives the
    Tally a turn counts in (None: not counted)."""
    rng = random.Random(seed)
    clock = Clock()
    admission: Admission = Stage("stt", StageLimits(1, 4, 2.0), clock).admission
    running: tuple[Ticket, float] | None = None
    waiting: list[Ticket] = []
    due = rng.expovariate(load_at(0.0) / service)

    def serve(ticket: Ticket) -> None:
        nonlocal running
        running = (ticket, clock.now + service * rng.uniform(0.88, 1.12))

    def refused(ticket: Ticket) -> None:
        tally = on_tally(ticket.arrived)
        if tally is not None:
            tally.refused_after_wait += 1
            if ticket.criticality is Criticality.CRITICAL:
                tally.critical[1] += 1

    while clock.now < seconds:
        clock.now += STEP
        now = clock.now
        if running is not None and running[1] <= now:
            ticket, running = running[0], None
            admission.release(ticket)
            tally = on_tally(ticket.arrived)
            if tally is not None:
                in_time = now <= ticket.deadline
                if in_time:
                    tally.latencies.append(now - ticket.arrived)
                tally.late += not in_time
                if ticket.criticality is Criticality.CRITICAL:
                    tally.critical[0 if in_time else 1] += 1
        admission.expire()
        for ticket in list(waiting):
            if ticket.state is State.QUEUED and ticket.give_up <= now:
                admission.give_up(ticket)
            if ticket.state is State.SHED:
                waiting.remove(ticket)
                refused(ticket)
        if running is None:
            for ticket in waiting:
                if ticket.state is State.ADMITTED:
                    waiting.remove(ticket)
                    serve(ticket)
                    break
        while due <= now:
            kind = rng.choices([c for c, _ in MIX], [w for _, w in MIX])[0]
            tally = on_tally(now)
            if tally is not None:
                tally.arrived += 1
            if admission.would_refuse(kind, now + DEADLINE):
                ticket = admission.refuse(kind, now + DEADLINE)
            else:
                ticket = admission.offer(kind, now + DEADLINE)
            if ticket.state is State.ADMITTED:
                serve(ticket)
            elif ticket.state is State.QUEUED:
                waiting.append(ticket)
            elif tally is not None:
                tally.refused_at_door += 1
                if kind is Criticality.CRITICAL:
                    tally.critical[1] += 1
            due += rng.expovariate(load_at(now) / service)


def _constant(load: float, _now: float) -> float:
    return load


def _after_warm_up(tally: Tally, arrived: float) -> Tally | None:
    return tally if arrived >= WARM else None


def levels(service: float, seconds: float, seeds: int) -> None:
    print(
        "load  arrived  refused at door  after waiting  late  goodput of capacity  p50     p99"
        "     CRITICAL answered"
    )
    for load in (0.5, 0.8, 1.0, 2.0, 5.0, 10.0):
        tallies = []
        for seed in range(seeds):
            tallies.append(Tally())
            simulate(functools.partial(_constant, load), WARM + seconds, service, seed,
                     functools.partial(_after_warm_up, tallies[-1]))  # fmt: skip
        arrived = sum(t.arrived for t in tallies)
        latencies = sorted(x for t in tallies for x in t.latencies)
        critical = [sum(t.critical[i] for t in tallies) for i in (0, 1)]
        goodput = len(latencies) * service / (seconds * seeds)
        p99 = latencies[int(0.99 * (len(latencies) - 1))]
        at_door = sum(t.refused_at_door for t in tallies) / arrived
        print(f"{load:4.1f}x {arrived:8d}  {at_door:15.1%}"
              f"  {sum(t.refused_after_wait for t in tallies) / arrived:13.2%}"
              f"  {sum(t.late for t in tallies):4d}  {goodput:19.1%}"
              f"  {statistics.median(latencies):.2f} s  {p99:.2f} s"
              f"  {critical[0] / max(1, sum(critical)):.1%}")  # fmt: skip


def step(service: float, seeds: int, width: float = 2.0) -> None:
    surge = (60.0, 90.0)
    bins: dict[int, Tally] = collections.defaultdict(Tally)
    for seed in range(seeds):
        simulate(lambda t: 10.0 if surge[0] <= t < surge[1] else 1.0, 130.0, service, seed,
                 lambda t: bins[int(t // width)] if t >= WARM else None)  # fmt: skip
    print(f"1x, 10x from {surge[0]:.0f} to {surge[1]:.0f} s, 1x; answered in time per {width:g} s")
    for index in sorted(bins):
        tally = bins[index]
        if tally.arrived and 40 <= index * width < 126:
            print(
                f"{index * width:5.0f} s  {len(tally.latencies) / tally.arrived:5.0%}"
                f"  of {tally.arrived}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", type=float, default=0.75, help="seconds a turn")
    parser.add_argument("--seconds", type=float, default=600.0, help="per level and seed")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--step", action="store_true")
    args = parser.parse_args()
    print(f"$ .venv/bin/python bench/stage_sim.py {' '.join(sys.argv[1:])}")
    print(f"one slot, queue 4, {args.service} s +- 12 % a turn, {DEADLINE:g} s deadlines")
    if args.step:
        step(args.service, args.seeds)
    else:
        levels(args.service, args.seconds, args.seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
