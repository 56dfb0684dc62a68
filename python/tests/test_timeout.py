"""Timeouts on virtual time: which deadline is reported, the operation's own errors kept apart from
it, cleanups that finish whatever ends the operation, and a group that keeps what finished."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from cookbook.outcome import Failed, Ok
from cookbook.timeout import DeadlineExceeded, call_within, deadline, finish, gather_within
from tests.test_fan_in import on_virtual_time


class Operation:
    """Sleeps `seconds`, then fails if told to or returns `value`; its cleanup takes `cleanup`
    seconds, awaited through `finish` unless `plain`. Records when things happened."""

    def __init__(
        self,
        seconds: float,
        value: int = 0,
        cleanup: float = 0,
        error: Exception | None = None,
        plain: bool = False,
    ) -> None:
        self.seconds, self.value, self.cleanup, self.error, self.plain = (
            seconds,
            value,
            cleanup,
            error,
            plain,
        )
        self.ended: str | None = None
        self.cleanups: list[tuple[float, float | None]] = []

    async def __call__(self) -> int:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.sleep(self.seconds)
            if self.error is not None:
                raise self.error
            self.ended = "ok"
            return self.value
        except asyncio.CancelledError:
            self.ended = "cancelled"
            raise
        finally:
            self.cleanups.append((loop.time(), None))
            if self.plain:
                await self._clean()
            else:
                await finish(self._clean())

    async def _clean(self) -> None:
        await asyncio.sleep(self.cleanup)
        self.cleanups[-1] = (self.cleanups[-1][0], asyncio.get_running_loop().time())


def timed(main: Callable[[], Awaitable[object]]) -> tuple[object, float]:
    """What `main()` returned or raised, and when, on virtual time from 0."""

    async def wrapped() -> tuple[object, float]:
        loop = asyncio.get_running_loop()
        try:
            result: object = await main()
        except Exception as error:
            result = error
        return result, loop.time()

    return on_virtual_time(wrapped)


def test_an_operation_that_ends_in_time_keeps_its_value_and_runs_its_cleanup() -> None:
    operation = Operation(2, value=7, cleanup=1)
    assert timed(lambda: call_within(operation, outer=10)) == (7, 3)
    assert operation.cleanups == [(2, 3)]


def test_the_deadline_cancels_the_operation_and_waits_for_its_cleanup() -> None:
    operation = Operation(100, cleanup=1)
    result, at = timed(lambda: call_within(operation, outer=5))
    assert isinstance(result, DeadlineExceeded)
    assert result.deadline == "outer"
    # Cancelled at the deadline, not left to finish its 100 s, and returned once cleaned up.
    assert (operation.ended, operation.cleanups, at) == ("cancelled", [(5, 6)], 6)


def test_the_operation_s_own_timeout_error_is_not_taken_for_the_deadline() -> None:
    # A socket or a lock inside the operation may raise the built-in TimeoutError: re-raising the
    # deadline as one (`except TimeoutError: raise TimeoutError(...)`) would make the two alike.
    own = TimeoutError("the server did not answer")
    result, at = timed(lambda: call_within(Operation(1, error=own), outer=5, inner=3))
    assert result is own
    assert not isinstance(result, DeadlineExceeded)
    assert at == 1


def test_a_failure_is_the_operation_s_and_its_cleanup_still_runs() -> None:
    operation = Operation(1, cleanup=2, error=LookupError("gone"))
    result, at = timed(lambda: call_within(operation, outer=5))
    assert isinstance(result, LookupError)
    assert (operation.cleanups, at) == ([(1, 3)], 3)


@pytest.mark.parametrize(
    ("outer", "inner", "reported", "at"),
    [(10, 3, "inner", 3), (3, 10, "outer", 3)],
)
def test_the_earlier_of_nested_deadlines_is_the_one_reported(
    outer: float, inner: float, reported: str, at: float
) -> None:
    result, returned = timed(lambda: call_within(Operation(100), outer=outer, inner=inner))
    assert isinstance(result, DeadlineExceeded)
    assert (result.deadline, returned) == (reported, at)


def test_an_inner_deadline_not_reached_does_not_fire() -> None:
    assert timed(lambda: call_within(Operation(2, value=8), outer=10, inner=5)) == (8, 2)


def test_a_deadline_scope_passes_an_inner_scope_s_expiry_through_under_its_name() -> None:
    async def main() -> str:
        try:
            async with deadline("request", 10), deadline("query", 4):
                await asyncio.sleep(100)
        except DeadlineExceeded as expired:
            return expired.deadline
        return "no deadline"

    assert timed(main) == ("query", 4)


def test_a_plain_await_in_finally_is_cut_short_by_the_next_cancellation() -> None:
    # The inner deadline cancels the operation at 2; its cleanup would take until 6, but the outer
    # deadline cancels the task again at 4, in the middle of that await.
    plain = Operation(100, cleanup=4, plain=True)
    result, at = timed(lambda: call_within(plain, outer=4, inner=2))
    assert plain.cleanups == [(2, None)]  # never finished
    assert at == 4

    # `finish` carries the cleanup to its end. The call returns after the outer deadline, so that
    # deadline expired too: the cancellation leaving the scopes is the outer one's, and asyncio
    # reports the outermost scope that expired, as its caller's budget is the one exceeded.
    finished = Operation(100, cleanup=4)
    result, at = timed(lambda: call_within(finished, outer=4, inner=2))
    assert finished.cleanups == [(2, 6)]
    assert isinstance(result, DeadlineExceeded)
    assert (result.deadline, at) == ("outer", 6)


async def test_finish_returns_the_cleanup_s_value() -> None:
    async def close() -> str:
        await asyncio.sleep(0)
        return "closed"

    assert await finish(close()) == "closed"


def test_finish_completes_through_every_cancellation_then_raises_it() -> None:
    async def main() -> tuple[list[str], bool]:
        steps: list[str] = []

        async def cleanup() -> None:
            await asyncio.sleep(3)
            steps.append("cleaned")

        async def caller() -> None:
            try:
                await asyncio.sleep(100)
            finally:
                await finish(cleanup())
                steps.append("not reached: the cancellation goes on")

        task = asyncio.create_task(caller())
        await asyncio.sleep(1)
        task.cancel()
        await asyncio.sleep(1)
        task.cancel()  # a second cancellation, in the middle of the cleanup
        with pytest.raises(asyncio.CancelledError):
            await task
        return steps, task.cancelled()

    assert timed(main) == ((["cleaned"], True), 4)


def test_a_group_keeps_what_finished_and_cancels_the_rest_at_the_deadline() -> None:
    operations = [
        Operation(1, value=10),
        Operation(100, cleanup=2),
        Operation(3, error=LookupError("lost")),
        Operation(100),
    ]
    results, at = timed(lambda: gather_within(operations, 5))
    assert isinstance(results, list)
    ok, late, failed, later = results
    assert ok == Ok(10)
    assert isinstance(failed, Failed)
    assert str(failed.error) == "lost"
    assert isinstance(late, DeadlineExceeded)
    assert late is later
    # Returned at the deadline plus the longest cleanup, with every cleanup done.
    assert at == 7
    assert [op.cleanups for op in operations] == [[(1, 1)], [(5, 7)], [(3, 3)], [(5, 5)]]


def test_a_group_all_in_time_returns_when_the_last_one_ends() -> None:
    operations = [Operation(n, value=n) for n in range(5)]
    assert timed(lambda: gather_within(operations, 60)) == ([Ok(n) for n in range(5)], 4)


async def test_asyncio_wait_with_a_timeout_leaves_cancelled_operations_cleaning_up() -> None:
    # The pitfall: stop waiting at the timeout and cancel the pending tasks, but not await them.
    # Their cleanups are still running when the caller moves on.
    before = asyncio.all_tasks()
    operation = Operation(100, cleanup=0.05)
    tasks = [asyncio.create_task(operation())]
    _, pending = await asyncio.wait(tasks, timeout=0.01)
    for task in pending:
        task.cancel()
    await asyncio.sleep(0)
    assert operation.cleanups[0][1] is None  # the caller moved on, the cleanup still runs
    await asyncio.gather(*tasks, return_exceptions=True)

    # `gather_within` returns only once every operation has stopped and cleaned up.
    operation = Operation(100, cleanup=0.05)
    loop = asyncio.get_running_loop()
    [result] = await gather_within([operation], loop.time() + 0.01)
    assert isinstance(result, DeadlineExceeded)
    assert operation.cleanups[0][1] is not None
    assert asyncio.all_tasks() == before


def test_cancelling_the_caller_of_a_group_is_no_timeout_and_still_waits_for_cleanups() -> None:
    async def main() -> list[Operation]:
        operations = [Operation(100, cleanup=2), Operation(100, cleanup=1)]
        group = asyncio.create_task(gather_within(operations, 50))
        await asyncio.sleep(1)
        group.cancel()
        with pytest.raises(asyncio.CancelledError):
            await group
        return operations

    operations, at = timed(main)
    assert isinstance(operations, list)
    assert [op.cleanups for op in operations] == [[(1, 3)], [(1, 2)]]
    assert at == 3
