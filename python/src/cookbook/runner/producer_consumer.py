"""The producer-consumer pattern as the runner speaks it (docs/patterns/producer-consumer.md).

Validation, the items the contract defines, and the run and bench functions of both variants. The
patterns (`cookbook.producer_consumer`, `cookbook.producer_consumer_threads`) know nothing of
observation: a case hands them a queue class that stamps every put and get
(`cookbook.runner.queue_stamps`), and the consumer's processing of an item takes the stamps of
the get that brought it and adds the consumer and the end.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Any, TypedDict

from cookbook import producer_consumer, producer_consumer_threads
from cookbook.outcome import Failed, Ok, Outcome
from cookbook.runner.fields import Fields, Unique
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.runner.queue_stamps import (
    Ledger,
    StampedLifoQueue,
    StampedQueue,
    StampedThreadLifoQueue,
    StampedThreadQueue,
    Trip,
)
from cookbook.work import to_hex, work

MAX_CAPACITY = 10_000
MAX_CONSUMERS = 1_000
MAX_PRODUCERS = 1_000
MAX_ID = 2**53 - 1
MAX_DELAY_MS = 60_000
MAX_COST = 100_000_000
MAX_SLEEP_MS = 60_000
DISCIPLINES = ("fifo", "lifo")


@dataclass(frozen=True)
class Item:
    id: int
    producer: int
    delay_ms: int = 0
    cost: int = 0
    sleep_ms: int = 0
    fail: bool = False


@dataclass(frozen=True)
class QueueInput:
    capacity: int
    lifo: bool
    consumers: int
    producers: Sequence[Sequence[Item]]


class ItemRecord(TypedDict):
    id: int
    producer: int
    consumer: int
    putNs: int
    queuedNs: int
    getNs: int
    gotNs: int
    endNs: int


class QueueObserved(Observed):
    items: list[ItemRecord]


class ItemFailed(Exception):
    """The failure an item with `fail: true` reports: `item <id> failed`."""

    def __init__(self, item_id: int) -> None:
        super().__init__(f"item {item_id} failed")


def validate(input: Fields) -> QueueInput:
    """`capacity`, `discipline`, `consumers`, `producers`, then each producer (itself, `items`,
    then each item: itself, `id`, a duplicate id, `delayMs`, `cost`, `sleepMs`, `fail`)."""
    capacity = input.integer("capacity", 1, MAX_CAPACITY)
    lifo = input.optional_choice("discipline", DISCIPLINES) == "lifo"
    consumers = input.integer("consumers", 1, MAX_CONSUMERS)
    ids = Unique()
    producers: list[list[Item]] = []
    for p, producer in enumerate(input.objects("producers", most=MAX_PRODUCERS)):
        items: list[Item] = []
        for item in producer.objects("items"):
            item_id = item.integer("id", 0, MAX_ID)
            ids.check(item, "id", item_id)
            items.append(
                Item(
                    id=item_id,
                    producer=p,
                    delay_ms=item.integer("delayMs", 0, MAX_DELAY_MS, default=0),
                    cost=item.integer("cost", 0, MAX_COST, default=0),
                    sleep_ms=item.integer("sleepMs", 0, MAX_SLEEP_MS, default=0),
                    fail=item.boolean("fail", default=False),
                )
            )
        producers.append(items)
    return QueueInput(capacity, lifo, consumers, producers)


def bench_input(size: int, params: Fields) -> QueueInput:
    """`size` items with ids `0 .. size-1`, item `i` put by producer `i mod producers`, each
    costing `cost`, no sleeps, from a fifo queue of `capacity`: `producers`, `consumers`,
    `capacity`, `cost`, every one required."""
    producers = params.integer("producers", 1, MAX_PRODUCERS)
    consumers = params.integer("consumers", 1, MAX_CONSUMERS)
    capacity = params.integer("capacity", 1, MAX_CAPACITY)
    cost = params.integer("cost", 0, MAX_COST)
    dealt = [
        [Item(id=i, producer=p, cost=cost) for i in range(p, size, producers)]
        for p in range(producers)
    ]
    return QueueInput(capacity, False, consumers, dealt)


async def items_async(items: Sequence[Item]) -> AsyncIterator[Item]:
    """A producer's items, each after its delay: a sleep that a cancelled producer stops in."""
    for item in items:
        if item.delay_ms:
            await asyncio.sleep(item.delay_ms / 1000)
        yield item


def items_blocking(items: Sequence[Item]) -> Iterator[Item]:
    for item in items:
        if item.delay_ms:
            time.sleep(item.delay_ms / 1000)
        yield item


async def process_async(item: Item) -> int:
    """Sleep without blocking the loop, compute, then fail if asked to."""
    if item.sleep_ms:
        await asyncio.sleep(item.sleep_ms / 1000)
    return _end(item, work(item.id, item.cost))


