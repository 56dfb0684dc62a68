"""Retry with backoff: the schedule to the millisecond on data, the shared jitter generator, and
the live retry on virtual time, where it waits exactly what `decide` says and stops as it should."""

import asyncio
from collections.abc import Callable
from itertools import pairwise

import pytest

from cookbook.retry import GAMMA, Attempted, Backoff, GaveUp, Policy, decide, draw, retry
from cookbook.work import MASK, work
from tests.test_rate_limit import on_virtual_time

MS = 1_000_000
RETRYABLE: list[Attempted] = ["retryable"] * 100


def policy(**changes: object) -> Policy:
    fields: dict[str, object] = {
        "base_ms": 100,
        "factor": 2,
        "cap_ms": 10_000,
        "max_attempts": 5,
        "jitter": "none",
    }
    return Policy(**(fields | changes))  # type: ignore[arg-type]


def test_the_delays_grow_by_the_factor_from_the_end_of_each_attempt() -> None:
    assert decide(policy(), [*RETRYABLE[:3], "ok"]) == ("ok", [0, 100, 300, 700])
    # Each attempt takes 30 ms: the delay counts from its end, not its start.
    assert decide(policy(), ["retryable"] * 2, attempt_ms=30) == ("ok", [0, 130, 360])


def test_max_attempts_counts_the_first_attempt() -> None:
    # The pitfall: `for _ in range(max_retries + 1)`, one attempt more than asked, and a loop that
    # sleeps after its last failure before it gives up.
    assert decide(policy(max_attempts=3), RETRYABLE) == ("exhausted", [0, 100, 300])
    assert decide(policy(max_attempts=1), RETRYABLE) == ("exhausted", [0])


def test_a_fatal_error_is_never_retried() -> None:
    assert decide(policy(), ["retryable", "fatal", "ok"]) == ("fatal", [0, 100])


def test_no_attempt_starts_after_the_deadline_but_one_may_start_at_it() -> None:
    assert decide(policy(deadline_ms=350), RETRYABLE) == ("deadline", [0, 100, 300])
    assert decide(policy(deadline_ms=300), RETRYABLE) == ("deadline", [0, 100, 300])
    assert decide(policy(deadline_ms=299), RETRYABLE) == ("deadline", [0, 100])


def test_the_exponent_saturates_at_the_cap_instead_of_overflowing() -> None:
    # 60 s * 10**98 has no 64-bit (or float) value; capped as it grows, it is the cap.
    backoff = Backoff(policy(base_ms=60_000, factor=10, cap_ms=600_000, max_attempts=100))
    ends = [backoff.retry_at(0) for _ in range(99)]
    assert ends[:2] == [60_000, 600_000]
    assert set(ends[1:]) == {600_000}
    assert backoff.retry_at(0) == "exhausted"


def test_a_draw_is_one_splitmix64_step_from_the_seed_plus_n_gammas() -> None:
    assert draw(0, 0) == work(0, 1) == 0xE220A8397B1DCDAF
    assert draw(9_007_199_254_740_991, 0) == 0x24B94FACEFB6559F
    assert draw(5, 3) == work((5 + 3 * GAMMA) & MASK, 1)
    # Wrapping at 2**64, as a 64-bit language does, not growing as a Python integer would.
    assert draw(MASK, 1) == work(GAMMA - 1, 1)


def test_the_jittered_schedules_are_the_shared_generator_s() -> None:
    # The spec's vectors: `random.uniform` would give other times on every run.
    full = decide(policy(max_attempts=6, jitter="full", seed=42), RETRYABLE)
    assert full == ("exhausted", [0, 23, 72, 183, 840, 1876])
    equal = decide(policy(max_attempts=6, jitter="equal", seed=7), RETRYABLE)
    assert equal == ("exhausted", [0, 50, 209, 556, 982, 2482])
    decorrelated = policy(cap_ms=3000, max_attempts=8, jitter="decorrelated", seed=2024)
    _, starts = decide(decorrelated, RETRYABLE)
    assert starts == [0, 182, 323, 450, 713, 1391, 1780, 2815]


