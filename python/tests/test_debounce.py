"""The debouncer: the decision core to the tick on data, and the live debouncer on virtual time,
where a run that has started is never cut off, its error is kept, and the live run agrees with
`decide`."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from cookbook.debounce import Debounce, Debouncer, decide
from cookbook.outcome import Failed, Ok
from tests.test_rate_limit import on_virtual_time

MS = 1_000_000


def test_a_burst_fires_its_last_call_once_the_calls_have_been_quiet() -> None:
    assert decide([0, 10, 20], 50) == [(2, 70)]
    assert decide([7], 50) == [(0, 57)]
    assert decide([], 50) == []


def test_each_call_restarts_the_quiet_period() -> None:
    # The pitfall: a quiet period counted from the burst's first call would fire at 50.
    assert decide([0, 40, 80, 120], 50) == [(3, 170)]


def test_bursts_apart_fire_apart() -> None:
    assert decide([0, 10, 200, 210], 50) == [(1, 60), (3, 260)]


def test_the_maximum_wait_caps_a_steady_stream() -> None:
    # The pitfall: without it, calls 20 ms apart under a 50 ms quiet period never fire.
    arrivals = list(range(0, 300, 20))
    assert decide(arrivals, 50) == [(14, 330)]
    assert decide(arrivals, 50, max_wait=100) == [(4, 100), (9, 200), (14, 300)]


def test_a_call_arriving_when_the_last_is_due_opens_the_next_burst() -> None:
    assert decide([0, 50, 100], 50) == [(0, 50), (1, 100), (2, 150)]


def test_time_must_not_go_back() -> None:
    debounce: Debounce[int] = Debounce(10, lambda call, at: None)
    debounce.call(0, 50)
    with pytest.raises(ValueError, match="time went back from 50 to 49"):
        debounce.call(1, 49)


def test_refuses_a_quiet_period_the_cap_would_make_meaningless() -> None:
    with pytest.raises(ValueError, match="quiet must be at least 1"):
        Debounce(0, lambda call, at: None)
    with pytest.raises(ValueError, match=r"max_wait must be at least quiet \(50\), got 49"):
        Debounce(50, lambda call, at: None, max_wait=49)


Runs = list[tuple[int, int, int, int]]
"""(call, fired at, began, ended) per run, in ms."""


def live(
    arrivals_ms: list[int],
    quiet_ms: int,
    max_wait_ms: int | None = None,
    run_ms: int = 0,
    fail: frozenset[int] = frozenset(),
) -> tuple[Runs, list[tuple[int, str]]]:
    """Each call made at its time on virtual time: every run, and the outcomes in firing order
    (`ok` or the error's message)."""

    async def main(clock: Callable[[], int]) -> tuple[Runs, list[tuple[int, str]]]:
        runs: Runs = []

        async def run(call: int, at: int) -> int:
            began = clock()
            await asyncio.sleep(run_ms / 1000)
            runs.append((call, round(at / MS), round(began / MS), round(clock() / MS)))
            if call in fail:
                raise LookupError(f"call {call} failed")
            return call

        max_wait = None if max_wait_ms is None else max_wait_ms * MS
        async with Debouncer(run, quiet_ms * MS, max_wait, clock) as debounced:
            for call, at in enumerate(arrivals_ms):
                await asyncio.sleep(at / 1000 - asyncio.get_running_loop().time())
                debounced(call)
        outcomes = [
            (call, str(o.error) if isinstance(o, Failed) else "ok")
            for call, o in debounced.outcomes
        ]
        return runs, outcomes

    return on_virtual_time(main)


ARRIVALS = [0, 5, 30, 95, 130, 170, 260, 370, 380, 395, 600]


@pytest.mark.parametrize("max_wait_ms", [None, 100, 150])
def test_live_agrees_with_decide(max_wait_ms: int | None) -> None:
    runs, _ = live(ARRIVALS, 40, max_wait_ms)
    decided = decide(ARRIVALS, 40, max_wait_ms)
    assert [(call, at) for call, at, _, _ in runs] == decided
    assert all(began == at for _, at, began, _ in runs)  # each run began as it fired


def test_a_running_call_is_not_cut_off_by_the_next_burst() -> None:
    # Runs of 200 ms, bursts 100 ms apart: each run overlaps the next, and each finishes.
    runs, outcomes = live([0, 100, 300], 30, run_ms=200)
    assert runs == [(0, 30, 30, 230), (1, 130, 130, 330), (2, 330, 330, 530)]
    assert outcomes == [(0, "ok"), (1, "ok"), (2, "ok")]


class CancellingDebouncer:
    """The pitfall: cancel "the task" on each call, the task being the quiet sleep and the run
    together, so a call that comes while the previous one is running cuts that run off."""

    def __init__(self, quiet: float, run: Callable[[int], Awaitable[None]]) -> None:
        self.quiet, self.run = quiet, run
        self.task: asyncio.Task[None] | None = None

    def __call__(self, call: int) -> None:
        if self.task is not None:
            self.task.cancel()
        self.task = asyncio.create_task(self._later(call))

    async def _later(self, call: int) -> None:
        await asyncio.sleep(self.quiet)
        await self.run(call)


def test_the_pitfall_cancelling_the_previous_task_cuts_a_running_call_off() -> None:
    async def main(clock: Callable[[], int]) -> list[tuple[int, str]]:
        ended: list[tuple[int, str]] = []

        async def run(call: int) -> None:
            try:
                await asyncio.sleep(0.200)
                ended.append((call, "finished"))
            except asyncio.CancelledError:
                ended.append((call, f"cut off at {clock() // MS} ms"))
                raise

        debounced = CancellingDebouncer(0.030, run)
        for call, at in enumerate([0, 100, 300]):
            await asyncio.sleep(at / 1000 - asyncio.get_running_loop().time())
            debounced(call)
        assert debounced.task is not None
        await debounced.task
        return ended

    # Calls 0 and 1 had been running for 70 ms when the next call came, and never finished.
    assert on_virtual_time(main) == [
        (0, "cut off at 100 ms"),
        (1, "cut off at 300 ms"),
        (2, "finished"),
    ]


def test_a_failed_run_s_error_is_kept_not_lost() -> None:
    # The pitfall: a run in a fire-and-forget task, whose error nobody ever sees.
    _, outcomes = live([0, 10, 150], 30, run_ms=20, fail=frozenset({1}))
    assert outcomes == [(1, "call 1 failed"), (2, "ok")]


def test_live_fires_at_the_cap_during_a_steady_stream() -> None:
    runs, _ = live(list(range(0, 400, 25)), 60, max_wait_ms=120)
    assert [(call, at) for call, at, _, _ in runs] == [(4, 120), (9, 245), (14, 370), (15, 435)]


def test_leaving_with_an_error_drops_the_pending_call_and_cancels_the_runs() -> None:
    async def main(clock: Callable[[], int]) -> tuple[list[str], list[tuple[str, object]]]:
        before = asyncio.all_tasks()
        ended: list[str] = []

        async def run(call: str, at: int) -> str:
            try:
                await asyncio.sleep(1)
                ended.append(f"{call} finished")
            except asyncio.CancelledError:
                ended.append(f"{call} cancelled at {clock() // MS} ms")
                raise
            return call

        debouncer = Debouncer(run, 30 * MS, clock=clock)

        async def caller() -> None:
            async with debouncer as debounced:
                debounced("a")
                await asyncio.sleep(0.100)  # "a" fired at 30 ms and is running
                debounced("b")  # pending, due at 130 ms
                raise LookupError("the caller failed")

        with pytest.raises(LookupError):
            await caller()
        await asyncio.sleep(2)  # no timer left to fire "b", no run left to finish
        assert asyncio.all_tasks() == before
        return ended, [(call, outcome) for call, outcome in debouncer.outcomes]

    assert on_virtual_time(main) == (["a cancelled at 100 ms"], [])


def test_outcomes_are_in_firing_order_even_when_a_later_run_ends_first() -> None:
    async def main(clock: Callable[[], int]) -> list[tuple[int, object]]:
        async def run(call: int, at: int) -> int:
            await asyncio.sleep(0.300 if call == 0 else 0.010)
            return call

        async with Debouncer(run, 30 * MS, clock=clock) as debounced:
            debounced(0)  # fires at 30, ends at 330
            await asyncio.sleep(0.100)
            debounced(1)  # fires at 130, ends at 140
        return [(call, outcome) for call, outcome in debounced.outcomes]

    assert on_virtual_time(main) == [(0, Ok(0)), (1, Ok(1))]
