"""Error groups on asyncio: run a group of calls, at most `limit` at once, and either stop them all
at the first failure (fail-fast) or let every one run to its end (collect-all), knowing afterwards
how each call ended.

In production, reach for `asyncio.TaskGroup`: it is the fail-fast error group of the standard
library. The first task to raise cancels every other, and `async with` raises every error in an
`ExceptionGroup` once all of them have stopped; `except*` picks errors out by type. For
collect-all, `asyncio.gather(*calls, return_exceptions=True)`, minding that a cancelled call's
`CancelledError` is a `BaseException`: `isinstance(result, Exception)` counts it as a success.

What the TaskGroup leaves to you, and `ErrorGroup` adds: a limit on how many calls run at once;
no call starting once the group has failed; and how each call ended, as a `Status`, including
the calls that were cancelled or never started, readable even when the group itself was cancelled.

Groups nest: a call may run a group of its own. Its group's failure is the call's failure, which
fails the outer group in turn (fail-fast), and cancelling the call cancels its group's calls.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

from cookbook.outcome import Failed, Ok

R = TypeVar("R")


# --8<-- [start:error-group]
@dataclass(frozen=True)
class Cancelled:
    """The call started, and was cancelled before its end."""


@dataclass(frozen=True)
class NotStarted:
    """The call never started: the group failed, or was cancelled, while it waited for a slot."""


Status: TypeAlias = Ok[R] | Failed | Cancelled | NotStarted


class GroupFailed(Exception):
    """A fail-fast group's first failure, raised once every call has stopped. It says what the
    failure says, so that a group nested in a call fails that call with its first error."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class ErrorGroup(Generic[R]):
    """Runs calls in input order, at most `limit` at once (any number if None). With `fail_fast`,
    the first failure cancels every call running, starts no other, and `run` raises it as
    `GroupFailed`; without, every call runs to its end and a failure is one more status.

    `statuses` holds one `Status` per call of the last `run`, kept up to date as they end, so
    that it says how each call ended even if `run` itself was cancelled."""

    def __init__(self, *, fail_fast: bool, limit: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.fail_fast = fail_fast
        self.limit = limit
        self.statuses: list[Status[R]] = []

    async def run(self, calls: Sequence[Callable[[], Awaitable[R]]]) -> list[Status[R]]:
        """Run `calls`; how each ended, in input order. Returns or raises only once every call
        has stopped, and cancelling it cancels them all."""
        self.statuses = [NotStarted()] * len(calls)
        slots = asyncio.Semaphore(self.limit or max(1, len(calls)))

        async def one(index: int, call: Callable[[], Awaitable[R]]) -> None:
            # Tasks wait for a slot in the order they were created, which is input order.
            await slots.acquire()
            # Started: unless it ends by itself below, a cancellation ends it.
            self.statuses[index] = Cancelled()
            try:
                self.statuses[index] = Ok(await call())
            except Exception as error:
                self.statuses[index] = Failed(error)
                if self.fail_fast:
                    # Raised with its slot still held. Given back, the slot would start the next
                    # waiting call in the loop step before the TaskGroup's cancellation reaches
                    # it: one call started after the group had already failed.
                    raise
            slots.release()

        # Fail-fast is the TaskGroup's own rule: the first task to raise cancels the others,
        # running or waiting for a slot, and `async with` waits for all of them to stop. For
        # collect-all, `one` raises nothing, so the group never cancels anything by itself.
        try:
            async with asyncio.TaskGroup() as group:
                for index, call in enumerate(calls):
                    group.create_task(one(index, call))
        except ExceptionGroup as failures:
            # The TaskGroup lists the errors in the order the tasks ended: the first is the one
            # that cancelled the rest (others may have failed before the cancellation reached them).
            raise GroupFailed(failures.exceptions[0]) from failures
        return self.statuses


# --8<-- [end:error-group]
