"""A reader-writer lock for threads: readers share it, a writer has it alone, writers go first.

The standard library has none (`threading.Lock` and `RLock` are exclusive); `readerwriterlock`
(`rwlock.RWLockWrite` is its writer-preferring lock) is the package to reach for. Under the GIL the
readers' Python still runs one thread at a time, but their waits do overlap: a reader that holds
the lock across I/O or a C call that releases the GIL no longer blocks the others.

Writer preference: once a writer waits, readers that arrive after it wait too. A reader-preferring
lock lets a new reader in whenever another reader holds the lock, so under a steady stream of reads
there is never an instant without a reader, and the writer waits forever. The price is the reverse
risk, readers held back by a stream of writers, which a read-heavy workload does not have.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


# --8<-- [start:rwlock]
class RWLock:
    """`with lock.read():` shares the lock with other readers; `with lock.write():` holds it
    alone. A waiting writer keeps new readers out, so writers are not starved."""

    def __init__(self) -> None:
        # The condition's mutex guards the three counters below; the condition wakes the waiters
        # when they change. Every check and every change happens under it, so no thread acts on a
        # count that another thread is changing.
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(self._can_read)
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                if self._readers == 0:
                    self._changed.notify_all()  # only writers wait for the readers to leave

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._changed:
            self._writers_waiting += 1
            try:
                self._changed.wait_for(self._can_write)
            except BaseException:
                # Interrupted (KeyboardInterrupt on the main thread): this writer may have been all
                # that kept the readers waiting, so let them re-check.
                self._changed.notify_all()
                raise
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()

    def _can_read(self) -> bool:
        # Writer preference: a waiting writer counts as much as one that holds the lock.
        return not self._writing and self._writers_waiting == 0

    def _can_write(self) -> bool:
        return not self._writing and self._readers == 0


# --8<-- [end:rwlock]
