"""Error groups on virtual time: fail-fast and collect-all, the limit, nested groups, and the
status of every call, cancelled and never started included."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from cookbook.error_group import Cancelled, ErrorGroup, GroupFailed, NotStarted, Status
from cookbook.outcome import Failed, Ok
from tests.test_fan_in import on_virtual_time


class Calls:
    """Calls that sleep, then fail or return their number, recording when each started and
    stopped, and how many run at once."""

    def __init__(self) -> None:
        self.started: dict[int, float] = {}
        self.stopped: dict[int, float] = {}
        self.running = self.peak = 0

    def call(self, n: int, seconds: float, fail: bool = False) -> Callable[[], Awaitable[int]]:
        async def call() -> int:
            loop = asyncio.get_running_loop()
            self.started[n] = loop.time()
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                await asyncio.sleep(seconds)
                if fail:
                    raise LookupError(f"call {n} failed")
                return n
            finally:
                self.running -= 1
                self.stopped[n] = loop.time()

        return call


def summary(statuses: list[Status[int]]) -> list[object]:
    """Each status as a value a test can compare: a failure by its message."""
    return [str(s.error) if isinstance(s, Failed) else s for s in statuses]


def run_group(
    group: ErrorGroup[int], calls: list[Callable[[], Awaitable[int]]]
) -> tuple[str | None, float]:
    """Run `group` on virtual time: its error's message, if it failed, and when it returned."""

    async def main() -> tuple[str | None, float]:
        try:
            await group.run(calls)
        except GroupFailed as failed:
            return str(failed), asyncio.get_running_loop().time()
        return None, asyncio.get_running_loop().time()

    return on_virtual_time(main)


def test_collect_all_runs_every_call_to_its_end_and_reports_each() -> None:
    calls = Calls()
    group: ErrorGroup[int] = ErrorGroup(fail_fast=False)
    work = [calls.call(0, 1), calls.call(1, 2, fail=True), calls.call(2, 3), calls.call(3, 1, True)]
    assert run_group(group, work) == (None, 3)
    assert summary(group.statuses) == [Ok(0), "call 1 failed", Ok(2), "call 3 failed"]


def test_fail_fast_cancels_the_running_calls_at_the_first_failure() -> None:
    calls = Calls()
    group: ErrorGroup[int] = ErrorGroup(fail_fast=True)
    work = [calls.call(0, 2), calls.call(1, 5, fail=True), calls.call(2, 300), calls.call(3, 300)]
    assert run_group(group, work) == ("call 1 failed", 5)
    assert summary(group.statuses) == [Ok(0), "call 1 failed", Cancelled(), Cancelled()]
    assert calls.stopped == {0: 2, 1: 5, 2: 5, 3: 5}


def test_a_cancelled_call_is_not_a_success() -> None:
    # The pitfall: `gather(return_exceptions=True)` sorted with `isinstance(r, Exception)`.
    # A cancelled call's result is a CancelledError, a BaseException, so it counts as a success.
    async def main() -> list[object]:
        slow = asyncio.create_task(asyncio.sleep(100, result="slow"))
        await asyncio.sleep(1)
        slow.cancel()
        return list(await asyncio.gather(slow, return_exceptions=True))

    [result] = on_virtual_time(main)
    assert isinstance(result, asyncio.CancelledError)
    assert not isinstance(result, Exception)  # the mistake's test says: no error, so a success

    # The group's statuses say it: cancelled, which is neither a value nor a failure.
    calls = Calls()
    group: ErrorGroup[int] = ErrorGroup(fail_fast=True)
    assert run_group(group, [calls.call(0, 4, fail=True), calls.call(1, 20)]) == (
        "call 0 failed",
        4,
    )
    assert group.statuses[1] == Cancelled()


def test_a_fallback_returned_from_an_except_star_block_does_not_even_compile() -> None:
    # The pitfall: collect-all written as a TaskGroup whose failures are caught with `except*`
    # and replaced there. `return` is not allowed in an `except*` block, and even written some
    # other way, the TaskGroup has already cancelled every other call at the first failure.
    fallback = """
async def fetch_all(group_of_calls):
    try:
        return await group_of_calls()
    except* LookupError:
        return "fallback"
"""
    with pytest.raises(SyntaxError, match=r"cannot appear in an except\* block"):
        compile(fallback, "<fallback>", "exec")


