"""First completed on virtual time: who wins a race, an any and a hedge, when the backup starts,
and that no loser outlives the call."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

from cookbook.first_completed import first_ok, hedge, race
from cookbook.outcome import Failed, Ok
from tests.test_timeout import timed


class Calls:
    """Calls that sleep, then fail or return their index, recording when each started and how and
    when it stopped: `ok`, `failed`, or `cancelled` once its `finally` has run."""

    def __init__(self) -> None:
        self.started: dict[int, float] = {}
        self.stopped: dict[int, tuple[str, float]] = {}

    def call(
        self, index: int, seconds: float, fail: bool = False
    ) -> Callable[[], Coroutine[Any, Any, int]]:
        async def call() -> int:
            loop = asyncio.get_running_loop()
            self.started[index] = loop.time()
            how = "cancelled"
            try:
                await asyncio.sleep(seconds)
                if fail:
                    how = "failed"
                    raise LookupError(f"call {index} failed")
                how = "ok"
                return index
            finally:
                self.stopped[index] = (how, loop.time())

        return call


def test_a_race_is_won_by_the_first_to_finish_and_the_losers_stop_before_it_returns() -> None:
    calls = Calls()
    racers = [calls.call(0, 30), calls.call(1, 2), calls.call(2, 20)]
    assert timed(lambda: race(racers)) == ((1, Ok(1)), 2)
    assert calls.stopped == {0: ("cancelled", 2), 1: ("ok", 2), 2: ("cancelled", 2)}


def test_a_failure_can_win_a_race() -> None:
    calls = Calls()
    result, at = timed(lambda: race([calls.call(0, 30), calls.call(1, 2, fail=True)]))
    assert isinstance(result, tuple)
    winner, outcome = result
    assert (winner, at) == (1, 2)
    assert isinstance(outcome, Failed)
    assert str(outcome.error) == "call 1 failed"


def test_calls_that_finish_together_go_to_the_first_in_input_order() -> None:
    # Finished in one turn of the loop, they come back as a set: the order of a set is no answer.
    calls = Calls()
    racers = [calls.call(n, 5 if n < 5 else 1) for n in range(10)]
    assert timed(lambda: race(racers))[0] == (5, Ok(5))
    assert timed(lambda: first_ok(racers))[0] == (5, 5)


def test_first_ok_skips_failures_and_takes_the_first_success() -> None:
    calls = Calls()
    racers = [calls.call(0, 1, fail=True), calls.call(1, 4), calls.call(2, 30)]
    assert timed(lambda: first_ok(racers)) == ((1, 1), 4)
    assert calls.stopped[2] == ("cancelled", 4)


def test_first_ok_with_every_call_failing_raises_every_error_in_input_order() -> None:
    calls = Calls()
    failing = [calls.call(0, 8, fail=True), calls.call(1, 2, fail=True), calls.call(2, 5, True)]
    raised, at = timed(lambda: first_ok(failing))
    assert isinstance(raised, ExceptionGroup)
    assert [str(error) for error in raised.exceptions] == [f"call {n} failed" for n in range(3)]
    assert at == 8  # the last failure is the one that makes it certain


def test_a_hedge_not_needed_never_starts_the_backup() -> None:
    calls = Calls()
    assert timed(lambda: hedge(calls.call(0, 2), calls.call(1, 1), after=15)) == ((0, 0, False), 2)
    assert list(calls.started) == [0]


def test_a_slow_primary_starts_the_backup_at_the_delay_and_the_backup_can_win() -> None:
    calls = Calls()
    assert timed(lambda: hedge(calls.call(0, 300), calls.call(1, 3), after=6)) == ((1, 1, True), 9)
    assert calls.started == {0: 0, 1: 6}
    assert calls.stopped[0] == ("cancelled", 9)


def test_a_primary_still_running_when_hedged_can_still_win() -> None:
    calls = Calls()
    assert timed(lambda: hedge(calls.call(0, 10), calls.call(1, 300), after=5)) == (
        (0, 0, True),
        10,
    )
    assert calls.stopped[1] == ("cancelled", 10)


def test_a_primary_that_fails_before_the_delay_starts_the_backup_at_once() -> None:
    # Waiting out the delay after the primary has already failed would only add latency.
    calls = Calls()
    primary, backup = calls.call(0, 2, fail=True), calls.call(1, 3)
    assert timed(lambda: hedge(primary, backup, after=40)) == ((1, 1, True), 5)
    assert calls.started == {0: 0, 1: 2}


def test_a_hedge_whose_calls_both_fail_raises_both_errors_primary_first() -> None:
    calls = Calls()
    primary, backup = calls.call(0, 8, fail=True), calls.call(1, 2, fail=True)
    raised, at = timed(lambda: hedge(primary, backup, after=3))
    assert isinstance(raised, ExceptionGroup)
    assert [str(error) for error in raised.exceptions] == ["call 0 failed", "call 1 failed"]
    assert at == 8


async def test_asyncio_wait_first_completed_alone_leaves_the_losers_running() -> None:
    # The pitfall: take the first done task and return, as if `wait` stopped the others.
    before = asyncio.all_tasks()
    calls = Calls()
    tasks = [asyncio.create_task(calls.call(n, 0.01 * (n + 1))()) for n in range(3)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    assert len(done) == 1
    assert len(pending) == 2
    assert not any(task.done() for task in pending)  # still running, their answers unwanted
    await asyncio.wait(pending)

    # `race` cancels them and waits for them to stop before it returns.
    calls = Calls()
    assert await race([calls.call(n, 0.01 * (n + 1)) for n in range(3)]) == (0, Ok(0))
    assert [how for how, _ in calls.stopped.values()] == ["ok", "cancelled", "cancelled"]
    assert asyncio.all_tasks() == before


def test_cancelling_the_caller_stops_every_call() -> None:
    calls = Calls()

    async def main() -> bool:
        racing = asyncio.create_task(first_ok([calls.call(n, 100) for n in range(3)]))
        await asyncio.sleep(1)
        racing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await racing
        return racing.cancelled()

    assert timed(main) == (True, 1)
    assert calls.stopped == dict.fromkeys(range(3), ("cancelled", 1))


@pytest.mark.parametrize("first", [race, first_ok])
async def test_no_calls_is_an_error(first: Callable[[list[object]], Awaitable[object]]) -> None:
    with pytest.raises(ValueError, match="at least one call"):
        await first([])
