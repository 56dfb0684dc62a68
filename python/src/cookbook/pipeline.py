"""Pipeline on asyncio: items flow through stages, each stage with its own worker tasks, joined by
bounded queues.

In production, reach for `asyncio.TaskGroup` with one `asyncio.Queue(maxsize=...)` per stage, as
below: the group cancels every stage on the first error and waits for all of them. `aiostream`
composes async iterables into pipelines (`stream.map(..., task_limit=n)` per stage, `ordered=`),
which is shorter when each stage is one call.

Each queue's capacity bounds the memory between two stages and is the backpressure: a fast stage
waits in `put()` for a slow one instead of running ahead. With every stage busy at once, the
pipeline takes about as long as its slowest stage, not the sum of all of them.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


# --8<-- [start:pipeline]
@dataclass(frozen=True)
class Stage:
    """One step: `workers` tasks each await `transform(value)` on the values of the stage's
    queue, which holds at most `capacity` of them."""

    transform: Callable[[Any], Awaitable[Any]]
    workers: int = 1
    capacity: int = 1


async def run_pipeline(
    items: Iterable[Any],
    stages: Sequence[Stage],
    *,
    ordered: bool = False,
    queue_type: Callable[[int], asyncio.Queue[Any]] = asyncio.Queue,
) -> list[Any]:
    """Pass every item through every stage in turn; the last stage's values, in input order if
    `ordered`, else as they come out.

    The first transform to raise stops the whole pipeline: every stage's tasks are cancelled
    where they are, and the error is raised in an `ExceptionGroup` once all of them have stopped.
    Whichever way it ends, no task it started outlives the call.
    """
    if not stages:
        raise ValueError("a pipeline needs at least one stage")
    for stage in stages:
        if stage.workers < 1 or stage.capacity < 1:
            raise ValueError(f"a stage needs a worker and a bounded queue, got {stage}")
    # Each value travels with its index in the input, for the reorder buffer at the end.
    queues: list[asyncio.Queue[tuple[int, Any]]] = [queue_type(stage.capacity) for stage in stages]
    collected = _Collector(ordered)

    async def work(s: int) -> None:
        inbox, transform = queues[s], stages[s].transform
        last = s == len(stages) - 1
        while True:
            index, value = await inbox.get()
            try:
                result = await transform(value)
                if last:
                    collected.add(index, result)
                else:
                    await queues[s + 1].put((index, result))  # waits while the next is full
            finally:
                # Marked done only once handed on: `join()` on this queue then means every value
                # that entered it is in the next one (or collected), not half-way between.
                inbox.task_done()

    # How the end of the input flows: the source is done once it has put its last item; stage 0
    # is done once its queue is joined (every item taken and handed on), so stage 1's input has
    # ended, and so on down the line. A stage's workers are cancelled only when they can no
    # longer receive anything, idle in `get()`. No sentinels: one per worker, per stage, would
    # have to be counted through every stage, and a stage that ended its output when its first
    # worker finished would cut off what the others still hold.
    #
    # How an error stops everything: a transform that raises ends its worker's task, and the
    # TaskGroup cancels every other task (the workers of every stage, wherever they wait, and
    # this body, in a `put()` or a `join()`), then raises. Nothing waits for an item that failed.
    async with asyncio.TaskGroup() as group:
        workers = [
            [group.create_task(work(s)) for _ in range(stage.workers)]
            for s, stage in enumerate(stages)
        ]
        for index, item in enumerate(items):
            await queues[0].put((index, item))
        for queue, stage_workers in zip(queues, workers, strict=True):
            await queue.join()
            for worker in stage_workers:
                worker.cancel()
    return collected.values


class _Collector:
    """The end of the line. In order, a reorder buffer: a value that comes out ahead of an earlier
    one waits here, not in a stage, so the stages keep running at full width. It holds the values
    that overtook the slowest one still in flight; for a bound on that, bound how far the source
    may run ahead (as `futures`' `buffered(n)` does in Rust)."""

    def __init__(self, ordered: bool) -> None:
        self._ordered = ordered
        self._waiting: dict[int, Any] = {}
        self.values: list[Any] = []

    def add(self, index: int, value: Any) -> None:
        if not self._ordered:
            self.values.append(value)
            return
        self._waiting[index] = value
        while len(self.values) in self._waiting:
            self.values.append(self._waiting.pop(len(self.values)))


# --8<-- [end:pipeline]
