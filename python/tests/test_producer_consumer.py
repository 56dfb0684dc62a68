"""The asyncio producer-consumer: every item once for any counts, backpressure, the discipline,
failures, cancellation, and virtual time."""

import asyncio
from collections.abc import AsyncIterator, Iterable

import pytest

from cookbook.outcome import Failed, Ok
from cookbook.producer_consumer import produce_consume
from tests.test_worker_pool import VirtualTimeLoop, settle


async def source(items: Iterable[int]) -> AsyncIterator[int]:
    for item in items:
        yield item


async def echo(item: int) -> int:
    await asyncio.sleep(0)
    return item


@pytest.mark.parametrize(
    ("producers", "consumers"),
    # Zero producers; more producers than consumers, which sentinels counted per producer stop
    # early; more consumers than items, which sentinels counted per consumer leave waiting.
    [(0, 3), (1, 1), (5, 2), (2, 7), (3, 3)],
)
async def test_every_item_is_processed_once_for_any_counts(producers: int, consumers: int) -> None:
    dealt = [range(p, 30, producers) for p in range(producers)]
    done = await asyncio.wait_for(
        produce_consume([source(d) for d in dealt], consumers, echo, capacity=2), timeout=5
    )
    assert sorted(item for item, _ in done) == sorted(i for d in dealt for i in d)
    assert all(outcome == Ok(item) for item, outcome in done)


async def test_a_full_queue_makes_the_producer_wait() -> None:
    pulled = 0
    release = asyncio.Event()

    async def counted() -> AsyncIterator[int]:
        nonlocal pulled
        for item in range(10):
            pulled += 1
            yield item

    async def held(item: int) -> int:
        await release.wait()
        return item

    run = asyncio.create_task(produce_consume([counted()], 1, held, capacity=2))
    await settle()
    # One item held by the consumer, two in the queue, one in the producer's waiting `put`.
    assert pulled == 4
    release.set()
    assert len(await run) == 10


async def test_lifo_hands_out_the_newest_item_present() -> None:
    first_taken = asyncio.Event()
    release = asyncio.Event()
    order: list[int] = []

    async def record(item: int) -> int:
        order.append(item)
        if item == 0:
            first_taken.set()
            await release.wait()
        return item

    async def after_the_first(items: range) -> AsyncIterator[int]:
        for item in items:
            if item == 1:
                await first_taken.wait()  # the rest queue up while item 0 is being processed
            yield item

    run = asyncio.create_task(
        produce_consume(
            [after_the_first(range(5))], 1, record, capacity=8, queue_type=asyncio.LifoQueue
        )
    )
    await settle()
    release.set()
    await run
    # A sentinel put after the last item would have come out first here and lost 4, 3, 2, 1.
    assert order == [0, 4, 3, 2, 1]


async def test_fifo_hands_out_items_in_the_order_they_were_put_across_producers() -> None:
    order: list[int] = []
    puts: list[int] = []

    class Recorded(asyncio.Queue[int]):
        def put_nowait(self, item: int) -> None:
            puts.append(item)
            super().put_nowait(item)

    async def taking_turns(items: Iterable[int]) -> AsyncIterator[int]:
        for item in items:
            yield item
            await asyncio.sleep(0)

    async def record(item: int) -> int:
        order.append(item)
        await asyncio.sleep(0)
        return item

    producers = [taking_turns([0, 2, 4]), taking_turns([1, 3, 5])]
    await produce_consume(producers, 1, record, capacity=6, queue_type=Recorded)
    assert puts == [0, 1, 2, 3, 4, 5]  # the producers' puts interleave...
    assert order == puts  # ...and the consumer takes them in that order, not producer by producer


async def test_failing_items_are_outcomes_and_the_run_still_ends() -> None:
    error = ValueError("bad item")

    async def fails(item: int) -> int:
        await asyncio.sleep(0)
        raise error

    # A consumer that let the error escape would stop (the items after it stuck in the queue), and
    # one that skipped `task_done()` for a failed item would leave `join()` waiting forever.
    done = await asyncio.wait_for(
        produce_consume([source(range(8))], 2, fails, capacity=1), timeout=5
    )
    assert sorted(item for item, _ in done) == list(range(8))
    assert all(outcome == Failed(error) for _, outcome in done)


async def test_a_producer_that_raises_stops_everything_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()

    async def broken() -> AsyncIterator[int]:
        yield 0
        raise LookupError("source gone")

    async def slow(item: int) -> int:
        await asyncio.sleep(3600)
        return item

    with pytest.raises(ExceptionGroup) as caught:
        async with asyncio.timeout(5):  # the error must end the run, not the hour-long item
            await produce_consume([broken(), source(range(1, 5))], 2, slow, capacity=4)
    assert caught.group_contains(LookupError)
    assert asyncio.all_tasks() == before


async def test_cancelling_the_caller_cancels_every_task() -> None:
    before = asyncio.all_tasks()
    started = asyncio.Event()
    cancelled: list[int] = []

    async def forever(item: int) -> int:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise
        return item

    run = asyncio.create_task(produce_consume([source(range(10))], 3, forever, capacity=2))
    await asyncio.wait_for(started.wait(), timeout=5)
    await settle()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert sorted(cancelled) == [0, 1, 2]
    assert asyncio.all_tasks() == before


@pytest.mark.parametrize(("consumers", "minutes"), [(1, 12), (2, 6), (4, 3), (12, 1), (40, 1)])
def test_consumers_process_items_at_once(consumers: int, minutes: int) -> None:
    async def minute(item: int) -> int:
        await asyncio.sleep(60)
        return item

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        done = await produce_consume([source(range(12))], consumers, minute, capacity=1)
        assert len(done) == 12
        return loop.time() - start

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        assert runner.run(timed()) == pytest.approx(60 * minutes)


@pytest.mark.parametrize(("consumers", "capacity"), [(0, 1), (1, 0)])
async def test_rejects_no_consumer_or_an_unbounded_queue(consumers: int, capacity: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await produce_consume([source([1])], consumers, echo, capacity=capacity)
