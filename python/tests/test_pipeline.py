"""The asyncio pipeline: every item through every stage, stages at once (on virtual time),
backpressure, order, the end of the input, and a failure that stops everything."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from cookbook.pipeline import Stage, run_pipeline
from tests.test_worker_pool import VirtualTimeLoop, settle


def adds(suffix: str) -> Callable[[Any], Awaitable[Any]]:
    async def step(value: Any) -> Any:
        await asyncio.sleep(0)
        return f"{value}{suffix}"

    return step


async def test_every_item_goes_through_every_stage_in_turn() -> None:
    stages = [Stage(adds("a"), 2, 1), Stage(adds("b"), 3, 2), Stage(adds("c"), 1, 1)]
    values = await run_pipeline(range(6), stages, ordered=True)
    assert values == [f"{n}abc" for n in range(6)]


async def test_ordered_results_come_in_input_order_however_items_overtake() -> None:
    async def slow_evens(n: int) -> int:
        await asyncio.sleep(0.02 if n % 2 == 0 else 0)
        return n

    stages = [Stage(slow_evens, 4, 4)]
    assert await run_pipeline(range(8), stages, ordered=True) == list(range(8))
    # Unordered, the same run gives the values as they finish: the odd ones overtake.
    unordered = await run_pipeline(range(8), stages)
    assert sorted(unordered) == list(range(8))
    assert unordered != list(range(8))


def test_stages_work_at_once_so_it_takes_the_slowest_stage_not_the_sum() -> None:
    async def minute(n: int) -> int:
        await asyncio.sleep(60)
        return n

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        stages = [Stage(minute, 1, 1) for _ in range(3)]
        assert len(await run_pipeline(range(5), stages)) == 5
        return loop.time() - start

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        # Five items through three one-minute stages: 5 + 3 - 1 minutes, not 5 * 3.
        assert runner.run(timed()) == pytest.approx(7 * 60)


async def test_a_slow_stage_holds_the_source_back() -> None:
    pulled = 0
    release = asyncio.Event()

    def items() -> Iterator[int]:
        nonlocal pulled
        for n in range(100):
            pulled += 1
            yield n

    async def held(n: int) -> int:
        await release.wait()
        return n

    run = asyncio.create_task(run_pipeline(items(), [Stage(adds(""), 1, 1), Stage(held, 1, 1)]))
    await settle()
    # Stage 1's worker holds one, its queue one, stage 0's worker one (waiting to put it), stage
    # 0's queue one, and the source one more, waiting in its own put: five, not a hundred.
    assert pulled == 5
    release.set()
    assert len(await run) == 100


@pytest.mark.parametrize("items", [0, 1, 2])
async def test_the_end_of_the_input_reaches_every_stage(items: int) -> None:
    # More workers than items in every stage, and no items at all: each stage's end must still
    # reach the next, or the call never returns.
    stages = [Stage(adds("x"), 8, 2), Stage(adds("y"), 3, 1), Stage(adds("z"), 5, 1)]
    values = await asyncio.wait_for(run_pipeline(range(items), stages), timeout=5)
    assert sorted(values) == [f"{n}xyz" for n in range(items)]


async def test_a_failure_stops_every_stage_at_once_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    cancelled: list[tuple[int, int]] = []

    def stage(s: int) -> Callable[[int], Awaitable[int]]:
        async def step(n: int) -> int:
            if s == 1 and n == 3:
                raise LookupError(f"item {n} failed in stage {s}")
            try:
                await asyncio.sleep(3600 if n > 3 else 0)
            except asyncio.CancelledError:
                cancelled.append((s, n))
                raise
            return n

        return step

    stages = [Stage(stage(s), 2, 2) for s in range(3)]
    with pytest.raises(ExceptionGroup) as caught:
        async with asyncio.timeout(5):  # stopped by the failure, not by the hour-long items
            await run_pipeline(range(100), stages)
    assert caught.group_contains(LookupError, match="item 3 failed in stage 1")
    assert cancelled  # stage 0 was working on later items: cancelled where it waited
    assert asyncio.all_tasks() == before


async def test_a_failure_ends_an_ordered_run_without_waiting_for_the_failed_item() -> None:
    async def first_fails(n: int) -> int:
        if n == 0:
            await asyncio.sleep(0.01)
            raise ValueError("item 0 failed")
        return n

    # The reorder buffer holds items 1.. waiting for item 0, which will never come out.
    with pytest.raises(ExceptionGroup) as caught:
        await asyncio.wait_for(run_pipeline(range(10), [Stage(first_fails, 3, 3)], ordered=True), 5)
    assert caught.group_contains(ValueError)


async def test_cancelling_the_caller_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    started = asyncio.Event()

    async def forever(n: int) -> int:
        started.set()
        await asyncio.sleep(3600)
        return n

    run = asyncio.create_task(run_pipeline(range(10), [Stage(adds(""), 2, 2), Stage(forever, 2)]))
    await asyncio.wait_for(started.wait(), timeout=5)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert asyncio.all_tasks() == before


@pytest.mark.parametrize(
    "stages", [[], [Stage(adds(""), workers=0)], [Stage(adds(""), capacity=0)]]
)
async def test_rejects_a_pipeline_that_could_not_move(stages: list[Stage]) -> None:
    with pytest.raises(ValueError, match="stage"):
        await run_pipeline(range(3), stages)
