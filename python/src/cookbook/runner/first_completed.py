"""First completed as the runner speaks it (docs/patterns/first-completed.md), on asyncio: `race`,
`any` and `hedge` over operations that sleep, then fail or return their id.

The pattern (`cookbook.first_completed`) knows nothing of observation: each operation stamps its
own run (`operations.Runs`), and a backup that was never started has no record. The threads
variant lists the pattern without implementing it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Any

from cookbook import first_completed
from cookbook.outcome import Failed, Ok, Outcome
from cookbook.runner import operations
from cookbook.runner.fields import Fields, Unique
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.operations import Operation, Run, Runs
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed, unavailable
from cookbook.work import to_hex

MAX_OPERATIONS = 1000
MAX_HEDGE_AFTER_MS = 60_000

MODES = ("race", "any", "hedge")
HEDGE_CALLS = 2  # the primary, then the backup
Call = Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class FirstInput:
    mode: str
    operations: Sequence[Operation]
    hedge_after_ms: int = 0


@dataclass(frozen=True)
class Bench:
    calls: int
    operations: Sequence[Operation]


Input = FirstInput | Bench


class FirstObserved(Observed):
    operations: list[Run]


def validate(input: Fields) -> Input:
    """`mode`, `operations` (1 to 1000, or exactly 2 to hedge), each operation (itself, `id`,
    unique, `sleepMs`, `fail`), then `hedgeAfterMs` to hedge."""
    mode = input.choice("mode", MODES)
    if mode == "hedge":
        count = len(input.array("operations"))
        if count != HEDGE_CALLS:
            input.reject(
                "operations",
                f"must have exactly {HEDGE_CALLS} elements to hedge, the primary then the backup, "
                f"got {count}",
            )
    elif not input.array("operations", most=MAX_OPERATIONS):
        input.reject("operations", "must have at least 1 element, got 0")
    ids = Unique()
    read = [operations.read(fields, ids) for fields in input.objects("operations")]
    if mode != "hedge":
        return FirstInput(mode, read)
    return FirstInput(mode, read, input.integer("hedgeAfterMs", 1, MAX_HEDGE_AFTER_MS))


def bench_input(size: int, params: Fields) -> Input:
    """`size` calls of `any` over `operations` operations with no sleep, every one failing but
    the last (id operations - 1)."""
    count = params.integer("operations", 1, MAX_OPERATIONS)
    ops = [Operation(i, fail=i < count - 1) for i in range(count)]
    return Bench(size, ops)


def run(case: Input) -> Ran:
    assert isinstance(case, FirstInput), "a case's input is validated into a FirstInput"
    return asyncio.run(_run(case))


async def _run(case: FirstInput) -> Ran:
    clock = Clock()
    runs = Runs(clock)

    def call(operation: Operation) -> Call:
        async def stamped() -> int:
            with runs.stamped(operation.id):
                return await operations.sleep_then_end(operation)

        return stamped

    output = await _answer(case, [call(operation) for operation in case.operations])
    observed: FirstObserved = {"elapsedNs": clock.now(), "operations": runs.records}
    return {"output": output, "observed": observed}


async def _answer(case: FirstInput, calls: Sequence[Call]) -> dict[str, Any]:
    ids = [operation.id for operation in case.operations]
    if case.mode == "race":
        winner, outcome = await first_completed.race(calls)
        return {"first": _result(ids[winner], outcome)}
    try:
        if case.mode == "any":
            winner, value = await first_completed.first_ok(calls)
            return {"first": _result(ids[winner], Ok(value))}
        primary, backup = calls
        after = case.hedge_after_ms / 1000
        winner, value, hedged = await first_completed.hedge(primary, backup, after)
        return {"first": _result(ids[winner], Ok(value)), "hedged": hedged}
    except ExceptionGroup as failed:
        # Every call failed: their errors, in input order.
        errors = {"errors": [str(error) for error in failed.exceptions]}
        # A hedge fails only once both calls have: the backup started.
        return errors if case.mode == "any" else {**errors, "hedged": True}


def bench(case: Input) -> Measured:
    assert isinstance(case, Bench), "`bench_input` builds a Bench"
    calls = [_plain(operation) for operation in case.operations]

    async def timed() -> tuple[list[int], int]:
        start = time.perf_counter_ns()
        winners = [(await first_completed.first_ok(calls))[0] for _ in range(case.calls)]
        return winners, time.perf_counter_ns() - start

    winners, elapsed = asyncio.run(timed())
    ids = [operation.id for operation in case.operations]
    if any(winner != len(ids) - 1 for winner in winners):
        raise SelfCheckFailed(f"a call was won by an operation other than the last, {ids[-1]}")
    digest = reduce(xor, (ids[winner] for winner in winners), 0)
    return {"elapsedNs": elapsed, "check": {"count": len(winners), "digest": to_hex(digest)}}


ASYNCIO = Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)
THREADS: Pattern[Any] = unavailable(
    "mode", "is not available in python-threads: first-completed is written on asyncio alone"
)


def _plain(operation: Operation) -> Call:
    return lambda: operations.sleep_then_end(operation)


def _result(operation_id: int, outcome: Outcome[int]) -> dict[str, Any]:
    match outcome:
        case Ok(value):
            return {"id": operation_id, "value": to_hex(value)}
        case Failed(error):
            return {"id": operation_id, "error": str(error)}
