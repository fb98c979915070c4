"""Which of the server's threads gets the core first: the event loop, then the workers.

The event loop admits turns and refuses the excess; the worker threads compute (speech, the
turn itself). On a small machine they share a core, and a refusal that waits for a busy
worker's time slice is no longer instant: at ten times capacity on one core the loop waited
2.6 s of every 10 s for the core (bench/surge.py, `/proc/<pid>/task/<tid>/schedstat`), and shed
answers took 30 to 50 ms p99 at the client instead of a few. Two Linux settings, both allowed
without privileges and both per thread:

- worker threads run at a lower priority (niceness 10, `lower_thread_priority`), so they yield
  the core whenever the loop has work; that is a few percent of the core, they keep the rest;
- the event loop asks for a short time slice (`shorten_time_slice`, EEVDF's custom slice,
  Linux 6.12 or later): a waking thread with a shorter slice preempts the running one at
  once, instead of waiting until that one's slice is used up. Measured at 10x: the loop's
  wait for the core 2.1-2.3 s -> 0.7-0.8 s per 10 s, shed p99 at the client 28-31 -> 13-19 ms.

Niceness counts only against the process's own threads where Linux groups a session's
processes for fairness (autogroup), so the server does not give up its share to other
programs. Elsewhere (another OS, an older kernel, a refusal) nothing happens and the server
works as before, only with slower refusals under overload.
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading

WORKER_NICENESS = 10  # how much lower than the event loop a worker thread runs
LOOP_SLICE_NS = 100_000  # the event loop's time slice: the shortest Linux grants (0.1 ms)
_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274, "armv7l": 380, "armv6l": 380, "i686": 351}
_SCHED_GETATTR = {"x86_64": 315, "aarch64": 275, "armv7l": 381, "armv6l": 381, "i686": 352}
_lowered = threading.local()


class SchedAttr(ctypes.Structure):
    """Linux's `struct sched_attr` (sched_setattr(2))."""

    _fields_ = [
        ("size", ctypes.c_uint32),
        ("sched_policy", ctypes.c_uint32),
        ("sched_flags", ctypes.c_uint64),
        ("sched_nice", ctypes.c_int32),
        ("sched_priority", ctypes.c_uint32),
        ("sched_runtime", ctypes.c_uint64),  # for SCHED_OTHER since 6.12: the time slice
        ("sched_deadline", ctypes.c_uint64),
        ("sched_period", ctypes.c_uint64),
        ("sched_util_min", ctypes.c_uint32),
        ("sched_util_max", ctypes.c_uint32),
    ]


def lower_thread_priority(niceness: int = WORKER_NICENESS) -> None:
    """Run the calling worker thread below the event loop, once per thread.

    Unprivileged, a thread can lower its priority but not raise it again, so this is for
    worker threads only (a pool's threads stay lowered, which is what is wanted)."""
    if getattr(_lowered, "done", False):
        return
    _lowered.done = True
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        if current < niceness:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):
        pass  # not Linux, or not allowed: the default priority still works, only slower


def shorten_time_slice(nanoseconds: int = LOOP_SLICE_NS) -> bool:
    """Ask for a short time slice for the calling thread (the event loop's); whether Linux
    took the request (older kernels accept it and keep their usual slice)."""
    number = _SCHED_SETATTR.get(platform.machine())
    if number is None or not hasattr(os, "sched_getscheduler"):
        return False
    try:
        if os.sched_getscheduler(0) != os.SCHED_OTHER:
            return False  # someone chose another policy for this thread: keep it
        attr = SchedAttr(size=ctypes.sizeof(SchedAttr), sched_policy=os.SCHED_OTHER,
                         sched_nice=os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
                         sched_runtime=nanoseconds)  # fmt: skip
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.syscall(number, threading.get_native_id(), ctypes.byref(attr), 0)) == 0
    except (AttributeError, OSError):
        return False


def time_slice() -> int | None:
    """The calling thread's custom time slice in nanoseconds (None where unknown)."""
    number = _SCHED_GETATTR.get(platform.machine())
    if number is None:
        return None
    attr = SchedAttr()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        found = libc.syscall(number, threading.get_native_id(), ctypes.byref(attr),
                             ctypes.sizeof(SchedAttr), 0)  # fmt: skip
    except (AttributeError, OSError):
        return None
    return int(attr.sched_runtime) if found == 0 else None
