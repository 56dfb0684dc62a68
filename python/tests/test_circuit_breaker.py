"""The circuit breaker: the decision core to the tick on data, and the live breaker on virtual
time, where half-open lets only its probes through, no call slips through while it is open, and
stale or cancelled calls count for nothing."""

import asyncio
from collections.abc import Callable

import pytest

from cookbook.circuit_breaker import Breaker, CircuitBreaker, Rejected, Settings, State, decide
from tests.test_rate_limit import on_virtual_time

MS = 1_000_000
SETTINGS = Settings(failure_threshold=3, window=100, open_for=200, half_open_probes=2)
FAIL, OK = False, True


def changes_of(
    calls: list[tuple[int, bool]], settings: Settings = SETTINGS
) -> tuple[str, list[tuple[int, State]]]:
    """The decisions as one letter per call (r: ran, x: rejected), and the changes."""
    changes: list[tuple[int, State]] = []
    ran = decide(calls, settings, lambda at, to: changes.append((at, to)))
    return "".join("r" if r else "x" for r in ran), changes


def test_opens_at_the_threshold_and_rejects_while_open() -> None:
    assert changes_of([(0, FAIL), (10, FAIL), (20, OK), (30, OK)]) == ("rrrr", [])
    calls = [(0, FAIL), (10, FAIL), (20, FAIL), (30, OK), (219, OK)]
    assert changes_of(calls) == ("rrrxx", [(20, "open")])


def test_failures_age_out_of_the_window() -> None:
    # The pitfall: a failure count that never ages out opens on failures long past.
    calls = [(0, FAIL), (50, FAIL), (100, FAIL), (150, FAIL)]
    assert changes_of(calls) == ("rrrr", [])


def test_half_open_at_the_instant_the_open_period_ends_then_closed_by_its_probes() -> None:
    calls = [(0, FAIL), (0, FAIL), (0, FAIL), (199, OK), (200, OK), (201, OK)]
    assert changes_of(calls) == (
        "rrrxrr",
        [(0, "open"), (200, "half-open"), (201, "closed")],
    )


def test_a_failed_probe_opens_the_breaker_again() -> None:
    calls = [(0, FAIL), (1, FAIL), (2, FAIL), (210, FAIL), (300, OK), (411, OK)]
    assert changes_of(calls) == (
        "rrrrxr",
        [(2, "open"), (202, "half-open"), (210, "open"), (410, "half-open")],
    )


def test_closing_forgets_the_failures_from_before() -> None:
    # The pitfall: the failures at 0 and 1 counted again, with two new ones, would reopen it.
    one_probe = Settings(failure_threshold=3, window=1000, open_for=200, half_open_probes=1)
    calls = [(0, FAIL), (1, FAIL), (2, FAIL), (205, OK), (206, FAIL), (207, FAIL), (208, OK)]
    assert changes_of(calls, one_probe) == (
        "rrrrrrr",
        [(2, "open"), (202, "half-open"), (205, "closed")],
    )


def test_a_result_from_before_a_change_counts_for_nothing() -> None:
    changes: list[tuple[int, State]] = []
    breaker = Breaker(SETTINGS, lambda at, to: changes.append((at, to)))
    slow = breaker.admit(0)
    assert slow is not None
    for at in (1, 2, 3):
        permit = breaker.admit(at)
        assert permit is not None
        breaker.record(permit, at, ok=False)
    assert breaker.admit(203) is not None  # a probe
    breaker.record(slow, 204, ok=False)  # let through while closed: it is no probe
    assert changes == [(3, "open"), (203, "half-open")]


def test_time_must_not_go_back() -> None:
    breaker = Breaker(SETTINGS)
    breaker.admit(50)
    with pytest.raises(ValueError, match="time went back from 50 to 49"):
        breaker.admit(49)


@pytest.mark.parametrize("field", ["failure_threshold", "window", "open_for", "half_open_probes"])
def test_refuses_settings_of_zero(field: str) -> None:
    values = {"failure_threshold": 1, "window": 1, "open_for": 1, "half_open_probes": 1}
    with pytest.raises(ValueError, match=f"{field} must be at least 1, got 0"):
        Settings(**(values | {field: 0}))


def opened(breaker: CircuitBreaker, clock: Callable[[], int]) -> None:
    """Three failures at once: the breaker opens now."""
    for _ in range(3):
        with pytest.raises(LookupError), breaker.guard():
            raise LookupError("down")
    assert breaker.state == "open"


