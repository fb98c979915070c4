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


# Waits sized by the stage's own service time (a spoken turn takes a second or more)


def recogniser(clock: FakeClock, service: float, turns: int = 3) -> Admission:
    """The speech-to-text stage's admission after `turns` turns took `service` seconds."""
    stage = Stage("stt", StageLimits(1, 4, 2.0), clock)
    admission = stage.admission
    for _ in range(turns):
        ticket = admission.offer(Criticality.DEFAULT, clock.now + 5)
        assert ticket.state is State.ADMITTED
        clock.now += service
        admission.release(ticket)
    return admission


def flood(admission: Admission, turns: int = 16) -> None:
    """Chit-chat the stage refuses: with them more turns came to it than its slot serves."""
    for _ in range(turns):
        admission.refuse(Criticality.SHEDDABLE, admission._clock() + 5)


def test_a_stage_learns_its_service_time_from_completed_turns_only() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.2)
    assert admission.service_time() == pytest.approx(1.2)
    failed = admission.offer(Criticality.DEFAULT, clock.now + 5)
    clock.now += 4.0
    admission.release(failed, ok=False)  # a crash says nothing of the engine's speed
    assert admission.service_time() == pytest.approx(1.2)


def test_a_spoken_turn_that_finds_the_recogniser_busy_waits_for_it() -> None:
    # One slot, 1.2 s a turn, a 5 s deadline: the turn behind the running one can be served
    # in time. Twice the service time (2.4 s) was past the old fixed 2 s wait, and refused it.
    clock = FakeClock()
    admission = recogniser(clock, 1.2)
    running = admission.offer(Criticality.DEFAULT, clock.now + 5)
    waiting = admission.offer(Criticality.DEFAULT, clock.now + 5)
    assert running.state is State.ADMITTED and waiting.state is State.QUEUED
    # It may wait as long as it can still be served before its deadline (5 - 1.2 s).
    assert waiting.give_up == pytest.approx(clock.now + 3.8)
    clock.now += 1.2
    admission.release(running)
    assert waiting.state is State.ADMITTED


def test_a_stage_refuses_at_once_a_turn_the_queue_would_keep_past_its_deadline() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.2)
    admission.offer(Criticality.DEFAULT, clock.now + 4.5)  # in the slot
    queued = [admission.offer(Criticality.DEFAULT, clock.now + 4.5) for _ in range(2)]
    # They begin by 1.2 and 2.4 s and end by 3.6 s: within their 4.5 s deadline.
    assert all(t.state is State.QUEUED for t in queued)
    # With a longer deadline the third place in the queue would be fine.
    assert not admission.would_refuse(Criticality.DEFAULT, clock.now + 8)
    # A third would begin only after 3 x 1.2 s and need 1.2 s more: past its deadline, so it
    # hears "no" now (the queue has room: the class may take three of its four places).
    refused = admission.offer(Criticality.DEFAULT, clock.now + 4.5)
    assert refused.state is State.SHED and refused.reason is Reason.OVERLOAD
    assert admission.queued == 2


def test_a_turn_a_stage_lets_wait_waits_while_its_deadline_allows() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.5)
    admission.offer(Criticality.DEFAULT, clock.now + 60)
    waiting = admission.offer(Criticality.DEFAULT, clock.now + 60)
    # Refused later it would be refused slowly; it waits until it could no longer be served.
    assert waiting.give_up == pytest.approx(clock.now + 60 - 1.5)


