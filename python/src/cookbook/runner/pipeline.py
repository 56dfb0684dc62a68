"""The pipeline as the runner speaks it (docs/patterns/pipeline.md), on asyncio.

Validation, the stages and items the contract defines, and the run and bench functions. The
pipeline (`cookbook.pipeline`) knows nothing of observation: a case hands it a queue class that
stamps every put and get (`cookbook.runner.queue_stamps`), and each stage's transform takes the
stamps of the get that brought its item and adds the stage, the worker and the end.

The threads variant lists the pipeline without implementing it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Any, TypedDict

from cookbook import pipeline
from cookbook.runner.fields import Fields, Unique
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed, unavailable
from cookbook.runner.queue_stamps import Ledger, StampedQueue, Trip
from cookbook.work import to_hex, work

MAX_STAGES = 16
MAX_WORKERS = 1_000
MAX_CAPACITY = 10_000
MAX_ID = 2**53 - 1
MAX_COST = 100_000_000
MAX_SLEEP_MS = 60_000


@dataclass(frozen=True)
class StageInput:
    workers: int
    capacity: int
    cost: int = 0
    sleep_ms: int = 0


@dataclass(frozen=True)
class Item:
    id: int
    sleep_ms: int = 0
    fail_at: int | None = None


@dataclass(frozen=True)
class PipelineInput:
    stages: Sequence[StageInput]
    items: Sequence[Item]
    ordered: bool = False


Value = tuple[Item, int]
"""What flows through the stages: the item, and its value so far (its id before stage 0)."""


class StageRecord(TypedDict):
    id: int
    stage: int
    worker: int
    putNs: int
    queuedNs: int
    getNs: int
    gotNs: int
    endNs: int


class PipelineObserved(Observed):
    records: list[StageRecord]


class StageFailed(Exception):
    """The failure of an item whose `failAt` is this stage: `item <id> failed in stage <s>`."""

    def __init__(self, item_id: int, stage: int) -> None:
        super().__init__(f"item {item_id} failed in stage {stage}")
        self.item_id = item_id
        self.stage = stage


def validate(input: Fields) -> PipelineInput:
    """`stages`, each stage (itself, `workers`, `capacity`, `cost`, `sleepMs`), `items`, each
    item (itself, `id`, a duplicate id, `sleepMs`, `failAt`), `ordered`."""
    stages: list[StageInput] = []
    for stage in input.objects("stages", most=MAX_STAGES):
        stages.append(
            StageInput(
                workers=stage.integer("workers", 1, MAX_WORKERS),
                capacity=stage.integer("capacity", 1, MAX_CAPACITY),
                cost=stage.integer("cost", 0, MAX_COST, default=0),
                sleep_ms=stage.integer("sleepMs", 0, MAX_SLEEP_MS, default=0),
            )
        )
    if not stages:
        input.reject("stages", "must have at least 1 element, got 0")
    ids = Unique()
    items: list[Item] = []
    for item in input.objects("items"):
        item_id = item.integer("id", 0, MAX_ID)
        ids.check(item, "id", item_id)
        items.append(
            Item(
                id=item_id,
                sleep_ms=item.integer("sleepMs", 0, MAX_SLEEP_MS, default=0),
                fail_at=item.optional_integer("failAt", 0, len(stages) - 1),
            )
        )
    return PipelineInput(stages, items, input.boolean("ordered", default=False))


def bench_input(size: int, params: Fields) -> PipelineInput:
    """`size` items with ids `0 .. size-1` through `stages` identical stages of `workers` workers,
    queues of `capacity`, costing `cost`, no sleeps: `stages`, `workers`, `capacity`, `cost`,
    `ordered`, every one required."""
    stages = params.integer("stages", 1, MAX_STAGES)
    workers = params.integer("workers", 1, MAX_WORKERS)
    capacity = params.integer("capacity", 1, MAX_CAPACITY)
    cost = params.integer("cost", 0, MAX_COST)
    ordered = params.boolean("ordered")
    return PipelineInput(
        [StageInput(workers, capacity, cost)] * stages, [Item(i) for i in range(size)], ordered
    )


def transform(s: int, stage: StageInput) -> Callable[[Value], Awaitable[Value]]:
    """Stage `s`'s transform: sleep (where a cancelled worker stops), then fail if the item fails
    here, else `work(v XOR (s + 1), cost)`."""

    async def step(value: Value) -> Value:
        item, v = value
        if stage.sleep_ms + item.sleep_ms:
            await asyncio.sleep((stage.sleep_ms + item.sleep_ms) / 1000)
        if item.fail_at == s:
            raise StageFailed(item.id, s)
        # `work` never awaits: while it computes, this worker holds the event loop.
        return item, work(v ^ (s + 1), stage.cost)

    return step


Taken = tuple[int, int, int, Trip, int]
"""An item's id, the stage and worker that took it, its trip through the stage's queue, its end."""


def run_asyncio(case: PipelineInput) -> Ran:
    async def observed_run() -> Ran:
        clock = Clock()
        ledger = Ledger.for_asyncio(clock)
        taken: list[Taken] = []

        def observed(s: int, stage: StageInput) -> pipeline.Stage:
            step = transform(s, stage)

            async def run(value: Value) -> Value:
                trip, worker = ledger.taken(), ledger.index(s)
                try:
                    return await step(value)
                finally:
                    # Transformed, failed or cancelled: the worker is done with the item.
                    taken.append((value[0].id, s, worker, trip, clock.now()))

            return pipeline.Stage(run, stage.workers, stage.capacity)

        stages = [observed(s, stage) for s, stage in enumerate(case.stages)]
        output: dict[str, Any]
        try:
            values = await pipeline.run_pipeline(
                [(item, item.id) for item in case.items],
                stages,
                ordered=case.ordered,
                queue_type=lambda capacity: StampedQueue(capacity, ledger),
            )
            output = {"results": [{"id": item.id, "value": to_hex(v)} for item, v in values]}
        except* StageFailed as group:
            failure = _first(group)
            output = {"failed": {"id": failure.item_id, "stage": failure.stage}}
        return {"output": output, "observed": _observed(taken, clock.now())}

    return asyncio.run(observed_run())


def _first(group: BaseExceptionGroup[StageFailed]) -> StageFailed:
    first = group.exceptions[0]
    return first if isinstance(first, StageFailed) else _first(first)


def _observed(taken: Sequence[Taken], elapsed: int) -> PipelineObserved:
    records: list[StageRecord] = [
        {
            "id": item_id,
            "stage": stage,
            "worker": worker,
            "putNs": trip.put_ns,
            "queuedNs": trip.queued_ns,
            "getNs": trip.get_ns,
            "gotNs": trip.got_ns,
            "endNs": end,
        }
        for item_id, stage, worker, trip, end in taken
    ]
    return {"elapsedNs": elapsed, "records": records}


def bench_asyncio(case: PipelineInput) -> Measured:
    stages = [
        pipeline.Stage(transform(s, stage), stage.workers, stage.capacity)
        for s, stage in enumerate(case.stages)
    ]

    async def timed() -> tuple[int, list[Value]]:
        start = time.perf_counter_ns()
        values = await pipeline.run_pipeline(
            [(item, item.id) for item in case.items], stages, ordered=case.ordered
        )
        return time.perf_counter_ns() - start, values

    elapsed, values = asyncio.run(timed())
    return {"elapsedNs": elapsed, "check": _check(case, values)}


ASYNCIO = Pattern(validate=validate, run=run_asyncio, bench_input=bench_input, bench=bench_asyncio)
THREADS: Pattern[Any] = unavailable(
    "stages", "is not available in python-threads: the pipeline is written on asyncio alone"
)


def _check(case: PipelineInput, values: Sequence[Value]) -> dict[str, Any]:
    """`count` and `digest` (XOR of all values) of a bench run, once the run is known to be right:
    every item came out exactly once, in input order when `ordered`. Each value travels with its
    own item, so the harness's digest catches a value computed for another item."""
    ids = [item.id for item, _ in values]
    if len(ids) != len(case.items) or len(set(ids)) != len(case.items):
        raise SelfCheckFailed(
            f"{len(case.items)} items in, {len(ids)} out, {len(set(ids))} distinct"
        )
    if case.ordered and ids != [item.id for item in case.items]:
        raise SelfCheckFailed("ordered results came out of input order")
    return {"count": len(values), "digest": to_hex(reduce(xor, (v for _, v in values), 0))}
