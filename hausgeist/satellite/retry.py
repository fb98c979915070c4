"""When to retry: capped exponential backoff with full jitter, and a budget for retries.

Full jitter (a wait drawn uniformly between zero and the capped exponential) spreads the
retries of many devices that failed together, so they do not return together (AWS
Architecture Blog, "Exponential Backoff And Jitter"). The budget is a token bucket that every
first attempt fills a little and every retry drains by one, so retries stay near a fixed share
of requests however bad the server's day is: a surge is not multiplied by the devices'
retries (Google SRE, "Handling Overload"; gRPC's retry throttling).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Waits before retries: uniform in [0, min(cap, base * 2**retry)]."""

    base: float = 0.1
    cap: float = 10.0

    def delay(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number `retry` (0 for the first retry)."""
        ceiling: float = min(self.cap, self.base * 2.0 ** min(retry, 62))
        return draw() * ceiling


class RetryBudget:
    """Retries allowed: each request adds `ratio` of a token, each retry takes one."""

    def __init__(self, ratio: float = 0.1, max_tokens: float = 10.0) -> None:
        self.ratio = ratio
        self.max_tokens = max_tokens
        self.tokens = max_tokens

    def on_request(self) -> None:
        """A first attempt: the budget grows by `ratio`."""
        self.tokens = min(self.max_tokens, self.tokens + self.ratio)

    def try_retry(self) -> bool:
        """Take a token for one retry; False when the budget is spent."""
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
