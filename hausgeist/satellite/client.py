"""The device's client: one logical request, retried politely within its deadline.

Every attempt passes the adaptive throttle first (the device refuses locally while the server
refuses most requests). A refusal for load (503, 429) was not processed, so it is retried
whatever the request; an answer that leaves the outcome unknown (a 5xx other than a shed, a
connection lost after sending) is retried only when repeating it is harmless: an idempotent
method, or a request that carries an idempotency key. A retry waits for the larger of the
server's Retry-After and a full-jitter backoff, spends a token of the retry budget, and is not
made when the deadline would pass first. Each attempt tells the server the time left
(`X-Deadline-Ms`), so the server drops work the device has stopped waiting for.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from hausgeist.satellite.errors import Throttled, Unreachable
from hausgeist.satellite.http import Request, Response, Transport
from hausgeist.satellite.retry import Backoff, RetryBudget
from hausgeist.satellite.throttle import AdaptiveThrottle

_SHED = (429, 503)  # refused for load: the server did nothing
_MIN_ATTEMPT = 0.05  # seconds; less time than this left is not worth an attempt


@dataclass
class Attempted:
    """A final answer and how many attempts it took."""

    response: Response
    attempts: int


class Client:
    """Requests to one server with backoff, a retry budget and adaptive throttling."""

    def __init__(
        self,
        transport: Transport,
        token: str | None = None,
        deadline: float = 5.0,
        max_attempts: int = 4,
        backoff: Backoff | None = None,
        budget: RetryBudget | None = None,
        new_throttle: Callable[[], AdaptiveThrottle] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.transport = transport
        self.token = token
        self.deadline = deadline
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self.budget = budget or RetryBudget()
        self._new_throttle = new_throttle or (lambda: AdaptiveThrottle(clock=clock, draw=draw))
        self.throttles: dict[str, AdaptiveThrottle] = {}
        self._clock = clock
        self._sleep = sleep
        self._draw = draw

    async def ask(
        self,
        text: str,
        conversation_id: str | None = None,
        criticality: str = "default",
        idempotency_key: str | None = None,
    ) -> Attempted:
        """One turn (POST /v1/ask); without an idempotency key it is only retried when shed.

        With a key (e.g. a fresh `uuid4().hex` per spoken command) it is also retried when
        its outcome is unknown: the server answers a repeated key from what it kept and acts
        only once.
        """
        body: dict[str, Any] = {"text": text}
        if conversation_id:
            body["conversation_id"] = conversation_id
        request = Request("POST", "/v1/ask", body)
        return await self.send(request, idempotency_key, criticality)

    async def ask_audio(
        self,
        wav: bytes,
        criticality: str = "default",
        idempotency_key: str | None = None,
        conversation_id: str | None = None,
        hint: str | None = None,
    ) -> Attempted:
        """One spoken turn (POST /v1/ask with a WAV recording); without an idempotency key
        it is only retried when shed, with one also when its outcome is unknown (the server
        answers a repeated key from what it kept, without hearing the audio again).

        `hint` tells the server the turn's class before it is heard (`X-Turn-Class`); the
        server honours it within the device's budget and checks it afterwards: a hint that
        claimed more than the turn was costs the device its hints for a while. Send one only
        where the device knows (the answer to a question the server just asked)."""
        path = "/v1/ask"
        if conversation_id:
            path += "?" + urlencode({"conversation_id": conversation_id})
        headers = {"Content-Type": "audio/wav"}
        if hint:
            headers["X-Turn-Class"] = hint
        request = Request("POST", path, wav, headers)
        return await self.send(request, idempotency_key, criticality)

    async def fetch(self, path: str) -> Attempted:
        """A GET of one of the server's resources (a reply's audio), retried as idempotent.

        Its own throttle: the pre-rendered apology of a refused turn is fetched right after
        the refusal, which must not count against it (nor fetches against turns)."""
        return await self.send(Request("GET", path), criticality="audio")

    def throttle(self, criticality: str = "default") -> AdaptiveThrottle:
        """The throttle of one class of request.

        One per class, since the server sheds by class: a device whose chit-chat is refused
        must not stop sending its light switches, which the server still takes.
        """
        if criticality not in self.throttles:
            self.throttles[criticality] = self._new_throttle()
        return self.throttles[criticality]

    async def send(
        self, request: Request, idempotency_key: str | None = None, criticality: str = "default"
    ) -> Attempted:
        """The final answer to `request`; raises `Throttled` or `Unreachable` without one."""
        throttle = self.throttle(criticality)
        ends = self._clock() + self.deadline
        headers = dict(request.headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        harmless = request.idempotent() or idempotency_key is not None
        self.budget.on_request()
        last: Response | None
        failed: Unreachable | None
        attempts, last, failed = 0, None, None
        while True:
            if not throttle.allow():
                if last is not None:
                    return Attempted(last, attempts)  # the retry was refused on the device
                if failed is not None:
                    raise failed  # a server that is down is no busy one: say what happened
                raise Throttled(attempts=attempts)
            attempts += 1
            left = ends - self._clock()
            attempt = replace(
                request, headers={**headers, "X-Deadline-Ms": str(max(1, int(left * 1000)))}
            )
            try:
                response = await self.transport.send(attempt, left)
            except Unreachable as err:
                throttle.refused()
                err.attempts, failed = attempts, err
                if (err.sent and not harmless) or not await self._may_retry(attempts, ends, None):
                    raise
                continue
            if response.status not in _SHED:
                throttle.accepted()
                if response.status < 500 or not harmless:
                    return Attempted(response, attempts)
            else:
                throttle.refused()
            last = response
            if not await self._may_retry(attempts, ends, response.retry_after()):
                return Attempted(response, attempts)

    async def _may_retry(self, attempts: int, ends: float, retry_after: float | None) -> bool:
        """Wait before the next attempt and say yes, or say no at once."""
        if attempts >= self.max_attempts:
            return False
        wait = max(retry_after or 0.0, self.backoff.delay(attempts - 1, self._draw))
        if self._clock() + wait + _MIN_ATTEMPT > ends or not self.budget.try_retry():
            return False
        await self._sleep(wait)
        return True
