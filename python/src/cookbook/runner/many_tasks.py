"""The `many-tasks` benchmark (docs/benchmarks.md) on asyncio: `size` tasks each sleep
`params.sleepMs` and are all joined. The sleep does nothing, so the figures are the cost of a task
itself: the time to start them all (`launchNs`), the time until the last is joined (`elapsedNs`)
and, seen from outside, the peak memory of a process that holds them all at once.

What one task costs asyncio: no thread and no stack of its own, only objects on the heap. On
CPython 3.11, as `tracemalloc` counts them, a `spawn` task is about 1.5 KB:

- the `Task`, with its name and its copy of the context (310 bytes), the done callback that the
  `TaskGroup` adds, its place in the group's set and its weak reference in asyncio's set of all
  tasks (290 more);
- the coroutine object of `asyncio.sleep`, whose frame keeps its locals across the `await`: 260;
- the `Future` that the sleep awaits, with the callback that wakes the task: 190;
- the `TimerHandle` that will resolve the future, its arguments and its place in the loop's heap
  of timers: 370 (a heap push, O(log n) a task);
- the `Handle` of the task's first step, until the loop has run it: 90.

A `work` task is about 1.9 KB: its coroutine is `_hold_then_send`, whose frame (the index, an
`int` object of its own, the delay, the queue and the buffer) awaits the coroutine of
`asyncio.sleep`, so it has two coroutines where `spawn` has one; and its buffer is a `bytearray`,
an object and its 64 bytes, 120 in all. The caller keeps the `spawn` tasks in a list to count
them: 8 bytes each.

In time, every step of a task is Python code that the loop runs (its first step, its timer, its
wake-up, its done callbacks), and the heap of timers compares `TimerHandle`s with a Python
`__lt__`: about 13 microseconds of CPU a task at 100,000 tasks, and half as much again with the
cyclic garbage collector, which scans the growing heap of live tasks as they are made.

A run keeps nothing for the next one: the tasks, the loop and the queue are made in the run and
dropped at its end (`asyncio.run` makes a new loop each time).
"""

import asyncio
import struct
import time
from dataclasses import dataclass
from functools import reduce
from operator import or_

from cookbook.runner.fields import Fields
from cookbook.runner.protocol import Benchmark, Measured, SelfCheckFailed

MIN_SLEEP_MS = 1  # a timer's resolution
MAX_SLEEP_MS = 600_000  # ten minutes
# tokio's `join-all`, futures polled in place by one task without spawning, has no counterpart:
# a coroutine runs concurrently with others only as a task (`asyncio.gather` wraps each in one).
VARIANTS = ("spawn", "work")

_COPIES = struct.Struct("<8Q")
"""Eight copies of a task's index: its 64-byte buffer."""


@dataclass(frozen=True)
class ManyTasks:
    size: int
    sleep_ms: int
    variant: str


@dataclass(frozen=True)
class Joined:
    """What one run saw: when the last task was started (ns since the start), how many tasks were
    joined and, for `work`, the sum of the indexes received."""

    launch_ns: int
    count: int
    sum: int | None = None


def bench_input(size: int, params: Fields) -> ManyTasks:
    """Validates `sleepMs`, then `variant`."""
    sleep_ms = params.integer("sleepMs", MIN_SLEEP_MS, MAX_SLEEP_MS)
    variant = params.choice("variant", VARIANTS)
    return ManyTasks(size, sleep_ms, variant)


def bench(input: ManyTasks) -> Measured:
    run = _spawn if input.variant == "spawn" else _work

    async def timed() -> tuple[int, Joined]:
        start = time.perf_counter_ns()
        joined = await run(input.size, input.sleep_ms / 1000, start)
        return time.perf_counter_ns() - start, joined

    elapsed, joined = asyncio.run(timed())
    return {"elapsedNs": elapsed, "launchNs": joined.launch_ns, "check": check(input, joined)}


ASYNCIO = Benchmark(bench_input=bench_input, bench=bench)


def check(input: ManyTasks, joined: Joined) -> dict[str, int]:
    """Every task joined once, and for `work` every index from 0 to `size - 1` received once."""
    if joined.count != input.size:
        raise SelfCheckFailed(f"{joined.count} tasks joined of {input.size}")
    if joined.sum is None:
        return {"count": input.size}
    if joined.sum != input.size * (input.size - 1) // 2:
        raise SelfCheckFailed(f"indexes sum to {joined.sum} for {input.size} tasks")
    return {"count": input.size, "sum": joined.sum}


async def _spawn(size: int, delay: float, start: int) -> Joined:
    """A task is started once `create_task` has returned: its first step is scheduled on the loop,
    which runs it when the caller next awaits."""
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(asyncio.sleep(delay)) for _ in range(size)]
        launch_ns = time.perf_counter_ns() - start
    # Leaving the group has joined every task; count those that slept to their end.
    return Joined(launch_ns, sum(not task.cancelled() for task in tasks))


async def _work(size: int, delay: float, start: int) -> Joined:
    """As `_spawn`, with a buffer held across each sleep and every index sent back to the caller,
    which drains the queue as the tasks wake."""
    # Unbounded, because the bound is structural: each task sends once, so the queue never holds
    # more than `size` indexes. A bound would make woken tasks wait for the caller, and time the
    # caller rather than the tasks. `None` closes it, once every task has ended.
    indexes: asyncio.Queue[int | None] = asyncio.Queue()
    count = total = 0
    # The outer group cancels the caller's `get` if a task fails, instead of leaving it waiting.
    async with asyncio.TaskGroup() as caller:
        launched = caller.create_task(_send_all(size, delay, indexes, start))
        while (index := await indexes.get()) is not None:
            count += 1
            total += index
    return Joined(launched.result(), count, total)


async def _send_all(size: int, delay: float, indexes: asyncio.Queue[int | None], start: int) -> int:
    """Start one task per index, join them all, then close the queue; answer the launch time."""
    async with asyncio.TaskGroup() as group:
        for index in range(size):
            group.create_task(_hold_then_send(index, delay, indexes))
        launch_ns = time.perf_counter_ns() - start
    # Every task has ended, so nothing is sent after this.
    indexes.put_nowait(None)
    return launch_ns


async def _hold_then_send(index: int, delay: float, indexes: asyncio.Queue[int | None]) -> None:
    """Fill a 64-byte buffer before the sleep and read it back after, so that the buffer is part
    of what the coroutine's frame keeps across the sleep."""
    buffer = bytearray(_COPIES.pack(*[index] * 8))
    await asyncio.sleep(delay)
    # The copies are equal, so OR-ing them gives the index back.
    indexes.put_nowait(reduce(or_, _COPIES.unpack(buffer)))
