"""Retry with backoff on asyncio: a failing call is tried again after a delay that grows by a
factor each time, up to a cap, with jitter; it stops after `max_attempts` attempts, before an
attempt would start past the deadline, or at once on an error that is not worth retrying
(docs/patterns/retry.md).

In production, reach for `tenacity`: `AsyncRetrying(wait=wait_exponential_jitter(...),
stop=stop_after_attempt(n) | stop_after_delay(s), retry=retry_if_exception_type(...))`, whose
`retry` predicate is the line between a transient error (a 503, a reset connection) and a fatal
one (a 400, a bad password). Its jitter comes from `random`, as it should in production; here it
comes from a seeded generator that every language of the cookbook shares, so that a schedule can
be checked to the millisecond.

The module has two halves, as the rate limiters do (`cookbook.rate_limit`):

- `Backoff`, the decision core: one call's schedule, told when each failed attempt ended and
  answering when the next one starts, or why there is none. Integers in, integers out: no clock.
  `decide` runs it on attempt outcomes given as data.
- `retry`, the live retry: the same core on a real clock, around any awaitable call.

Time is an integer number of ticks: milliseconds when deciding on data, nanoseconds live. The
policy itself is in milliseconds either way, and every delay is drawn in milliseconds before it is
scaled to ticks, so that the live retry waits exactly what `decide` says.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from cookbook.work import MASK, work

R = TypeVar("R")

Jitter = Literal["none", "full", "equal", "decorrelated"]
Attempted = Literal["ok", "retryable", "fatal"]
"""How one attempt ended, when attempts are given as data."""
Stop = Literal["exhausted", "deadline"]
"""Why a call that kept failing was not tried again."""
Ended = Literal["ok", "fatal", "exhausted", "deadline"]
"""How a whole call ended."""

NS_PER_MS = 1_000_000
GAMMA = 0x9E3779B97F4A7C15


# --8<-- [start:retry]
def draw(seed: int, n: int) -> int:
    """Draw number `n` (from 0) of a call seeded with `seed`: one splitmix64 step from
    `seed + n * GAMMA`. A counter-based generator: draw `n` depends on nothing but `n`, so two
    calls with one seed retry in step, and a test can name each delay before it happens."""
    return work((seed + n * GAMMA) & MASK, 1)


@dataclass(frozen=True)
class Policy:
    """Attempt k + 1 starts `min(cap_ms, base_ms * factor**(k - 1))` ms, jittered, after attempt k
    ended; at most `max_attempts` attempts (the first one included), none starting after
    `deadline_ms` from the start of the call."""

    base_ms: int
    factor: int
    cap_ms: int
    max_attempts: int
    jitter: Jitter = "full"
    deadline_ms: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.factor < 1:
            raise ValueError(f"factor must be at least 1, got {self.factor}")


class Backoff:
    """One call's schedule. The first attempt starts at 0, unasked; after each retryable failure,
    `retry_at` says when the next one starts (ticks since the call began) or why none does."""

    def __init__(self, policy: Policy, ticks_per_ms: int = 1) -> None:
        self._policy = policy
        self._ticks_per_ms = ticks_per_ms
        self.attempts = 1
        self._draws = 0
        # The exponential delay, capped as it grows: min(cap, e * factor) at each step is
        # min(cap, base * factor**k) without ever computing the power, which in a 64-bit
        # integer overflows long before the 100th attempt (and a float turns into infinity).
        self._exponential = min(policy.cap_ms, policy.base_ms)
        self._previous = policy.base_ms  # the last delay, for decorrelated jitter

    def retry_at(self, ended: int) -> int | Stop:
        """Attempt `attempts` failed, and may be retried, ending at `ended`: when the next attempt
        starts, or `"exhausted"` / `"deadline"`. A call that will not be retried is told so at
        once, not after one more sleep."""
        policy = self._policy
        if self.attempts == policy.max_attempts:
            return "exhausted"
        at = ended + self._delay_ms() * self._ticks_per_ms
        # Checked against the start of the next attempt, not the time now: an attempt that would
        # start after the deadline is never started, and no time is spent sleeping towards it.
        if policy.deadline_ms is not None and at > policy.deadline_ms * self._ticks_per_ms:
            return "deadline"
        self.attempts += 1
        return at

    def _delay_ms(self) -> int:
        policy, exponential = self._policy, self._exponential
        self._exponential = min(policy.cap_ms, exponential * policy.factor)
        match policy.jitter:
            case "none":
                return exponential
            case "full":
                # Anywhere from nothing to the whole delay: clients that failed together spread
                # out over the interval instead of retrying in step (a thundering herd).
                return self._rand(0, exponential)
            case "equal":
                half = exponential // 2
                return half + self._rand(0, exponential - half)
            case "decorrelated":
                # AWS's "decorrelated jitter": from the base up to three times the last delay,
                # capped; it grows by itself, so the factor plays no part.
                base = policy.base_ms
                delay = min(policy.cap_ms, self._rand(base, max(base, 3 * self._previous)))
                self._previous = delay
                return delay

    def _rand(self, low: int, high: int) -> int:
        """An integer from `low` to `high` inclusive, from the call's next draw."""
        u = draw(self._policy.seed, self._draws)
        self._draws += 1
        return low + u % (high - low + 1)


