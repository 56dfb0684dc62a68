"""Observations: what a run reports so that the harness can prove its concurrency.

The pools know nothing of this. A runner wraps the job function so that each call holds a slot
of the recorder while the job runs:

    async def observed(job):
        with recorder.slot(job.id):
            return await run_job(job)

The wrapper runs inside the pool's worker, so the recorder's slot is taken after the worker's slot
and given back before it: `startNs` and `endNs` lie within the time the job held its worker.
"""

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TypedDict


class Event(TypedDict):
    id: int
    startNs: int
    endNs: int


class Observed(TypedDict):
    """What every run observes: the length of the measured region. Each pattern extends it with
    its own observations (a TypedDict subclass); the protocol passes them on as they are."""

    elapsedNs: int


class PoolObserved(Observed):
    """Jobs run with a bound on how many are in flight: the worker pool and scatter-gather."""

    maxInFlight: int
    events: list[Event]


class Clock:
    """Nanoseconds since the start of the measured region, on the monotonic clock."""

    def __init__(self) -> None:
        self._origin = time.perf_counter_ns()

    def now(self) -> int:
        return time.perf_counter_ns() - self._origin

    async def sleep_until(self, ns: int) -> None:
        """Sleep on the event loop until `ns` on this clock, for a case's times (an arrival at
        `atMs`). A timer may fire a little early and a float of seconds cannot carry every
        nanosecond, while the stamps taken after it must not be early: the clock is read again.
        (This waits for a time, not for another task, so there is no event to wait on.)"""
        while (left := ns - self.now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left / 1e9)

    def sleep_until_blocking(self, ns: int) -> None:
        """`sleep_until` on this thread."""
        while (left := ns - self.now()) > 0:
            time.sleep(left / 1e9)


class Recorder:
    """An in-flight counter with its maximum, and one event per job, on the monotonic clock.

    Times are nanoseconds since the recorder was made, which is just before the first job is
    handed out. Use `Recorder.for_asyncio()` or `Recorder.for_threads()`.
    """

    def __init__(self, guard: AbstractContextManager[object]) -> None:
        self._guard = guard
        self._in_flight = 0
        self._max_in_flight = 0
        self._events: list[Event] = []
        self._clock = Clock()

    @classmethod
    def for_asyncio(cls) -> "Recorder":
        # Jobs on one event loop share one thread, and `slot` never awaits while it updates the
        # counter, so no other job can run between reading and writing it: no lock is needed.
        return cls(nullcontext())

    @classmethod
    def for_threads(cls) -> "Recorder":
        # The lock keeps `_in_flight` equal to the number of jobs between their `startNs` and
        # `endNs`, and `_max_in_flight` at least that, at every instant. `+= 1` is a read then a
        # write, and threads switch between bytecodes:
        #
        #   thread A reads 3; thread B reads 3; A writes 4; B writes 4   -> one job is lost
        #
        # and the maximum would then miss the very peak the harness checks.
        return cls(threading.Lock())

    @contextmanager
    def slot(self, job_id: int) -> Iterator[None]:
        """Count the job in flight while the `with` block runs it, and record its event."""
        with self._guard:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        start = self._now()
        try:
            yield
        finally:
            end = self._now()
            with self._guard:
                self._in_flight -= 1
                self._events.append({"id": job_id, "startNs": start, "endNs": end})

    @property
    def running(self) -> int:
        """How many jobs are in flight now: zero once a pool has stopped every job it started."""
        with self._guard:
            return self._in_flight

    def finish(self) -> PoolObserved:
        """Close the measured region, just after the last result is in."""
        elapsed = self._now()
        with self._guard:
            return {
                "elapsedNs": elapsed,
                "maxInFlight": self._max_in_flight,
                "events": list(self._events),
            }

    def _now(self) -> int:
        return self._clock.now()
