"""First completed on asyncio: start several calls, take the first answer, cancel the rest.

Three flavours:

- `race`: the first call to finish is the answer, success or failure;
- `first_ok`: the first call to succeed is the answer; if every call fails, every error, in input
  order, in an `ExceptionGroup` (as JavaScript's `Promise.any` rejects with an `AggregateError`);
- `hedge`: a primary call, and a backup started only if the primary has not answered by a delay
  (or failed before it): a slow primary costs at most the delay, and the usual case one call.

In production, reach for `asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)` as below: it
is the standard library's building block, and the cancelling and awaiting of the losers are yours
to write. `aiostream.stream.merge` gives results as they come; `asyncio.as_completed` does too,
but cancels nothing when you stop reading it.

Every function here is structured: no call it started outlives it. The losers are cancelled and
awaited before it returns, so their `finally` blocks have run and nothing is left working on an
answer no one will read.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from cookbook.outcome import Failed, Ok, Outcome

R = TypeVar("R")

Call = Callable[[], Awaitable[R]]


# --8<-- [start:first-completed]
async def race(calls: Sequence[Call[R]]) -> tuple[int, Outcome[R]]:
    """Start every call at once; the index and outcome of the first to finish, success or not."""
    if not calls:
        raise ValueError("a race needs at least one call")
    # A TaskGroup holds the calls, so that leaving the block, whichever way, waits for every one
    # of them: the losers cancelled below, or all of them if our caller cancels us.
    async with asyncio.TaskGroup() as group:
        # A failure is an outcome, not an exception: raised, the TaskGroup would take it as fatal.
        tasks = [group.create_task(_attempt(call)) for call in calls]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        winner = _earliest(tasks, done)
        _cancel(tasks)
    return winner, tasks[winner].result()


async def first_ok(calls: Sequence[Call[R]]) -> tuple[int, R]:
    """Start every call at once; the index and value of the first to succeed. If every call
    fails, an `ExceptionGroup` of their errors in input order, once all have stopped."""
    if not calls:
        raise ValueError("first_ok needs at least one call")
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_attempt(call)) for call in calls]
        winner = await _first_success(tasks)
        _cancel(tasks)
    return _answer(tasks, winner)


async def hedge(primary: Call[R], backup: Call[R], after: float) -> tuple[int, R, bool]:
    """`primary()`, and `backup()` too if the primary has not succeeded within `after` seconds
    (at once, if the primary fails sooner): the index (0 for the primary, 1 for the backup) and
    value of the first of them to succeed, and whether the backup was started. If both fail, an
    `ExceptionGroup` of their two errors, primary first."""
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_attempt(primary))]
        # `wait` with a timeout returns when the primary is done or the delay has passed, and
        # cancels nothing either way: the primary runs on beside the backup.
        await asyncio.wait(tasks, timeout=after)
        if tasks[0].done() and isinstance(answered := tasks[0].result(), Ok):
            return 0, answered.value, False
        tasks.append(group.create_task(_attempt(backup)))
        winner = await _first_success(tasks)
        _cancel(tasks)
    index, value = _answer(tasks, winner)
    return index, value, True


async def _first_success(tasks: Sequence[asyncio.Task[Outcome[R]]]) -> int | None:
    """The index of the first task to succeed, waiting as long as one may; None if all failed."""
    pending: set[asyncio.Task[Outcome[R]]] = set(tasks)
    while pending:
        # Wake at each completion, not at the first alone: a failure is no answer here, and the
        # next call to finish may be the one that succeeds.
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        succeeded = {task for task in done if isinstance(task.result(), Ok)}
        if succeeded:
            return _earliest(tasks, succeeded)
    return None


def _earliest(
    tasks: Sequence[asyncio.Task[Outcome[R]]], done: set[asyncio.Task[Outcome[R]]]
) -> int:
    # Tasks that finish in the same turn of the event loop come back together, in a set: the one
    # first in input order wins, so the answer does not depend on the order of a set.
    return next(index for index, task in enumerate(tasks) if task in done)


def _cancel(tasks: Iterable[asyncio.Task[Outcome[R]]]) -> None:
    # Cancelling a task that is done does nothing. The TaskGroup's exit then awaits the losers:
    # `cancel()` only asks, and a loser still runs its `finally` before it stops.
    for task in tasks:
        task.cancel()


def _answer(tasks: Sequence[asyncio.Task[Outcome[R]]], winner: int | None) -> tuple[int, R]:
    if winner is None:
        errors = [outcome.error for task in tasks if isinstance(outcome := task.result(), Failed)]
        raise ExceptionGroup("every call failed", errors)
    outcome = tasks[winner].result()
    assert isinstance(outcome, Ok), "the winner succeeded"
    return winner, outcome.value


async def _attempt(call: Call[R]) -> Outcome[R]:
    # `Exception` does not include `CancelledError`: cancelling a loser still stops it.
    try:
        return Ok(await call())
    except Exception as error:
        return Failed(error)


# --8<-- [end:first-completed]
