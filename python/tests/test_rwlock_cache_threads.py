"""The threads reader-writer lock and cache: sharing, exclusion, writer preference, single flight.

Waits are bounded by `WAIT` so that a broken lock fails the test instead of hanging it; no test
asserts how long anything took."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cookbook.rwlock_cache_threads import Cache
from cookbook.rwlock_threads import RWLock

WAIT = 10  # seconds


class Watched(RWLock):
    """A lock that says when a reader or a writer has had to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.reader_waits, self.writer_waits = threading.Event(), threading.Event()

    def _can_read(self) -> bool:
        free = super()._can_read()
        if not free:
            self.reader_waits.set()
        return free

    def _can_write(self) -> bool:
        free = super()._can_write()
        if not free:
            self.writer_waits.set()
        return free


class Trace:
    """Threads that take the lock and stay inside until their gate opens, logging what they do."""

    def __init__(self, lock: RWLock) -> None:
        self.lock, self.log, self.threads = lock, list[str](), list[threading.Thread]()
        self.inside: dict[str, threading.Event] = {}
        self.gates: dict[str, threading.Event] = {}

    def start(self, name: str) -> None:
        self.inside[name], self.gates[name] = threading.Event(), threading.Event()

        def hold() -> None:
            with self.lock.write() if name.startswith("w") else self.lock.read():
                self.log.append(f"{name} in")
                self.inside[name].set()
                assert self.gates[name].wait(WAIT)
                self.log.append(f"{name} out")

        self.threads.append(threading.Thread(target=hold))
        self.threads[-1].start()

    def let_out(self, name: str, then: str | None = None) -> None:
        """Open `name`'s gate, and wait until `then` is inside."""
        self.gates[name].set()
        if then is not None:
            assert self.inside[then].wait(WAIT)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(WAIT)


def test_readers_share_the_lock() -> None:
    # Each reader waits inside for the other two: the barrier opens only if all three are in.
    lock, barrier = RWLock(), threading.Barrier(3, timeout=WAIT)

    def read() -> None:
        with lock.read():
            barrier.wait()

    with ThreadPoolExecutor(3) as executor:
        for future in [executor.submit(read) for _ in range(3)]:
            future.result()


def test_a_writer_is_alone_in_the_lock() -> None:
    lock, guard = RWLock(), threading.Lock()
    readers = writers = 0
    seen: list[tuple[int, int]] = []

    def enter(kind: str) -> None:
        nonlocal readers, writers
        with guard:
            readers += kind == "read"
            writers += kind == "write"
            seen.append((readers, writers))

    def leave(kind: str) -> None:
        nonlocal readers, writers
        with guard:
            readers -= kind == "read"
            writers -= kind == "write"

    def client(n: int) -> None:
        for i in range(200):
            kind = "write" if (n + i) % 5 == 0 else "read"
            with lock.write() if kind == "write" else lock.read():
                enter(kind)
                time.sleep(0.0002)  # let the other threads run while this one is inside
                leave(kind)

    with ThreadPoolExecutor(6) as executor:
        list(executor.map(client, range(6)))
    assert all(w == 0 or (w, r) == (1, 0) for r, w in seen)


def test_a_waiting_writer_keeps_new_readers_out() -> None:
    lock = Watched()
    trace = Trace(lock)
    trace.start("r1")
    assert trace.inside["r1"].wait(WAIT)
    trace.start("w")
    assert lock.writer_waits.wait(WAIT)
    trace.start("r2")
    # A reader-preferring lock would let r2 in beside r1, and a stream of such readers would keep
    # the writer out for good.
    assert lock.reader_waits.wait(WAIT)
    assert trace.log == ["r1 in"]
    trace.let_out("r1", then="w")
    trace.let_out("w", then="r2")
    trace.let_out("r2")
    trace.join()
    assert trace.log == ["r1 in", "r1 out", "w in", "w out", "r2 in", "r2 out"]


class Computes:
    """A compute that waits for its gate, counting calls per key."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.started, self.gate = threading.Event(), threading.Event()

    def __call__(self, key: int) -> str:
        self.calls.append(key)
        self.started.set()
        assert self.gate.wait(WAIT)
        return f"computed {key}"


def test_concurrent_misses_of_a_key_compute_it_once() -> None:
    cache, compute = Cache[int, str](), Computes()
    ready = threading.Barrier(6, timeout=WAIT)

    def miss() -> str:
        ready.wait()
        return cache.get_or_compute(7, compute)

    with ThreadPoolExecutor(6) as executor:
        futures = [executor.submit(miss) for _ in range(5)]
        ready.wait()
        assert compute.started.wait(WAIT)
        # Every miss is let through the barrier together, and the compute cannot end before the
        # gate opens: the other four find it in flight (or, if slower still, its value).
        time.sleep(0.05)
        compute.gate.set()
        assert [future.result() for future in futures] == ["computed 7"] * 5
    assert compute.calls == [7]


def test_a_set_that_lands_while_the_key_computes_wins() -> None:
    cache, compute = Cache[int, str](), Computes()
    with ThreadPoolExecutor(1) as executor:
        miss = executor.submit(cache.get_or_compute, 5, compute)
        assert compute.started.wait(WAIT)
        cache.set(5, "set first")
        compute.gate.set()
        assert miss.result() == "set first"
    assert cache.get(5) == "set first"


def test_a_failed_compute_raises_and_is_not_cached() -> None:
    cache = Cache[int, str]()

    def fails(key: int) -> str:
        raise LookupError(f"no value for {key}")

    with pytest.raises(LookupError, match="no value for 1"):
        cache.get_or_compute(1, fails)
    assert cache.get(1) is None
    assert cache.get_or_compute(1, str) == "1"
    assert cache.snapshot() == {1: "1"}
