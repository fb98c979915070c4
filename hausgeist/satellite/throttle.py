"""Adaptive client-side throttling (Google SRE book, "Handling Overload").

The client remembers, over the last `window` seconds, how many requests it wanted to send and
how many the server accepted. While the server accepts, nothing changes; when it starts to
refuse, the client refuses locally, before the network, with probability

    max(0, (requests - k * accepts) / (requests + 1))

so a server that accepts only a tenth of what arrives sees little more than `k` times what it
can take, instead of the whole surge. A locally refused request still counts as requested,
which keeps the probability up for as long as the server keeps refusing.

A request that is sent counts once its outcome is known (`accepted` or `refused`), not while
it is on its way: otherwise a device's second command, sent while its first is still in
flight, would meet `requests = 1, accepts = 0` and be refused half the time by a server
that refused nothing.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable


class AdaptiveThrottle:
    """Decides whether to send a request or refuse it locally."""

    def __init__(
        self,
        k: float = 2.0,
        window: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.k = k
        self.window = window
        self._clock = clock
        self._draw = draw
        self._buckets: deque[list[float]] = deque()  # [second, requests, accepts]

    def probability(self) -> float:
        """The chance that the next request is refused locally."""
        requests, accepts = self._totals()
        return max(0.0, (requests - self.k * accepts) / (requests + 1))

    def allow(self) -> bool:
        """Whether to send the next request.

        A refused one counts as requested at once; a sent one when `accepted` or `refused`
        reports its outcome.
        """
        if self._draw() < self.probability():
            self._bucket()[1] += 1
            return False
        return True

    def accepted(self) -> None:
        """The server took the request (any answer but an overload refusal)."""
        bucket = self._bucket()
        bucket[1] += 1
        bucket[2] += 1

    def refused(self) -> None:
        """The server refused the request as overloaded, or never answered it."""
        self._bucket()[1] += 1

    def _bucket(self) -> list[float]:
        now = float(int(self._clock()))
        if not self._buckets or self._buckets[-1][0] != now:
            self._buckets.append([now, 0.0, 0.0])
        self._forget(now)
        return self._buckets[-1]

    def _totals(self) -> tuple[float, float]:
        self._forget(float(int(self._clock())))
        return (sum(b[1] for b in self._buckets), sum(b[2] for b in self._buckets))

    def _forget(self, now: float) -> None:
        while self._buckets and self._buckets[0][0] <= now - self.window:
            self._buckets.popleft()