@pytest.mark.parametrize("seed", range(50))
def test_jitter_stays_within_its_bounds_and_never_above_the_cap(seed: int) -> None:
    # The pitfall: jitter added on top of the capped delay (`delay + uniform(0, delay / 2)`).
    cap = 250
    for jitter, low in (("full", lambda e: 0), ("equal", lambda e: e // 2)):
        _, starts = decide(policy(cap_ms=cap, max_attempts=8, jitter=jitter, seed=seed), RETRYABLE)
        exponential = [min(cap, 100 * 2**k) for k in range(7)]
        for (a, b), e in zip(pairwise(starts), exponential, strict=True):
            assert low(e) <= b - a <= e
    _, starts = decide(
        policy(cap_ms=cap, max_attempts=8, jitter="decorrelated", seed=seed), RETRYABLE
    )
    delays = [b - a for a, b in pairwise(starts)]
    previous = 100
    for delay in delays:
        assert 100 <= delay <= min(cap, 3 * previous)
        previous = delay


def test_the_policy_refuses_a_call_that_would_never_be_attempted() -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        policy(max_attempts=0)
    with pytest.raises(ValueError, match="factor must be at least 1"):
        policy(factor=0)


class Transient(Exception):
    pass


class Fatal(Exception):
    pass


class Script:
    """An attempt that takes `attempt_ms` of virtual time, then ends as the script says (past its
    end it succeeds); it records when each attempt started, in ms."""

    def __init__(self, clock: Callable[[], int], outcomes: list[Attempted], attempt_ms: int = 0):
        self.clock, self.outcomes, self.attempt_ms = clock, outcomes, attempt_ms
        self.starts: list[int] = []

    async def __call__(self) -> str:
        self.starts.append(self.clock() // MS)
        await asyncio.sleep(self.attempt_ms / 1000)
        attempted = (
            self.outcomes[len(self.starts) - 1] if len(self.starts) <= len(self.outcomes) else "ok"
        )
        if attempted == "retryable":
            raise Transient(len(self.starts))
        if attempted == "fatal":
            raise Fatal(len(self.starts))
        return "done"


def transient(error: Exception) -> bool:
    return isinstance(error, Transient)


def live(
    call_policy: Policy, outcomes: list[Attempted], attempt_ms: int = 0, fallback: bool = False
) -> tuple[object, list[int], int]:
    """What the live retry returned or raised, each attempt's start and when it returned (ms)."""

    async def main(clock: Callable[[], int]) -> tuple[object, list[int], int]:
        script = Script(clock, outcomes, attempt_ms)

        async def fell_back(error: Exception) -> str:
            return f"fallback for {type(error).__name__}"

        try:
            result: object = await retry(
                script, call_policy, transient, fell_back if fallback else None, clock
            )
        except Exception as error:
            result = error
        return result, script.starts, clock() // MS

    return on_virtual_time(main)


@pytest.mark.parametrize(
    ("call_policy", "outcomes", "attempt_ms"),
    [
        (policy(), ["retryable"] * 3, 0),
        (policy(), ["retryable"] * 2, 30),
        (policy(max_attempts=6, jitter="full", seed=42), RETRYABLE, 0),
        (policy(max_attempts=8, cap_ms=3000, jitter="decorrelated", seed=2024), RETRYABLE, 7),
        (policy(deadline_ms=350), RETRYABLE, 10),
        (policy(), ["retryable", "fatal"], 5),
    ],
)
def test_live_starts_each_attempt_when_decide_says(
    call_policy: Policy, outcomes: list[Attempted], attempt_ms: int
) -> None:
    _, starts = decide(call_policy, outcomes, attempt_ms)
    assert live(call_policy, outcomes, attempt_ms)[1] == starts


def test_live_gives_up_from_the_last_error_without_a_sleep_after_it() -> None:
    result, starts, returned = live(policy(max_attempts=3), RETRYABLE, attempt_ms=10)
    assert isinstance(result, GaveUp)
    assert (result.reason, result.attempts) == ("exhausted", 3)
    assert isinstance(result.__cause__, Transient)
    assert starts == [0, 110, 320]
    assert returned == 330  # the end of the last attempt: no delay slept towards a fourth


def test_live_stops_before_an_attempt_that_would_start_after_the_deadline() -> None:
    result, starts, returned = live(policy(deadline_ms=250), RETRYABLE)
    assert isinstance(result, GaveUp)
    assert result.reason == "deadline"
    assert (starts, returned) == ([0, 100], 100)  # told at once, not after sleeping to 300


def test_live_raises_a_fatal_error_as_it_is_at_once() -> None:
    result, starts, _ = live(policy(), ["fatal"])
    assert isinstance(result, Fatal)
    assert starts == [0]


def test_the_fallback_replaces_either_error_but_not_a_success() -> None:
    assert live(policy(max_attempts=2), RETRYABLE, fallback=True)[0] == "fallback for GaveUp"
    assert live(policy(), ["fatal"], fallback=True)[0] == "fallback for Fatal"
    assert live(policy(), ["retryable"], fallback=True)[0] == "done"


def test_cancelled_while_it_sleeps_the_retry_stops_and_leaves_no_task() -> None:
    async def main(clock: Callable[[], int]) -> tuple[list[int], int]:
        before = asyncio.all_tasks()
        script = Script(clock, RETRYABLE)
        fell_back: list[Exception] = []

        async def fallback(error: Exception) -> str:
            fell_back.append(error)
            return "fallback"

        call = asyncio.create_task(retry(script, policy(), transient, fallback, clock))
        await asyncio.sleep(0.150)  # attempts at 0 and 100; the next is due at 300
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.sleep(1)
        # A cancellation is not a failure: neither retried nor handed to the fallback.
        assert fell_back == []
        assert asyncio.all_tasks() == before
        return script.starts, clock() // MS

    assert on_virtual_time(main) == ([0, 100], 1150)
