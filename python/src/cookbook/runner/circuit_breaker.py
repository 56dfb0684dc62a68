"""The circuit breaker as the runner speaks it (docs/patterns/circuit-breaker.md), on asyncio:
`decide` runs the decision core on the calls given; `live` has callers, one task each, make their
calls through one live breaker, each waiting `gapMs` and then calling, each call running `runMs`
when let through.

The breaker (`cookbook.circuit_breaker`) knows nothing of observation: it hands each call the
instant it decided, and each change of state to a listener, on the run's clock; each call stamps
its own run inside the breaker's `guard`, so its stamps lie between the decision and the result.
The threads variant lists the pattern without implementing it (see skips.json for why).
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, NotRequired, TypedDict

from cookbook import circuit_breaker
from cookbook.circuit_breaker import Rejected, Settings, State
from cookbook.runner.fields import Fields, array_at, not_earlier
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Measured, Pattern, Ran, SelfCheckFailed, unavailable

MAX_THRESHOLD = 1_000
MAX_WINDOW_MS = 600_000
MAX_OPEN_MS = 600_000
MAX_PROBES = 1_000
MAX_AT_MS = 2**53 - 1
MAX_CALLERS = 100
MAX_RUN_MS = 1_000
MAX_GAP_MS = 1_000
NS_PER_MS = 1_000_000
BENCH_FAIL_EVERY, BENCH_FAILS = 10, 3  # bench call `i` fails when `i % 10 < 3`

OUTCOMES = ("ok", "fail")
NEXT: dict[State, tuple[State, ...]] = {
    "closed": ("open",),
    "open": ("half-open",),
    "half-open": ("open", "closed"),
}


@dataclass(frozen=True)
class Decide:
    settings: Settings
    """In milliseconds."""
    calls: Sequence[tuple[int, bool]]
    """`(atMs, ok)` per call."""


@dataclass(frozen=True)
class LiveCall:
    ok: bool
    run_ms: int
    gap_ms: int


@dataclass(frozen=True)
class Live:
    settings: Settings
    callers: Sequence[Sequence[LiveCall]]


Input = Decide | Live


class Call(TypedDict):
    caller: int
    index: int
    decidedNs: int
    decision: Literal["ran", "rejected"]
    startNs: NotRequired[int]
    endNs: NotRequired[int]


class Change(TypedDict):
    atNs: int
    to: State


class LiveObserved(Observed):
    calls: list[Call]
    changes: list[Change]


def validate(input: Fields) -> Input:
    """`mode`, the breaker's settings, then `calls` (each: itself, `atMs`, in time order,
    `outcome`), or live `callers` (1 to 100, each an array of calls: itself, `outcome`, `runMs`,
    `gapMs`)."""
    live = input.choice("mode", ("decide", "live")) == "live"
    settings = _settings(input)
    if not live:
        calls: list[tuple[int, bool]] = []
        previous = ""
        for call in input.objects("calls"):
            at_ms = call.integer("atMs", 0, MAX_AT_MS)
            if calls:
                not_earlier(call.at("atMs"), at_ms, previous, calls[-1][0], "calls are in order")
            previous = call.at("atMs")
            calls.append((at_ms, call.choice("outcome", OUTCOMES) == "ok"))
        return Decide(settings, calls)
    path, callers = input.at("callers"), input.array("callers", most=MAX_CALLERS)
    if not callers:
        input.reject("callers", "must have at least 1 element, got 0")
    return Live(settings, [_caller(value, f"{path}[{n}]") for n, value in enumerate(callers)])


def _settings(fields: Fields) -> Settings:
    """`failureThreshold`, `windowMs`, `openMs`, `halfOpenProbes`: of a case, or of a bench."""
    return Settings(
        failure_threshold=fields.integer("failureThreshold", 1, MAX_THRESHOLD),
        window=fields.integer("windowMs", 1, MAX_WINDOW_MS),
        open_for=fields.integer("openMs", 1, MAX_OPEN_MS),
        half_open_probes=fields.integer("halfOpenProbes", 1, MAX_PROBES),
    )


def _caller(value: object, path: str) -> list[LiveCall]:
    calls = []
    for index, element in enumerate(array_at(value, path)):
        call = Fields(element, f"{path}[{index}]")
        ok = call.choice("outcome", OUTCOMES) == "ok"
        run_ms = call.integer("runMs", 0, MAX_RUN_MS)
        calls.append(LiveCall(ok, run_ms, call.integer("gapMs", 0, MAX_GAP_MS)))
    return calls


def bench_input(size: int, params: Fields) -> Input:
    """`size` calls, call `i` at `i` ms, failing when `i % 10 < 3`: the settings, every one
    required."""
    calls = [(i, i % BENCH_FAIL_EVERY >= BENCH_FAILS) for i in range(size)]
    return Decide(_settings(params), calls)


def run(case: Input) -> Ran:
    if isinstance(case, Live):
        return asyncio.run(_live(case))
    changes: list[dict[str, Any]] = []
    start = time.perf_counter_ns()
    ran = circuit_breaker.decide(
        case.calls, case.settings, lambda at, to: changes.append({"atMs": at, "to": to})
    )
    elapsed = time.perf_counter_ns() - start
    decisions = ["ran" if r else "rejected" for r in ran]
    observed: Observed = {"elapsedNs": elapsed}
    return {"output": {"decisions": decisions, "changes": changes}, "observed": observed}


class CallFailed(Exception):
    pass


async def _live(case: Live) -> Ran:
    clock = Clock()
    calls: list[Call] = []
    changes: list[Change] = []
    ms = case.settings
    breaker = circuit_breaker.CircuitBreaker(
        replace(ms, window=ms.window * NS_PER_MS, open_for=ms.open_for * NS_PER_MS),
        on_change=lambda at, to: changes.append({"atNs": at, "to": to}),
        clock=clock.now,
    )

    async def caller(number: int, script: Sequence[LiveCall]) -> None:
        for index, call in enumerate(script):
            await asyncio.sleep(call.gap_ms / 1000)
            try:
                with breaker.guard() as decided:
                    start = clock.now()
                    await asyncio.sleep(call.run_ms / 1000)
                    # Stamped before the breaker hears the result: a probe's place is given back
                    # only after its `endNs`, so the stamps never show more probes than ran.
                    calls.append(_ran(number, index, decided, start, clock.now()))
                    if not call.ok:
                        raise CallFailed(f"caller {number}'s call {index} failed")
            except Rejected as rejected:
                calls.append(
                    {
                        "caller": number,
                        "index": index,
                        "decidedNs": rejected.at,
                        "decision": "rejected",
                    }
                )
            except CallFailed:
                pass  # counted by the breaker: nothing more to do with it here

    async with asyncio.TaskGroup() as group:
        for number, script in enumerate(case.callers):
            group.create_task(caller(number, script))
    observed: LiveObserved = {"elapsedNs": clock.now(), "calls": calls, "changes": changes}
    return {"output": {"calls": len(calls)}, "observed": observed}


def _ran(caller: int, index: int, decided: int, start: int, end: int) -> Call:
    return {
        "caller": caller,
        "index": index,
        "decidedNs": decided,
        "decision": "ran",
        "startNs": start,
        "endNs": end,
    }


def bench(case: Input) -> Measured:
    assert isinstance(case, Decide), "`bench_input` builds a Decide"
    changes: list[State] = []
    start = time.perf_counter_ns()
    ran = circuit_breaker.decide(case.calls, case.settings, lambda at, to: changes.append(to))
    elapsed = time.perf_counter_ns() - start
    state: State = "closed"
    for to in changes:
        if to not in NEXT[state]:
            raise SelfCheckFailed(f"the breaker went from {state} to {to}")
        state = to
    check = {"count": len(ran), "ran": sum(ran), "changes": len(changes)}
    return {"elapsedNs": elapsed, "check": check}


ASYNCIO = Pattern(validate=validate, run=run, bench_input=bench_input, bench=bench)
THREADS: Pattern[Any] = unavailable(
    "mode", "is not available in python-threads: the circuit breaker is written on asyncio alone"
)
