"""The read-heavy cache as the runner speaks it (docs/patterns/rwlock-cache.md).

Validation, the clients' scripts, and the run and bench functions of both variants. The caches
(`cookbook.rwlock_cache`, `cookbook.rwlock_cache_threads`) know nothing of observation: the runner
hands each one a lock that records every interval a client holds it (and holds it as long as the
client's operation says), a compute that records itself, and stamps every operation when its
client calls it and when it answers.
"""

import asyncio
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypedDict

from cookbook import rwlock, rwlock_cache, rwlock_cache_threads, rwlock_threads
from cookbook.runner.fields import Fields, array_at
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.work import to_hex, work

MAX_HOLD_MS = 10_000
MAX_COMPUTE_MS = 60_000
MAX_COST = 100_000_000
MAX_CLIENTS = 1_000
MAX_KEY = 2**53 - 1
MAX_SLEEP_MS = 60_000
OPS = ("get", "set", "getOrCompute", "sleep")


@dataclass(frozen=True)
class Op:
    kind: str
    """One of `OPS`."""
    key: int = 0
    value: str = ""
    """What a `set` writes."""
    ms: int = 0
    """How long a `sleep` pauses."""


@dataclass(frozen=True)
class CacheInput:
    read_hold_ms: int
    write_hold_ms: int
    compute_ms: int
    compute_cost: int
    clients: Sequence[Sequence[Op]]


class LockRecord(TypedDict):
    client: int
    mode: str
    requestNs: int
    acquiredNs: int
    releasedNs: int


class ComputeRecord(TypedDict):
    key: int
    startNs: int
    endNs: int


class OpRecord(TypedDict):
    client: int
    index: int
    op: str
    key: int
    value: str | None
    invokeNs: int
    returnNs: int


class CacheObserved(Observed):
    locks: list[LockRecord]
    computes: list[ComputeRecord]
    ops: list[OpRecord]


def validate(input: Fields) -> CacheInput:
    """`readHoldMs`, `writeHoldMs`, `computeMs`, `computeCost`, `clients`, then each client's
    operations in order (`op`, `key`, `value`, `ms`): the first problem is the one reported."""
    read_hold_ms = input.integer("readHoldMs", 0, MAX_HOLD_MS, default=0)
    write_hold_ms = input.integer("writeHoldMs", 0, MAX_HOLD_MS, default=0)
    compute_ms = input.integer("computeMs", 0, MAX_COMPUTE_MS, default=0)
    compute_cost = input.integer("computeCost", 0, MAX_COST, default=0)
    clients: list[list[Op]] = []
    for c, raw in enumerate(input.array("clients", most=MAX_CLIENTS)):
        path = f"{input.at('clients')}[{c}]"
        script = array_at(raw, path)
        clients.append([_op(Fields(op, f"{path}[{i}]")) for i, op in enumerate(script)])
    return CacheInput(read_hold_ms, write_hold_ms, compute_ms, compute_cost, clients)


def _op(fields: Fields) -> Op:
    kind = fields.choice("op", OPS)
    if kind == "sleep":
        return Op(kind, ms=fields.integer("ms", 0, MAX_SLEEP_MS))
    key = fields.integer("key", 0, MAX_KEY)
    return Op(kind, key, value=fields.string("value")) if kind == "set" else Op(kind, key)


def bench_input(size: int, params: Fields) -> CacheInput:
    """`clients` clients share `size` operations on `keys` keys, no hold times: operation `n` is
    client `n % clients`'s, a get when `work(n, 1) % 100 < readPercent`, else a set of "v"."""
    clients = params.integer("clients", 1, MAX_CLIENTS)
    read_percent = params.integer("readPercent", 0, 100)
    keys = params.integer("keys", 1, MAX_KEY)
    scripts: list[list[Op]] = [[] for _ in range(clients)]
    for n in range(size):
        x = work(n, 1)
        kind, key = ("get" if x % 100 < read_percent else "set"), (x >> 8) % keys
        scripts[n % clients].append(Op(kind, key, value="v"))
    return CacheInput(0, 0, 0, 0, scripts)


@dataclass(frozen=True)
class _Caller:
    client: int
    hold_ms: int
    """How long the operation holds the lock it takes: a get its read lock, a set its write lock;
    a getOrCompute looks up and stores without holding."""


# The client whose operation is taking a lock. Each asyncio task and each thread has its own
# context, so the lock reads who takes it without the cache passing it along.
_CALLER: ContextVar[_Caller | None] = ContextVar("caller", default=None)


def _caller(case: CacheInput, client: int, op: Op) -> _Caller:
    holds = {"get": case.read_hold_ms, "set": case.write_hold_ms}
    return _Caller(client, holds.get(op.kind, 0))


