"""The throttle: the decision core to the tick on data, and the live throttle on virtual time,
where callers that arrive together get through once and the live run agrees with `decide`."""

import asyncio
from collections.abc import Callable

import pytest

from cookbook.throttle import Throttle, Throttler, decide
from tests.test_rate_limit import on_virtual_time

MS = 1_000_000


def test_leading_fires_at_once_and_drops_the_rest_of_the_window() -> None:
    assert decide([0, 10, 20, 150], 100) == [(0, 0), (3, 150)]
    assert decide([0, 30, 60, 90], 100) == [(0, 0)]  # dropped calls never fire later


def test_the_trailing_edge_fires_the_latest_call_at_the_window_s_end() -> None:
    # The pitfall: a trailing edge that keeps the first dropped call, here call 1.
    assert decide([0, 10, 20, 150], 100, leading=False, trailing=True) == [(2, 100), (3, 200)]


def test_a_trailing_firing_opens_a_window_of_its_own() -> None:
    # Without it, call 2 at 110 would fire at once, 10 ms after call 1 fired at 100.
    assert decide([0, 90, 110, 190], 100, trailing=True) == [(0, 0), (1, 100), (3, 200)]


def test_a_call_at_the_end_of_the_window_opens_the_next() -> None:
    assert decide([0, 100, 200, 299], 100) == [(0, 0), (1, 100), (2, 200)]


def test_simultaneous_calls_fire_once() -> None:
    assert decide([5, 5, 5, 5], 100) == [(0, 5)]
    assert decide([5, 5, 5, 5], 100, trailing=True) == [(0, 5), (3, 105)]


def test_time_runs_on_after_the_last_call_until_nothing_is_pending() -> None:
    fired: list[tuple[str, int]] = []
    throttle: Throttle[str] = Throttle(
        100, lambda call, at: fired.append((call, at)), trailing=True
    )
    throttle.call("a", 0)
    throttle.call("b", 40)
    assert throttle.due == 100
    throttle.end()
    assert fired == [("a", 0), ("b", 100)]
    assert throttle.due is None


def test_a_long_silence_closes_the_window_a_trailing_firing_opened() -> None:
    fired: list[tuple[int, int]] = []
    throttle: Throttle[int] = Throttle(
        100, lambda call, at: fired.append((call, at)), trailing=True
    )
    for call, at in enumerate([0, 50]):
        throttle.call(call, at)
    throttle.call(2, 1000)  # call 1 fired at 100; its window closed at 200, empty
    assert fired == [(0, 0), (1, 100), (2, 1000)]


def test_time_must_not_go_back() -> None:
    throttle: Throttle[int] = Throttle(10, lambda call, at: None)
    throttle.call(0, 50)
    with pytest.raises(ValueError, match="time went back from 50 to 49"):
        throttle.call(1, 49)


def test_refuses_a_throttle_that_would_never_fire() -> None:
    with pytest.raises(ValueError, match="interval must be at least 1"):
        Throttle(0, lambda call, at: None)
    with pytest.raises(ValueError, match="neither edge"):
        Throttle(10, lambda call, at: None, leading=False)


def live(
    arrivals_ms: list[int], interval_ms: int, leading: bool = True, trailing: bool = False
) -> list[tuple[int, int, int]]:
    """Each call offered at its time on virtual time: (call, fired at, began) per firing, in ms,
    the firing time as the throttle decided it and the beginning as its function read the clock.
    """

    async def main(clock: Callable[[], int]) -> list[tuple[int, int, int]]:
        fired: list[tuple[int, int, int]] = []

        def fire(call: int, at: int) -> None:
            fired.append((call, round(at / MS), round(clock() / MS)))

        async with Throttler(fire, interval_ms * MS, leading, trailing, clock) as throttled:
            for call, at in enumerate(arrivals_ms):
                await asyncio.sleep(at / 1000 - asyncio.get_running_loop().time())
                throttled(call)
        return fired

    return on_virtual_time(main)


ARRIVALS = [0, 5, 30, 95, 130, 170, 260, 370, 380, 395, 600]


