"""Batching on asyncio: items arriving one by one are grouped into batches, each flushed when it is
full or when its first item has waited long enough, whichever comes first.

In production, reach for `asyncio.timeout_at` around `Queue.get` as below, with the deadline set
by each batch's first item; `aiostream.stream.chunks` batches by size alone, which leaves a
stalled source's items waiting for arrivals that may never come.

The module has two halves, as the rate limiters do (`cookbook.rate_limit`):

- `Batcher`, the decision core: integers in, batches out, no clock and no I/O. `decide` runs it on
  arrival times given as data, so every rule can be tested to the tick.
- `batches`, the live batcher: the same core on a real clock, woken by the next item or by the open
  batch's deadline, whichever comes first.

Time is an integer number of ticks: milliseconds when deciding on data, nanoseconds live.
"""

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

Reason = Literal["full", "due", "end"]


# --8<-- [start:batching]
@dataclass(frozen=True)
class Batch(Generic[T]):
    items: list[T]
    at: int
    """When the batch was flushed: its last item's arrival (`full`), its due time (`due`), or the
    end of the stream (`end`)."""
    reason: Reason


class Batcher(Generic[T]):
    """At most one open batch; it is due `max_wait` ticks after its first item arrived. Told the
    time at each call, in non-decreasing ticks; answers the batches that call flushes, in order."""

    def __init__(self, max_size: int, max_wait: int) -> None:
        for name, value in (("max_size", max_size), ("max_wait", max_wait)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        self._max_size = max_size
        self._max_wait = max_wait
        self._items: list[T] = []
        self._opened = 0
        self._now: int | None = None

    @property
    def due(self) -> int | None:
        """When the open batch is due, or None when no batch is open. The deadline is the first
        item's: an arrival never pushes it back, or a steady trickle of items would keep a batch
        from ever being flushed for time."""
        return self._opened + self._max_wait if self._items else None

    def add(self, item: T, now: int) -> list[Batch[T]]:
        """`item` arrives at `now`. A batch due by then is flushed first, so an item arriving at
        the very instant its batch is due opens the next batch rather than joining a late one."""
        flushed = self.expire(now)
        if not self._items:
            self._opened = now
        self._items.append(item)
        if len(self._items) == self._max_size:
            flushed.append(self._flush(now, "full"))
        return flushed

    def expire(self, now: int) -> list[Batch[T]]:
        """The open batch, if it is due by `now`, flushed at its due time."""
        self._advance(now)
        due = self.due
        return [self._flush(due, "due")] if due is not None and due <= now else []

    def end(self, now: int) -> list[Batch[T]]:
        """The stream ends at `now`: the open batch is flushed, as due if it was due by then."""
        flushed = self.expire(now)
        if self._items:
            flushed.append(self._flush(now, "end"))
        return flushed

    def _advance(self, now: int) -> None:
        # The rules compare times: a clock that went back would flush a batch early or late.
        if self._now is not None and now < self._now:
            raise ValueError(f"time went back from {self._now} to {now}")
        self._now = now

    def _flush(self, at: int, reason: Reason) -> Batch[T]:
        batch, self._items = Batch(self._items, at, reason), []
        return batch


def decide(
    arrivals: Iterable[tuple[T, int]], max_size: int, max_wait: int, end: int
) -> list[Batch[T]]:
    """The batches of `(item, arrival time)` pairs, in time order, for a stream ending at `end`."""
    batcher: Batcher[T] = Batcher(max_size, max_wait)
    batches: list[Batch[T]] = []
    for item, at in arrivals:
        batches += batcher.add(item, at)
    return batches + batcher.end(end)


async def batches(
    inbox: asyncio.Queue[T | None],
    max_size: int,
    max_wait_ns: int,
    clock: Callable[[], int] = time.monotonic_ns,
) -> AsyncGenerator[Batch[T], None]:
    """The batches of the items put into `inbox`, each as soon as it is flushed; putting `None`
    ends the stream, after which the open batch is flushed and the iterator ends. `clock` reads
    nanoseconds on a monotonic clock, and the batches' times are its."""
    batcher: Batcher[T] = Batcher(max_size, max_wait_ns)
    loop = asyncio.get_running_loop()
    while True:
        due = batcher.due
        # The open batch's deadline, armed by its first item, bounds the wait for the next one: a
        # source that stalls gets its batch flushed when due, not at its next arrival. The loop's
        # timers run on its own clock, so the deadline is carried over as the time left.
        deadline = None if due is None else loop.time() + (due - clock()) / 1e9
        try:
            async with asyncio.timeout_at(deadline):
                item = await inbox.get()
        except TimeoutError:
            # A timer may fire a little early: `expire` flushes only once the clock says so,
            # and otherwise the loop waits again for what is left.
            for batch in batcher.expire(clock()):
                yield batch
            continue
        # Each yield is outside the `timeout_at` block: whoever consumes a batch takes as long as
        # it takes, without the deadline of the next batch cancelling it.
        for batch in batcher.end(clock()) if item is None else batcher.add(item, clock()):
            yield batch
        if item is None:
            return


# --8<-- [end:batching]
