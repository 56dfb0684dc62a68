"""What the live throttle and the live debouncer share: a decision core that is told each call
and the time and says when it is next due (`Core`), and `LiveGate`, which feeds such a core the
real clock and keeps one timer on its due time, a due time that each call may move and that must
never be met early.

A decision core (`cookbook.throttle.Throttle`, `cookbook.debounce.Debounce`) never reads a clock:
it is told the time, so every rule can be tested to the tick on data. The live half reads the
clock, tells the core, and arms the timer for the instant the core answers.
"""

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


# --8<-- [start:live-gate]
class Core(Protocol[T_contra]):
    """A decision core, told the time in non-decreasing ticks."""

    @property
    def due(self) -> int | None:
        """When the core next fires, or None when nothing is pending."""

    def call(self, call: T_contra, now: int) -> None:
        """A call arrives at `now`."""

    def advance(self, now: int) -> None:
        """Time has come to `now`: whatever is due by then fires."""

    def drop(self) -> None:
        """Forget the pending call."""


class DueTimer:
    """`set(at)` arms the timer for the instant `at` on `clock` (nanoseconds, monotonic),
    replacing whatever it was armed for; `set(None)` disarms it. Once the clock has reached that
    instant, `on_due()` is called, on the event loop. At most one timer is pending, a loop
    callback rather than a task (Go's `Timer.Reset`, not a timer per call), and none once
    disarmed. Create it inside the event loop it runs on."""

    def __init__(self, clock: Callable[[], int], on_due: Callable[[], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._clock = clock
        self._on_due = on_due
        self._at: int | None = None
        self._handle: asyncio.TimerHandle | None = None

    def set(self, at: int | None) -> None:
        # The same due time keeps the timer already armed: most calls leave it where it is.
        if at == self._at:
            return
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._at = at
        if at is not None:
            self._arm(at)

    def _arm(self, at: int) -> None:
        # The loop's timers run on its own clock (`loop.time()`, in float seconds): the due time
        # is carried over as the time left.
        when = self._loop.time() + (at - self._clock()) / 1e9
        self._handle = self._loop.call_at(when, self._ring, at)

    def _ring(self, at: int) -> None:
        self._handle = None
        # A timer may fire a little early by `clock`, and a float of seconds cannot carry every
        # nanosecond: armed again for what is left, it never reports an instant not yet reached.
        if self._clock() < at:
            self._arm(at)
            return
        self._at = None
        self._on_due()


class LiveGate(Generic[T]):
    """A core on the real clock: call it as often as you like, it never waits. Every caller
    shares the one core, and no lock guards it: a call reads the clock and decides without an
    `await` in between, so callers that arrive together on the loop are decided one after the
    other.

    Leaving the `async with` block waits until nothing is pending (the pending call has fired);
    leaving it with an error, or cancelled, drops the pending call instead. Either way no timer
    is left behind. Create it inside the event loop it runs on."""

    def __init__(self, core: Core[T], clock: Callable[[], int]) -> None:
        self._core = core
        self._clock = clock
        self._timer = DueTimer(clock, self._on_due)
        self._quiet = asyncio.Event()
        self._quiet.set()

    def __call__(self, call: T) -> None:
        """Offer one call to the core, at the time on the clock."""
        self._core.call(call, self._clock())
        self._settle()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                await self._quiet.wait()
        finally:
            self._core.drop()
            self._timer.set(None)

    def _on_due(self) -> None:
        self._core.advance(self._clock())
        self._settle()

    def _settle(self) -> None:
        # After every decision: the timer follows the pending call, and whoever waits for quiet
        # is woken once there is none.
        due = self._core.due
        self._timer.set(due)
        if due is None:
            self._quiet.set()
        else:
            self._quiet.clear()


# --8<-- [end:live-gate]
