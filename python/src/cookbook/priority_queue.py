"""Priority queue on asyncio: workers take the most urgent job waiting, not the oldest, and a
failed attempt goes back into the queue less urgent than before.

In production, reach for `asyncio.PriorityQueue` with `(priority, sequence, job)` entries, as
below: the heap orders by the tuple, and the sequence number keeps equal priorities in the order
they were pushed and means the jobs themselves are never compared (they need not be comparable,
and comparing them would order ties by whatever `<` says of them). For retries with backoff
across processes, a task queue (Celery's priorities, `arq`) does this with persistence.
"""

import asyncio
import itertools
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cookbook.outcome import Failed, Ok, Outcome

J = TypeVar("J")
R = TypeVar("R")


# --8<-- [start:priority-queue]
@dataclass(frozen=True)
class Finished(Generic[J, R]):
    """How a job ended: its last attempt's outcome, after `attempts` attempts."""

    job: J
    outcome: Outcome[R]
    attempts: int


async def run_by_priority(
    jobs: AsyncIterable[tuple[int, J]],
    workers: int,
    attempt: Callable[[J, int], Awaitable[R]],
    max_attempts: int,
) -> list[Finished[J, R]]:
    """Push each `(priority, job)` as `jobs` yields it (lower is more urgent); `workers` tasks
    each take the most urgent job waiting, earliest pushed first among equals, and await
    `attempt(job, number)`, numbered from 1. An attempt that raises is pushed back at priority
    + 1, behind everything already waiting there, until `max_attempts` attempts have been made.

    Returns once `jobs` is exhausted and every job has finished, one `Finished` per job, in the
    order they finished; no task it started outlives it. A running attempt is never preempted.
    """
    if workers < 1 or max_attempts < 1:
        raise ValueError(
            f"workers and max_attempts must be at least 1, got {workers}, {max_attempts}"
        )
    # Unbounded: the workers push retries into it themselves, and a worker waiting for room in a
    # queue that only workers empty could wait with every other worker forever.
    queue: asyncio.PriorityQueue[tuple[int, int, J, int]] = asyncio.PriorityQueue()
    # The tie-breaker: unique, so a comparison of two entries never reaches the job.
    sequence = itertools.count()
    finished: list[Finished[J, R]] = []

    async def work() -> None:
        while True:
            priority, _, job, number = await queue.get()
            try:
                outcome = await _attempt(attempt, job, number)
                if isinstance(outcome, Failed) and number < max_attempts:
                    # Pushed back before this entry is marked done, so `join()` cannot see an
                    # empty queue while a retry is on its way into it.
                    queue.put_nowait((priority + 1, next(sequence), job, number + 1))
                else:
                    finished.append(Finished(job, outcome, number))
            finally:
                queue.task_done()

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(work()) for _ in range(workers)]
        async for priority, job in jobs:
            queue.put_nowait((priority, next(sequence), job, 1))
        # Every job has been pushed; `join()` returns once every entry, retries included, has
        # been marked done. The workers then wait in `get()` for jobs that can no longer come,
        # and are cancelled there. A worker that dies cancels this body instead of leaving
        # `join()` waiting for it.
        await queue.join()
        for task in tasks:
            task.cancel()
    return finished


async def _attempt(attempt: Callable[[J, int], Awaitable[R]], job: J, number: int) -> Outcome[R]:
    # A failed attempt is an outcome to retry, not an error that ends the worker's task (the
    # TaskGroup would cancel everything); `CancelledError` is not an `Exception` and goes through.
    try:
        return Ok(await attempt(job, number))
    except Exception as error:
        return Failed(error)


# --8<-- [end:priority-queue]