@pytest.mark.parametrize(("limit", "waves"), [(1, 6), (2, 3), (4, 2), (6, 1), (50, 1)])
def test_at_most_limit_calls_run_at_once_in_input_order(limit: int, waves: int) -> None:
    calls = Calls()
    group: ErrorGroup[int] = ErrorGroup(fail_fast=False, limit=limit)
    assert run_group(group, [calls.call(n, 10) for n in range(6)]) == (None, 10 * waves)
    assert calls.peak == min(limit, 6)
    assert list(calls.started) == list(range(6))
    assert summary(group.statuses) == [Ok(n) for n in range(6)]


def test_fail_fast_with_a_limit_starts_nothing_after_the_failure() -> None:
    # The failing call keeps its slot: given back, it would start call 2 one loop step before
    # the group's cancellation reached it.
    calls = Calls()
    group: ErrorGroup[int] = ErrorGroup(fail_fast=True, limit=2)
    work = [calls.call(0, 3, fail=True), calls.call(1, 300), calls.call(2, 1), calls.call(3, 1)]
    assert run_group(group, work) == ("call 0 failed", 3)
    assert summary(group.statuses) == ["call 0 failed", Cancelled(), NotStarted(), NotStarted()]
    assert list(calls.started) == [0, 1]


def test_a_successful_call_ending_with_the_failure_starts_nothing_either() -> None:
    # Call 1 gives its slot back in the very loop step in which call 0 fails.
    calls = Calls()
    group: ErrorGroup[int] = ErrorGroup(fail_fast=True, limit=2)
    work = [calls.call(0, 3, fail=True), calls.call(1, 3), calls.call(2, 1)]
    assert run_group(group, work) == ("call 0 failed", 3)
    assert list(calls.started) == [0, 1]
    assert group.statuses[2] == NotStarted()


def test_an_inner_group_s_failure_fails_its_call_and_cancels_the_outer_group() -> None:
    calls = Calls()
    inner: ErrorGroup[int] = ErrorGroup(fail_fast=True)

    async def nested() -> int:
        await inner.run([calls.call(10, 3, fail=True), calls.call(11, 300)])
        return 0

    outer: ErrorGroup[int] = ErrorGroup(fail_fast=True)
    assert run_group(outer, [nested, calls.call(1, 300)]) == ("call 10 failed", 3)
    assert summary(outer.statuses) == ["call 10 failed", Cancelled()]
    assert summary(inner.statuses) == ["call 10 failed", Cancelled()]


def test_a_collect_all_inner_group_never_fails_its_call() -> None:
    calls = Calls()
    inner: ErrorGroup[int] = ErrorGroup(fail_fast=False)

    async def nested() -> int:
        await inner.run([calls.call(10, 2, fail=True), calls.call(11, 4)])
        return 0

    outer: ErrorGroup[int] = ErrorGroup(fail_fast=True)
    assert run_group(outer, [nested, calls.call(1, 8)]) == (None, 8)
    assert summary(outer.statuses) == [Ok(0), Ok(1)]
    assert summary(inner.statuses) == ["call 10 failed", Ok(11)]


def test_cancelling_a_group_s_call_cancels_its_inner_group_and_keeps_what_it_finished() -> None:
    calls = Calls()
    inner: ErrorGroup[int] = ErrorGroup(fail_fast=False)

    async def nested() -> int:
        await inner.run([calls.call(10, 300), calls.call(11, 1)])
        return 1

    outer: ErrorGroup[int] = ErrorGroup(fail_fast=True)
    assert run_group(outer, [calls.call(0, 4, fail=True), nested]) == ("call 0 failed", 4)
    assert summary(outer.statuses) == ["call 0 failed", Cancelled()]
    assert summary(inner.statuses) == [Cancelled(), Ok(11)]
    assert calls.stopped[10] == 4


def test_cancelling_the_caller_cancels_every_call_and_leaves_the_statuses() -> None:
    calls = Calls()
    group: ErrorGroup[int] = ErrorGroup(fail_fast=False, limit=2)

    async def main() -> float:
        running = asyncio.create_task(group.run([calls.call(n, 100 if n else 1) for n in range(4)]))
        await asyncio.sleep(5)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        return asyncio.get_running_loop().time()

    assert on_virtual_time(main) == 5
    assert summary(group.statuses) == [Ok(0), Cancelled(), Cancelled(), NotStarted()]
    assert calls.running == 0


async def test_an_empty_group_and_a_bad_limit() -> None:
    group: ErrorGroup[int] = ErrorGroup(fail_fast=True)
    assert await group.run([]) == []
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        ErrorGroup(fail_fast=True, limit=0)
