"""A reader-writer lock for asyncio: readers share it, a writer has it alone, writers go first.

The standard library has none; `aiorwlock` is the well-kept package. On one event loop a task
switches only at an `await`, so a critical section that never awaits needs no lock at all: a
reader-writer lock earns its place when the section spans an await (a read from a slow store, a
write-through), and it lets the readers of such sections overlap while keeping writers apart.

Writer preference: once a writer waits, readers that arrive after it wait too. A reader-preferring
lock lets a new reader in whenever another reader holds the lock, so under a steady stream of reads
there is never an instant without a reader, and the writer waits forever. The price is the reverse
risk, readers held back by a stream of writers, which a read-heavy workload does not have.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


# --8<-- [start:rwlock]
class RWLock:
    """`async with lock.read():` shares the lock with other readers; `async with lock.write():`
    holds it alone. A waiting writer keeps new readers out, so writers are not starved."""

    def __init__(self) -> None:
        # The condition guards the three counters below, and wakes the waiters when they change.
        # Its own lock is held only between two awaits, never across one (`wait_for` releases it
        # while it waits), so taking it in a release never waits: a release cannot be cancelled
        # halfway, with its count changed and its waiters not woken.
        self._changed = asyncio.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @asynccontextmanager
    async def read(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(self._can_read)
            self._readers += 1
        try:
            yield
        finally:
            async with self._changed:
                self._readers -= 1
                if self._readers == 0:
                    self._changed.notify_all()  # only writers wait for the readers to leave

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        async with self._changed:
            self._writers_waiting += 1
            try:
                await self._changed.wait_for(self._can_write)
            except asyncio.CancelledError:
                # This writer may have been all that kept the readers waiting: let them re-check.
                self._changed.notify_all()
                raise
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            async with self._changed:
                self._writing = False
                self._changed.notify_all()

    def _can_read(self) -> bool:
        # Writer preference: a waiting writer counts as much as one that holds the lock.
        return not self._writing and self._writers_waiting == 0

    def _can_write(self) -> bool:
        return not self._writing and self._readers == 0


# --8<-- [end:rwlock]