def test_a_long_deadline_does_not_mean_a_long_queue() -> None:
    clock = FakeClock()
    admission = Stage("stt", StageLimits(1, 8, 2.0), clock).admission
    for _ in range(3):
        ticket = admission.offer(Criticality.DEFAULT, clock.now + 5)
        clock.now += 1.5
        admission.release(ticket)
    admission.offer(Criticality.DEFAULT, clock.now + 600)
    # Eight places of 1.5 s: a newcomer may wait a queue's worth (12 s), not the 600 s its
    # deadline would allow. Eight turns fit (the eighth is served 12 s from now) ...
    waiting = [admission.offer(Criticality.DEFAULT, clock.now + 600) for _ in range(8)]
    assert [t.state for t in waiting] == [State.QUEUED] * 8
    assert admission.would_refuse(Criticality.DEFAULT, clock.now + 600)
    # ... and with a queue of four places of 1.5 s, the fourth waiter (6 s) would not.
    short = recogniser(FakeClock(), 1.5)
    short.offer(Criticality.DEFAULT, short._clock() + 600)
    for _ in range(2):
        assert short.offer(Criticality.DEFAULT, short._clock() + 600).state is State.QUEUED
    assert not short.would_refuse(Criticality.DEFAULT, short._clock() + 600)


def test_critical_turns_queue_behind_a_waiter_the_stage_let_wait() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.0)
    running = admission.offer(Criticality.DEFAULT, clock.now + 10)
    second = admission.offer(Criticality.DEFAULT, clock.now + 10)
    clock.now += 1.1  # overloaded: the queue stood for a service time
    admission.release(running)
    waiting = admission.offer(Criticality.DEFAULT, clock.now + 10)  # next in line
    clock.now += 0.6
    answers = [admission.offer(Criticality.CRITICAL, clock.now + 10) for _ in range(2)]
    # The answers are let wait (CRITICAL) but behind it: it is served as counted, not told
    # "no" after waiting (a slow refusal), and they a service later, still in time.
    assert waiting.state is State.QUEUED and all(a.state is State.QUEUED for a in answers)
    clock.now += 0.5
    admission.release(second)
    assert waiting.state is State.ADMITTED
    assert all(a.state is State.QUEUED for a in answers)
    clock.now += 1.0
    admission.release(waiting)
    assert answers[0].state is State.ADMITTED
    assert admission.shed_by_reason[Reason.EVICTED] == 0


def test_critical_turns_never_push_a_stage_waiter_out() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.0)
    running = admission.offer(Criticality.DEFAULT, clock.now + 30)
    waiting = admission.offer(Criticality.DEFAULT, clock.now + 30)
    answers = [admission.offer(Criticality.CRITICAL, clock.now + 30) for _ in range(2)]
    clock.now += 0.5
    answers.append(admission.offer(Criticality.CRITICAL, clock.now + 30))
    # Before, a third answer pushed its wait past 4.5 services and it was refused then.
    assert waiting.state is State.QUEUED and all(a.state is State.QUEUED for a in answers)
    # A DEFAULT newcomer now counts every waiter ahead of it, answers included: "no" at once.
    assert admission.offer(Criticality.DEFAULT, clock.now + 30).state is State.SHED
    for in_slot in (running, waiting, *answers[:-1]):
        clock.now += 1.0
        admission.release(in_slot)
    # Each admitted a service after the one before it, in the order they were let wait.
    admitted = [ticket.admitted for ticket in (waiting, *answers)]
    assert None not in admitted and admitted == sorted(admitted)
    assert admission.shed_by_reason[Reason.EVICTED] == 0


def test_a_waiting_turn_leaves_a_stage_when_it_can_no_longer_be_served_in_time() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.0)
    running = admission.offer(Criticality.DEFAULT, clock.now + 10)
    waiting = admission.offer(Criticality.DEFAULT, clock.now + 2.5)
    assert waiting.state is State.QUEUED
    clock.now += 1.4  # 1.1 s left: still time for its 1 s of service
    admission.expire()
    assert waiting.state is State.QUEUED
    clock.now += 0.2  # 0.9 s left: it would finish late, so it is refused now
    admission.expire()
    assert waiting.state is State.SHED and waiting.reason is Reason.QUEUE_TIMEOUT
    admission.release(running)
    assert admission.in_flight == 0


