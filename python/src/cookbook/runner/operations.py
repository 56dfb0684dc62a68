"""The operations that the timeout, first-completed and error-group cases run: each sleeps (where
a cancellation stops it), then fails or returns its id. Read from a case's input, and stamped as
they run, on the run's clock.

The patterns themselves (`cookbook.timeout`, `cookbook.first_completed`, `cookbook.error_group`)
know nothing of this: they take any awaitable calls, and the runner hands them these.
"""

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Any, Literal, TypedDict

from cookbook.outcome import Ok
from cookbook.runner.fields import Fields, Unique
from cookbook.runner.observe import Clock
from cookbook.runner.protocol import SelfCheckFailed
from cookbook.work import to_hex

MAX_ID = 2**53 - 1
MAX_SLEEP_MS = 60_000

Ended = Literal["ok", "failed", "cancelled"]


@dataclass(frozen=True)
class Operation:
    id: int
    sleep_ms: int = 0
    fail: bool = False


def read(fields: Fields, ids: Unique) -> Operation:
    """`id` (unique among those `ids` has seen), `sleepMs`, `fail`, in that order."""
    return read_sleep_and_fail(fields, read_id(fields, ids))


def read_id(fields: Fields, ids: Unique) -> int:
    """`id`, unique among those `ids` has seen."""
    operation_id = fields.integer("id", 0, MAX_ID)
    ids.check(fields, "id", operation_id)
    return operation_id


def read_sleep_and_fail(fields: Fields, operation_id: int) -> Operation:
    """`sleepMs`, then `fail`, of the operation whose id was read already."""
    sleep_ms = fields.integer("sleepMs", 0, MAX_SLEEP_MS, default=0)
    return Operation(operation_id, sleep_ms, fields.boolean("fail", default=False))


class OperationFailed(Exception):
    """What an operation with `fail: true` raises: `operation 3 failed` (`task 3 failed` when
    `noun` is "task")."""

    def __init__(self, operation_id: int, noun: str = "operation") -> None:
        super().__init__(f"{noun} {operation_id} failed")


async def sleep_then_end(operation: Operation, noun: str = "operation") -> int:
    """Sleep `sleepMs` (a cancellation stops it here), then fail or return the id."""
    await asyncio.sleep(operation.sleep_ms / 1000)
    if operation.fail:
        raise OperationFailed(operation.id, noun)
    return operation.id


class Run(TypedDict):
    id: int
    startNs: int
    endNs: int
    outcome: Ended


class Runs:
    """One record per operation that ran, stamped on `clock`: `startNs` when it began, `endNs`
    when it stopped, and how (`ok`, `failed`, `cancelled`)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.records: list[Run] = []

    @contextmanager
    def stamped(self, operation_id: int) -> Iterator[None]:
        """Record the run of the `with` block's body as the run of `operation_id`."""
        start = self.clock.now()
        outcome: Ended = "cancelled"  # unless the body ends by itself, below
        try:
            yield
            outcome = "ok"
        except Exception:
            outcome = "failed"
            raise
        finally:
            end = self.clock.now()
            self.records.append(
                {"id": operation_id, "startNs": start, "endNs": end, "outcome": outcome}
            )


def all_succeeded(results: Sequence[object], ran: Sequence[Operation]) -> dict[str, Any]:
    """The bench check of operations that must all succeed (`count`, and `digest`, the XOR of
    their ids), once each result is known to be `Ok` with its own operation's id."""
    values = [result.value for result in results if isinstance(result, Ok)]
    if values != [operation.id for operation in ran]:
        raise SelfCheckFailed(f"{len(values)} of {len(ran)} operations returned their id")
    return {"count": len(values), "digest": to_hex(reduce(xor, values, 0))}
