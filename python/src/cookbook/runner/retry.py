"""Retry as the runner speaks it (docs/patterns/retry.md), on asyncio: `decide` runs the schedule
on the attempt outcomes given; `live` retries, on the real clock, an attempt that sleeps
`attemptMs` and then ends as the case's script says.

The retry (`cookbook.retry`) knows nothing of observation: the attempt stamps itself, and the
retry keeps its delays on the run's clock, the one the stamps are read from, so that "attempt k + 1
began no sooner than its delay after attempt k ended" holds on the stamps exactly. The threads
variant lists the pattern without implementing it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypedDict, cast

from cookbook import retry
from cookbook.retry import Attempted, Ended, GaveUp, Jitter, Policy
from cookbook.runner.fields import Fields, choice_at
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed, unavailable
from cookbook.work import MASK, to_hex

MAX_BASE_MS = 60_000
MAX_FACTOR = 10
MAX_CAP_MS = 600_000
MAX_ATTEMPTS = 100
MAX_DEADLINE_MS = 600_000
MAX_SEED = 2**53 - 1
MAX_ATTEMPT_MS = 60_000

JITTERS: tuple[Jitter, ...] = ("none", "full", "equal", "decorrelated")
ATTEMPTED: tuple[Attempted, ...] = ("ok", "retryable", "fatal")
# The bench's policy, but for `maxAttempts`, `jitter` and the seed, which are each computation's.
BENCH_BASE_MS, BENCH_FACTOR, BENCH_CAP_MS = 10, 2, 1000


@dataclass(frozen=True)
class RetryInput:
    live: bool
    policy: Policy
    attempt_ms: int
    outcomes: Sequence[Attempted]
    fallback: bool


@dataclass(frozen=True)
class Bench:
    computations: int
    max_attempts: int
    jitter: Jitter


Input = RetryInput | Bench


class Attempt(TypedDict):
    attempt: int
    startNs: int
    endNs: int


class LiveObserved(Observed):
    attempts: list[Attempt]


def validate(input: Fields) -> Input:
    """`mode`; `policy` (itself, `baseMs`, `factor`, `capMs`, `maxAttempts`, `deadlineMs`,
    `jitter`, `seed`); `attemptMs`; `outcomes` (itself, then each element); `fallback`."""
    live = input.choice("mode", ("decide", "live")) == "live"
    fields = input.obj("policy")
    policy = Policy(
        base_ms=fields.integer("baseMs", 0, MAX_BASE_MS),
        factor=fields.integer("factor", 1, MAX_FACTOR),
        cap_ms=fields.integer("capMs", 0, MAX_CAP_MS),
        max_attempts=fields.integer("maxAttempts", 1, MAX_ATTEMPTS),
        deadline_ms=fields.optional_integer("deadlineMs", 0, MAX_DEADLINE_MS),
        jitter=cast(Jitter, fields.choice("jitter", JITTERS)),
        seed=fields.integer("seed", 0, MAX_SEED, default=0),
    )
    attempt_ms = input.integer("attemptMs", 0, MAX_ATTEMPT_MS, default=0)
    path = input.at("outcomes")
    outcomes = [
        cast(Attempted, choice_at(value, f"{path}[{index}]", ATTEMPTED))
        for index, value in enumerate(input.array("outcomes"))
    ]
    fallback = input.boolean("fallback", default=False)
    return RetryInput(live, policy, attempt_ms, outcomes, fallback)


def bench_input(size: int, params: Fields) -> Input:
    """`size` decisions, computation `i` seeded with `i`, every attempt retryable: `maxAttempts`,
    then `jitter`."""
    max_attempts = params.integer("maxAttempts", 1, MAX_ATTEMPTS)
    jitter = cast(Jitter, params.choice("jitter", JITTERS))
    return Bench(size, max_attempts, jitter)


def run(case: Input) -> Ran:
    assert isinstance(case, RetryInput), "a case's input is validated into a RetryInput"
    if case.live:
        return asyncio.run(_live(case))
    start = time.perf_counter_ns()
    ended, starts = retry.decide(case.policy, case.outcomes, case.attempt_ms)
    elapsed = time.perf_counter_ns() - start
    output = {**_output(case, ended, len(starts)), "startsMs": starts}
    observed: Observed = {"elapsedNs": elapsed}
    return {"output": output, "observed": observed}


class AttemptFailed(Exception):
    """What a scripted attempt raises: retryable or fatal, as the script says."""

    def __init__(self, attempt: int, attempted: Attempted) -> None:
        super().__init__(f"attempt {attempt} failed ({attempted})")
        self.retryable = attempted == "retryable"


async def _live(case: RetryInput) -> Ran:
    clock = Clock()
    attempts: list[Attempt] = []

    async def attempt() -> None:
        number = len(attempts) + 1
        start = clock.now()
        await asyncio.sleep(case.attempt_ms / 1000)
        attempts.append({"attempt": number, "startNs": start, "endNs": clock.now()})
        attempted = case.outcomes[number - 1] if number <= len(case.outcomes) else "ok"
        if attempted != "ok":
            raise AttemptFailed(number, attempted)

    def retryable(error: Exception) -> bool:
        return isinstance(error, AttemptFailed) and error.retryable

    ended: Ended = "ok"

    async def fallback(error: Exception) -> None:
        # Its answer (here, none) replaces the error: what the call reports is how it ended.
        nonlocal ended
        ended = _ended(error)

    try:
        await retry.retry(
            attempt, case.policy, retryable, fallback if case.fallback else None, clock.now
        )
    except Exception as error:
        ended = _ended(error)
    observed: LiveObserved = {"elapsedNs": clock.now(), "attempts": attempts}
    return {"output": _output(case, ended, len(attempts)), "observed": observed}


def _ended(error: Exception) -> Ended:
    return error.reason if isinstance(error, GaveUp) else "fatal"


def _output(case: RetryInput, ended: Ended, attempts: int) -> dict[str, Any]:
    return {"outcome": ended, "attempts": attempts, "fellBack": case.fallback and ended != "ok"}


def bench(case: Input) -> Measured:
    assert isinstance(case, Bench), "`bench_input` builds a Bench"
    outcomes: list[Attempted] = ["retryable"] * case.max_attempts
    policies = [
        Policy(BENCH_BASE_MS, BENCH_FACTOR, BENCH_CAP_MS, case.max_attempts, case.jitter, seed=i)
        for i in range(case.computations)
    ]
    start = time.perf_counter_ns()
    decided = [retry.decide(policy, outcomes) for policy in policies]
    elapsed = time.perf_counter_ns() - start
    attempts = digest = 0
    for ended, starts in decided:
        if ended != "exhausted" or len(starts) != case.max_attempts:
            raise SelfCheckFailed(f"a call ended {ended} after {len(starts)} attempts")
        gaps = [b - a for a, b in pairwise(starts)]
        if any(not 0 <= gap <= BENCH_CAP_MS for gap in gaps):
            raise SelfCheckFailed(f"a delay lies outside 0 to the {BENCH_CAP_MS} ms cap: {gaps}")
        attempts += len(starts)
        digest = (digest + starts[-1]) & MASK
    check = {"count": len(decided), "attempts": attempts, "digest": to_hex(digest)}
    return {"elapsedNs": elapsed, "check": check}


ASYNCIO = Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)
THREADS: Pattern[Any] = unavailable(
    "mode", "is not available in python-threads: the retry is written on asyncio alone"
)
