"""The asyncio reader-writer lock and cache: sharing, exclusion, writer preference, single flight,
cancellation, and misses overlapping on a virtual clock."""

import asyncio

from cookbook.rwlock import RWLock
from cookbook.rwlock_cache import Cache
from tests.test_fan_in import on_virtual_time
from tests.test_worker_pool import settle


class Trace:
    """Tasks that take the lock and stay inside until their gate opens, logging what they do."""

    def __init__(self, lock: RWLock) -> None:
        self.lock, self.log = lock, list[str]()
        self.gates: dict[str, asyncio.Event] = {}

    def start(self, name: str) -> asyncio.Task[None]:
        self.gates[name] = asyncio.Event()
        taking = self.lock.write() if name.startswith("w") else self.lock.read()

        async def hold() -> None:
            async with taking:
                self.log.append(f"{name} in")
                await self.gates[name].wait()
                self.log.append(f"{name} out")

        return asyncio.create_task(hold())

    async def let_out(self, name: str) -> None:
        self.gates[name].set()
        await settle()


async def test_readers_share_the_lock() -> None:
    trace = Trace(RWLock())
    tasks = [trace.start(name) for name in ("r1", "r2", "r3")]
    await settle()
    assert trace.log == ["r1 in", "r2 in", "r3 in"]
    for name in ("r1", "r2", "r3"):
        await trace.let_out(name)
    await asyncio.gather(*tasks)


async def test_a_writer_waits_for_the_readers_and_then_holds_the_lock_alone() -> None:
    trace = Trace(RWLock())
    tasks = [trace.start("r1"), trace.start("w1"), trace.start("w2")]
    await settle()
    assert trace.log == ["r1 in"]
    await trace.let_out("r1")
    assert trace.log == ["r1 in", "r1 out", "w1 in"]  # w2 waits for w1
    await trace.let_out("w1")
    await trace.let_out("w2")
    await asyncio.gather(*tasks)
    assert trace.log[3:] == ["w1 out", "w2 in", "w2 out"]


async def test_a_waiting_writer_keeps_new_readers_out() -> None:
    trace = Trace(RWLock())
    tasks = [trace.start("r1")]
    await settle()
    tasks += [trace.start("w")]
    await settle()
    tasks += [trace.start("r2")]
    await settle()
    # A reader-preferring lock would let r2 in beside r1, and a stream of such readers would keep
    # the writer out for good.
    assert trace.log == ["r1 in"]
    await trace.let_out("r1")
    await trace.let_out("w")
    await trace.let_out("r2")
    await asyncio.gather(*tasks)
    assert trace.log == ["r1 in", "r1 out", "w in", "w out", "r2 in", "r2 out"]


async def test_a_cancelled_waiting_writer_lets_the_readers_behind_it_in() -> None:
    trace = Trace(RWLock())
    reader, writer = trace.start("r1"), trace.start("w")
    await settle()
    late = trace.start("r2")
    await settle()
    writer.cancel()
    await settle()
    assert trace.log == ["r1 in", "r2 in"]
    await trace.let_out("r1")
    await trace.let_out("r2")
    await asyncio.gather(reader, late)
    assert writer.cancelled()


class Computes:
    """A compute that waits for its gate, counting calls per key."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.gate = asyncio.Event()
        self.error: Exception | None = None

    async def __call__(self, key: int) -> str:
        self.calls.append(key)
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return f"computed {key}"


async def test_concurrent_misses_of_a_key_compute_it_once() -> None:
    cache, compute = Cache[int, str](), Computes()
    misses = [asyncio.create_task(cache.get_or_compute(7, compute)) for _ in range(5)]
    await settle()
    compute.gate.set()
    assert await asyncio.gather(*misses) == ["computed 7"] * 5
    assert compute.calls == [7]
    assert await cache.get_or_compute(7, compute) == "computed 7"  # a hit computes nothing
    assert compute.calls == [7]


async def test_a_set_that_lands_while_the_key_computes_wins() -> None:
    cache, compute = Cache[int, str](), Computes()
    miss = asyncio.create_task(cache.get_or_compute(5, compute))
    await settle()
    await cache.set(5, "set first")
    compute.gate.set()
    assert await miss == "set first"
    assert await cache.get(5) == "set first"


async def test_a_failed_compute_fails_its_waiters_and_is_not_cached() -> None:
    cache, compute = Cache[int, str](), Computes()
    compute.error = LookupError("backend down")
    misses = [asyncio.create_task(cache.get_or_compute(1, compute)) for _ in range(3)]
    await settle()
    compute.gate.set()
    results = await asyncio.gather(*misses, return_exceptions=True)
    assert results == [compute.error] * 3
    assert await cache.get(1) is None
    compute.error = None
    assert await cache.get_or_compute(1, compute) == "computed 1"
    assert compute.calls == [1, 1]


async def test_a_cancelled_waiter_does_not_cancel_the_compute_the_others_wait_for() -> None:
    cache, compute = Cache[int, str](), Computes()
    first, second = (asyncio.create_task(cache.get_or_compute(3, compute)) for _ in range(2))
    await settle()
    first.cancel()
    await settle()
    compute.gate.set()
    assert await second == "computed 3"
    assert first.cancelled()
    assert await cache.snapshot() == {3: "computed 3"}


def test_misses_of_different_keys_compute_at_once() -> None:
    async def minute(key: int) -> str:
        await asyncio.sleep(60)
        return str(key)

    async def timed() -> float:
        cache, loop = Cache[int, str](), asyncio.get_running_loop()
        start = loop.time()
        values = await asyncio.gather(*(cache.get_or_compute(key, minute) for key in range(4)))
        assert values == ["0", "1", "2", "3"]
        return loop.time() - start

    # One minute, not four: no compute waits for another, since none holds the lock.
    assert on_virtual_time(timed) == 60


async def test_a_get_waits_for_a_writer_in_the_middle_of_its_section() -> None:
    lock = RWLock()
    cache = Cache[int, str](lock)
    await cache.set(1, "old")
    writing = asyncio.Event()

    async def slow_write() -> None:
        async with lock.write():
            await writing.wait()  # a write-through to a slow store, holding the lock

    writer = asyncio.create_task(slow_write())
    await settle()
    reader = asyncio.create_task(cache.get(1))
    await settle()
    assert not reader.done()
    writing.set()
    await asyncio.gather(writer, reader)
