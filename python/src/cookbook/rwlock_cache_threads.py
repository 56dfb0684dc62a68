"""A read-heavy cache on threads: a dict behind a writer-preferring reader-writer lock
(`cookbook.rwlock_threads`), and one compute per missing key however many threads miss it at once.

In production, reach for `cachetools`: its `cached(cache, lock=...)` decorator takes one exclusive
lock around lookups and stores (and stores with `setdefault`, as below), and given a `condition=`
as well, lets one caller per key compute while the others wait. `functools.lru_cache` is
thread-safe but computes once per thread that misses. A reader-writer lock pays off when readers
hold the lock across something slow (a read from a store that releases the GIL) and would
otherwise wait in line.
"""

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cookbook.rwlock_threads import RWLock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


# --8<-- [start:rwlock-cache]
class _Flight(Generic[V]):
    """One compute in progress: the threads that missed the same key wait here for its outcome."""

    def __init__(self) -> None:
        self._landed = threading.Event()
        self._value: V
        self._error: BaseException | None = None

    def land(self, value: V) -> None:
        self._value = value
        self._landed.set()  # `set` publishes `_value` to every thread that returns from `wait`

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._landed.set()

    def wait(self) -> V:
        self._landed.wait()
        if self._error is not None:
            raise self._error
        return self._value


class Cache(Generic[K, V]):
    """`get` and `set` under the read and the write lock; `get_or_compute` computes a missing key
    once, outside the lock, for every thread that misses it meanwhile."""

    def __init__(self, lock: RWLock | None = None) -> None:
        # The lock guards `_values`: readers share it, a writer has it alone.
        self._lock = lock or RWLock()
        self._values: dict[K, V] = {}
        # Readers share the read lock, so two threads that miss the same key at once reach
        # `_flights` together: this mutex makes "find the key's flight or start one" one step.
        self._flights_mutex = threading.Lock()
        self._flights: dict[K, _Flight[V]] = {}

    def get(self, key: K) -> V | None:
        with self._lock.read():
            return self._values.get(key)

    def set(self, key: K, value: V) -> None:
        with self._lock.write():
            self._values[key] = value

    def get_or_compute(self, key: K, compute: Callable[[K], V]) -> V:
        with self._lock.read():
            if key in self._values:
                return self._values[key]
            # The miss and the join happen in one hold of the read lock. A compute stores its value
            # under the write lock before its flight is removed, so a thread that missed finds the
            # flight still here, and one that comes after the store finds the value.
            with self._flights_mutex:
                flight = self._flights.get(key)
                first = flight is None
                if flight is None:
                    flight = self._flights[key] = _Flight()
        if not first:
            return flight.wait()  # the first thread's value, or its error
        try:
            # Outside any lock: gets, sets and misses of other keys go on while this computes.
            value = compute(key)
            with self._lock.write():
                # Only if the key is still absent. A `set` that landed while this computed came
                # later than the miss that started it, so it wins; storing over it would let a `get`
                # see the set's value and then an older one, which no serial order explains.
                value = self._values.setdefault(key, value)
        except BaseException as error:
            flight.fail(error)
            raise
        finally:
            with self._flights_mutex:
                del self._flights[key]  # a failed compute is not cached: the next miss tries again
        flight.land(value)
        return value

    def snapshot(self) -> dict[K, V]:
        with self._lock.read():
            return dict(self._values)


# --8<-- [end:rwlock-cache]
