"""The client's retries against a scripted transport, on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest

from hausgeist.satellite.client import Attempted, Client
from hausgeist.satellite.errors import Throttled, Unreachable
from hausgeist.satellite.http import Request, Response
from hausgeist.satellite.retry import Backoff, RetryBudget
from hausgeist.satellite.throttle import AdaptiveThrottle

Answer = Response | Unreachable


def answer(status: int, retry_after: int | None = None) -> Response:
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    return Response(status, headers, b"{}")


class Script:
    """A transport that gives the scripted answers in order and records what it was sent."""

    def __init__(self, answers: Iterable[Answer]) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[Request, float]] = []

    async def send(self, request: Request, timeout: float) -> Response:
        self.sent.append((request, timeout))
        found = self.answers.pop(0)
        if isinstance(found, Unreachable):
            raise found
        return found


class World:
    """A fake clock whose sleeps pass time at once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(script: Script, world: World, **options: object) -> Client:
    settings: dict[str, object] = {
        "backoff": Backoff(base=0.1, cap=2.0), "clock": world.clock, "sleep": world.sleep,
        "draw": lambda: 0.5, "token": "t",
        # A throttle that refuses only when nearly everything was refused.
        "new_throttle": lambda: AdaptiveThrottle(clock=world.clock, draw=lambda: 0.999),
    }  # fmt: skip
    settings.update(options)
    return Client(script, **settings)  # type: ignore[arg-type]


def run(client: Client, request: Request | None = None, key: str | None = None) -> Attempted:
    if request is None:
        return asyncio.run(client.ask("Mach das Licht an"))
    return asyncio.run(client.send(request, key))


def test_a_shed_turn_is_retried_after_the_servers_retry_after() -> None:
    script, world = Script([answer(503, retry_after=2), answer(200)]), World()
    done = run(client(script, world))
    assert done.response.status == 200 and done.attempts == 2
    assert world.slept == [2.0]


def test_without_retry_after_the_wait_is_full_jitter_backoff() -> None:
    script, world = Script([answer(429), answer(429), answer(200)]), World()
    done = run(client(script, world))
    assert done.attempts == 3 and world.slept == pytest.approx([0.05, 0.1])


def test_each_attempt_tells_the_server_the_time_left_and_who_asks() -> None:
    script, world = Script([answer(503, retry_after=1), answer(200)]), World()
    run(client(script, world, deadline=5.0))
    (first, first_timeout), (second, second_timeout) = script.sent
    assert first.headers["X-Deadline-Ms"] == "5000" and first_timeout == 5.0
    assert second.headers["X-Deadline-Ms"] == "4000" and second_timeout == 4.0
    assert first.headers["Authorization"] == "Bearer t"


def test_no_retry_is_made_that_would_end_after_the_deadline() -> None:
    script, world = Script([answer(503, retry_after=4), answer(200)]), World()
    done = run(client(script, world, deadline=3.0))
    assert done.response.status == 503 and done.attempts == 1 and world.slept == []


def test_a_turn_whose_outcome_is_unknown_is_not_retried() -> None:
    script, world = Script([answer(500), answer(200)]), World()
    assert run(client(script, world)).response.status == 500
    lost = Script([Unreachable("reset", sent=True), answer(200)])
    with pytest.raises(Unreachable):
        run(client(lost, World()))
    assert len(lost.sent) == 1


def test_a_turn_that_never_left_the_device_is_retried() -> None:
    script = Script([Unreachable("refused", sent=False), answer(200)])
    assert run(client(script, World())).attempts == 2


def test_an_idempotent_request_or_one_with_a_key_is_retried_after_an_unknown_outcome() -> None:
    script = Script([answer(502), answer(200)])
    assert run(client(script, World()), Request("GET", "/v1/timers")).attempts == 2
    keyed = Script([Unreachable("reset", sent=True), answer(201)])
    order = Request("POST", "/v1/orders", {"product": "Milch"})
    done = run(client(keyed, World()), order, key="k-1")
    assert done.response.status == 201
    assert [r.headers["Idempotency-Key"] for r, _ in keyed.sent] == ["k-1", "k-1"]


