"""Rate limiting on threads: the live limiter over the same decision core as on asyncio.

The schedules (`cookbook.token_bucket`, `cookbook.sliding_window`) are shared with
`cookbook.rate_limit`; only the waiting differs. In production, `limits` has the same API for
threads as for asyncio (`MovingWindowRateLimiter(storage).hit(item)`), which answers yes or no and
leaves the waiting to you; `pyrate-limiter`'s `Limiter` can also block, up to its `max_delay`,
until a slot is free.
"""

import threading
import time
from collections.abc import Callable
from types import TracebackType

from cookbook.rate_limit import Schedule


# --8<-- [start:live-limiter]
class Limiter:
    """`with limiter:` or `limiter.acquire()`: return once this thread's turn has come."""

    def __init__(self, schedule: Schedule, clock: Callable[[], int] = time.monotonic_ns) -> None:
        self._schedule = schedule
        self._clock = clock
        # The lock makes each reservation atomic and orders them: the clock is read and the
        # schedule updated by one thread at a time, so reservations are first come, first served,
        # at non-decreasing times. Without it two threads can both see the last token:
        #
        #   A reads credits = 1 token; B reads credits = 1 token; both take it -> one too many
        #
        # The clock is read inside the lock too: read outside, a thread preempted between the
        # read and the lock would reserve with a time older than the reservation before it.
        self._lock = threading.Lock()

    def now(self) -> int:
        """The time on the clock the limiter decides with, in nanoseconds."""
        return self._clock()

    def acquire(self) -> int:
        """Block until the next admission; return its time on the limiter's clock."""
        with self._lock:
            at = self._schedule.reserve(self._clock())
        # Sleep outside the lock: the reservation is already made, and holding the lock while
        # sleeping would make every other thread wait to even learn its turn. `time.sleep` runs
        # on the monotonic clock, but a wake-up is only as exact as the system timer: re-check.
        while (now := self._clock()) < at:
            time.sleep((at - now) / 1e9)
        return at

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Nothing to give back: an admission is spent once taken, unlike a semaphore's slot.
        return None


# --8<-- [end:live-limiter]
