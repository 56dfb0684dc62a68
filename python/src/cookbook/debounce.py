"""Debounce on asyncio: a burst of calls runs once, with the last call's arguments, after the calls
have been quiet for a while; a maximum wait keeps a steady stream of calls from never running
(docs/patterns/debounce.md). A search box queries after the typing stops, not on every key.

In production, asyncio has no debounce of its own: a small class like this one is the usual
answer, one timer moved by each call, and each run a task of its own. JavaScript's
`lodash.debounce` (`maxWait`) is the reference for the quiet period and its cap.

The module has two halves, as the rate limiters do (`cookbook.rate_limit`):

- `Debounce`, the decision core: told every call and the time, in integer ticks, with no clock
  and no timer; `decide` runs it on arrival times given as data.
- `Debouncer`, the live debouncer: the same core on a real clock, with one timer that follows the
  pending call's due time, and every run a task that is left to finish.

Time is an integer number of ticks: milliseconds when deciding on data, nanoseconds live.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Generic, TypeVar

from cookbook.gate import LiveGate
from cookbook.outcome import Failed, Ok, Outcome

T = TypeVar("T")
R = TypeVar("R")

Fire = Callable[[T, int], object]
"""Handed each call that fires, and the time it fires at."""


# --8<-- [start:debounce]
class Debounce(Generic[T]):
    """The decision core. The first call after a firing opens a burst; each call of the burst
    becomes the pending call, due `quiet` ticks after it, but never later than `max_wait` ticks
    after the burst opened; `fire` is handed the pending call when it is due. Told the time at
    each call, in non-decreasing ticks."""

    def __init__(self, quiet: int, fire: Fire[T], max_wait: int | None = None) -> None:
        if quiet < 1:
            raise ValueError(f"quiet must be at least 1, got {quiet}")
        if max_wait is not None and max_wait < quiet:
            raise ValueError(f"max_wait must be at least quiet ({quiet}), got {max_wait}")
        self._quiet = quiet
        self._fire = fire
        self._max_wait = max_wait
        self._pending: tuple[T] | None = None  # boxed: a pending `None` is still a call
        self._due = 0
        self._opened = 0  # when the pending call's burst opened
        self._now: int | None = None

    @property
    def due(self) -> int | None:
        """When the pending call fires, or None when no call is pending."""
        return self._due if self._pending is not None else None

    def advance(self, now: int) -> None:
        """Bring the debouncer up to `now`: a pending call due by then fires, at its due time."""
        if self._now is not None and now < self._now:
            raise ValueError(f"time went back from {self._now} to {now}")
        self._now = now
        if self._pending is not None and self._due <= now:
            (call,), self._pending = self._pending, None
            self._fire(call, self._due)

    def call(self, call: T, now: int) -> None:
        """A call at `now`: it replaces the pending call and moves the due time."""
        # A call due at `now` fires first: this call opens the next burst, it does not join one
        # that is over.
        self.advance(now)
        if self._pending is None:
            self._opened = now
        self._pending = (call,)
        # The quiet period runs from the latest call, not the burst's first: that is what tells
        # a debounce from a throttle. The cap runs from the first, or a steady stream of calls
        # closer than the quiet period would never fire at all.
        self._due = now + self._quiet
        if self._max_wait is not None:
            self._due = min(self._due, self._opened + self._max_wait)

    def end(self) -> None:
        """No call comes after this: the pending call, if any, fires when due."""
        if (due := self.due) is not None:
            self.advance(due)

    def drop(self) -> None:
        """Forget the pending call: the burst ends without firing."""
        self._pending = None


def decide(
    arrivals: Sequence[int], quiet: int, max_wait: int | None = None
) -> list[tuple[int, int]]:
    """`(index, time)` of each call that fires, in order, for calls arriving at `arrivals`."""
    fired: list[tuple[int, int]] = []
    debounce: Debounce[int] = Debounce(quiet, lambda call, at: fired.append((call, at)), max_wait)
    for call, at in enumerate(arrivals):
        debounce.call(call, at)
    debounce.end()
    return fired


class Debouncer(LiveGate[T], Generic[T, R]):
    """The live debouncer over `run`, which is handed each call that fires and the instant the
    debouncer fired it, on `clock` (nanoseconds, monotonic):

        async with Debouncer(search, 300 * NS_PER_MS) as search_soon:
            ...
            search_soon(text)  # never waits
        for text, outcome in search_soon.outcomes: ...

    The timer and the runs are kept apart. A call moves the due time of the pending call, never a
    run that has started: each firing starts a task of its own, left to finish, so a new burst
    may fire while an earlier run is still going. (Cancelling "the task" on each call, when the
    task is the sleep and the run together, cuts off a run that had already started.)

    Each run's outcome is kept, in firing order, in `outcomes`: a run that fails is a result, not
    an error lost in a task nobody awaits. Leaving the `async with` block waits until the pending
    call has fired and every run has finished; leaving it with an error, or cancelled, drops the
    pending call, cancels the runs still going and waits for them to stop. Either way no timer and
    no task is left behind. Create it inside the event loop it runs on.
    """

    def __init__(
        self,
        run: Callable[[T, int], Awaitable[R]],
        quiet_ns: int,
        max_wait_ns: int | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        super().__init__(Debounce(quiet_ns, self._start, max_wait_ns), clock)
        self._run = run
        self._runs: list[tuple[T, asyncio.Task[Outcome[R]]]] = []

    @property
    def outcomes(self) -> list[tuple[T, Outcome[R]]]:
        """Each finished run's call and outcome, in firing order."""
        return [(call, task.result()) for call, task in self._runs if _finished(task)]

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(kind, error, traceback)
            if error is None:
                await _all_done([task for _, task in self._runs])
        finally:
            running = [task for _, task in self._runs if not task.done()]
            for task in running:
                task.cancel()
            await _all_done(running)

    def _start(self, call: T, at: int) -> None:
        # Called by the core as it fires, in a caller's call or in the timer's callback: either
        # way the loop is running, and the run becomes a task of its own.
        self._runs.append((call, asyncio.create_task(self._outcome(call, at))))

    async def _outcome(self, call: T, at: int) -> Outcome[R]:
        # `Exception` does not include `CancelledError`: leaving the block with an error still
        # cancels the run.
        try:
            return Ok(await self._run(call, at))
        except Exception as error:
            return Failed(error)


def _finished(task: "asyncio.Task[Outcome[R]]") -> bool:
    return task.done() and not task.cancelled()


async def _all_done(tasks: Sequence[asyncio.Task[Outcome[R]]]) -> None:
    # `asyncio.wait` never cancels what it waits for, and never raises what the tasks raised.
    if tasks:
        await asyncio.wait(tasks)


# --8<-- [end:debounce]
