"""Throttle on asyncio: at most one call goes through per interval; the others are dropped, or the
latest of them goes through when the interval ends (the trailing edge). It bounds how often
something runs in answer to a stream of events: a save on every keystroke, a refresh on every
scroll event, a progress report on every chunk (docs/patterns/throttle.md).

In production, asyncio has no throttle of its own: a small class like this one is the usual
answer, and `aiolimiter.AsyncLimiter` when calls should wait for their turn rather than be
dropped. The edge options follow JavaScript's `lodash.throttle` (`leading`, `trailing`).

The module has two halves, as the rate limiters do (`cookbook.rate_limit`):

- `Throttle`, the decision core: told every call and the time, in integer ticks, with no clock
  and no timer; `decide` runs it on arrival times given as data.
- `Throttler`, the live throttle: the same core on a real clock, with one timer armed for the end
  of the window while a trailing call is pending.

Time is an integer number of ticks: milliseconds when deciding on data, nanoseconds live.
"""

import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from cookbook.gate import LiveGate

T = TypeVar("T")

Fire = Callable[[T, int], object]
"""Handed each call that goes through, and the time it fires at."""


# --8<-- [start:throttle]
class Throttle(Generic[T]):
    """The decision core. A window opens at each firing and lasts `interval` ticks; `fire` is
    handed each call that goes through. Told the time at each call, in non-decreasing ticks."""

    def __init__(
        self, interval: int, fire: Fire[T], leading: bool = True, trailing: bool = False
    ) -> None:
        if interval < 1:
            raise ValueError(f"interval must be at least 1, got {interval}")
        if not leading and not trailing:
            raise ValueError("a throttle with neither edge would never fire")
        self._interval = interval
        self._fire = fire
        self._leading = leading
        self._trailing = trailing
        self._window_end: int | None = None  # while a window is open
        self._pending: tuple[T] | None = None  # boxed: a pending `None` is still a call
        self._now: int | None = None

    @property
    def due(self) -> int | None:
        """When the pending call fires, or None when no call is pending."""
        return self._window_end if self._pending is not None else None

    def advance(self, now: int) -> None:
        """Bring the throttle up to `now`. A window that has ended by then fires its pending call
        at its end, not at `now`, and that firing opens the next window; one with none closes."""
        if self._now is not None and now < self._now:
            raise ValueError(f"time went back from {self._now} to {now}")
        self._now = now
        if self._window_end is None or self._window_end > now:
            return
        if self._pending is None:
            self._window_end = None
            return
        (call,), self._pending = self._pending, None
        # A trailing firing opens a window of its own: without it, a call right after it would
        # go through at once, two firings closer than the interval.
        self._open(call, self._window_end)
        if self._window_end <= now:
            self._window_end = None  # that window has ended too, with nothing in it

    def call(self, call: T, now: int) -> None:
        """A call at `now`: it fires now, becomes the pending call, or is dropped."""
        # A window ending at `now` is over before this call is looked at: a call exactly at the
        # end of the interval opens the next one, it is not inside the last.
        self.advance(now)
        if self._window_end is None:
            if self._leading:
                self._open(call, now)
            else:
                # Trailing only: the call opens a window without firing, and fires at its end
                # unless a later call has taken its place.
                self._window_end = now + self._interval
                self._pending = (call,)
        elif self._trailing:
            # The latest call wins: it carries the newest arguments, which is what a trailing
            # edge is for (the text after the last keystroke, not after the first dropped one).
            self._pending = (call,)

    def end(self) -> None:
        """No call comes after this: time runs on until the pending call, if any, has fired."""
        if (due := self.due) is not None:
            self.advance(due)

    def drop(self) -> None:
        """Forget the pending call. The window stays open to its end: the interval still holds."""
        self._pending = None

    def _open(self, call: T, at: int) -> None:
        # The window is set before `fire` runs, so that a call `fire` makes is decided against it.
        self._window_end = at + self._interval
        self._fire(call, at)


def decide(
    arrivals: Sequence[int], interval: int, leading: bool = True, trailing: bool = False
) -> list[tuple[int, int]]:
    """`(index, time)` of each call that fires, in order, for calls arriving at `arrivals`."""
    fired: list[tuple[int, int]] = []
    throttle: Throttle[int] = Throttle(
        interval, lambda call, at: fired.append((call, at)), leading, trailing
    )
    for call, at in enumerate(arrivals):
        throttle.call(call, at)
    throttle.end()
    return fired


class Throttler(LiveGate[T]):
    """The live throttle over `fire`, which is handed each call that goes through and the
    instant the throttle fired it, on `clock` (nanoseconds, monotonic):

        async with Throttler(save, 500 * NS_PER_MS, trailing=True) as save_soon:
            ...
            save_soon(document)  # never waits

    Callers that arrive together are decided one after the other (see `LiveGate`), and only the
    first of them opens the window. (A throttle that reads the time, sleeps the rest of the
    interval and then records the time lets them all through together: each computed its sleep
    from the same last time.)

    `fire` runs on the loop, in the caller's call or in the timer's callback: it must not block,
    and slow work belongs in a task it starts. Leaving the `async with` block waits for the
    trailing call, if one is pending.
    """

    def __init__(
        self,
        fire: Fire[T],
        interval_ns: int,
        leading: bool = True,
        trailing: bool = False,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        super().__init__(Throttle(interval_ns, fire, leading, trailing), clock)


# --8<-- [end:throttle]
