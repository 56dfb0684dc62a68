"""Timeouts as the runner speaks them (docs/patterns/timeout.md), on asyncio: one operation under
an outer and maybe an inner deadline (`single`), or a group under one deadline (`group`).

Each operation (`operations`) sleeps, then fails or returns its id; its `finally` then runs its
cleanup, a sleep of `cleanupMs` that `cookbook.timeout.finish` carries to its end even when the
deadline cancels the operation. The operation stamps its body and its cleanup; the deadlines are
set on the event loop's clock at the start of the measured region. The threads variant lists the
pattern without implementing it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cookbook import timeout
from cookbook.outcome import Failed, Ok, Outcome
from cookbook.runner import operations
from cookbook.runner.fields import Fields, Unique
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.operations import Operation, Run, Runs
from cookbook.runner.protocol import Measured, Pattern, Ran, unavailable
from cookbook.work import to_hex

MAX_DEADLINE_MS = 60_000
MAX_GROUP = 1000
MAX_CLEANUP_MS = 1000

Call = Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class Timed:
    operation: Operation
    cleanup_ms: int = 0


@dataclass(frozen=True)
class TimeoutInput:
    group: bool
    deadline_ms: int
    inner_deadline_ms: int | None
    operations: Sequence[Timed]


class TimedRun(Run):
    cleanupStartNs: int
    cleanupEndNs: int


class TimeoutObserved(Observed):
    operations: list[TimedRun]


def validate(input: Fields) -> TimeoutInput:
    """`kind`, `deadlineMs`, `innerDeadlineMs` (single only), `operations` (how many the kind
    takes), then each operation: itself, `id` (unique), `sleepMs`, `fail`, `cleanupMs`."""
    group = input.choice("kind", ("single", "group")) == "group"
    deadline_ms = input.integer("deadlineMs", 1, MAX_DEADLINE_MS)
    inner: int | None = None
    if group:
        input.absent("innerDeadlineMs", 'only kind "single" has an inner deadline')
    else:
        inner = input.optional_integer("innerDeadlineMs", 1, MAX_DEADLINE_MS)
    count = len(input.array("operations", most=MAX_GROUP))
    if group and count == 0:
        input.reject("operations", "must have at least 1 element, got 0")
    if not group and count != 1:
        input.reject(
            "operations", f'must have exactly 1 element when kind is "single", got {count}'
        )
    ids = Unique()
    timed: list[Timed] = []
    for fields in input.objects("operations"):
        operation = operations.read(fields, ids)
        timed.append(Timed(operation, fields.integer("cleanupMs", 0, MAX_CLEANUP_MS, default=0)))
    return TimeoutInput(group, deadline_ms, inner, timed)


def bench_input(size: int, params: Fields) -> TimeoutInput:
    """A group of `size` operations (ids 0 to size-1, no sleep, no cleanup) under `deadlineMs`."""
    deadline_ms = params.integer("deadlineMs", 1, MAX_DEADLINE_MS)
    return TimeoutInput(True, deadline_ms, None, [Timed(Operation(i)) for i in range(size)])


def run(case: TimeoutInput) -> Ran:
    return asyncio.run(_run(case))


async def _run(case: TimeoutInput) -> Ran:
    clock = Clock()
    runs = Runs(clock)
    cleanups: dict[int, tuple[int, int]] = {}

    async def cleanup(timed: Timed) -> None:
        start = clock.now()
        await asyncio.sleep(timed.cleanup_ms / 1000)
        cleanups[timed.operation.id] = (start, clock.now())

    def call(timed: Timed) -> Call:
        async def operation() -> int:
            try:
                with runs.stamped(timed.operation.id):
                    return await operations.sleep_then_end(timed.operation)
            finally:
                await timeout.finish(cleanup(timed))

        return operation

    # The deadlines count from here, the start of the measured region, on the loop's clock: the
    # one `asyncio.timeout_at` keeps.
    start = asyncio.get_running_loop().time()
    calls = [call(timed) for timed in case.operations]
    output: dict[str, Any]
    if case.group:
        results = await timeout.gather_within(calls, start + case.deadline_ms / 1000)
        ids = [timed.operation.id for timed in case.operations]
        output = {"results": [_result(i, r) for i, r in zip(ids, results, strict=True)]}
    else:
        inner = case.inner_deadline_ms
        inner_at = None if inner is None else start + inner / 1000
        only = case.operations[0].operation.id
        try:
            value = await timeout.call_within(calls[0], start + case.deadline_ms / 1000, inner_at)
            output = {"result": _result(only, Ok(value))}
        except timeout.DeadlineExceeded as expired:
            output = {"result": _result(only, expired)}
        except operations.OperationFailed as error:
            output = {"result": _result(only, Failed(error))}
    observed: TimeoutObserved = {
        "elapsedNs": clock.now(),
        "operations": [_with_cleanup(r, cleanups[r["id"]]) for r in runs.records],
    }
    return {"output": output, "observed": observed}


def bench(case: TimeoutInput) -> Measured:
    async def timed() -> tuple[list[Outcome[int] | timeout.DeadlineExceeded], int]:
        calls = [_plain(timed.operation) for timed in case.operations]
        loop = asyncio.get_running_loop()
        start = time.perf_counter_ns()
        results = await timeout.gather_within(calls, loop.time() + case.deadline_ms / 1000)
        return results, time.perf_counter_ns() - start

    results, elapsed = asyncio.run(timed())
    ran = [timed.operation for timed in case.operations]
    return {"elapsedNs": elapsed, "check": operations.all_succeeded(results, ran)}


ASYNCIO = Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)
THREADS: Pattern[Any] = unavailable(
    "kind", "is not available in python-threads: the timeout is written on asyncio alone"
)


def _plain(operation: Operation) -> Call:
    return lambda: operations.sleep_then_end(operation)


def _result(operation_id: int, result: Outcome[int] | timeout.DeadlineExceeded) -> dict[str, Any]:
    match result:
        case Ok(value):
            return {"id": operation_id, "value": to_hex(value)}
        case Failed(error):
            return {"id": operation_id, "error": str(error)}
        case timeout.DeadlineExceeded(deadline=which):
            return {"id": operation_id, "timedOut": which}


def _with_cleanup(run: Run, cleanup: tuple[int, int]) -> TimedRun:
    return {**run, "cleanupStartNs": cleanup[0], "cleanupEndNs": cleanup[1]}
