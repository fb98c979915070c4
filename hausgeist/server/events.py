"""A household's event feed: state changes pushed to every page and device listening.

Each listener has a bounded queue. A listener too slow to keep up is dropped (its stream
ends, the client reconnects and refetches) instead of growing memory without bound.
Publishing is safe from worker threads: it hops onto the event loop.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

QUEUE_SIZE = 256


@dataclass(frozen=True)
class Event:
    """One change: `kind` is device, lists, timers, orders, player, ring or turn."""

    kind: str
    data: dict[str, Any]

    def to_sse(self) -> str:
        """The event as a Server-Sent Events message."""
        return f"event: {self.kind}\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n"


class EventHub:
    """Fans a household's events out to its listeners."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._listeners: set[asyncio.Queue[Event | None]] = set()

    @property
    def listeners(self) -> int:
        """How many listeners are connected."""
        return len(self._listeners)

    def subscribe(self) -> asyncio.Queue[Event | None]:
        """A new listener's queue; `None` in it means the listener was dropped."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)
        self._listeners.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        """Forget a listener."""
        self._listeners.discard(queue)

    def publish(self, event: Event) -> None:
        """Send an event to every listener; callable from any thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._fan_out(event)
        else:
            self._loop.call_soon_threadsafe(self._fan_out, event)

    def close(self) -> None:
        """End every listener's stream (on the event loop's thread)."""
        for queue in list(self._listeners):
            self._drop(queue)

    def _drop(self, queue: asyncio.Queue[Event | None]) -> None:
        self._listeners.discard(queue)
        while queue.full():
            queue.get_nowait()  # make room for the end marker
        queue.put_nowait(None)

    def _fan_out(self, event: Event) -> None:
        for queue in list(self._listeners):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self._drop(queue)
