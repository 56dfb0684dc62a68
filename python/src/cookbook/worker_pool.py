"""Worker pool on asyncio: a fixed number of worker tasks drain a queue of jobs.

In production, reach for what asyncio and its well-kept neighbours already give you:

- asyncio itself: one task per job in an `asyncio.TaskGroup`, each job wrapped in
  `async with semaphore:` with `asyncio.Semaphore(n)`. Shortest to write; it creates every task up
  front, which is fine for thousands of jobs and wasteful for millions.
- `anyio.CapacityLimiter`: the same cap on anyio (asyncio or trio), with a limit you can change
  while jobs run and a record of who holds each slot.
- `aiometer`: a cap on jobs in flight plus a cap on jobs started per second, with results in order
  or as they complete; the usual answer for "call this API, at most 10 at once, 50 a second".

This module writes the queue-and-workers version: only `workers` tasks ever exist, the queue is
bounded, so memory stays flat however many jobs there are, and it shows how workers stop.

CPU-bound jobs: a task only gives way to the others at an `await`. A job that computes for 50 ms
between two awaits holds the event loop for 50 ms: no other job, timer or socket makes progress, and
the pool's concurrency is for waiting, not for computing. Move blocking calls that release the GIL
(file I/O, a blocking client library, hashing in C) to `await asyncio.to_thread(f, ...)`, and
pure-Python computation to `await loop.run_in_executor(process_pool, f, ...)` with a
`concurrent.futures.ProcessPoolExecutor`, since the GIL runs one thread's Python at a time.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from cookbook.outcome import Failed, Ok, Outcome

J = TypeVar("J")
R = TypeVar("R")


# --8<-- [start:worker-pool]
async def run_pool(
    jobs: Iterable[J], workers: int, fn: Callable[[J], Awaitable[R]]
) -> list[Outcome[R]]:
    """Await `fn(job)` for every job, at most `workers` at a time; one outcome per job, in order.

    Cancelling the caller cancels every job in flight and returns only once all of them have
    finished. An error raised while iterating `jobs` cancels the pool and propagates in an
    `ExceptionGroup`, as any error escaping a `TaskGroup` does.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    # Bounded, so the feeder stays at most `workers` jobs ahead of the workers: a lazy iterable of
    # a million jobs is never held in memory at once.
    queue: asyncio.Queue[tuple[int, J] | None] = asyncio.Queue(maxsize=workers)
    outcomes: dict[int, Outcome[R]] = {}

    async def feed() -> None:
        for item in enumerate(jobs):
            await queue.put(item)
        # How workers stop: one `None` per worker, queued after the last job. Each worker returns
        # at the first `None` it takes, so it takes exactly one, and all jobs are taken before any
        # `None` (the queue is FIFO). The count of sentinels and the count of workers are the same
        # variable, so they cannot drift apart: with one sentinel too few, a worker would wait in
        # `get()` forever and the TaskGroup would never exit.
        for _ in range(workers):
            await queue.put(None)

    async def work() -> None:
        while (item := await queue.get()) is not None:
            index, job = item
            outcomes[index] = await _attempt(fn, job)

    # The pool is done when every task of the group has returned, which the TaskGroup knows
    # by itself. There is no `queue.join()`, so no `task_done()` to forget: a worker that dies
    # between `get()` and `task_done()` leaves `join()` waiting forever.
    #
    # If a task dies anyway (the iterable raises, or a worker gets KeyboardInterrupt), the
    # TaskGroup cancels the others instead of leaving them blocked:
    #
    #   feed: put(job 0) ... next(jobs) raises  -> TaskGroup cancels the workers
    #   work: get() waits for a job that will never come -> CancelledError, returns
    #
    # Cancelling the caller takes the same path: `async with` cancels every task in the group
    # and waits for them to finish, so no task outlives this call.
    async with asyncio.TaskGroup() as group:
        group.create_task(feed())
        for _ in range(workers):
            group.create_task(work())
    return [outcomes[index] for index in range(len(outcomes))]


async def _attempt(fn: Callable[[J], Awaitable[R]], job: J) -> Outcome[R]:
    # A failing job must not raise out of its worker: the TaskGroup would take the first exception
    # as fatal and cancel every sibling, so one bad job would cancel the jobs in flight and lose
    # the results of all the others. `Exception` does not include `CancelledError` (a
    # `BaseException`), so cancellation still goes through.
    try:
        return Ok(await fn(job))
    except Exception as error:
        return Failed(error)


# --8<-- [end:worker-pool]
