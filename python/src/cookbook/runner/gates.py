"""What the throttle and the debouncer share as the runner speaks them: each decides on arrival
times given as data (`decide`) and answers which calls fired when, and both benchmarks decide on
`size` arrivals, `perMs` of them to a millisecond. Each pattern's own module (`throttle`,
`debounce`) reads its input, binds its core's `decide` to its parameters (`OnData`), runs live on
its own, and gets its pattern from `pattern`.
"""

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeVar

from cookbook.runner.fields import Fields
from cookbook.runner.observe import Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed
from cookbook.work import MASK, to_hex

Live = TypeVar("Live")

MAX_DECIDE_MS = 2**53 - 1
MAX_PER_MS = 1_000_000

Fired = list[tuple[int, int]]
"""`(call, atMs)` per firing, in firing order: `call` indexes the arrivals."""
Decide = Callable[[Sequence[int]], Fired]
"""A core's `decide` with the pattern's parameters bound: arrival times in, firings out."""
Rule = Callable[[Fired, Sequence[int]], str | None]
"""What is wrong with the firings, given the arrivals, if anything, beyond what every gate keeps:
the pattern's own rule."""


@dataclass(frozen=True)
class OnData:
    """A case decided on data: the core's `decide`, its parameters bound, and the arrivals."""

    decide: Decide
    arrivals_ms: Sequence[int]


@dataclass(frozen=True)
class GateBench(OnData):
    """The bench input: decided on data, then held to the pattern's `rule`."""

    rule: Rule


def pattern(
    validate: Callable[[Fields], OnData | Live],
    live: Callable[[Live], Coroutine[Any, Any, Ran]],
    bench_input: Callable[[int, Fields], GateBench],
) -> Pattern[OnData | Live]:
    """The asyncio pattern of a gate whose input `validate` reads (deciding on data, or its own
    live input, which `live` runs) and whose bench input `bench_input` builds."""

    def run(case: OnData | Live) -> Ran:
        return _run_decide(case) if isinstance(case, OnData) else asyncio.run(live(case))

    def bench(case: OnData | Live) -> Measured:
        assert isinstance(case, GateBench), "`bench_input` builds a GateBench"
        return _bench(case)

    return Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)


def arrivals(input: Fields, latest: int = MAX_DECIDE_MS) -> list[int]:
    """`arrivalsMs`: integers from 0 to `latest` that never decrease."""
    return input.times("arrivalsMs", latest, "calls arrive in time order")


def _run_decide(case: OnData) -> Ran:
    start = time.perf_counter_ns()
    fired = case.decide(case.arrivals_ms)
    elapsed = time.perf_counter_ns() - start
    observed: Observed = {"elapsedNs": elapsed}
    return {"output": {"fired": [{"call": c, "atMs": at} for c, at in fired]}, "observed": observed}


def per_ms(params: Fields) -> int:
    """The bench's `perMs`: how many arrivals share each millisecond."""
    return params.integer("perMs", 1, MAX_PER_MS)


def arrivals_at(size: int, per_ms: int) -> list[int]:
    """The bench's arrivals: arrival `i` at `i // perMs` ms."""
    return [i // per_ms for i in range(size)]


def _bench(case: GateBench) -> Measured:
    """One measured run of the decisions, then their self-check: each firing is of a later call
    than the one before, no sooner than the one before nor than its call's arrival, and keeps
    the pattern's rule. The check is the number of firings and the sum of their times."""
    start = time.perf_counter_ns()
    fired = case.decide(case.arrivals_ms)
    elapsed = time.perf_counter_ns() - start
    for (call, at), (next_call, next_at) in pairwise(fired):
        if next_call <= call or next_at < at:
            raise SelfCheckFailed(f"call {next_call} at {next_at} ms fired out of order")
    for call, at in fired:
        if at < case.arrivals_ms[call]:
            raise SelfCheckFailed(f"call {call} fired at {at} ms, before it arrived")
    if (problem := case.rule(fired, case.arrivals_ms)) is not None:
        raise SelfCheckFailed(problem)
    digest = sum(at for _, at in fired) & MASK
    check = {"count": len(case.arrivals_ms), "fired": len(fired), "digest": to_hex(digest)}
    return {"elapsedNs": elapsed, "check": check}