def test_in_an_overload_a_stage_keeps_one_turn_waiting_per_slot() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.0)
    running = admission.offer(Criticality.DEFAULT, clock.now + 10)
    waiting = admission.offer(Criticality.DEFAULT, clock.now + 10)
    give_up = waiting.give_up
    clock.now += 1.1  # a queue that stands is a stage at work, not yet an overload
    assert not admission.overloaded()
    flood(admission)  # 21 turns within 16 services: a quarter more than the slot serves
    assert admission.overloaded()
    admission.expire()
    assert waiting.give_up == give_up and waiting.state is State.QUEUED  # not cut
    # A newcomer may now wait one slot interval and a half: behind a waiter, it hears "no"
    # at once, since every turn waiting more would add a second to the admitted turns.
    late = admission.offer(Criticality.DEFAULT, clock.now + 10)
    assert late.state is State.SHED and late.reason is Reason.OVERLOAD
    admission.release(running)
    assert waiting.state is State.ADMITTED
    queued = admission.offer(Criticality.DEFAULT, clock.now + 10)  # first in line: it waits
    # While its deadline allows: the turn in the slot may run long.
    assert queued.state is State.QUEUED and queued.give_up == pytest.approx(clock.now + 9.0)
    # But only one waits per slot: the next one hears "no" at once.
    assert admission.offer(Criticality.DEFAULT, clock.now + 10).state is State.SHED


def test_a_critical_turn_waits_beyond_the_stages_places_while_its_deadline_allows() -> None:
    # Answers to the server's questions at 0.9 a second in a spoken surge: one found the
    # four places taken and heard "Gerade ist viel los".
    clock = FakeClock()
    admission = recogniser(clock, 0.4)
    admission.offer(Criticality.DEFAULT, clock.now + 5)
    waiting = [admission.offer(Criticality.CRITICAL, clock.now + 5) for _ in range(4)]
    assert [t.state for t in waiting] == [State.QUEUED] * 4
    assert not admission.would_refuse(Criticality.CRITICAL, clock.now + 5)
    fifth = admission.offer(Criticality.CRITICAL, clock.now + 5)  # served 2.0 s from now
    assert fifth.state is State.QUEUED and all(t.state is State.QUEUED for t in waiting)
    # One that the turns ahead would keep past its deadline hears "no" at once instead.
    assert admission.would_refuse(Criticality.CRITICAL, clock.now + 2.5)
    late = admission.offer(Criticality.CRITICAL, clock.now + 2.5)
    assert late.state is State.SHED and late.reason is Reason.OVERLOAD


def test_a_stage_sheds_no_waiter_for_a_newcomer() -> None:
    # Its four places taken, chit-chat among them: a DEFAULT newcomer hears "no" at once
    # rather than a waiting chit-chat turn hearing it after its wait.
    clock = FakeClock()
    admission = recogniser(clock, 0.3)  # the fifth would be served in time: 1.5 s
    admission.offer(Criticality.DEFAULT, clock.now + 5)
    waiting = [admission.offer(kind, clock.now + 5) for kind in
               (Criticality.SHEDDABLE, Criticality.DEFAULT) * 2]  # fmt: skip
    assert [t.state for t in waiting] == [State.QUEUED] * 4
    assert admission.would_refuse(Criticality.DEFAULT, clock.now + 5)
    newcomer = admission.offer(Criticality.DEFAULT, clock.now + 5)
    assert newcomer.state is State.SHED and newcomer.reason is Reason.OVERLOAD
    assert [t.state for t in waiting] == [State.QUEUED] * 4


def test_a_stage_overload_ends_a_few_services_after_the_surge() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 0.75)
    for _ in range(40):  # 40 turns in 4 s: ten times what the slot serves
        clock.now += 0.1
        admission.refuse(Criticality.SHEDDABLE, clock.now + 5)
    assert admission.overloaded()
    clock.now += 2.0  # the surge is over; the last 12 s still hold it
    assert admission.overloaded()
    clock.now += 1.1  # four services without a turn
    assert not admission.overloaded()
    admission.refuse(Criticality.SHEDDABLE, clock.now + 5)  # one more is no surge again
    assert not admission.overloaded()