def test_half_open_lets_only_its_probes_run_at_once() -> None:
    # The pitfall: a half-open breaker that lets every waiting caller through at once.
    async def main(clock: Callable[[], int]) -> tuple[list[str], int]:
        breaker = CircuitBreaker(Settings(3, 1000 * MS, 200 * MS, half_open_probes=2), clock=clock)
        opened(breaker, clock)
        running = peak = 0
        seen: list[str] = []

        async def call(number: int) -> None:
            nonlocal running, peak
            await asyncio.sleep(0.250)  # all ten arrive together, once it is half-open
            try:
                with breaker.guard():
                    running += 1
                    peak = max(peak, running)
                    await asyncio.sleep(0.050)
                    running -= 1
                seen.append(f"{number} ran")
            except Rejected as rejected:
                seen.append(f"{number} {rejected.state}")

        async with asyncio.TaskGroup() as group:
            for number in range(10):
                group.create_task(call(number))
        assert breaker.state == "closed"
        return seen, peak

    seen, peak = on_virtual_time(main)
    assert peak == 2
    # Which two get through is the loop's order of waking them; that only two do is the rule.
    assert sorted(what.split()[1] for what in seen) == ["half-open"] * 8 + ["ran"] * 2


def test_no_call_runs_once_it_is_open() -> None:
    async def main(clock: Callable[[], int]) -> list[tuple[int, str]]:
        changes: list[tuple[int, State]] = []
        breaker = CircuitBreaker(
            Settings(2, 1000 * MS, 80 * MS, 1),
            lambda at, to: changes.append((at, to)),
            clock,
        )
        decided: list[tuple[int, str]] = []

        async def caller(fails: bool) -> None:
            for _ in range(10):
                await asyncio.sleep(0.010)
                try:
                    with breaker.guard() as at:
                        decided.append((at, "ran"))
                        await asyncio.sleep(0.005)
                        if fails:
                            raise LookupError("down")
                except Rejected as rejected:
                    decided.append((rejected.at, "rejected"))
                except LookupError:
                    pass

        async with asyncio.TaskGroup() as group:
            group.create_task(caller(fails=True))
            group.create_task(caller(fails=False))
        open_spans = [
            (at, changes[n + 1][0] if n + 1 < len(changes) else None)
            for n, (at, to) in enumerate(changes)
            if to == "open"
        ]
        assert open_spans
        for start, end in open_spans:
            during = [d for at, d in decided if start < at and (end is None or at < end)]
            assert set(during) <= {"rejected"}
        return decided

    on_virtual_time(main)


class CheckThenActBreaker:
    """The pitfall: check the state, await something (a connection from a pool), then call: a
    call that passed the check runs even if another caller opened the breaker meanwhile."""

    def __init__(self) -> None:
        self.state = "closed"

    async def call(self, run: Callable[[], None]) -> None:
        if self.state == "open":
            raise RuntimeError("open")
        await asyncio.sleep(0.010)  # the connection
        run()


def test_the_pitfall_check_then_act_lets_a_call_run_while_open() -> None:
    async def main(clock: Callable[[], int]) -> list[str]:
        breaker = CheckThenActBreaker()
        ran: list[str] = []

        async def opener() -> None:
            await asyncio.sleep(0.005)
            breaker.state = "open"

        async with asyncio.TaskGroup() as group:
            group.create_task(breaker.call(lambda: ran.append(f"ran while {breaker.state}")))
            group.create_task(opener())
        return ran

    assert on_virtual_time(main) == ["ran while open"]


def test_a_cancelled_probe_gives_its_place_back_and_counts_for_nothing() -> None:
    async def main(clock: Callable[[], int]) -> tuple[str, str]:
        breaker = CircuitBreaker(Settings(3, 1000 * MS, 200 * MS, 1), clock=clock)
        opened(breaker, clock)
        await asyncio.sleep(0.200)

        async def hang() -> None:
            await asyncio.sleep(3600)

        probe = asyncio.create_task(breaker.call(hang))
        await asyncio.sleep(0.010)
        with pytest.raises(Rejected):  # the one probe's place is taken
            await breaker.call(hang)
        probe.cancel()
        with pytest.raises(asyncio.CancelledError):
            await probe
        state = breaker.state

        async def fine() -> str:
            return "fine"

        return state, await breaker.call(fine)

    assert on_virtual_time(main) == ("half-open", "fine")
