"""The decision cores, and the asyncio limiter on a virtual clock: exact admission times."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from cookbook.rate_limit import Limiter, Schedule
from cookbook.sliding_window import SlidingWindowLog
from cookbook.token_bucket import TokenBucket
from tests.test_worker_pool import VirtualTimeLoop

T = TypeVar("T")
NS_PER_MS = 1_000_000


def test_bucket_reserves_the_burst_then_one_token_per_period() -> None:
    bucket = TokenBucket(tokens=1, every=100, burst=3)
    assert [bucket.reserve(0) for _ in range(5)] == [0, 0, 0, 100, 200]
    # Long after the promised tokens are paid for, the bucket is full again, and no fuller.
    assert [bucket.reserve(10_000) for _ in range(4)] == [10_000, 10_000, 10_000, 10_100]


def test_bucket_denial_takes_nothing() -> None:
    bucket = TokenBucket(tokens=1, every=100, burst=1)
    assert [bucket.decide(t) for t in (0, 40, 60, 99, 100)] == [0, 60, 40, 1, 0]


def test_window_reserves_the_limit_per_window_in_arrival_order() -> None:
    log = SlidingWindowLog(limit=2, window=100)
    assert [log.reserve(0) for _ in range(5)] == [0, 0, 100, 100, 200]
    # A reservation never goes before the last one, even when the window would allow it.
    assert log.reserve(150) == 200
    assert log.reserve(1_000) == 1_000


def test_window_admits_again_exactly_one_window_later() -> None:
    log = SlidingWindowLog(limit=1, window=100)
    assert [log.decide(t) for t in (0, 99, 100, 199, 200)] == [0, 1, 0, 1, 0]


@pytest.mark.parametrize("schedule", [TokenBucket(1, 10, 1), SlidingWindowLog(1, 10)])
def test_time_must_not_go_back(schedule: Schedule) -> None:
    schedule.reserve(50)
    with pytest.raises(ValueError, match="time went back from 50 to 49"):
        schedule.decide(49)


@pytest.mark.parametrize(
    "make",
    [
        lambda: TokenBucket(0, 1, 1),
        lambda: TokenBucket(1, 0, 1),
        lambda: TokenBucket(1, 1, 0),
        lambda: SlidingWindowLog(0, 1),
        lambda: SlidingWindowLog(1, 0),
    ],
)
def test_rejects_parameters_that_admit_nothing(make: Callable[[], Schedule]) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        make()


def on_virtual_time(
    main: Callable[[Callable[[], int]], Coroutine[Any, Any, T]],
    clock: Callable[[float], int] = lambda seconds: round(seconds * 1e9),
) -> T:
    """Run `main(clock)` on a loop whose time jumps to its next timer; `clock` reads that time
    (in nanoseconds by default) for the limiter."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        loop = runner.get_loop()
        return runner.run(main(lambda: clock(loop.time())))


async def admissions(limiter: Limiter, callers: int, each: int) -> list[tuple[int, int, int]]:
    """(caller, admission time, wake-up time) for `each` acquires by each of `callers` tasks."""
    seen: list[tuple[int, int, int]] = []

    async def caller(number: int) -> None:
        for _ in range(each):
            at = await limiter.acquire()
            seen.append((number, at, limiter.now()))

    async with asyncio.TaskGroup() as group:
        for number in range(callers):
            group.create_task(caller(number))
    return seen


def test_callers_wake_at_the_bucket_s_times_first_come_first_served() -> None:
    async def main(clock: Callable[[], int]) -> list[tuple[int, int, int]]:
        return await admissions(Limiter(TokenBucket(1, 100 * NS_PER_MS, 2), clock), 3, 2)

    seen = on_virtual_time(main)
    # The burst of two at once, then one every 100 ms, handed out in the order callers asked.
    assert [(caller, at // NS_PER_MS) for caller, at, _ in seen] == [
        (0, 0),
        (0, 0),
        (1, 100),
        (2, 200),
        (1, 300),
        (2, 400),
    ]
    assert all(at <= woke < at + NS_PER_MS for _, at, woke in seen)


def test_the_window_admits_its_limit_per_window() -> None:
    async def main(clock: Callable[[], int]) -> list[tuple[int, int, int]]:
        return await admissions(Limiter(SlidingWindowLog(3, 60 * NS_PER_MS), clock), 4, 6)

    seen = on_virtual_time(main)
    assert sorted(at // NS_PER_MS for _, at, _ in seen) == [n // 3 * 60 for n in range(24)]
    assert all(at <= woke < at + NS_PER_MS for _, at, woke in seen)


def test_a_burst_goes_through_without_sleeping() -> None:
    async def main(clock: Callable[[], int]) -> int:
        limiter = Limiter(TokenBucket(1, 100 * NS_PER_MS, 5), clock)
        for _ in range(5):
            async with limiter:
                pass
        return limiter.now()

    assert on_virtual_time(main) == 0


def test_never_returns_before_the_admission_on_its_own_clock() -> None:
    # The limiter's clock runs at half the speed of the loop's timers, so every sleep ends early
    # by the limiter's clock: returning after one sleep would admit before the reserved time.
    async def main(clock: Callable[[], int]) -> list[tuple[int, int, int]]:
        return await admissions(Limiter(TokenBucket(1, 10 * NS_PER_MS, 1), clock), 2, 3)

    seen = on_virtual_time(main, clock=lambda seconds: round(seconds * 1e9) // 2)
    assert sorted(at for _, at, _ in seen) == [n * 10 * NS_PER_MS for n in range(6)]
    assert all(at <= woke for _, at, woke in seen)


def test_a_cancelled_acquire_leaves_no_task_and_its_slot_unused() -> None:
    async def main(clock: Callable[[], int]) -> tuple[int, int]:
        before = asyncio.all_tasks()
        limiter = Limiter(TokenBucket(1, 100 * NS_PER_MS, 1), clock)
        await limiter.acquire()
        waiting = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.01)  # the task has reserved 100 ms and sleeps towards it
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert asyncio.all_tasks() == before
        # The cancelled reservation is not given back: the next caller comes after it.
        return await limiter.acquire(), limiter.now()

    at, woke = on_virtual_time(main)
    assert at == 200 * NS_PER_MS
    assert at <= woke < at + NS_PER_MS
