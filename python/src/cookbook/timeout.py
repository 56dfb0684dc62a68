"""Timeouts on asyncio: an operation, or a group of them, under a deadline, with nested deadlines
and cleanups that finish even when the deadline cuts the operation short.

In production, reach for `asyncio.timeout(delay)` and `asyncio.timeout_at(when)` (Python 3.11):
a scope that cancels the task inside it at its deadline and turns that cancellation into
`TimeoutError` as it leaves. Scopes nest freely, and each converts only its own expiry: the inner
one's `TimeoutError` passes through the outer one untouched. `asyncio.wait_for(aw, delay)` does
the same for one awaitable (built on `asyncio.timeout` since 3.12); `asyncio.wait(...,
timeout=...)` does not: it stops waiting but cancels nothing, and the operation runs on, unseen.

What the standard library leaves to you, and this module shows:

- telling the deadline from the operation's own errors. An operation may raise `TimeoutError`
  itself (a socket's, a lock's); `deadline()` raises `DeadlineExceeded`, a `TimeoutError` of its
  own kind that names the deadline, and only when its scope really expired (`expired()`);
- a cleanup that completes. A `finally` that awaits runs while the task is being cancelled, and the
  next cancellation (the outer deadline, the caller giving up) cuts that await short: `finish()`
  awaits the cleanup to its end and re-raises the cancellation afterwards;
- a group under one deadline that keeps what finished: `gather_within()`.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from cookbook.outcome import Failed, Ok, Outcome

R = TypeVar("R")


# --8<-- [start:timeout]
class DeadlineExceeded(TimeoutError):
    """The deadline named `deadline` expired and cancelled the work under it. A `TimeoutError`,
    so that code which treats every timeout alike still can, but of its own kind: an operation
    that raises `TimeoutError` itself is never taken for it, nor it for the operation's error."""

    def __init__(self, deadline: str) -> None:
        super().__init__(f"the {deadline} deadline expired")
        self.deadline = deadline


@asynccontextmanager
async def deadline(name: str, when: float) -> AsyncIterator[None]:
    """Cancel the body at `when`, on the event loop's clock (`loop.time()`), and raise
    `DeadlineExceeded(name)` if it was this scope that did. Scopes nest: an inner one that expires
    first raises its own name through the outer ones, and an outer one that expires first cancels
    the inner scope's body like any other and is the one reported."""
    scope = asyncio.timeout_at(when)
    try:
        async with scope:
            yield
    except TimeoutError as error:
        # `expired()` tells our expiry from a `TimeoutError` the body raised (an operation's own,
        # or an inner scope's `DeadlineExceeded`), which must leave as it is.
        if scope.expired():
            raise DeadlineExceeded(name) from error
        raise


async def finish(cleanup: Awaitable[R]) -> R:
    """Await `cleanup` to its end even if this task is cancelled meanwhile, then let the
    cancellation go on. For a `finally` block:

        try:
            return await connection.request()
        finally:
            await finish(connection.close())

    A plain `await connection.close()` there would be cut short by the next cancellation: the
    deadline that cancelled the request is often followed by an outer one, or by the caller giving
    up. `asyncio.shield(cleanup)` alone is not enough either: the cleanup goes on, but the caller
    stops waiting for it and returns with it still running."""
    task = asyncio.ensure_future(cleanup)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            # `wait` never cancels what it waits for: a cancellation stops this wait alone.
            await asyncio.wait([task])
        except asyncio.CancelledError as error:
            cancelled = error
    if cancelled is not None:
        # Re-raised, never swallowed: the deadline scope that cancelled us reads a cancellation
        # leaving its body as its own expiry, and reports it.
        raise cancelled
    return task.result()


async def call_within(
    operation: Callable[[], Awaitable[R]], outer: float, inner: float | None = None
) -> R:
    """`await operation()` under the deadline `outer` and, if given, an `inner` one nested in it
    (loop times). Raises `DeadlineExceeded("outer")` or `("inner")`, whichever expired first;
    the operation's own errors leave as they are. Returns only once the operation has stopped,
    its `finally` blocks included."""
    async with deadline("outer", outer):
        if inner is None:
            return await operation()
        # Nested as a callee's own budget would be inside its caller's: each scope cancels only
        # its body, so neither needs to know of the other.
        async with deadline("inner", inner):
            return await operation()


async def gather_within(
    operations: Sequence[Callable[[], Awaitable[R]]], when: float
) -> list[Outcome[R] | DeadlineExceeded]:
    """Start every operation at once and wait for them all, until the deadline `when` at most.
    One result per operation, in input order: its outcome if it ended in time, else the
    `DeadlineExceeded` that cancelled it. Returns once every operation, cancelled or not, has
    stopped."""
    tasks: list[asyncio.Task[Outcome[R]]] = []
    expired: DeadlineExceeded | None = None
    try:
        async with deadline("outer", when), asyncio.TaskGroup() as group:
            # An operation's failure is a result, not an exception that escapes its task: the
            # TaskGroup would take it as fatal and cancel every operation still running.
            tasks = [group.create_task(_attempt(operation)) for operation in operations]
    except DeadlineExceeded as error:
        # The deadline cancelled this task inside the TaskGroup, which cancelled every operation
        # still running and waited for each to stop before it let the cancellation out. So every
        # task is done here: finished in time, or cancelled.
        expired = error
    if expired is None:
        return [task.result() for task in tasks]
    return [expired if task.cancelled() else task.result() for task in tasks]


async def _attempt(operation: Callable[[], Awaitable[R]]) -> Outcome[R]:
    # `Exception` does not include `CancelledError`: the deadline still cancels the operation.
    try:
        return Ok(await operation())
    except Exception as error:
        return Failed(error)


# --8<-- [end:timeout]
