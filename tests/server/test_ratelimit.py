"""The per-device token bucket, on a fake clock."""

from __future__ import annotations

from hausgeist.server.ratelimit import RateLimiter


def test_a_burst_is_allowed_then_the_steady_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2, burst=4, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(4)] == [0.0] * 4
    assert limiter.take("a") == 0.5
    now[0] += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0


def test_devices_have_their_own_buckets() -> None:
    limiter = RateLimiter(rate=1, burst=1, clock=lambda: 0.0)
    assert limiter.take("a") == 0.0
    assert limiter.take("b") == 0.0
    assert limiter.take("a") > 0
