"""The fan-in pattern as the runner speaks it (docs/patterns/fan-in.md): merge and scatter-gather.

Validation, the sources and items the contract defines, and the run and bench functions of both
variants. The patterns themselves (`cookbook.fan_in`, `cookbook.fan_in_threads`) know nothing of
observation: a merge's reader stamps each item as it gets it, and each scatter-gather call holds a
`Recorder` slot while it runs.
"""

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypedDict

from cookbook import fan_in, fan_in_threads
from cookbook.outcome import Failed, Ok, Outcome
from cookbook.runner.fields import Fields, array_at, integer_at
from cookbook.runner.observe import Clock, Observed, PoolObserved, Recorder
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.work import to_hex, work

MAX_SOURCES = 1000
MAX_DELAY_MS = 60_000
MAX_LIMIT = 10_000
MAX_COST = 100_000_000
MAX_SLEEP_MS = 60_000


@dataclass(frozen=True)
class Merge:
    sources: Sequence[Sequence[int]]
    """Per source, the delay in ms before each of its items."""


@dataclass(frozen=True)
class Item:
    cost: int = 0
    sleep_ms: int = 0
    fail: bool = False
    panic: bool = False


@dataclass(frozen=True)
class Gather:
    limit: int
    fail_fast: bool
    items: Sequence[Item]


FanIn = Merge | Gather
Received = list[tuple[int, int, int]]
"""(source, index, atNs) per item, in the order the reader got them."""
Timed = tuple[Received, int]
"""What a merge's reader got, and the length of the measured region."""


class ReceivedItem(TypedDict):
    source: int
    index: int
    atNs: int


class MergeObserved(Observed):
    received: list[ReceivedItem]


class GatherObserved(PoolObserved):
    runningAfter: int


class ItemFailed(Exception):
    """The failure an item with `fail: true` reports: `item <i> failed`."""

    def __init__(self, index: int) -> None:
        super().__init__(f"item {index} failed")


class ItemPanicked(RuntimeError):
    """What an item with `panic: true` raises, `item <i> panicked`: an error the call did not
    expect, as a bug raises, which the gather reports like a failure all the same."""

    def __init__(self, index: int) -> None:
        super().__init__(f"item {index} panicked")


class Stopped(Exception):
    """What a thread's call raises when a failure elsewhere cancelled it; never reported."""


def validate(input: Fields) -> FanIn:
    """Read `op`, then `sources` and each delay for a merge, or `limit`, `failFast`, `items` and
    each item's `cost`, `sleepMs`, `fail`, `panic` for a scatter-gather: the first problem is
    reported."""
    if input.choice("op", ("merge", "scatter-gather")) == "merge":
        sources: list[list[int]] = []
        for s, raw in enumerate(input.array("sources", most=MAX_SOURCES)):
            path = f"{input.at('sources')}[{s}]"
            delays = array_at(raw, path)
            sources.append(
                [integer_at(d, f"{path}[{i}]", 0, MAX_DELAY_MS) for i, d in enumerate(delays)]
            )
        return Merge(sources)
    limit = input.integer("limit", 1, MAX_LIMIT)
    fail_fast = input.boolean("failFast", default=False)
    items: list[Item] = []
    for i, raw in enumerate(input.array("items")):
        item = Fields(raw, f"{input.at('items')}[{i}]")
        items.append(
            Item(
                cost=item.integer("cost", 0, MAX_COST, default=0),
                sleep_ms=item.integer("sleepMs", 0, MAX_SLEEP_MS, default=0),
                fail=item.boolean("fail", default=False),
                panic=item.boolean("panic", default=False),
            )
        )
    return Gather(limit, fail_fast, items)


def bench_input(size: int, params: Fields) -> FanIn:
    """A merge of `size` items, item `k` going to source `k % sources` as its item
    `k // sources`, every delay 0."""
    params.choice("op", ("merge",))
    sources = params.integer("sources", 1, MAX_SOURCES)
    return Merge([[0] * len(range(s, size, sources)) for s in range(sources)])


async def source_async(source: int, delays: Sequence[int]) -> AsyncIterator[tuple[int, int]]:
    for index, delay in enumerate(delays):
        await asyncio.sleep(delay / 1000)
        yield source, index


def source_blocking(source: int, delays: Sequence[int]) -> Iterator[tuple[int, int]]:
    for index, delay in enumerate(delays):
        time.sleep(delay / 1000)
        yield source, index


async def merge_async(merge: Merge) -> Timed:
    received: Received = []
    clock = Clock()
    sources = [source_async(s, delays) for s, delays in enumerate(merge.sources)]
    async with fan_in.merge(sources) as stream:
        async for source, index in stream:
            received.append((source, index, clock.now()))
    return received, clock.now()


def merge_blocking(merge: Merge) -> Timed:
    received: Received = []
    clock = Clock()
    sources = [source_blocking(s, delays) for s, delays in enumerate(merge.sources)]
    with fan_in_threads.merge(sources) as stream:
        for source, index in stream:
            received.append((source, index, clock.now()))
    return received, clock.now()


async def item_async(index: int, item: Item) -> int:
    """Sleep (a cancelled call stops here), compute, then panic or fail if asked to."""
    await asyncio.sleep(item.sleep_ms / 1000)
    return _end(index, item, work(index, item.cost))


