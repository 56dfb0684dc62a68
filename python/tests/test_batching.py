"""Batching: the decision core to the tick on data, and the live batcher on virtual time, where a
stalled source's batch is flushed when due and the live run agrees with `decide`."""

import asyncio
from collections.abc import Sequence
from contextlib import aclosing

import pytest

from cookbook.batching import Batch, Batcher, batches, decide
from tests.test_worker_pool import VirtualTimeLoop


def summary(flushed: Sequence[Batch[int]]) -> list[tuple[list[int], int, str]]:
    return [(b.items, b.at, b.reason) for b in flushed]


def test_a_full_batch_is_flushed_at_its_last_arrival() -> None:
    arrivals = [(n, n) for n in range(7)]
    assert summary(decide(arrivals, 3, 100, 6)) == [
        ([0, 1, 2], 2, "full"),
        ([3, 4, 5], 5, "full"),
        ([6], 6, "end"),
    ]


def test_a_stalled_source_s_batch_is_flushed_when_due_not_at_the_next_arrival() -> None:
    # Flushing only when an item arrives would hold [0, 1, 2] until 500.
    arrivals = [(0, 0), (1, 1), (2, 2), (3, 500)]
    assert summary(decide(arrivals, 10, 50, 500)) == [([0, 1, 2], 50, "due"), ([3], 500, "end")]


def test_the_deadline_runs_from_the_first_item_not_the_latest() -> None:
    # A deadline restarted by each arrival would never flush this trickle before the end.
    arrivals = [(n, 30 * n) for n in range(5)]
    assert summary(decide(arrivals, 100, 50, 120)) == [
        ([0, 1], 50, "due"),
        ([2, 3], 110, "due"),
        ([4], 120, "end"),
    ]


def test_a_batch_due_at_an_arrival_is_flushed_before_the_item_joins() -> None:
    batcher: Batcher[int] = Batcher(10, 50)
    assert batcher.add(0, 0) == []
    assert summary(batcher.add(1, 50)) == [([0], 50, "due")]
    assert batcher.due == 100  # item 1 opened the next batch
    assert summary(batcher.end(100)) == [([1], 100, "due")]  # due at the end: due, not end


def test_the_end_flushes_the_rest_and_an_empty_stream_flushes_nothing() -> None:
    assert summary(decide([(0, 0), (1, 5)], 10, 50, 20)) == [([0, 1], 20, "end")]
    assert decide([], 4, 50, 100) == []


def test_time_must_not_go_back() -> None:
    batcher: Batcher[int] = Batcher(2, 10)
    batcher.add(0, 50)
    with pytest.raises(ValueError, match="time went back from 50 to 49"):
        batcher.add(1, 49)


@pytest.mark.parametrize(("max_size", "max_wait"), [(0, 1), (1, 0)])
def test_rejects_a_batch_that_could_never_be_flushed(max_size: int, max_wait: int) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        Batcher(max_size, max_wait)


MS = 1_000_000


def live(
    arrivals: Sequence[tuple[int, int]], max_size: int, max_wait_ms: int, end_ms: int
) -> list[tuple[list[int], int, str]]:
    """Run the live batcher on virtual time, a source putting each item at its time; each batch
    with the time it was handed out, in whole milliseconds."""

    async def main(clock: "VirtualClock") -> list[tuple[list[int], int, str]]:
        inbox: asyncio.Queue[int | None] = asyncio.Queue()

        async def source() -> None:
            for item, at in arrivals:
                await asyncio.sleep(at / 1000 - asyncio.get_running_loop().time())
                inbox.put_nowait(item)
            await asyncio.sleep(end_ms / 1000 - asyncio.get_running_loop().time())
            inbox.put_nowait(None)

        got: list[tuple[list[int], int, str]] = []
        async with asyncio.TaskGroup() as group:
            group.create_task(source())
            async with aclosing(batches(inbox, max_size, max_wait_ms * MS, clock.ns)) as stream:
                async for batch in stream:
                    got.append((batch.items, round(clock.ns() / MS), batch.reason))
        return got

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main(VirtualClock(runner.get_loop())))


class VirtualClock:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def ns(self) -> int:
        return round(self._loop.time() * 1e9)


def test_live_flushes_a_stalled_source_s_batch_when_due() -> None:
    # The source stalls after 20 ms and ends at 1000: the batch goes out at 100, on the timer.
    assert live([(0, 0), (1, 10), (2, 20)], 10, 100, 1000) == [([0, 1, 2], 100, "due")]


ARRIVALS = [(0, 0), (1, 5), (2, 10), (3, 200), (4, 230), (5, 231), (6, 232), (7, 400), (8, 401)]


@pytest.mark.parametrize(("max_size", "max_wait_ms", "end_ms"), [(2, 100, 420), (3, 50, 600)])
def test_live_agrees_with_decide(max_size: int, max_wait_ms: int, end_ms: int) -> None:
    decided = summary(decide(ARRIVALS, max_size, max_wait_ms, end_ms))
    assert live(ARRIVALS, max_size, max_wait_ms, end_ms) == decided


def test_a_slow_reader_of_batches_is_not_cut_short_by_the_next_deadline() -> None:
    async def main() -> list[list[int]]:
        inbox: asyncio.Queue[int | None] = asyncio.Queue()
        for item in range(5):
            inbox.put_nowait(item)
        inbox.put_nowait(None)
        got: list[list[int]] = []
        clock = VirtualClock(asyncio.get_running_loop())
        async with aclosing(batches(inbox, 2, 10 * MS, clock.ns)) as stream:
            async for batch in stream:
                # Far past any deadline: were the batch yielded inside `timeout_at`, this sleep
                # would be cancelled as the next batch fell due.
                await asyncio.sleep(1)
                got.append(batch.items)
        return got

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        assert runner.run(main()) == [[0, 1], [2, 3], [4]]
