"""Rate limiting on asyncio: a pure decision core, and the live limiter that callers wait on.

In production, reach for a well-kept library:

- `aiolimiter.AsyncLimiter`: `async with limiter:` on asyncio, a leaky bucket of `max_rate` per
  `time_period`; the usual answer for "at most 50 calls a second to this API" in one process.
- `limits`: token bucket, moving window and fixed window strategies, with the counts kept in
  memory, Redis or Memcached, so that several processes share one limit.

This module writes the two halves out so that each can be read and tested on its own:

- `Schedule`, the decision core: integers in, integers out, no clock and no I/O. A token bucket
  (`cookbook.token_bucket`) and a sliding-window log (`cookbook.sliding_window`) are two schedules.
  The same core answers "admit or deny" for arrival times given as data (`decide`) and hands out
  admission times to live callers (`reserve`), so what the tests prove on data holds live.
- `Limiter`, the live limiter: each caller reserves the earliest admission time the schedule
  allows, first come, first served, then sleeps until it. The threads version is
  `cookbook.rate_limit_threads`.

Time is an integer number of ticks: milliseconds when deciding on data, nanoseconds live. Exact
integers, rather than floats, make every decision reproducible to the last tick in any language.
"""

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType


# --8<-- [start:schedule]
class Schedule(ABC):
    """A rate limit's decision core: at each call it is told the time, in non-decreasing ticks."""

    def __init__(self) -> None:
        self._now: int | None = None

    def decide(self, now: int) -> int:
        """Admit a request arriving at `now` (answer 0) or deny it and answer how many ticks until
        it would be admitted. A denied request changes nothing."""
        wait = self._wait(self._advance(now))
        if wait == 0:
            self._take(now)
        return wait

    def reserve(self, now: int) -> int:
        """Take the earliest admission the limit allows for a request made at `now`, and return
        its time (at or after `now`). It is never refused: the caller waits for its turn."""
        at = now + self._wait(self._advance(now))
        self._take(at)
        return at

    def _advance(self, now: int) -> int:
        # The cores subtract times: a clock that went back would hand out credit that was never
        # earned. A caller that reads the clock outside the lock it reserves under shows up here.
        if self._now is not None and now < self._now:
            raise ValueError(f"time went back from {self._now} to {now}")
        self._now = now
        return now

    @abstractmethod
    def _wait(self, now: int) -> int:
        """Bring the state up to `now`; the ticks until the next admission can be taken (>= 0)."""

    @abstractmethod
    def _take(self, at: int) -> None:
        """Record an admission at `at`, which is `now` or the time `_wait` led to."""


# --8<-- [end:schedule]


# --8<-- [start:live-limiter]
class Limiter:
    """`async with limiter:` or `await limiter.acquire()`: return once this caller's turn has come.

    The clock is `time.monotonic_ns`, the clock the event loop's timers run on, so the sleep ends
    when the schedule said; pass the loop's own clock to run on virtual time.
    """

    def __init__(self, schedule: Schedule, clock: Callable[[], int] = time.monotonic_ns) -> None:
        self._schedule = schedule
        self._clock = clock

    def now(self) -> int:
        """The time on the clock the limiter decides with, in nanoseconds."""
        return self._clock()

    async def acquire(self) -> int:
        """Wait for the next admission; return its time on the limiter's clock.

        Cancelled while it sleeps, the caller gives up its turn but not its reservation: the slot
        goes unused. That errs on the safe side (never above the rate) at the cost of throughput;
        giving slots back, as Go's `rate.Reservation.Cancel` does, would have to undo every later
        reservation's arithmetic.
        """
        # No lock: the clock read and the reservation run without an `await` in between, so no
        # other task on this loop can reserve in the middle. Reservations are made in the order
        # callers reach this line, at non-decreasing times, which is what the core requires.
        at = self._schedule.reserve(self._clock())
        # The loop may fire a timer up to its clock resolution early, and a float of seconds
        # cannot carry every nanosecond: never trust one sleep, re-read the clock. (This loop
        # waits for a time, not for another task, so there is no event to wait on instead.)
        while (now := self._clock()) < at:  # noqa: ASYNC110
            await asyncio.sleep((at - now) / 1e9)
        return at

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Nothing to give back: an admission is spent once taken, unlike a semaphore's slot.
        return None


# --8<-- [end:live-limiter]