def test_in_an_overload_the_waiter_outlasts_a_long_turn_so_the_slot_does_not_idle() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.0)
    running = admission.offer(Criticality.DEFAULT, clock.now + 10)
    admission.offer(Criticality.DEFAULT, clock.now + 10)
    clock.now += 1.1
    flood(admission)  # overloaded now: more turns came than the slot serves
    admission.release(running)  # the waiter takes the slot; a newcomer waits behind it
    long_one = admission.offer(Criticality.DEFAULT, clock.now + 10)
    assert admission.overloaded() and long_one.state is State.QUEUED
    clock.now += 4.0  # the turn in the slot runs four times its usual time
    admission.expire()
    assert long_one.state is State.QUEUED  # (it left after 1.5 intervals, later 3, before)


def test_a_stage_tells_without_offering_whether_it_would_refuse_a_turn() -> None:
    clock = FakeClock()
    admission = recogniser(clock, 1.2)
    assert not admission.would_refuse(Criticality.DEFAULT, clock.now + 4.5)  # a free slot
    admission.offer(Criticality.DEFAULT, clock.now + 4.5)
    assert not admission.would_refuse(Criticality.DEFAULT, clock.now + 4.5)  # may wait
    for _ in range(2):
        admission.offer(Criticality.DEFAULT, clock.now + 4.5)
    assert admission.would_refuse(Criticality.DEFAULT, clock.now + 4.5)  # too far back
    assert admission.queued == 2 and admission.in_flight == 1  # asking changed nothing
    assert not admission.would_refuse(Criticality.DEFAULT, clock.now + 8)


def test_a_momentary_burst_does_not_refuse_chit_chat_the_deadline_allows() -> None:
    # The recogniser at 0.75 s a turn, half loaded: two turns arrive while one is heard.
    # The second would be served 1.5 s from now, 3.5 s before its deadline; no queue has
    # stood, so nothing is overloaded, and a household would rather wait than hear
    # "Gerade ist viel los".
    clock = FakeClock()
    stage = Stage("stt", StageLimits(1, 4, 2.0), clock)
    admission = stage.admission
    for _ in range(4):  # the stage learns its service time
        ticket = admission.offer(Criticality.DEFAULT, clock.now + 5.0)
        clock.now += 0.75
        admission.release(ticket)
        clock.now += 1.0
    assert admission.service_time() == pytest.approx(0.75)
    heard = admission.offer(Criticality.DEFAULT, clock.now + 5.0)
    assert heard.state is State.ADMITTED
    clock.now += 0.1
    waiting = admission.offer(Criticality.DEFAULT, clock.now + 5.0)
    assert waiting.state is State.QUEUED and not admission.overloaded()
    clock.now += 0.1
    assert not admission.would_refuse(Criticality.SHEDDABLE, clock.now + 5.0)
    chat = admission.offer(Criticality.SHEDDABLE, clock.now + 5.0)
    assert chat.state is State.QUEUED
    clock.now += 0.55  # the first turn is heard; the others follow in the order they came
    admission.release(heard)
    assert waiting.state is State.ADMITTED and chat.state is State.QUEUED
    clock.now += 0.75
    admission.release(waiting)
    assert chat.state is State.ADMITTED


def test_a_queue_that_stands_at_half_load_is_no_overload() -> None:
    # Three turns at once, then two more before the stage has been idle: Poisson arrivals
    # at half load do that. Taken for an overload (the queue stood for two services; then
    # one waiter per slot), the fifth heard "Gerade ist viel los" with 5 s of deadline.
    clock = FakeClock()
    admission = recogniser(clock, 0.75, turns=4)
    clock.now += 5.0
    first, second, third = (admission.offer(Criticality.DEFAULT, clock.now + 5) for _ in range(3))
    for ticket in (first, second):
        clock.now += 0.75
        admission.release(ticket)
    assert third.state is State.ADMITTED
    clock.now += 0.1
    fourth = admission.offer(Criticality.DEFAULT, clock.now + 5)
    clock.now += 0.1
    fifth = admission.offer(Criticality.SHEDDABLE, clock.now + 5)
    assert not admission.overloaded()
    assert fourth.state is State.QUEUED and fifth.state is State.QUEUED
