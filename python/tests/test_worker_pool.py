"""The asyncio pool: limits, outcomes, lazy input, cancellation and virtual time."""

import asyncio
import selectors
from collections.abc import Iterator

import pytest

from cookbook.outcome import Failed, Ok
from cookbook.worker_pool import run_pool


class Gate:
    """Jobs that wait at the gate until it opens, counting how many are in flight."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.in_flight = self.peak = 0
        self.full = asyncio.Event()
        self.open = asyncio.Event()

    async def job(self, n: int) -> int:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        if self.in_flight == self.workers:
            self.full.set()
        try:
            await self.open.wait()
            return n
        finally:
            self.in_flight -= 1


async def settle() -> None:
    """Let every task that can run, run (many loop iterations, no real time)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_runs_workers_jobs_at_once_and_never_more() -> None:
    gate = Gate(workers=3)
    pool = asyncio.create_task(run_pool(range(10), 3, gate.job))
    await asyncio.wait_for(gate.full.wait(), timeout=5)
    await settle()
    assert gate.in_flight == 3  # a free worker would have started a fourth job by now
    gate.open.set()
    assert await pool == [Ok(n) for n in range(10)]
    assert gate.peak == 3


async def test_outcomes_come_back_in_job_order() -> None:
    async def slower_first(n: int) -> int:
        await asyncio.sleep((5 - n) / 1000)
        return n * n

    assert await run_pool(range(5), 5, slower_first) == [Ok(n * n) for n in range(5)]


async def test_a_failing_job_is_an_outcome_and_the_others_complete() -> None:
    error = ValueError("odd")

    async def even_only(n: int) -> int:
        await asyncio.sleep(0)
        if n % 2:
            raise error
        return n

    outcomes = await run_pool(range(6), 2, even_only)
    assert outcomes == [Ok(0), Failed(error), Ok(2), Failed(error), Ok(4), Failed(error)]


@pytest.mark.parametrize("workers", [1, 3, 50])
async def test_no_jobs_gives_no_outcomes(workers: int) -> None:
    async def never(n: int) -> int:
        raise AssertionError(n)

    assert await run_pool([], workers, never) == []


@pytest.mark.parametrize("workers", [0, -1])
async def test_rejects_fewer_than_one_worker(workers: int) -> None:
    async def job(n: int) -> int:
        return n

    with pytest.raises(ValueError, match="at least 1"):
        await run_pool([1], workers, job)


async def test_reads_lazy_jobs_only_a_few_ahead_of_the_workers() -> None:
    pulled = 0

    def jobs() -> Iterator[int]:
        nonlocal pulled
        for n in range(1000):
            pulled += 1
            yield n

    gate = Gate(workers=2)
    pool = asyncio.create_task(run_pool(jobs(), 2, gate.job))
    await asyncio.wait_for(gate.full.wait(), timeout=5)
    await settle()
    # Two jobs running, two waiting in the bounded queue, one held by the blocked feeder.
    assert pulled == 5
    gate.open.set()
    assert len(await pool) == 1000


async def test_an_error_in_the_jobs_iterable_stops_the_pool_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()

    def jobs() -> Iterator[int]:
        yield 1
        raise LookupError("no more jobs")

    async def slow(n: int) -> int:
        await asyncio.sleep(3600)
        return n

    with pytest.raises(ExceptionGroup) as caught:
        async with asyncio.timeout(5):  # the error must end the pool, not the hour-long job
            await run_pool(jobs(), 2, slow)
    assert caught.group_contains(LookupError)
    assert asyncio.all_tasks() == before


async def test_cancelling_the_caller_cancels_every_job_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    cancelled: list[int] = []
    gate = Gate(workers=3)

    async def job(n: int) -> int:
        try:
            return await gate.job(n)
        except asyncio.CancelledError:
            cancelled.append(n)
            raise

    caller = asyncio.create_task(run_pool(range(10), 3, job))
    await asyncio.wait_for(gate.full.wait(), timeout=5)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert sorted(cancelled) == [0, 1, 2]
    assert gate.in_flight == 0
    assert asyncio.all_tasks() == before


class _InstantSelector(selectors.DefaultSelector):
    """Where the loop would wait `timeout` seconds for I/O, move the clock on by `timeout`."""

    now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            raise RuntimeError("deadlock: no timer pending and no task ready")
        self.now += timeout
        return super().select(0)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer: an hour of sleeps runs in no time."""

    def __init__(self) -> None:
        self._clock = _InstantSelector()
        super().__init__(self._clock)

    def time(self) -> float:
        return self._clock.now


@pytest.mark.parametrize(("workers", "waves"), [(1, 12), (2, 6), (4, 3), (5, 3), (12, 1), (40, 1)])
def test_twelve_one_minute_jobs_take_one_minute_per_wave(workers: int, waves: int) -> None:
    async def minute(n: int) -> int:
        await asyncio.sleep(60)
        return n

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert await run_pool(range(12), workers, minute) == [Ok(n) for n in range(12)]
        return loop.time() - start

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        assert runner.run(timed()) == pytest.approx(60 * waves)
