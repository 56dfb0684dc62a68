"""A read-heavy cache on asyncio: a dict behind a writer-preferring reader-writer lock
(`cookbook.rwlock`), and one compute per missing key however many tasks miss it at once.

In production, reach for `async_lru.alru_cache`, which memoises a coroutine function and shares one
call among the callers of the same key, or `aiocache` for time-to-live and shared backends such as
Redis. Neither takes a reader-writer lock, and on one event loop a dict needs none while no critical
section awaits. The sections below do not await either; the lock is what keeps them apart once they
do (a read from a slow store, a write-through), which is what the contract's hold times stand for.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from cookbook.rwlock import RWLock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


# --8<-- [start:rwlock-cache]
class Cache(Generic[K, V]):
    """`get` and `set` under the read and the write lock; `get_or_compute` computes a missing key
    once, outside the lock, for every task that misses it meanwhile."""

    def __init__(self, lock: RWLock | None = None) -> None:
        # The lock guards `_values`: readers share it, a writer has it alone. `_flights` holds the
        # compute in progress per key; it needs no lock of its own, since a task cannot be
        # interrupted between reading it and changing it (there is no await in between).
        self._lock = lock or RWLock()
        self._values: dict[K, V] = {}
        self._flights: dict[K, asyncio.Task[V]] = {}

    async def get(self, key: K) -> V | None:
        async with self._lock.read():
            return self._values.get(key)

    async def set(self, key: K, value: V) -> None:
        async with self._lock.write():
            self._values[key] = value

    async def get_or_compute(self, key: K, compute: Callable[[K], Awaitable[V]]) -> V:
        async with self._lock.read():
            if key in self._values:
                return self._values[key]
            # The miss and the join happen in one hold of the read lock. A compute stores its value
            # under the write lock before its flight is removed, so a task that missed finds the
            # flight still here, and one that comes after the store finds the value.
            flight = self._flights.get(key)
            if flight is None:
                flight = asyncio.create_task(self._fill(key, compute))
                self._flights[key] = flight
        # Every task that missed waits for the same compute. `shield`: a waiter that is cancelled
        # stops waiting without cancelling the compute the others wait for (which still fills the
        # cache when nobody waits any more).
        return await asyncio.shield(flight)

    async def snapshot(self) -> dict[K, V]:
        async with self._lock.read():
            return dict(self._values)

    async def _fill(self, key: K, compute: Callable[[K], Awaitable[V]]) -> V:
        try:
            # Outside any lock: gets, sets and misses of other keys go on while this computes.
            value = await compute(key)
            async with self._lock.write():
                # Only if the key is still absent. A `set` that landed while this computed came
                # later than the miss that started it, so it wins; storing over it would let a `get`
                # see the set's value and then an older one, which no serial order explains.
                return self._values.setdefault(key, value)
        finally:
            del self._flights[key]  # a failed compute is not cached: the next miss tries again


# --8<-- [end:rwlock-cache]