class _Log:
    """Every observation of one run, on one clock. Its lock is for the threads; on one event loop
    it is never contended."""

    def __init__(self) -> None:
        self.clock = Clock()
        self._guard = threading.Lock()
        self.locks: list[LockRecord] = []
        self.computes: list[ComputeRecord] = []
        self.ops: list[OpRecord] = []

    def lock(self, caller: _Caller, mode: str, request: int, acquired: int) -> None:
        released = self.clock.now()
        record: LockRecord = {
            "client": caller.client,
            "mode": mode,
            "requestNs": request,
            "acquiredNs": acquired,
            "releasedNs": released,
        }
        with self._guard:
            self.locks.append(record)

    def compute(self, key: int, start: int) -> None:
        with self._guard:
            self.computes.append({"key": key, "startNs": start, "endNs": self.clock.now()})

    def op(self, client: int, index: int, op: Op, value: str | None, invoke: int) -> None:
        record: OpRecord = {
            "client": client,
            "index": index,
            "op": op.kind,
            "key": op.key,
            "value": value,
            "invokeNs": invoke,
            "returnNs": self.clock.now(),
        }
        with self._guard:
            self.ops.append(record)

    def ran(self, final: dict[int, str], elapsed: int) -> Ran:
        computes = Counter(record["key"] for record in self.computes)
        output = {
            "final": [{"key": key, "value": value} for key, value in final.items()],
            "computes": [{"key": key, "count": count} for key, count in computes.items()],
        }
        observed: CacheObserved = {
            "elapsedNs": elapsed,
            "locks": self.locks,
            "computes": self.computes,
            "ops": self.ops,
        }
        return {"output": output, "observed": observed}


class _ObservedLockAsync(rwlock.RWLock):
    """The cache's lock, recording each interval a client holds it, held as long as it says."""

    def __init__(self, log: _Log) -> None:
        super().__init__()
        self._log = log

    @asynccontextmanager
    async def read(self) -> AsyncIterator[None]:
        async with self._observed("read", super().read()):
            yield

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        async with self._observed("write", super().write()):
            yield

    @asynccontextmanager
    async def _observed(
        self, mode: str, taking: AbstractAsyncContextManager[None]
    ) -> AsyncIterator[None]:
        caller, request = _CALLER.get(), self._log.clock.now()
        async with taking:
            acquired = self._log.clock.now()
            try:
                if caller is not None and caller.hold_ms:
                    await asyncio.sleep(caller.hold_ms / 1000)
                yield
            finally:
                if caller is not None:  # the runner's own final snapshot is not a client's
                    self._log.lock(caller, mode, request, acquired)


class _ObservedLockThreads(rwlock_threads.RWLock):
    """The cache's lock, recording each interval a client holds it, held as long as it says."""

    def __init__(self, log: _Log) -> None:
        super().__init__()
        self._log = log

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._observed("read", super().read()):
            yield

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._observed("write", super().write()):
            yield

    @contextmanager
    def _observed(self, mode: str, taking: AbstractContextManager[None]) -> Iterator[None]:
        caller, request = _CALLER.get(), self._log.clock.now()
        with taking:
            acquired = self._log.clock.now()
            try:
                if caller is not None and caller.hold_ms:
                    time.sleep(caller.hold_ms / 1000)
                yield
            finally:
                if caller is not None:  # the runner's own final snapshot is not a client's
                    self._log.lock(caller, mode, request, acquired)


async def _perform_async(
    cache: rwlock_cache.Cache[int, str], op: Op, compute: Callable[[int], Awaitable[str]]
) -> str | None:
    """Run one get, set or getOrCompute; return the value read, written or computed."""
    if op.kind == "get":
        return await cache.get(op.key)
    if op.kind == "set":
        await cache.set(op.key, op.value)
        return op.value
    return await cache.get_or_compute(op.key, compute)


def _perform_blocking(
    cache: rwlock_cache_threads.Cache[int, str], op: Op, compute: Callable[[int], str]
) -> str | None:
    """Run one get, set or getOrCompute; return the value read, written or computed."""
    if op.kind == "get":
        return cache.get(op.key)
    if op.kind == "set":
        cache.set(op.key, op.value)
        return op.value
    return cache.get_or_compute(op.key, compute)


def _compute_async(case: CacheInput, log: _Log) -> Callable[[int], Awaitable[str]]:
    async def compute(key: int) -> str:
        start = log.clock.now()
        await asyncio.sleep(case.compute_ms / 1000)
        value = to_hex(work(key, case.compute_cost))
        log.compute(key, start)
        return value

    return compute


def _compute_blocking(case: CacheInput, log: _Log) -> Callable[[int], str]:
    def compute(key: int) -> str:
        start = log.clock.now()
        time.sleep(case.compute_ms / 1000)
        value = to_hex(work(key, case.compute_cost))
        log.compute(key, start)
        return value

    return compute