def test_a_keyed_turn_is_retried_after_an_unknown_outcome_and_an_unkeyed_one_is_not() -> None:
    keyed = Script([Unreachable("reset", sent=True), answer(200)])
    world = World()
    done = asyncio.run(client(keyed, world).ask("Licht an", idempotency_key="turn-1"))
    assert done.attempts == 2
    assert [r.headers["Idempotency-Key"] for r, _ in keyed.sent] == ["turn-1", "turn-1"]
    unkeyed = Script([Unreachable("reset", sent=True), answer(200)])
    with pytest.raises(Unreachable):
        asyncio.run(client(unkeyed, World()).ask("Licht an"))
    assert len(unkeyed.sent) == 1


def test_client_errors_are_final() -> None:
    script = Script([answer(400), answer(200)])
    assert run(client(script, World())).attempts == 1


def test_attempts_are_capped() -> None:
    script = Script([answer(503, retry_after=0)] * 10)
    done = run(client(script, World(), max_attempts=3, deadline=60.0))
    assert done.attempts == 3 and done.response.status == 503


def test_a_spent_budget_stops_retries() -> None:
    script = Script([answer(503, retry_after=0), answer(200)])
    done = run(client(script, World(), budget=RetryBudget(ratio=0.1, max_tokens=0.5)))
    assert done.attempts == 1 and done.response.status == 503


def test_a_device_refused_again_and_again_refuses_locally() -> None:
    world = World()
    throttle = AdaptiveThrottle(k=2, clock=world.clock, draw=lambda: 0.5)
    script = Script([answer(503, retry_after=0)] * 100)
    shed = client(script, world, new_throttle=lambda: throttle, max_attempts=1)
    for _ in range(2):  # refusal chances before each: 0, then 1/2 (the draw is 0.5)
        assert asyncio.run(shed.ask("Wie spät ist es?")).response.status == 503
    with pytest.raises(Throttled) as refused:  # then 2/3
        asyncio.run(shed.ask("Wie spät ist es?"))
    assert refused.value.code == "throttled" and refused.value.attempts == 0
    assert len(script.sent) == 2


def test_a_retry_the_throttle_refuses_returns_the_last_answer() -> None:
    world = World()
    throttle = AdaptiveThrottle(k=2, clock=world.clock, draw=lambda: 0.5)
    script = Script([answer(503, retry_after=0)] * 10)
    done = run(client(script, world, new_throttle=lambda: throttle, deadline=60.0))
    assert done.response.status == 503 and done.attempts == 2


def test_refused_chit_chat_does_not_throttle_home_control() -> None:
    world = World()
    script = Script([answer(503, retry_after=0)] * 5 + [answer(200)])
    device = client(
        script,
        world,
        max_attempts=1,
        new_throttle=lambda: AdaptiveThrottle(clock=world.clock, draw=lambda: 0.5),
    )
    for _ in range(2):
        asyncio.run(device.ask("Wie spät ist es?", criticality="sheddable"))
    with pytest.raises(Throttled):
        asyncio.run(device.ask("Wie spät ist es?", criticality="sheddable"))
    assert asyncio.run(device.ask("Licht an", criticality="critical")).response.status == 503


def test_a_retry_the_throttle_refuses_after_no_answer_reports_the_server_unreachable() -> None:
    world = World()
    throttle = AdaptiveThrottle(k=2, clock=world.clock, draw=lambda: 0.5)
    script = Script([Unreachable("connection refused")] * 5)
    device = client(script, world, new_throttle=lambda: throttle, deadline=60.0)
    with pytest.raises(Unreachable) as failed:  # refusal chances 0, 1/2, then 2/3 (draw 0.5)
        run(device)
    assert failed.value.code == "unreachable" and failed.value.attempts == 2
    assert len(script.sent) == 2
