"""Backoff, the retry budget and adaptive throttling, on a fake clock and fixed draws."""

from __future__ import annotations

import pytest

from hausgeist.satellite.retry import Backoff, RetryBudget
from hausgeist.satellite.throttle import AdaptiveThrottle


def test_backoff_doubles_up_to_the_cap_and_jitters_over_the_whole_range() -> None:
    backoff = Backoff(base=0.1, cap=1.0)
    assert [backoff.delay(n, lambda: 1.0) for n in range(6)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 1.0, 1.0])  # fmt: skip
    assert backoff.delay(3, lambda: 0.0) == 0.0
    assert backoff.delay(3, lambda: 0.5) == pytest.approx(0.4)
    assert backoff.delay(10_000, lambda: 1.0) == 1.0


def test_the_budget_allows_about_one_retry_per_ten_requests_once_its_burst_is_spent() -> None:
    budget = RetryBudget(ratio=0.1, max_tokens=5)
    burst = sum(budget.try_retry() for _ in range(100))
    assert burst == 5
    retries = 0
    for _ in range(1000):
        budget.on_request()
        retries += budget.try_retry()
    assert retries == pytest.approx(100, abs=1)


def test_the_budget_never_holds_more_than_its_cap() -> None:
    budget = RetryBudget(ratio=0.5, max_tokens=2)
    for _ in range(100):
        budget.on_request()
    assert budget.tokens == 2


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_never_refuses_while_the_server_accepts() -> None:
    throttle = AdaptiveThrottle(clock=Clock(), draw=lambda: 0.0)
    for _ in range(1000):
        assert throttle.allow()
        throttle.accepted()
    assert throttle.probability() == 0.0


def test_the_throttle_refuses_in_proportion_when_the_server_refuses() -> None:
    draws = [1.0]  # while the history builds up, every request is sent
    throttle = AdaptiveThrottle(k=2, clock=Clock(), draw=lambda: draws[0])
    for n in range(1000):
        assert throttle.allow()
        if n % 10 == 0:  # the server accepts a tenth
            throttle.accepted()
        else:
            throttle.refused()
    assert throttle.probability() == pytest.approx((1000 - 2 * 100) / 1001)
    draws[0] = 0.5
    assert not throttle.allow()
    assert throttle.probability() == pytest.approx((1001 - 2 * 100) / 1002)


def test_a_request_in_flight_does_not_count_against_the_next() -> None:
    throttle = AdaptiveThrottle(k=2, clock=Clock(), draw=lambda: 0.0)
    assert throttle.allow()  # sent; no answer yet
    assert throttle.probability() == 0.0
    assert throttle.allow()  # a second command while the first is on its way
    throttle.refused()
    assert throttle.probability() == pytest.approx(1 / 2)


def test_what_the_server_said_long_ago_is_forgotten() -> None:
    clock = Clock()
    throttle = AdaptiveThrottle(window=120, clock=clock, draw=lambda: 0.99)
    for _ in range(100):
        throttle.allow()
        throttle.refused()  # all refused by the server
    assert throttle.probability() > 0.9
    clock.now = 121
    assert throttle.probability() == 0.0