def run_asyncio(case: CacheInput) -> Ran:
    async def observed_run() -> Ran:
        log = _Log()
        cache = rwlock_cache.Cache[int, str](_ObservedLockAsync(log))
        compute = _compute_async(case, log)

        async def client(c: int, script: Sequence[Op]) -> None:
            for index, op in enumerate(script):
                if op.kind == "sleep":
                    await asyncio.sleep(op.ms / 1000)
                    continue
                _CALLER.set(_caller(case, c, op))
                invoke = log.clock.now()
                log.op(c, index, op, await _perform_async(cache, op, compute), invoke)

        async with asyncio.TaskGroup() as group:
            for c, script in enumerate(case.clients):
                group.create_task(client(c, script))
        elapsed = log.clock.now()
        return log.ran(await cache.snapshot(), elapsed)

    return asyncio.run(observed_run())


def run_threads(case: CacheInput) -> Ran:
    log = _Log()
    cache = rwlock_cache_threads.Cache[int, str](_ObservedLockThreads(log))
    compute = _compute_blocking(case, log)

    def client(c: int, script: Sequence[Op]) -> None:
        for index, op in enumerate(script):
            if op.kind == "sleep":
                time.sleep(op.ms / 1000)
                continue
            _CALLER.set(_caller(case, c, op))
            invoke = log.clock.now()
            log.op(c, index, op, _perform_blocking(cache, op, compute), invoke)

    # A thread per client, so that every client runs its script at once.
    with ThreadPoolExecutor(max_workers=max(1, len(case.clients))) as executor:
        list(executor.map(client, range(len(case.clients)), case.clients))
    elapsed = log.clock.now()
    return log.ran(cache.snapshot(), elapsed)


def bench_asyncio(case: CacheInput) -> Measured:
    async def timed() -> tuple[list[list[str | None]], int]:
        cache = rwlock_cache.Cache[int, str]()
        compute = _compute_async(case, _Log())  # never called: the benchmark gets and sets only

        async def client(script: Sequence[Op]) -> list[str | None]:
            return [await _perform_async(cache, op, compute) for op in script]

        clock = Clock()
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(client(script)) for script in case.clients]
        return [task.result() for task in tasks], clock.now()

    answers, elapsed = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": bench_check(case, answers)}


def bench_threads(case: CacheInput) -> Measured:
    cache = rwlock_cache_threads.Cache[int, str]()
    compute = _compute_blocking(case, _Log())  # never called: the benchmark gets and sets only

    def client(script: Sequence[Op]) -> list[str | None]:
        return [_perform_blocking(cache, op, compute) for op in script]

    answers, elapsed = timed_on_threads(client, case.clients)
    return {"elapsedNs": elapsed, "check": bench_check(case, answers)}


def timed_on_threads(
    client: Callable[[Sequence[Op]], list[str | None]], scripts: Sequence[Sequence[Op]]
) -> tuple[list[list[str | None]], int]:
    """`client(script)` for every script, each on a thread of its own, and the nanoseconds they
    took. The threads are started before the clock, as a runtime's are, and wait at a barrier
    that the clock's start lets them all through at once."""
    ready = threading.Barrier(len(scripts) + 1)

    def started(script: Sequence[Op]) -> list[str | None]:
        ready.wait()
        return client(script)

    # The executor starts a thread for each task submitted while none is idle, and none is:
    # each waits at the barrier.
    with ThreadPoolExecutor(max_workers=len(scripts)) as executor:
        runs = [executor.submit(started, script) for script in scripts]
        clock = Clock()
        ready.wait()
        answers = [run.result() for run in runs]
        elapsed = clock.now()
    return answers, elapsed


ASYNCIO = Pattern(validate=validate, run=run_asyncio, bench_input=bench_input, bench=bench_asyncio)
THREADS = Pattern(validate=validate, run=run_threads, bench_input=bench_input, bench=bench_threads)


def bench_check(case: CacheInput, answers: Sequence[Sequence[str | None]]) -> dict[str, Any]:
    """`count` (operations done) and `reads` (gets) of a bench run, once the run is known to be
    right: every client answered each of its operations, and only "v" was ever read."""
    count = reads = 0
    for c, (script, answered) in enumerate(zip(case.clients, answers, strict=True)):
        if len(answered) != len(script):
            raise SelfCheckFailed(f"client {c} answered {len(answered)} of {len(script)} ops")
        for op, value in zip(script, answered, strict=True):
            if value not in (None, "v"):
                raise SelfCheckFailed(f"client {c} read {value!r} from key {op.key}")
            reads += op.kind == "get"
        count += len(answered)
    return {"count": count, "reads": reads}
