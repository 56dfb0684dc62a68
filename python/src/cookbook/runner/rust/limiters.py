"""The token bucket and the sliding window through the extension.

`decide` cases run the extension's decision core on the given times. `live` cases run one Python
thread per caller through one `cookbook_rs.Limiter`; each `acquire()` returns its `Admission`,
timed by the limiter on the clock it decides with, so the observations need no probe.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from cookbook.runner import sliding_window, token_bucket
from cookbook.runner.fields import Fields
from cookbook.runner.limiters import Admission, Decide, LimiterInput, LimiterObserved, Live
from cookbook.runner.protocol import Measured, Pattern, Ran

with contextlib.suppress(ImportError):  # `require_extension()` reports it before any run
    import cookbook_rs


class Core(Protocol):
    """A decision core of the extension: `cookbook_rs.TokenBucket` or `SlidingWindow`."""

    def decide(self, now_ms: int) -> int: ...


@dataclass(frozen=True)
class Limits:
    """A limiter's parameters, bound to the extension's constructors."""

    core: Callable[[], Core]
    """A fresh decision core, on milliseconds."""
    live: Callable[[], cookbook_rs.Limiter]
    """A fresh live limiter, on the real clock."""


@dataclass(frozen=True)
class LimiterCase:
    limits: Limits
    mode: Decide | Live


def _bucket(input: Fields) -> Limits:
    refill = input.obj("refill")
    tokens = refill.integer("tokens", 1, token_bucket.MAX_TOKENS)
    every_ms = refill.integer("everyMs", 1, token_bucket.MAX_EVERY_MS)
    burst = input.integer("burst", 1, token_bucket.MAX_BURST)
    return Limits(
        core=partial(cookbook_rs.TokenBucket, tokens, every_ms, burst),
        live=partial(cookbook_rs.Limiter.token_bucket, tokens, every_ms, burst),
    )


def _window(input: Fields) -> Limits:
    limit = input.integer("limit", 1, sliding_window.MAX_LIMIT)
    window_ms = input.integer("windowMs", 1, sliding_window.MAX_WINDOW_MS)
    return Limits(
        core=partial(cookbook_rs.SlidingWindow, limit, window_ms),
        live=partial(cookbook_rs.Limiter.sliding_window, limit, window_ms),
    )


def _pattern(
    python: Pattern[LimiterInput], limits: Callable[[Fields], Limits]
) -> Pattern[LimiterCase]:
    """The limiter whose Python pattern is `python`, run by the extension.

    The Python pattern validates first, every field in the documented order, so that an error
    answer is the other variants' word for word; `limits` then reads parameters known to be
    valid."""

    def validate(input: Fields) -> LimiterCase:
        mode = python.validate(input).mode
        return LimiterCase(limits(input), mode)

    def bench_input(size: int, params: Fields) -> LimiterCase:
        python.bench_input(size, params)
        return LimiterCase(limits(params), Decide(range(size)))

    return Pattern(validate=validate, run=_run, bench_input=bench_input, bench=_bench)


def _run(case: LimiterCase) -> Ran:
    if isinstance(case.mode, Live):
        observed = _live(case.limits.live(), case.mode)
        return {"output": {"admitted": len(observed["admissions"])}, "observed": observed}
    core = case.limits.core()
    start = time.perf_counter_ns()
    waits = _decide(core, case.mode.arrivals_ms)
    elapsed = time.perf_counter_ns() - start
    decisions: list[dict[str, Any]] = [
        {"admit": True} if wait == 0 else {"admit": False, "waitMs": wait} for wait in waits
    ]
    observations: LimiterObserved = {"elapsedNs": elapsed, "admissions": []}
    return {"output": {"decisions": decisions}, "observed": observations}


def _bench(case: LimiterCase) -> Measured:
    assert isinstance(case.mode, Decide), "a bench input decides on data"
    core, arrivals = case.limits.core(), case.mode.arrivals_ms
    start = time.perf_counter_ns()
    waits = _decide(core, arrivals)
    elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": {"count": len(waits), "admitted": waits.count(0)}}


def _decide(core: Core, arrivals: Sequence[int]) -> list[int]:
    """The wait in milliseconds for each arrival, 0 for an admission."""
    # map calls the bound method without a Python-level loop body: inside the measured region,
    # the decisions are the only work.
    return list(map(core.decide, arrivals))


def _live(limiter: cookbook_rs.Limiter, live: Live) -> LimiterObserved:
    """`live.callers` threads acquire back to back; the measured region is the limiter's clock,
    which starts when the limiter is made, just before the first caller."""

    def caller(number: int) -> list[Admission]:
        return [_admission(number, limiter.acquire()) for _ in range(live.requests_per_caller)]

    # A thread per caller, all started at once: callers contend for the limiter, never for a
    # thread. Each acquire waits with the GIL released, so the others run meanwhile.
    with ThreadPoolExecutor(max_workers=live.callers, thread_name_prefix="caller") as executor:
        per_caller = list(executor.map(caller, range(live.callers)))
    return {
        "elapsedNs": limiter.now_ns(),
        "admissions": [admission for admissions in per_caller for admission in admissions],
    }


def _admission(caller: int, admission: cookbook_rs.Admission) -> Admission:
    return {
        "caller": caller,
        "requestNs": admission.requested_ns,
        "atNs": admission.at_ns,
        "wokeNs": admission.woke_ns,
    }


TOKEN_BUCKET = _pattern(token_bucket.THREADS, _bucket)
SLIDING_WINDOW = _pattern(sliding_window.THREADS, _window)
