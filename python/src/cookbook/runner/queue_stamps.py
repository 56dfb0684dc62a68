"""Stamps of items handed through queues, for the patterns whose observations are each item's trip
through a queue (producer-consumer, pipeline): `putNs` and `queuedNs` around the put, `getNs` and
`gotNs` around the get.

The patterns take their queue's class from the caller (`queue_type`) and know nothing of this: the
runner hands them the subclasses here, which stamp every put and get on the run's clock. A get's
stamps are kept for its taker (the task or thread that called `get`); the code that processes the
item runs in that same task or thread, asks for them with `Ledger.taken()`, and adds the rest of
its record (which consumer or worker it is, and when it was done).
"""

import asyncio
import queue
import threading
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Generic, TypeVar

from cookbook.runner.observe import Clock

T = TypeVar("T")


@dataclass
class Trip:
    """One item's way through one queue, in nanoseconds since the start of the measured region.

    On threads the fields are filled by two threads (the putter's `queued_ns` may even come after
    the taker's `got_ns`), so a trip is read only once the run is over."""

    put_ns: int
    queued_ns: int = 0
    get_ns: int = 0
    got_ns: int = 0


class Ledger:
    """The trips of one run: by entry while it is in a queue, then by taker until it is taken.

    Entries are told apart by identity, not by value, so that any entry works (the pipeline's are
    its own tuples); each is kept referenced while it is registered, so its `id()` cannot be
    reused by another object meanwhile."""

    def __init__(
        self, clock: Clock, guard: AbstractContextManager[object], taker: Callable[[], Hashable]
    ) -> None:
        self.clock = clock
        self._guard = guard
        self._taker = taker
        self._queued: dict[int, tuple[object, Trip]] = {}
        self._held: dict[Hashable, Trip] = {}
        self._indices: dict[tuple[int, Hashable], int] = {}
        self._counts: dict[int, int] = {}

    @classmethod
    def for_asyncio(cls, clock: Clock) -> "Ledger":
        # One event loop, and no `await` while the ledger is updated: no lock. The taker is the
        # task, since a task's `get` and its processing of the item run in that task.
        return cls(clock, nullcontext(), asyncio.current_task)

    @classmethod
    def for_threads(cls, clock: Clock) -> "Ledger":
        # A putter and a taker update the dictionaries from two threads at once.
        return cls(clock, threading.Lock(), threading.get_ident)

    def putting(self, entry: object) -> Trip:
        """Stamp `putNs`, just before `entry` is put. Registered before the put, so that a taker on
        another thread that gets it at once finds it."""
        trip = Trip(self.clock.now())
        with self._guard:
            self._queued[id(entry)] = (entry, trip)
        return trip

    def queued(self, trip: Trip) -> None:
        """Stamp `queuedNs`, just after the put returned."""
        trip.queued_ns = self.clock.now()

    def got(self, entry: object, get_ns: int) -> None:
        """Stamp `gotNs` just after a get returned `entry`, which it was asked for at `get_ns`, and
        keep the trip for the taker."""
        got_ns = self.clock.now()
        with self._guard:
            _, trip = self._queued.pop(id(entry))
            self._held[self._taker()] = trip
        trip.get_ns, trip.got_ns = get_ns, got_ns

    def taken(self) -> Trip:
        """The trip of the entry this task or thread took last."""
        with self._guard:
            return self._held.pop(self._taker())

    def index(self, group: int = 0) -> int:
        """This task's or thread's index in `group` (a stage, say), counted from 0 in the order they
        first ask: the consumer or worker number the records report."""
        key = (group, self._taker())
        with self._guard:
            if key not in self._indices:
                self._indices[key] = self._counts.get(group, 0)
                self._counts[group] = self._indices[key] + 1
            return self._indices[key]


class StampedQueue(asyncio.Queue[T], Generic[T]):
    """An `asyncio.Queue` that stamps every put and get in its ledger."""

    def __init__(self, maxsize: int, ledger: Ledger) -> None:
        super().__init__(maxsize)
        self._ledger = ledger

    async def put(self, item: T) -> None:
        trip = self._ledger.putting(item)
        await super().put(item)
        self._ledger.queued(trip)

    async def get(self) -> T:
        get_ns = self._ledger.clock.now()
        item = await super().get()
        self._ledger.got(item, get_ns)
        return item


class StampedLifoQueue(StampedQueue[T], asyncio.LifoQueue[T]):
    """An `asyncio.LifoQueue` that stamps every put and get in its ledger."""


class StampedThreadQueue(queue.Queue[T], Generic[T]):
    """A `queue.Queue` that stamps every put and get in its ledger."""

    def __init__(self, maxsize: int, ledger: Ledger) -> None:
        super().__init__(maxsize)
        self._ledger = ledger

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        trip = self._ledger.putting(item)
        super().put(item, block, timeout)
        self._ledger.queued(trip)

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        get_ns = self._ledger.clock.now()
        item = super().get(block, timeout)
        self._ledger.got(item, get_ns)
        return item


class StampedThreadLifoQueue(StampedThreadQueue[T], queue.LifoQueue[T]):
    """A `queue.LifoQueue` that stamps every put and get in its ledger."""
