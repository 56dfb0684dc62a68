"""The asyncio merge and scatter-gather: order, bounds, failures, cancellation, virtual time."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest

from cookbook.fan_in import merge, scatter_gather, scatter_gather_fail_fast
from cookbook.outcome import Failed, Ok
from tests.test_worker_pool import VirtualTimeLoop, settle

T = TypeVar("T")


def on_virtual_time(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main()` on a loop whose clock jumps to its next timer: minutes of sleeps take none."""

    async def wrapped() -> T:
        return await main()

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(wrapped())


async def ticks(name: str, delays: list[float]) -> AsyncIterator[str]:
    for n, delay in enumerate(delays):
        await asyncio.sleep(delay)
        yield f"{name}{n}"


async def forever(name: str, stopped: list[str]) -> AsyncIterator[str]:
    try:
        while True:
            await asyncio.sleep(1)
            yield name
    finally:
        stopped.append(name)


def test_merge_hands_each_item_over_the_moment_its_source_yields_it() -> None:
    async def main() -> list[tuple[str, float]]:
        loop, got = asyncio.get_running_loop(), []
        start = loop.time()
        sources = [ticks("slow", [100, 100]), ticks("fast", [10, 10, 10]), ticks("none", [])]
        async with merge(sources) as stream:
            async for item in stream:
                got.append((item, loop.time() - start))
        return got

    # On the virtual clock "late" is exact: every item arrives at its own source's time, the fast
    # ones never held behind the slow ones, and the merge ends with its last source.
    assert on_virtual_time(main) == [
        ("fast0", 10),
        ("fast1", 20),
        ("fast2", 30),
        ("slow0", 100),
        ("slow1", 200),
    ]


async def test_merging_no_sources_ends_at_once() -> None:
    no_sources: list[AsyncIterator[str]] = []
    async with merge(no_sources) as stream:
        assert [item async for item in stream] == []


async def test_simultaneous_items_are_each_received_once_in_their_source_order() -> None:
    sources = [ticks(name, [0] * 50) for name in "abcd"]
    async with merge(sources) as stream:
        got = [item async for item in stream]
    assert sorted(got) == sorted(f"{name}{n}" for name in "abcd" for n in range(50))
    for name in "abcd":
        assert [item for item in got if item[0] == name] == [f"{name}{n}" for n in range(50)]


async def test_leaving_the_merge_early_stops_every_source_and_leaves_no_task() -> None:
    before, stopped = asyncio.all_tasks(), list[str]()
    async with asyncio.timeout(5), merge([forever("a", stopped), forever("b", stopped)]) as stream:
        async for _ in stream:
            break
    assert sorted(stopped) == ["a", "b"]
    assert asyncio.all_tasks() == before


async def test_a_failing_source_stops_the_others_and_its_error_leaves_the_block() -> None:
    before, stopped = asyncio.all_tasks(), list[str]()

    async def breaks() -> AsyncIterator[str]:
        yield "ok"
        raise LookupError("source lost")

    async def read_all() -> list[str]:
        async with asyncio.timeout(5), merge([forever("a", stopped), breaks()]) as stream:
            return [item async for item in stream]

    with pytest.raises(ExceptionGroup) as caught:
        await read_all()
    assert caught.group_contains(LookupError)
    assert stopped == ["a"]
    assert asyncio.all_tasks() == before


def test_gathers_in_input_order_whatever_the_completion_order() -> None:
    async def slower_first(n: int) -> int:
        await asyncio.sleep(10 - n)
        return n * n

    outcomes = on_virtual_time(lambda: scatter_gather(range(6), 6, slower_first))
    assert outcomes == [Ok(n * n) for n in range(6)]


@pytest.mark.parametrize(("limit", "waves"), [(1, 6), (2, 3), (4, 2), (6, 1), (50, 1)])
def test_runs_at_most_limit_calls_at_once(limit: int, waves: int) -> None:
    in_flight = peak = 0

    async def minute(n: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(60)
        in_flight -= 1
        return n

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert await scatter_gather(range(6), limit, minute) == [Ok(n) for n in range(6)]
        return loop.time() - start

    assert on_virtual_time(timed) == 60 * waves
    assert peak == min(limit, 6)


async def test_failures_are_outcomes_and_every_other_call_completes() -> None:
    error = ValueError("odd")

    async def even_only(n: int) -> int:
        await asyncio.sleep(0)
        if n % 2:
            raise error
        return n

    outcomes = await scatter_gather(range(5), 2, even_only)
    assert outcomes == [Ok(0), Failed(error), Ok(2), Failed(error), Ok(4)]


def test_fail_fast_cancels_running_and_waiting_calls_and_returns_when_they_stopped() -> None:
    started, cancelled = [], []

    async def call(n: int) -> int:
        started.append(n)
        try:
            await asyncio.sleep(5 if n == 1 else 3600)
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        raise LookupError(f"item {n} failed")

    async def main() -> tuple[float, set[asyncio.Task[object]]]:
        loop, before = asyncio.get_running_loop(), asyncio.all_tasks()
        start = loop.time()
        with pytest.raises(ExceptionGroup) as caught:
            await scatter_gather_fail_fast(range(6), 3, call)
        assert str(caught.value.exceptions[0]) == "item 1 failed"
        return loop.time() - start, asyncio.all_tasks() - before

    elapsed, left = on_virtual_time(main)
    assert elapsed == 5  # at the failure, not after the hour-long calls
    assert sorted(started) == [0, 1, 2]  # items 3 to 5 were still waiting for a slot
    assert sorted(cancelled) == [0, 2]
    assert left == set()


async def test_fail_fast_without_a_failure_returns_every_value_in_order() -> None:
    async def square(n: int) -> int:
        await asyncio.sleep(0)
        return n * n

    assert await scatter_gather_fail_fast(range(7), 3, square) == [n * n for n in range(7)]


async def test_cancelling_the_caller_cancels_every_call_and_leaves_no_task() -> None:
    before, running = asyncio.all_tasks(), []

    async def hour(n: int) -> int:
        running.append(n)
        await asyncio.sleep(3600)
        return n

    caller = asyncio.create_task(scatter_gather(range(10), 4, hour))
    await settle()
    assert sorted(running) == [0, 1, 2, 3]
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert asyncio.all_tasks() == before


@pytest.mark.parametrize("gather", [scatter_gather, scatter_gather_fail_fast])
async def test_rejects_a_limit_below_one(gather: Callable[..., Awaitable[object]]) -> None:
    async def call(n: int) -> int:
        return n

    with pytest.raises(ValueError, match="at least 1"):
        await gather([1], 0, call)