@pytest.mark.parametrize(("leading", "trailing"), [(True, False), (False, True), (True, True)])
def test_live_agrees_with_decide(leading: bool, trailing: bool) -> None:
    fired = live(ARRIVALS, 100, leading, trailing)
    assert [(call, at) for call, at, _ in fired] == decide(ARRIVALS, 100, leading, trailing)
    # Each began the instant it fired: a trailing call on the timer, at the window's end.
    assert all(began == at for _, at, began in fired)


def test_live_callers_arriving_together_get_through_once() -> None:
    async def main(clock: Callable[[], int]) -> list[int]:
        fired: list[int] = []
        throttler: Throttler[int] = Throttler(lambda c, at: fired.append(c), 100 * MS, clock=clock)
        async with throttler as throttled:

            async def caller(number: int) -> None:
                await asyncio.sleep(0.5)
                throttled(number)

            async with asyncio.TaskGroup() as group:
                for number in range(8):
                    group.create_task(caller(number))
        return fired

    assert on_virtual_time(main) == [0]


class SleepyThrottle:
    """The pitfall: read the time, sleep the rest of the interval, then record the time. Callers
    that arrive together all read the same last time, sleep the same sleep, and run together."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.last = -interval

    async def __call__(self, run: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        elapsed = loop.time() - self.last
        if elapsed < self.interval:
            await asyncio.sleep(self.interval - elapsed)
        self.last = loop.time()
        run()


def test_the_pitfall_a_throttle_that_sleeps_lets_simultaneous_callers_through_together() -> None:
    async def main(clock: Callable[[], int]) -> list[int]:
        ran: list[int] = []
        throttle = SleepyThrottle(0.1)
        async with asyncio.TaskGroup() as group:
            for _ in range(4):
                group.create_task(throttle(lambda: ran.append(clock() // MS)))
        return ran

    # The first goes through; the other three all slept from its time, and run together.
    assert on_virtual_time(main) == [0, 100, 100, 100]


def test_leaving_the_block_waits_for_the_trailing_call() -> None:
    async def main(clock: Callable[[], int]) -> tuple[list[tuple[str, int]], int]:
        fired: list[tuple[str, int]] = []
        throttler: Throttler[str] = Throttler(
            lambda c, at: fired.append((c, at // MS)), 100 * MS, trailing=True, clock=clock
        )
        async with throttler as throttled:
            throttled("a")
            throttled("b")
        return fired, clock() // MS

    assert on_virtual_time(main) == ([("a", 0), ("b", 100)], 100)


def test_leaving_the_block_with_an_error_drops_the_pending_call_and_its_timer() -> None:
    async def main(clock: Callable[[], int]) -> list[str]:
        fired: list[str] = []

        async def caller_fails() -> None:
            throttler: Throttler[str] = Throttler(
                lambda c, at: fired.append(c), 100 * MS, trailing=True, clock=clock
            )
            async with throttler as throttled:
                throttled("a")
                throttled("b")
                raise LookupError("the caller failed")

        with pytest.raises(LookupError):
            await caller_fails()
        await asyncio.sleep(1)  # long past the window's end: no timer is left to fire "b"
        return fired

    assert on_virtual_time(main) == ["a"]


def test_the_trailing_call_never_fires_before_the_window_ends_on_the_throttle_s_clock() -> None:
    # The throttle's clock runs at half the speed of the loop's timers, so every timer fires
    # early by the throttle's clock: firing when the timer fires would be early.
    async def main(clock: Callable[[], int]) -> list[tuple[str, int, int]]:
        fired: list[tuple[str, int, int]] = []
        throttler: Throttler[str] = Throttler(
            lambda c, at: fired.append((c, at, clock())), 100 * MS, trailing=True, clock=clock
        )
        async with throttler as throttled:
            throttled("a")
            throttled("b")
        return fired

    fired = on_virtual_time(main, clock=lambda seconds: round(seconds * 1e9) // 2)
    assert [(call, at) for call, at, _ in fired] == [("a", 0), ("b", 100 * MS)]
    assert all(at <= read for _, at, read in fired)
