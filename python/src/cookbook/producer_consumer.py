"""Producer-consumer on asyncio: producer tasks put items into one bounded queue, consumer tasks
take them out.

In production, reach for the standard library: `asyncio.Queue(maxsize=...)` (oldest first) or
`asyncio.LifoQueue(maxsize=...)` (newest first), with `task_done()` and `join()` to know when every
item has been processed. From Python 3.13, `Queue.shutdown()` ends the consumers' `get()` once the
queue is drained, which is what the cancelling below stands in for.

The queue's capacity is the backpressure: a full queue makes producers wait in `put()` instead of
piling work up in memory, so memory is bounded by `capacity` items however fast they produce.
"""

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from cookbook.outcome import Failed, Ok, Outcome

T = TypeVar("T")
R = TypeVar("R")


# --8<-- [start:producer-consumer]
async def produce_consume(
    producers: Sequence[AsyncIterable[T]],
    consumers: int,
    process: Callable[[T], Awaitable[R]],
    *,
    capacity: int,
    queue_type: Callable[[int], asyncio.Queue[Any]] = asyncio.Queue,
) -> list[tuple[T, Outcome[R]]]:
    """Put every producer's items into one queue of `capacity`, each producer in a task of its
    own, and `process` each item on one of `consumers` consumer tasks. One (item, outcome) per
    item, in the order they were processed; an item whose processing raised is a `Failed` outcome
    and its consumer goes on with the next item.

    `queue_type` is the discipline: `asyncio.Queue` hands out the oldest item present,
    `asyncio.LifoQueue` the newest. The call returns once every producer has finished and every
    item has been processed, and no task it started outlives it, however it ends.
    """
    if consumers < 1:
        raise ValueError(f"consumers must be at least 1, got {consumers}")
    if capacity < 1:
        # maxsize=0 is asyncio's spelling of "unbounded": exactly the memory this bounds.
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    queue: asyncio.Queue[T] = queue_type(capacity)
    done: list[tuple[T, Outcome[R]]] = []

    async def produce(items: AsyncIterable[T]) -> None:
        async for item in items:
            await queue.put(item)  # waits here while the queue is full

    async def consume() -> None:
        while True:
            item = await queue.get()
            try:
                done.append((item, await _attempt(process, item)))
            finally:
                # One `task_done()` for every `get()`, whatever became of the item: `join()`
                # below waits until they match, so a consumer that skipped it on an error (or
                # when cancelled mid-item) would leave `join()` waiting forever.
                queue.task_done()

    # How consumers stop: not with sentinels. One `None` per producer stops the consumers early
    # when producers outnumber them (and leaves some waiting when they are fewer), and in a LIFO
    # queue a sentinel put after the last items is taken before them. Instead, once every
    # producer has returned, every item is in the queue or being processed; `join()` returns when
    # each has been marked done; the consumers are then all waiting in `get()` for items that can
    # no longer come, and cancelling them there loses nothing. Zero producers is the same path.
    async with asyncio.TaskGroup() as group:
        workers = [group.create_task(consume()) for _ in range(consumers)]
        # A producer that raises makes this inner group raise, so the outer one cancels the
        # consumers too; a consumer that dies cancels this body, so `join()` never waits on it.
        async with asyncio.TaskGroup() as producing:
            for items in producers:
                producing.create_task(produce(items))
        await queue.join()
        for worker in workers:
            worker.cancel()
    return done


async def _attempt(process: Callable[[T], Awaitable[R]], item: T) -> Outcome[R]:
    # An error escaping a consumer would make the TaskGroup cancel every other task: one bad item
    # would stop the run. `Exception` leaves out `CancelledError`, so cancelling still works.
    try:
        return Ok(await process(item))
    except Exception as error:
        return Failed(error)


# --8<-- [end:producer-consumer]
