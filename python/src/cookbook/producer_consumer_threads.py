"""Producer-consumer on threads: producer threads put items into one bounded `queue.Queue`,
consumer threads take them out.

In production, reach for the standard library: `queue.Queue(maxsize=...)` (oldest first) or
`queue.LifoQueue(maxsize=...)` (newest first) is the thread-safe queue the rest of the library
uses, with `task_done()` and `join()` to know when every item has been processed. For a fixed
function over a stream of work with no producers of your own, `ThreadPoolExecutor` is shorter.

Threads suit producers and consumers that block in calls you cannot make async (a blocking client,
file I/O); sleeps and I/O release the GIL, pure-Python computation does not (see
`cookbook.worker_pool_threads`).
"""

import threading
from collections.abc import Callable, Iterable, Sequence
from queue import Queue
from typing import Any, TypeVar

from cookbook.outcome import Failed, Ok, Outcome

T = TypeVar("T")
R = TypeVar("R")


# --8<-- [start:producer-consumer]
class _Stop:
    """What each consumer takes last: put once every item has been processed."""


def produce_consume(
    producers: Sequence[Iterable[T]],
    consumers: int,
    process: Callable[[T], R],
    *,
    capacity: int,
    queue_type: Callable[[int], Queue[Any]] = Queue,
) -> list[tuple[T, Outcome[R]]]:
    """Put every producer's items into one queue of `capacity`, each producer on a thread of its
    own, and `process` each item on one of `consumers` consumer threads. One (item, outcome) per
    item; an item whose processing raised is a `Failed` outcome and its consumer goes on.

    `queue_type` is the discipline: `queue.Queue` hands out the oldest item present,
    `queue.LifoQueue` the newest. Every thread has been joined when the call returns; a producer's
    error is raised then, once the others are done. A thread cannot be stopped from outside, so the
    call waits for every producer to finish its items.
    """
    if consumers < 1:
        raise ValueError(f"consumers must be at least 1, got {consumers}")
    if capacity < 1:
        # maxsize=0 is `queue`'s spelling of "unbounded": exactly the memory this bounds.
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    queue: Queue[T | _Stop] = queue_type(capacity)
    # One list per consumer, each appended to by its own thread alone: nothing shared to lock.
    done: list[list[tuple[T, Outcome[R]]]] = [[] for _ in range(consumers)]
    errors: list[BaseException] = []

    def produce(items: Iterable[T]) -> None:
        try:
            for item in items:
                queue.put(item)  # blocks while the queue is full
        except BaseException as error:
            # An exception that escapes a thread is printed and lost: carry it to the caller.
            errors.append(error)

    def consume(mine: list[tuple[T, Outcome[R]]]) -> None:
        while not isinstance(item := queue.get(), _Stop):
            try:
                mine.append((item, _attempt(process, item)))
            finally:
                # One `task_done()` for every item taken, whatever became of it: `join()` below
                # waits until they match, and one missing would keep it waiting forever.
                queue.task_done()

    producing = [
        threading.Thread(target=produce, args=(items,), name=f"producer-{n}")
        for n, items in enumerate(producers)
    ]
    consuming = [
        threading.Thread(target=consume, args=(mine,), name=f"consumer-{n}")
        for n, mine in enumerate(done)
    ]
    for thread in producing + consuming:
        thread.start()
    for thread in producing:
        thread.join()
    # Every producer is done, so every item is in the queue or being processed, and `join()`
    # returns once each has been marked done. Only then do the stops go in, one per consumer:
    # the queue is empty, so no stop can overtake an item (a LIFO queue hands out the newest
    # first), and each consumer, idle in `get()`, takes exactly one and returns. Stops put by
    # each producer as it ends would stop the consumers while other producers still put items.
    queue.join()
    for _ in consuming:
        queue.put(_Stop())
    for thread in consuming:
        thread.join()
    if errors:
        raise errors[0]
    return [entry for mine in done for entry in mine]


def _attempt(process: Callable[[T], R], item: T) -> Outcome[R]:
    # An exception escaping a consumer would end its thread: the items left would wait for the
    # other consumers, or, with none left, for ever.
    try:
        return Ok(process(item))
    except Exception as error:
        return Failed(error)


# --8<-- [end:producer-consumer]
