"""The server's threads: the event loop gets a short time slice, workers a lower priority."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest

from hausgeist.server.priority import (
    LOOP_SLICE_NS,
    WORKER_NICENESS,
    lower_thread_priority,
    shorten_time_slice,
    time_slice,
)

T = TypeVar("T")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread settings")


def in_a_thread(work: Callable[[], T]) -> T:
    """`work`'s result, run in a new thread (the settings stay with that thread)."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    return result[0]


def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux
def test_a_worker_thread_lowers_its_own_priority_and_no_other() -> None:
    before = niceness()

    def lowered() -> int:
        lower_thread_priority()
        lower_thread_priority()  # once is enough; again changes nothing
        return niceness()

    assert in_a_thread(lowered) == max(before, WORKER_NICENESS)
    assert niceness() == before


@linux
def test_the_event_loop_thread_gets_a_short_time_slice_and_keeps_its_priority() -> None:
    def shortened() -> tuple[int | None, bool, int | None, int]:
        return time_slice(), shorten_time_slice(), time_slice(), niceness()

    before, taken, after, nice = in_a_thread(shortened)
    if before is None or before == 0:
        pytest.skip("this kernel reports no time slice (custom slices: Linux 6.12)")
    assert taken and after == LOOP_SLICE_NS < before
    assert nice == niceness()
