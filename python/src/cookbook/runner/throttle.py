"""The throttle as the runner speaks it (docs/patterns/throttle.md), on asyncio: `decide` runs the
decision core on the arrival times given (`gates`, shared with the debouncer); `live` has callers
share one live throttle on the real clock.

The throttle (`cookbook.throttle`) knows nothing of observation: each caller stamps its calls, and
the throttled function stamps when it began, beside the instant the throttle fired it, which it is
handed; the throttle decides on the run's clock, so every stamp is on one clock. The threads
variant lists the pattern without implementing it (see skips.json for why).
"""

import asyncio
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any, TypedDict

from cookbook import throttle
from cookbook.runner import gates
from cookbook.runner.fields import Fields
from cookbook.runner.gates import Fired, GateBench
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Pattern, Ran, unavailable

MAX_INTERVAL_MS = 60_000
MAX_CALLERS = 100
MAX_CALLS_PER_CALLER = 1_000
MAX_GAP_MS = 1_000
NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class Edges:
    interval_ms: int
    leading: bool
    trailing: bool


@dataclass(frozen=True)
class Live:
    edges: Edges
    callers: int
    calls_per_caller: int
    gap_ms: int


Input = gates.OnData | Live


class Call(TypedDict):
    caller: int
    ns: int


class Firing(TypedDict):
    atNs: int
    startNs: int


class LiveObserved(Observed):
    calls: list[Call]
    fires: list[Firing]


def validate(input: Fields) -> Input:
    """`mode`, `intervalMs`, `leading`, `trailing` (not false with `leading`), then `arrivalsMs`,
    or `callers`, `callsPerCaller` and `gapMs` live."""
    live = input.choice("mode", ("decide", "live")) == "live"
    interval_ms = input.integer("intervalMs", 1, MAX_INTERVAL_MS)
    edges = _edges(input, interval_ms, default=True)
    if not live:
        return gates.OnData(_decide(edges), gates.arrivals(input))
    callers = input.integer("callers", 1, MAX_CALLERS)
    calls_per_caller = input.integer("callsPerCaller", 0, MAX_CALLS_PER_CALLER)
    return Live(edges, callers, calls_per_caller, input.integer("gapMs", 0, MAX_GAP_MS))


def bench_input(size: int, params: Fields) -> GateBench:
    """`intervalMs`, `perMs`, `leading`, `trailing`, every one required."""
    interval_ms = params.integer("intervalMs", 1, MAX_INTERVAL_MS)
    per_ms = gates.per_ms(params)
    edges = _edges(params, interval_ms, default=False)
    arrivals_ms = gates.arrivals_at(size, per_ms)
    return GateBench(_decide(edges), arrivals_ms, partial(_spaced, edges.interval_ms))


def _edges(fields: Fields, interval_ms: int, default: bool) -> Edges:
    """`leading` and `trailing`, optional (true and false) in a case and required in a bench."""
    leading = fields.boolean("leading", default=True if default else None)
    trailing = fields.boolean("trailing", default=False if default else None)
    if not leading and not trailing:
        fields.reject("trailing", "must be true when leading is false, got false")
    return Edges(interval_ms, leading, trailing)


def _decide(edges: Edges) -> gates.Decide:
    return partial(
        throttle.decide,
        interval=edges.interval_ms,
        leading=edges.leading,
        trailing=edges.trailing,
    )


def _spaced(interval_ms: int, fired: Fired, _: object) -> str | None:
    """The throttle's own rule: no two firings closer than the interval."""
    for (_, at), (call, next_at) in pairwise(fired):
        if next_at - at < interval_ms:
            return f"call {call} fired {next_at - at} ms after the firing before it"
    return None


async def _live(case: Live) -> Ran:
    """Every caller offers its calls to one throttle, `gapMs` apart, each stamped just before it
    is offered, and never waits for the throttle. The run ends once nothing is pending."""
    clock = Clock()
    calls: list[Call] = []
    fires: list[Firing] = []

    def fire(_caller: int, at: int) -> None:
        fires.append({"atNs": at, "startNs": clock.now()})

    edges = case.edges
    interval_ns = edges.interval_ms * NS_PER_MS
    throttler = throttle.Throttler(fire, interval_ns, edges.leading, edges.trailing, clock.now)
    async with throttler:

        async def caller(number: int) -> None:
            for index in range(case.calls_per_caller):
                if index > 0:
                    await asyncio.sleep(case.gap_ms / 1000)
                calls.append({"caller": number, "ns": clock.now()})
                throttler(number)

        async with asyncio.TaskGroup() as group:
            for number in range(case.callers):
                group.create_task(caller(number))
    observed: LiveObserved = {"elapsedNs": clock.now(), "calls": calls, "fires": fires}
    return {"output": {"calls": len(calls)}, "observed": observed}


ASYNCIO = gates.pattern(validate, _live, bench_input)
THREADS: Pattern[Any] = unavailable(
    "mode", "is not available in python-threads: the throttle is written on asyncio alone"
)
