"""The debouncer as the runner speaks it (docs/patterns/debounce.md), on asyncio: `decide` runs the
decision core on the arrival times given (`gates`, shared with the throttle); `live` makes each
call at its time to one live debouncer, whose runs sleep `runMs` and fail where `failCalls` says.

The debouncer (`cookbook.debounce`) knows nothing of observation: the caller stamps each arrival
just before it calls, and each run stamps itself, beside the instant the debouncer fired it,
which it is handed; the debouncer decides on the run's clock, so every stamp is on one clock.
The threads variant lists the pattern without implementing it (see skips.json for why).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypedDict

from cookbook import debounce
from cookbook.outcome import Failed
from cookbook.runner import gates
from cookbook.runner.fields import FieldError, Fields, integer_at
from cookbook.runner.gates import Fired, GateBench
from cookbook.runner.observe import Clock, Observed
from cookbook.runner.protocol import Pattern, Ran, unavailable

MAX_QUIET_MS = 60_000
MAX_WAIT_MS = 600_000
MAX_LIVE_MS = 60_000
MAX_RUN_MS = 1_000
NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class Quiet:
    quiet_ms: int
    max_wait_ms: int | None


@dataclass(frozen=True)
class Live:
    quiet: Quiet
    arrivals_ms: list[int]
    run_ms: int
    fail_calls: frozenset[int]


Input = gates.OnData | Live


class Arrival(TypedDict):
    call: int
    ns: int


class Run(TypedDict):
    call: int
    atNs: int
    startNs: int
    endNs: int
    outcome: Literal["ok", "failed", "cancelled"]


class LiveObserved(Observed):
    arrivals: list[Arrival]
    runs: list[Run]


def validate(input: Fields) -> Input:
    """`mode`, `quietMs`, `maxWaitMs` (not below `quietMs`), `arrivalsMs`, then live `runMs` and
    `failCalls` (each an index of `arrivalsMs`)."""
    live = input.choice("mode", ("decide", "live")) == "live"
    quiet = _quiet(input, optional=True)
    if not live:
        return gates.OnData(_decide(quiet), gates.arrivals(input))
    arrivals = gates.arrivals(input, MAX_LIVE_MS)
    run_ms = input.integer("runMs", 0, MAX_RUN_MS, default=0)
    return Live(quiet, arrivals, run_ms, _fail_calls(input, len(arrivals)))


def _quiet(fields: Fields, optional: bool) -> Quiet:
    """`quietMs`, then `maxWaitMs`, from `quietMs` up: optional in a case, required in a bench."""
    quiet_ms = fields.integer("quietMs", 1, MAX_QUIET_MS)
    if optional:
        return Quiet(quiet_ms, fields.optional_integer("maxWaitMs", quiet_ms, MAX_WAIT_MS))
    return Quiet(quiet_ms, fields.integer("maxWaitMs", quiet_ms, MAX_WAIT_MS))


def _fail_calls(input: Fields, calls: int) -> frozenset[int]:
    path, indices = input.at("failCalls"), set()
    for index, value in enumerate(input.optional_array("failCalls") or []):
        at = f"{path}[{index}]"
        if calls == 0:
            raise FieldError(at, f"{at} must index a call of arrivalsMs, which has none")
        indices.add(integer_at(value, at, 0, calls - 1))
    return frozenset(indices)


def bench_input(size: int, params: Fields) -> GateBench:
    """`quietMs`, `maxWaitMs` (from `quietMs` up), `perMs`, every one required."""
    quiet = _quiet(params, optional=False)
    per_ms = gates.per_ms(params)
    rule = partial(_fires_its_last_call, quiet.quiet_ms)
    return GateBench(_decide(quiet), gates.arrivals_at(size, per_ms), rule)


def _decide(quiet: Quiet) -> gates.Decide:
    return partial(debounce.decide, quiet=quiet.quiet_ms, max_wait=quiet.max_wait_ms)


def _fires_its_last_call(quiet_ms: int, fired: Fired, arrivals_ms: Sequence[int]) -> str | None:
    """The debouncer's own rule: a firing fires the last call before it, within the quiet
    period of that call (the cap only brings it sooner)."""
    for call, at in fired:
        if at > arrivals_ms[call] + quiet_ms:
            return f"call {call} fired {at - arrivals_ms[call]} ms after it, past the quiet period"
        if call + 1 < len(arrivals_ms) and arrivals_ms[call + 1] < at:
            return f"call {call} fired at {at} ms, after call {call + 1} had arrived"
    return None


class CallFailed(Exception):
    def __init__(self, call: int) -> None:
        super().__init__(f"call {call} failed")


async def _live(case: Live) -> Ran:
    """Each call is made at its time, stamped just before; each run sleeps `runMs`, then fails if
    listed. The run ends once the last call has fired and every run has finished."""
    clock = Clock()
    arrivals: list[Arrival] = []
    runs: list[Run] = []

    async def run(call: int, at: int) -> None:
        start = clock.now()
        outcome: Literal["ok", "failed", "cancelled"] = "cancelled"  # unless it ends by itself
        try:
            await asyncio.sleep(case.run_ms / 1000)
            outcome = "failed" if call in case.fail_calls else "ok"
        finally:
            end = clock.now()
            runs.append(
                {"call": call, "atNs": at, "startNs": start, "endNs": end, "outcome": outcome}
            )
        if outcome == "failed":
            raise CallFailed(call)

    quiet_ns = case.quiet.quiet_ms * NS_PER_MS
    max_wait = case.quiet.max_wait_ms
    max_wait_ns = None if max_wait is None else max_wait * NS_PER_MS
    async with debounce.Debouncer(run, quiet_ns, max_wait_ns, clock.now) as debounced:
        for call, at_ms in enumerate(case.arrivals_ms):
            await clock.sleep_until(at_ms * NS_PER_MS)
            arrivals.append({"call": call, "ns": clock.now()})
            debounced(call)
    fired = [
        {"call": call, "error": str(outcome.error)}
        if isinstance(outcome, Failed)
        else {"call": call}
        for call, outcome in debounced.outcomes
    ]
    observed: LiveObserved = {"elapsedNs": clock.now(), "arrivals": arrivals, "runs": runs}
    return {"output": {"fired": fired}, "observed": observed}


ASYNCIO = gates.pattern(validate, _live, bench_input)
THREADS: Pattern[Any] = unavailable(
    "mode", "is not available in python-threads: the debouncer is written on asyncio alone"
)