def decide(
    policy: Policy, attempts: Sequence[Attempted], attempt_ms: int = 0
) -> tuple[Ended, list[int]]:
    """How a call ends and when each attempt starts (ms), attempt `i + 1` ending as `attempts[i]`
    says (attempts past its end succeed), each taking `attempt_ms`."""
    backoff = Backoff(policy)
    starts = [0]
    while True:
        k = len(starts)
        attempted = attempts[k - 1] if k <= len(attempts) else "ok"
        if attempted != "retryable":
            return attempted, starts
        at = backoff.retry_at(starts[-1] + attempt_ms)
        if isinstance(at, str):
            return at, starts
        starts.append(at)


class GaveUp(Exception):
    """The call kept failing with retryable errors until `reason` ("exhausted": `max_attempts`
    attempts made; "deadline": the next would have started after the deadline). The last
    attempt's error is the `__cause__`."""

    def __init__(self, reason: Stop, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempts: {reason}")
        self.reason = reason
        self.attempts = attempts


async def retry(
    attempt: Callable[[], Awaitable[R]],
    policy: Policy,
    retryable: Callable[[Exception], bool],
    fallback: Callable[[Exception], Awaitable[R]] | None = None,
    clock: Callable[[], int] = time.monotonic_ns,
) -> R:
    """`await attempt()` until it succeeds, retrying the errors `retryable` accepts as `policy`
    schedules. An error that is not retryable is raised at once, as it is; retries that run out
    raise `GaveUp` from the last error. With a `fallback`, its answer to either error (a cached
    value, a default) is returned instead.

    `clock` reads nanoseconds on a monotonic clock, the one the delays and the deadline are kept
    on. The deadline bounds when an attempt may start, not how long one may run: put the attempt
    under `asyncio.timeout` for that. Cancelled, the call stops where it is, in an attempt or in a
    sleep, and neither retries nor falls back: `CancelledError` is not an `Exception`, so no
    predicate can take it for a failure.
    """
    try:
        return await _retried(attempt, policy, retryable, clock)
    except Exception as error:
        if fallback is None:
            raise
        return await fallback(error)


async def _retried(
    attempt: Callable[[], Awaitable[R]],
    policy: Policy,
    retryable: Callable[[Exception], bool],
    clock: Callable[[], int],
) -> R:
    backoff = Backoff(policy, NS_PER_MS)
    start = clock()
    while True:
        try:
            return await attempt()
        except Exception as error:
            if not retryable(error):
                raise
            # Measured from the attempt's end, not its start: a slow attempt does not eat into
            # the pause the server was promised.
            at = backoff.retry_at(clock() - start)
            if isinstance(at, str):
                raise GaveUp(at, backoff.attempts) from error
        # The sleep is outside the `except` block, so that the failed attempt's traceback, and
        # every frame it holds, is not kept alive through the wait. A timer may fire a little
        # early, and a float of seconds cannot carry every nanosecond: the clock is read again.
        while (now := clock() - start) < at:  # noqa: ASYNC110 (waits for a time, not a task)
            await asyncio.sleep((at - now) / 1e9)


# --8<-- [end:retry]
