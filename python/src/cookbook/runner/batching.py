"""Batching as the runner speaks it (docs/patterns/batching.md), on asyncio: `decide` runs the
decision core on the times given, `live` runs the live batcher on the real clock with a source
task that hands over each item at its time.

The batcher (`cookbook.batching`) knows nothing of observation: the source stamps each arrival and
the end of the stream, and the reader stamps each batch as it is handed out, all on the run's
clock, which the batcher also decides with. The threads variant lists batching without
implementing it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, TypedDict

from cookbook import batching
from cookbook.runner.fields import Fields, Unique, not_earlier
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed, unavailable
from cookbook.work import MASK, to_hex

MAX_SIZE = 10_000
MAX_WAIT_MS = 60_000
MAX_ID = 2**53 - 1
MAX_DECIDE_MS = 2**53 - 1
MAX_LIVE_MS = 60_000
MAX_PER_MS = 1_000_000
NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class BatchingInput:
    live: bool
    max_size: int
    max_wait_ms: int
    items: Sequence[tuple[int, int]]
    """(id, atMs) per item, in arrival order."""
    end_ms: int


class Arrival(TypedDict):
    id: int
    ns: int


class Flush(TypedDict):
    batch: int
    ns: int


class LiveObserved(Observed):
    arrivals: list[Arrival]
    endNs: int
    flushes: list[Flush]


def validate(input: Fields) -> BatchingInput:
    """`mode`, `maxSize`, `maxWaitMs`, `items`, each item (itself, `id`, a duplicate id, `atMs`,
    an `atMs` earlier than the one before), `endMs`."""
    live = input.choice("mode", ("decide", "live")) == "live"
    max_size = input.integer("maxSize", 1, MAX_SIZE)
    max_wait_ms = input.integer("maxWaitMs", 1, MAX_WAIT_MS)
    latest = MAX_LIVE_MS if live else MAX_DECIDE_MS
    ids = Unique()
    items: list[tuple[int, int]] = []
    previous = ""
    for item in input.objects("items"):
        item_id = item.integer("id", 0, MAX_ID)
        ids.check(item, "id", item_id)
        at_ms = item.integer("atMs", 0, latest)
        if items:
            not_earlier(item.at("atMs"), at_ms, previous, items[-1][1], "items arrive in order")
        items.append((item_id, at_ms))
        previous = item.at("atMs")
    last = items[-1][1] if items else 0
    end_ms = input.integer("endMs", 0, latest, default=last)
    if items:
        not_earlier(input.at("endMs"), end_ms, previous, last, "the stream ends after its items")
    return BatchingInput(live, max_size, max_wait_ms, items, end_ms)


def bench_input(size: int, params: Fields) -> BatchingInput:
    """`size` items decided on data, item `i` arriving at `i // perMs` ms, the stream ending at the
    last one: `maxSize`, `maxWaitMs`, `perMs`, every one required."""
    max_size = params.integer("maxSize", 1, MAX_SIZE)
    max_wait_ms = params.integer("maxWaitMs", 1, MAX_WAIT_MS)
    per_ms = params.integer("perMs", 1, MAX_PER_MS)
    items = [(i, i // per_ms) for i in range(size)]
    return BatchingInput(False, max_size, max_wait_ms, items, items[-1][1])


def run(case: BatchingInput) -> Ran:
    if case.live:
        return asyncio.run(_live(case))
    start = time.perf_counter_ns()
    batches = batching.decide(case.items, case.max_size, case.max_wait_ms, case.end_ms)
    elapsed = time.perf_counter_ns() - start
    output = [{"ids": b.items, "flushMs": b.at, "reason": b.reason} for b in batches]
    observed: Observed = {"elapsedNs": elapsed}
    return {"output": {"batches": output}, "observed": observed}


async def _live(case: BatchingInput) -> Ran:
    clock = Clock()
    # Unbounded: the source keeps to the case's times, and the batcher is always waiting for it
    # but while a batch is handed out here, which takes no time.
    inbox: asyncio.Queue[int | None] = asyncio.Queue()
    arrivals: list[Arrival] = []
    ended: list[int] = []

    async def source() -> None:
        for item_id, at_ms in case.items:
            await clock.sleep_until(at_ms * NS_PER_MS)
            arrivals.append({"id": item_id, "ns": clock.now()})
            inbox.put_nowait(item_id)
        await clock.sleep_until(case.end_ms * NS_PER_MS)
        ended.append(clock.now())
        inbox.put_nowait(None)

    output: list[dict[str, Any]] = []
    flushes: list[Flush] = []
    async with asyncio.TaskGroup() as group:
        group.create_task(source())
        flushed = batching.batches(inbox, case.max_size, case.max_wait_ms * NS_PER_MS, clock.now)
        async with aclosing(flushed) as stream:
            async for batch in stream:
                flushes.append({"batch": len(output), "ns": clock.now()})
                output.append({"ids": batch.items, "reason": batch.reason})
    observed: LiveObserved = {
        "elapsedNs": clock.now(),
        "arrivals": arrivals,
        "endNs": ended[0],
        "flushes": flushes,
    }
    return {"output": {"batches": output}, "observed": observed}


def bench(case: BatchingInput) -> Measured:
    start = time.perf_counter_ns()
    batches = batching.decide(case.items, case.max_size, case.max_wait_ms, case.end_ms)
    elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": _check(case, batches)}


ASYNCIO = Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)
THREADS: Pattern[Any] = unavailable(
    "mode", "is not available in python-threads: batching is written on asyncio alone"
)


def _check(case: BatchingInput, batches: Sequence[batching.Batch[int]]) -> dict[str, Any]:
    """`count` (items), `batches` and `digest` (the sum of `flushMs * 65536 + size`, modulo 2^64)
    of a bench run, once the batches are known to hold every item once, in order, none too many."""
    ids = [i for batch in batches for i in batch.items]
    if ids != [item_id for item_id, _ in case.items]:
        raise SelfCheckFailed("the batches do not hold every item once, in arrival order")
    if any(not 1 <= len(batch.items) <= case.max_size for batch in batches):
        raise SelfCheckFailed(f"a batch holds no item or more than {case.max_size}")
    digest = sum(batch.at * 65536 + len(batch.items) for batch in batches) & MASK
    return {"count": len(ids), "batches": len(batches), "digest": to_hex(digest)}
