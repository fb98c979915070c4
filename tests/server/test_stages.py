"""The speech stages' limits: full stages refuse or degrade, expired turns never start."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading

import pytest

from hausgeist.server.admission import Admission, Reason, State
from hausgeist.server.concurrency import FixedLimit
from hausgeist.server.criticality import Criticality
from hausgeist.server.deadline import Deadline, DeadlineExceeded
from hausgeist.server.priority import WORKER_NICENESS
from hausgeist.server.shedding import APOLOGY, APOLOGY_AUDIO, shed_response
from hausgeist.server.stages import Stage, StageBusy, StageLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Engine:
    """Counts the times the expensive work ran."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return "done"


def test_a_turn_past_its_deadline_never_reaches_the_engine() -> None:
    clock, engine = FakeClock(), Engine()
    stage = Stage("stt", StageLimits(1, 4, 2.0), clock)
    with pytest.raises(DeadlineExceeded) as raised:
        asyncio.run(stage.run(engine, Deadline(clock.now - 0.001)))
    assert raised.value.stage == "stt" and engine.calls == 0
    assert stage.admission.in_flight == 0


def test_a_full_stage_without_a_queue_turns_the_next_turn_away_at_once() -> None:
    engine = Engine()
    stage = Stage("tts", StageLimits(1, 0, 0.3))
    deadline = Deadline.after(5000, stage.clock())
    held = stage.admission.offer(Criticality.DEFAULT, deadline.at)
    assert held.state is State.ADMITTED
    with pytest.raises(StageBusy) as raised:
        asyncio.run(stage.run(engine, deadline))
    assert raised.value.reason is Reason.OVERLOAD and engine.calls == 0
    stage.admission.release(held)
    assert asyncio.run(stage.run(engine, deadline)) == "done" and engine.calls == 1
    assert stage.admission.in_flight == 0


def test_a_free_stage_runs_the_work_and_frees_its_slot_after_a_failure() -> None:
    stage = Stage("stt", StageLimits(1, 0, 1.0))
    deadline = Deadline.after(5000, stage.clock())

    def broken() -> None:
        raise ValueError("engine failed")

    with pytest.raises(ValueError):
        asyncio.run(stage.run(broken, deadline))
    assert stage.admission.in_flight == 0


def test_a_waiting_turn_leaves_the_queue_at_its_deadline_as_dropped_not_timed_out() -> None:
    clock = FakeClock()
    admission = Admission(FixedLimit(1), queue_size=4, max_wait=2.0, target_wait=2.0,
                          clock=clock)  # fmt: skip
    admission.offer(Criticality.DEFAULT, clock.now + 10)
    soon = admission.offer(Criticality.DEFAULT, clock.now + 0.5)  # deadline before max_wait
    later = admission.offer(Criticality.DEFAULT, clock.now + 10)  # max_wait before deadline
    assert soon.state is State.QUEUED and later.state is State.QUEUED
    clock.now += 0.5
    admission.expire()
    assert soon.state is State.SHED and soon.reason is Reason.DEADLINE
    assert later.state is State.QUEUED
    clock.now += 1.5
    admission.expire()
    assert later.reason is Reason.QUEUE_TIMEOUT
    assert admission.shed_by_reason[Reason.DEADLINE] == 1
    assert admission.shed_by_reason[Reason.QUEUE_TIMEOUT] == 1


def test_a_fixed_limit_does_not_move_with_latency() -> None:
    limit = FixedLimit(2)
    for n in range(100):
        limit.sample(5.0, 2, float(n))
    assert limit.current == 2
    assert FixedLimit(0).current == 1


def test_the_stage_refusal_is_the_pre_rendered_apology_with_its_reason() -> None:
    response = shed_response(Reason.QUEUE_TIMEOUT)
    body = json.loads(response.body)
    assert response.status_code == 503
    assert body["message"] == APOLOGY and body["reply_audio"] == APOLOGY_AUDIO
    assert body["reason"] == "queue_timeout"
    assert int(response.headers["retry-after"]) == body["retry_after"] >= 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_a_stage_runs_its_work_below_the_event_loop() -> None:
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    loop_before = niceness()
    stage = Stage("stt", StageLimits(1, 1, 1.0), FakeClock())
    deadline = Deadline(at=float("inf"))
    seen = asyncio.run(stage.run(niceness, deadline))
    assert seen >= WORKER_NICENESS and seen > loop_before
    assert niceness() == loop_before  # the calling thread, the event loop's here, is untouched