def item_blocking(index: int, item: Item, cancelled: threading.Event) -> int:
    """Sleep until the time is up or the call is cancelled, compute, then panic or fail if asked.

    `cancelled.wait` is the sleep: it returns early, and true, once the event is set, which is how
    a thread's call is stopped, since nothing can stop a thread from outside."""
    if cancelled.wait(item.sleep_ms / 1000):
        raise Stopped
    return _end(index, item, work(index, item.cost))


def _end(index: int, item: Item, value: int) -> int:
    if item.panic:  # wins over `fail`
        raise ItemPanicked(index)
    if item.fail:
        raise ItemFailed(index)
    return value


def run_asyncio(fan: FanIn) -> Ran:
    if isinstance(fan, Merge):
        return _merged(*asyncio.run(merge_async(fan)))
    return asyncio.run(_gather_async(fan))


async def _gather_async(gather: Gather) -> Ran:
    recorder = Recorder.for_asyncio()

    async def call(index: int) -> int:
        with recorder.slot(index):
            return await item_async(index, gather.items[index])

    indices = range(len(gather.items))
    output: dict[str, Any]
    if not gather.fail_fast:
        output = _results(await fan_in.scatter_gather(indices, gather.limit, call))
    else:
        try:
            output = _values(await fan_in.scatter_gather_fail_fast(indices, gather.limit, call))
        except* (ItemFailed, ItemPanicked) as group:
            output = {"failure": str(group.exceptions[0])}
    return _gathered(output, recorder)


def run_threads(fan: FanIn) -> Ran:
    if isinstance(fan, Merge):
        return _merged(*merge_blocking(fan))
    gather, recorder = fan, Recorder.for_threads()

    def call(index: int, cancelled: threading.Event) -> int:
        with recorder.slot(index):
            return item_blocking(index, gather.items[index], cancelled)

    indices = range(len(gather.items))
    output: dict[str, Any]
    if not gather.fail_fast:
        # Nothing cancels a call without fail-fast: an event that is never set.
        never = partial(call, cancelled=threading.Event())
        output = _results(fan_in_threads.scatter_gather(indices, gather.limit, never))
    else:
        try:
            values = fan_in_threads.scatter_gather_fail_fast(indices, gather.limit, call)
            output = _values(values)
        except (ItemFailed, ItemPanicked) as error:
            output = {"failure": str(error)}
    return _gathered(output, recorder)


# The benchmark's reader keeps what it gets, for the self-check, and no time: stamping each item,
# as a case's reader does, would time the clock along with the merge.


def bench_asyncio(fan: FanIn) -> Measured:
    merge = _bench_merge(fan)

    async def timed() -> tuple[list[tuple[int, int]], int]:
        sources = [source_async(s, delays) for s, delays in enumerate(merge.sources)]
        start = time.perf_counter_ns()
        async with fan_in.merge(sources) as stream:
            received = [item async for item in stream]
        return received, time.perf_counter_ns() - start

    received, elapsed = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": _check(merge, received)}


def bench_threads(fan: FanIn) -> Measured:
    merge = _bench_merge(fan)
    sources = [source_blocking(s, delays) for s, delays in enumerate(merge.sources)]
    start = time.perf_counter_ns()
    with fan_in_threads.merge(sources) as stream:
        received = list(stream)
    elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": _check(merge, received)}


ASYNCIO = Pattern(validate=validate, run=run_asyncio, bench_input=bench_input, bench=bench_asyncio)
THREADS = Pattern(validate=validate, run=run_threads, bench_input=bench_input, bench=bench_threads)


def _merged(received: Received, elapsed: int) -> Ran:
    observed: MergeObserved = {
        "elapsedNs": elapsed,
        "received": [{"source": s, "index": i, "atNs": at} for s, i, at in received],
    }
    items = [{"source": s, "index": i} for s, i, _ in received]
    return {"output": {"items": items}, "observed": observed}


def _gathered(output: dict[str, Any], recorder: Recorder) -> Ran:
    # Read just after the gather returned: a call still counted here outlived the gather.
    running = recorder.running
    observed: GatherObserved = {**recorder.finish(), "runningAfter": running}
    return {"output": output, "observed": observed}


def _results(outcomes: Sequence[Outcome[int]]) -> dict[str, Any]:
    results: list[dict[str, str]] = []
    for outcome in outcomes:
        match outcome:
            case Ok(value):
                results.append({"value": to_hex(value)})
            case Failed(error):
                results.append({"error": str(error)})
    return {"results": results}


def _values(values: Sequence[int]) -> dict[str, Any]:
    return {"results": [{"value": to_hex(value)} for value in values]}


def _bench_merge(fan: FanIn) -> Merge:
    # `bench_input` builds merges only: the contract's benchmark is a merge.
    assert isinstance(fan, Merge), fan
    return fan


def _check(merge: Merge, received: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """`count` and `digest` (XOR of `work(source * 2^32 + index, 1)`) of a bench run, once the run
    is known to be right: every source's items arrived, each once and in its own order."""
    next_index = [0] * len(merge.sources)
    digest = 0
    for source, index in received:
        if index != next_index[source]:
            due = next_index[source]
            raise SelfCheckFailed(f"source {source}: item {index} arrived where {due} was due")
        next_index[source] += 1
        digest ^= work(source << 32 | index, 1)
    for source, delays in enumerate(merge.sources):
        if next_index[source] != len(delays):
            got = next_index[source]
            raise SelfCheckFailed(f"source {source}: {got} of its {len(delays)} items arrived")
    return {"count": len(received), "digest": to_hex(digest)}
