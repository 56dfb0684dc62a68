"""Fan-out / fan-in on asyncio: merge several sources into one stream, and scatter calls over a
bounded number of tasks, gathering the results in input order.

In production, reach for:

- merging: `aiostream.stream.merge` merges async iterables into one, and anyio's memory object
  streams are channels whose send side can be cloned per producer and which end when the last
  clone is closed, as Go's and tokio's channels do.
- scatter-gather: `asyncio.TaskGroup` with an `asyncio.Semaphore`, as below, is all the standard
  library needs; `aiometer.run_all` adds a cap on calls started per second, and
  `asyncio.as_completed` gives results in completion order instead.

Both functions are structured: every task they start has finished when they return or raise,
whichever way they end.
"""

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from cookbook.outcome import Failed, Ok, Outcome

T = TypeVar("T")
J = TypeVar("J")
R = TypeVar("R")


# --8<-- [start:fan-in]
class _Ended:
    """What a source puts on the queue after its last item."""


@asynccontextmanager
async def merge(sources: Sequence[AsyncIterable[T]]) -> AsyncIterator[AsyncIterator[T]]:
    """Read every source in a task of its own; the `async with` body reads all their items as one
    stream, each as soon as its source yields it, each source's items in their own order.

        async with merge([ticks(), prices()]) as stream:
            async for item in stream:
                ...

    The stream ends when every source has ended. Leaving the body early cancels the sources still
    running; a source that raises cancels the others and the body. Its error, or one the body
    raises, leaves the `async with` in an `ExceptionGroup`, as any error in a `TaskGroup` does.
    Whichever way the block ends, no source's task outlives it.
    """
    # Bounded: a source that runs ahead of the reader waits in `put` rather than piling items up
    # in memory. One slot per source lets every source hand over an item without waiting for the
    # others; a bound never holds an item back from a reader that is waiting for one.
    queue: asyncio.Queue[T | _Ended] = asyncio.Queue(maxsize=max(1, len(sources)))

    async def pump(source: AsyncIterable[T]) -> None:
        async for item in source:
            await queue.put(item)
        # Who ends the stream: every source says it has ended, after its last item (the queue is
        # FIFO), and the reader counts them. Ending at the first `_Ended` would drop the items of
        # every source still running.
        await queue.put(_Ended())

    async def stream() -> AsyncIterator[T]:
        ended = 0
        while ended < len(sources):
            item = await queue.get()
            if isinstance(item, _Ended):
                ended += 1
            else:
                yield item

    # The TaskGroup ties the pumps to this block: a pump that raises cancels its siblings and the
    # body, and `async with` returns only once every pump has finished.
    async with asyncio.TaskGroup() as group:
        pumps = [group.create_task(pump(source)) for source in sources]
        try:
            yield stream()
        finally:
            # The body is done, early or not: the sources still running would otherwise wait in
            # `put` forever, and the TaskGroup with them. Cancelling a finished task does nothing.
            for task in pumps:
                task.cancel()


# --8<-- [end:fan-in]


# --8<-- [start:scatter-gather]
async def scatter_gather(
    items: Sequence[J], limit: int, fn: Callable[[J], Awaitable[R]]
) -> list[Outcome[R]]:
    """Await `fn(item)` for every item, at most `limit` at a time; one outcome per item, in input
    order. A call that fails is an outcome (`Failed`), and the other calls go on."""
    return await _bounded(items, limit, lambda item: _attempt(fn, item))


async def scatter_gather_fail_fast(
    items: Sequence[J], limit: int, fn: Callable[[J], Awaitable[R]]
) -> list[R]:
    """Await `fn(item)` for every item, at most `limit` at a time; the values, in input order.

    The first call that fails cancels every call still running or waiting for a slot, and its
    error is raised in an `ExceptionGroup` (first in `exceptions`) once all of them have stopped.
    """
    return await _bounded(items, limit, fn)


async def _bounded(items: Sequence[J], limit: int, call: Callable[[J], Awaitable[R]]) -> list[R]:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    # One task per item, each waiting for one of `limit` permits: the tasks all exist from the
    # start (fine for thousands of items; for millions, a fixed set of workers, as the worker pool
    # has, keeps memory flat), but only `limit` calls run.
    semaphore = asyncio.Semaphore(limit)

    async def one(item: J) -> R:
        await semaphore.acquire()
        result = await call(item)
        # Not `async with semaphore`: the permit goes back only when the call returns. A call that
        # fails keeps it, so that no waiting call starts in the moment between the failure and the
        # TaskGroup cancelling the rest (its callback runs one step of the event loop later).
        semaphore.release()
        return result

    # Fail-fast is the TaskGroup's own rule: the first task to raise cancels all the others,
    # those running and those still waiting for the semaphore, and `async with` waits for every
    # one of them to stop before it raises. Without fail-fast, `_attempt` turns every failure
    # into a value, so the group never sees one and every call runs.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(item)) for item in items]
    # Input order whatever the completion order: each result is read from its own item's task.
    return [task.result() for task in tasks]


async def _attempt(fn: Callable[[J], Awaitable[R]], item: J) -> Outcome[R]:
    # `Exception` does not include `CancelledError`: cancelling the caller still cancels the call.
    try:
        return Ok(await fn(item))
    except Exception as error:
        return Failed(error)


# --8<-- [end:scatter-gather]
