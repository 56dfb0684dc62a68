"""Circuit breaker on asyncio: after enough failures in a window the breaker opens, and calls fail
fast without running, sparing a struggling dependency; after a while it lets a few probes through,
and closes again once they succeed (docs/patterns/circuit-breaker.md).

In production, reach for `aiobreaker` or `purgatory`: async breakers with listeners for each
change of state, and predicates for which errors count (a 404 is the caller's fault, not the
dependency's, and should not open anything).

The module has two halves, as the rate limiters do (`cookbook.rate_limit`):

- `Breaker`, the decision core: told each call and each result with the time, in integer ticks,
  with no clock; `decide` runs it on calls given as data.
- `CircuitBreaker`, the live breaker: the same core on a real clock, around calls that take time,
  from any number of tasks at once.

Time is an integer number of ticks: milliseconds when deciding on data, nanoseconds live.
"""

import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar

R = TypeVar("R")

State = Literal["closed", "open", "half-open"]
OnChange = Callable[[int, State], object]
"""Handed each change of state: when, and to what."""


# --8<-- [start:circuit-breaker]
@dataclass(frozen=True)
class Settings:
    """Open when `failure_threshold` failures fall within `window` ticks; stay open `open_for`
    ticks; then let at most `half_open_probes` probes run at once, closing once that many have
    succeeded."""

    failure_threshold: int
    window: int
    open_for: int
    half_open_probes: int

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")


@dataclass(frozen=True)
class Permit:
    """A call let through at `at`, to be reported with `Breaker.record` (or `release`) once it
    has ended."""

    at: int
    generation: int


class Breaker:
    """The decision core. Closed, it lets every call run and opens when enough failures fall
    within the window; open, it rejects every call; then half-open, it lets a few probes run at
    once: one failing opens it again, and enough succeeding close it (see `Settings`). Told the
    time at each call and each result, in non-decreasing ticks."""

    def __init__(self, settings: Settings, on_change: OnChange = lambda at, to: None) -> None:
        self._window = settings.window
        self._open_for = settings.open_for
        self._probes = settings.half_open_probes
        self._on_change = on_change
        self.state: State = "closed"
        # The latest failures, no more than the threshold: the breaker opens when the oldest of
        # them is still inside the window. Failures older than that can never count again.
        self._failures: deque[int] = deque(maxlen=settings.failure_threshold)
        self._opened = 0
        # Bumped by every change: a result from a call let through before the change is stale and
        # counts for nothing (a slow call from the closed state is no probe).
        self._generation = 0
        self._probes_running = 0
        self._probes_succeeded = 0
        self._now: int | None = None

    def admit(self, now: int) -> Permit | None:
        """A call at `now`: a permit to run it, or None if it is rejected."""
        self._advance(now)
        if self.state == "open":
            return None
        if self.state == "half-open":
            # Only a few probes at once: letting every waiting caller through would hand the
            # recovering dependency its whole load again.
            if self._probes_running == self._probes:
                return None
            self._probes_running += 1
        return Permit(now, self._generation)

    def record(self, permit: Permit, now: int, ok: bool) -> None:
        """The call `permit` let through ended at `now`, and succeeded if `ok`."""
        self._advance(now)
        if permit.generation != self._generation:
            return
        if self.state == "closed":
            if not ok:
                self._failures.append(now)
                full = len(self._failures) == self._failures.maxlen
                if full and now - self._failures[0] < self._window:
                    self._change(now, "open")
        elif self.state == "half-open":
            self._probes_running -= 1
            if not ok:
                self._change(now, "open")
                return
            self._probes_succeeded += 1
            if self._probes_succeeded == self._probes:
                # A breaker that closes remembering old failures would open again on the first
                # new one: it closes with a clean slate.
                self._failures.clear()
                self._change(now, "closed")

    def release(self, permit: Permit) -> None:
        """The call `permit` let through ended neither well nor badly (it was cancelled): its
        probe's place is free again, and nothing is counted."""
        if permit.generation == self._generation and self.state == "half-open":
            self._probes_running -= 1

    def _advance(self, now: int) -> None:
        if self._now is not None and now < self._now:
            raise ValueError(f"time went back from {self._now} to {now}")
        self._now = now
        # Half-open at the very instant the open period ends, before a call arriving then, and
        # reported at that instant, whenever it is noticed.
        if self.state == "open" and now >= self._opened + self._open_for:
            self._change(self._opened + self._open_for, "half-open")

    def _change(self, at: int, to: State) -> None:
        self.state = to
        self._generation += 1
        self._probes_running = self._probes_succeeded = 0
        if to == "open":
            self._opened = at
        self._on_change(at, to)


def decide(
    calls: Sequence[tuple[int, bool]], settings: Settings, on_change: OnChange = lambda at, to: None
) -> list[bool]:
    """Whether each call ran, for calls `(time, ok)` that take no time: `ok` is how the call ends
    if it runs."""
    breaker = Breaker(settings, on_change)
    ran: list[bool] = []
    for at, ok in calls:
        permit = breaker.admit(at)
        if permit is not None:
            breaker.record(permit, at, ok)
        ran.append(permit is not None)
    return ran


class Rejected(Exception):
    """The breaker did not let the call run: it was open, or half-open with every probe's place
    taken. `at` is when it decided, on its clock."""

    def __init__(self, state: State, at: int) -> None:
        super().__init__(f"the circuit breaker is {state}: the call was not run")
        self.state = state
        self.at = at


class CircuitBreaker:
    """The live breaker: `await breaker.call(fetch)`, or `with breaker.guard():` around the call,
    from any number of tasks. Every `Exception` the call raises counts as a failure; a
    cancellation counts as nothing. `clock` reads nanoseconds on a monotonic clock, and the
    settings' times are nanoseconds too.

    No lock guards the core: deciding and starting the call happen without an `await` in between,
    and so do the call's end and its result, so no other task on the loop can change the state in
    the middle. (Checking the state, awaiting something, and then starting the call lets a call
    slip through while another task opens the breaker.) On threads, both would need one lock.
    """

    def __init__(
        self,
        settings: Settings,
        on_change: OnChange = lambda at, to: None,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self._core = Breaker(settings, on_change)
        self._clock = clock

    @property
    def state(self) -> State:
        return self._core.state

    @contextmanager
    def guard(self) -> Iterator[int]:
        """Run the `with` block as a call through the breaker, or raise `Rejected` before it
        starts. Gives the instant the breaker let it through, on its clock."""
        now = self._clock()
        permit = self._core.admit(now)
        if permit is None:
            raise Rejected(self._core.state, now)
        try:
            yield permit.at
        except Exception:
            self._core.record(permit, self._clock(), ok=False)
            raise
        except BaseException:
            # Cancelled (or the process is stopping): the call did not fail, and a probe that
            # never finished must not hold its place for ever.
            self._core.release(permit)
            raise
        self._core.record(permit, self._clock(), ok=True)

    async def call(self, operation: Callable[[], Awaitable[R]]) -> R:
        """`await operation()` through the breaker, or raise `Rejected` without calling it."""
        with self.guard():
            return await operation()


# --8<-- [end:circuit-breaker]
