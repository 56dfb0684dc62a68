"""What the two rate limiters share as the runner speaks them (docs/snippets/limiter-modes.md).

A limiter's own module (`token_bucket`, `sliding_window`) reads its parameters into a factory of
schedules and gets its two patterns from `patterns`. This module reads `mode` and the mode's
fields around those parameters, and runs a case: on data (`decide`, the same for both variants,
since the core is pure) or live (callers on asyncio tasks or on threads, sharing one limiter).
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypedDict

from cookbook import rate_limit, rate_limit_threads
from cookbook.rate_limit import Schedule
from cookbook.runner.fields import Fields
from cookbook.runner.observe import Observed
from cookbook.runner.protocol import Measured, Pattern, Ran

NS_PER_MS = 1_000_000
MAX_ARRIVAL_MS = 2**53 - 1
MAX_CALLERS = 1_000
MAX_REQUESTS_PER_CALLER = 10_000

ScheduleFactory = Callable[[int], Schedule]
"""A fresh schedule with the pattern's parameters, counting time in ticks of which the argument
make one millisecond: 1 when deciding on data, `NS_PER_MS` on the live clock."""


@dataclass(frozen=True)
class Decide:
    arrivals_ms: Sequence[int]


@dataclass(frozen=True)
class Live:
    callers: int
    requests_per_caller: int


@dataclass(frozen=True)
class LimiterInput:
    schedule: ScheduleFactory
    mode: Decide | Live


class Admission(TypedDict):
    caller: int
    requestNs: int
    atNs: int
    wokeNs: int


class LimiterObserved(Observed):
    """One admission per `acquire` in live mode; none when deciding on data."""

    admissions: list[Admission]


def patterns(
    parameters: Callable[[Fields], ScheduleFactory],
) -> tuple[Pattern[LimiterInput], Pattern[LimiterInput]]:
    """The asyncio and the threads pattern of the limiter whose parameters `parameters` reads, in
    its documented order, from a case's input or a bench request's `params`."""
    validate = partial(_validate, parameters=parameters)
    bench_input = partial(_bench_input, parameters=parameters)
    return (
        Pattern(validate, partial(_run, live=_live_asyncio), bench_input, _bench),
        Pattern(validate, partial(_run, live=_live_threads), bench_input, _bench),
    )


def _validate(input: Fields, parameters: Callable[[Fields], ScheduleFactory]) -> LimiterInput:
    """`mode`, the limiter's parameters, then `arrivalsMs` or `callers` and `requestsPerCaller`."""
    mode = input.choice("mode", ("decide", "live"))
    schedule = parameters(input)
    if mode == "decide":
        arrivals = input.times("arrivalsMs", MAX_ARRIVAL_MS, "arrivals are in time order")
        return LimiterInput(schedule, Decide(arrivals))
    callers = input.integer("callers", 1, MAX_CALLERS)
    requests = input.integer("requestsPerCaller", 0, MAX_REQUESTS_PER_CALLER)
    return LimiterInput(schedule, Live(callers, requests))


def _bench_input(
    size: int, params: Fields, parameters: Callable[[Fields], ScheduleFactory]
) -> LimiterInput:
    """`size` decisions on arrivals 0, 1, 2, ... ms (a range: nothing to hold in memory)."""
    return LimiterInput(parameters(params), Decide(range(size)))


def _run(case: LimiterInput, live: Callable[[Schedule, Live], LimiterObserved]) -> Ran:
    if isinstance(case.mode, Live):
        observed = live(case.schedule(NS_PER_MS), case.mode)
        return {"output": {"admitted": len(observed["admissions"])}, "observed": observed}
    start = time.perf_counter_ns()
    waits = _decide(case.schedule(1), case.mode.arrivals_ms)
    elapsed = time.perf_counter_ns() - start
    decisions: list[dict[str, Any]] = [
        {"admit": True} if wait == 0 else {"admit": False, "waitMs": wait} for wait in waits
    ]
    observed = {"elapsedNs": elapsed, "admissions": []}
    return {"output": {"decisions": decisions}, "observed": observed}


def _bench(case: LimiterInput) -> Measured:
    assert isinstance(case.mode, Decide), "a bench input decides on data"
    schedule, arrivals = case.schedule(1), case.mode.arrivals_ms
    start = time.perf_counter_ns()
    waits = _decide(schedule, arrivals)
    elapsed = time.perf_counter_ns() - start
    # Deciding is pure and sequential: no decision can be lost or made twice on the way, as a
    # job in a pool could be. What is left to check is the answer itself, which the protocol
    # compares across repeats and the harness against its reference.
    return {"elapsedNs": elapsed, "check": {"count": len(waits), "admitted": waits.count(0)}}


def _decide(schedule: Schedule, arrivals: Sequence[int]) -> list[int]:
    """The wait in ticks for each arrival, 0 for an admission."""
    # map calls the bound method without a Python-level loop body: inside the measured region,
    # the decisions are the only work.
    return list(map(schedule.decide, arrivals))


# Live runs: every time is read from the limiter's own clock, the one it decided with, and
# reported from `origin`, taken just before the first caller starts. Each caller keeps its own
# list of admissions, so recording needs no lock; the lists are joined once every caller is done.


def _live_asyncio(schedule: Schedule, live: Live) -> LimiterObserved:
    async def run() -> LimiterObserved:
        limiter = rate_limit.Limiter(schedule)
        origin = limiter.now()

        async def caller(number: int) -> list[Admission]:
            admissions: list[Admission] = []
            for _ in range(live.requests_per_caller):
                asked = limiter.now()
                at = await limiter.acquire()
                admissions.append(_admission(number, origin, asked, at, limiter.now()))
            return admissions

        async with asyncio.TaskGroup() as group:
            callers = [group.create_task(caller(number)) for number in range(live.callers)]
        return _observed(limiter.now() - origin, [task.result() for task in callers])

    return asyncio.run(run())


def _live_threads(schedule: Schedule, live: Live) -> LimiterObserved:
    limiter = rate_limit_threads.Limiter(schedule)
    origin = limiter.now()

    def caller(number: int) -> list[Admission]:
        admissions: list[Admission] = []
        for _ in range(live.requests_per_caller):
            asked = limiter.now()
            at = limiter.acquire()
            admissions.append(_admission(number, origin, asked, at, limiter.now()))
        return admissions

    # A thread per caller, all started at once: callers contend for the limiter, never for a
    # thread. Leaving the `with` block joins them all.
    with ThreadPoolExecutor(max_workers=live.callers, thread_name_prefix="caller") as executor:
        per_caller = list(executor.map(caller, range(live.callers)))
    return _observed(limiter.now() - origin, per_caller)


def _admission(caller: int, origin: int, asked: int, at: int, woke: int) -> Admission:
    return {
        "caller": caller,
        "requestNs": asked - origin,
        "atNs": at - origin,
        "wokeNs": woke - origin,
    }


def _observed(elapsed: int, per_caller: list[list[Admission]]) -> LimiterObserved:
    return {
        "elapsedNs": elapsed,
        "admissions": [a for admissions in per_caller for a in admissions],
    }