def process_blocking(item: Item) -> int:
    if item.sleep_ms:
        time.sleep(item.sleep_ms / 1000)
    return _end(item, work(item.id, item.cost))


def _end(item: Item, value: int) -> int:
    if item.fail:
        raise ItemFailed(item.id)
    return value


Done = list[tuple[Item, Outcome[int]]]
Consumed = tuple[Item, int, Trip, int]
"""An item, the consumer that processed it, its trip through the queue, and its `endNs`."""


def run_asyncio(case: QueueInput) -> Ran:
    async def observed_run() -> Ran:
        clock = Clock()
        ledger = Ledger.for_asyncio(clock)
        stamped = StampedLifoQueue if case.lifo else StampedQueue
        consumed: list[Consumed] = []

        async def observed(item: Item) -> int:
            trip, consumer = ledger.taken(), ledger.index()
            try:
                return await process_async(item)
            finally:
                consumed.append((item, consumer, trip, clock.now()))

        done = await producer_consumer.produce_consume(
            [items_async(items) for items in case.producers],
            case.consumers,
            observed,
            capacity=case.capacity,
            queue_type=lambda capacity: stamped(capacity, ledger),
        )
        return _ran(done, consumed, clock.now())

    return asyncio.run(observed_run())


def run_threads(case: QueueInput) -> Ran:
    clock = Clock()
    ledger = Ledger.for_threads(clock)
    stamped = StampedThreadLifoQueue if case.lifo else StampedThreadQueue
    consumed: list[Consumed] = []

    def observed(item: Item) -> int:
        trip, consumer = ledger.taken(), ledger.index()
        try:
            return process_blocking(item)
        finally:
            consumed.append((item, consumer, trip, clock.now()))  # list.append is atomic

    done = producer_consumer_threads.produce_consume(
        [items_blocking(items) for items in case.producers],
        case.consumers,
        observed,
        capacity=case.capacity,
        queue_type=lambda capacity: stamped(capacity, ledger),
    )
    return _ran(done, consumed, clock.now())


def _ran(done: Done, consumed: Sequence[Consumed], elapsed: int) -> Ran:
    results: list[dict[str, Any]] = []
    for item, outcome in done:
        match outcome:
            case Ok(value):
                results.append({"id": item.id, "value": to_hex(value)})
            case Failed(error):
                results.append({"id": item.id, "error": str(error)})
    records: list[ItemRecord] = [
        {
            "id": item.id,
            "producer": item.producer,
            "consumer": consumer,
            "putNs": trip.put_ns,
            "queuedNs": trip.queued_ns,
            "getNs": trip.get_ns,
            "gotNs": trip.got_ns,
            "endNs": end,
        }
        for item, consumer, trip, end in consumed
    ]
    observed: QueueObserved = {"elapsedNs": elapsed, "items": records}
    return {"output": {"results": results}, "observed": observed}


# The benchmarks run the patterns with the standard library's queues and no stamps: stamping
# every put and get would time the clock along with the queue.


def bench_asyncio(case: QueueInput) -> Measured:
    async def timed() -> tuple[int, Done]:
        sources = [items_async(items) for items in case.producers]
        start = time.perf_counter_ns()
        done = await producer_consumer.produce_consume(
            sources, case.consumers, process_async, capacity=case.capacity
        )
        return time.perf_counter_ns() - start, done

    elapsed, done = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": _check(case, done)}


def bench_threads(case: QueueInput) -> Measured:
    sources = [items_blocking(items) for items in case.producers]
    start = time.perf_counter_ns()
    done = producer_consumer_threads.produce_consume(
        sources, case.consumers, process_blocking, capacity=case.capacity
    )
    elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": _check(case, done)}


ASYNCIO = Pattern(validate=validate, run=run_asyncio, bench_input=bench_input, bench=bench_asyncio)
THREADS = Pattern(validate=validate, run=run_threads, bench_input=bench_input, bench=bench_threads)


def _check(case: QueueInput, done: Done) -> dict[str, Any]:
    """`count` and `digest` (XOR of all values) of a bench run, once the run is known to be right:
    every item consumed exactly once, none failed. Each value is computed from its item's own id,
    so the harness's digest catches an item processed in another's place."""
    expected = sum(len(items) for items in case.producers)
    seen = {item.id for item, _ in done}
    if len(done) != expected or len(seen) != expected:
        raise SelfCheckFailed(f"{expected} items put, {len(done)} consumed, {len(seen)} distinct")
    values = []
    for item, outcome in done:
        if not isinstance(outcome, Ok):
            raise SelfCheckFailed(f"item {item.id} failed: {outcome.error}")
        values.append(outcome.value)
    return {"count": len(values), "digest": to_hex(reduce(xor, values, 0))}
