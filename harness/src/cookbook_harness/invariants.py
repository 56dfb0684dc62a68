"""Invariants over what an implementation observed, checked by the harness.

Safety checks are exact: a slow machine can make things late, never early, so "at most" must hold
under any load. Liveness checks ("reached", "faster than serial") get generous bounds in the spec.
Each check returns the list of its violations, empty when it holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .spec import Case, resolve


@dataclass(frozen=True)
class Seen:
    """What one check looks at: the case's input, the answer's output and observations, and the
    check's own parameters with `$input.` references resolved."""

    input: dict[str, Any]
    output: Any
    observed: dict[str, Any]
    params: dict[str, Any]


Check = Callable[[Seen], list[str]]


@dataclass(frozen=True)
class Invariant:
    name: str
    kind: str  # "safety" (exact) or "liveness" (with tolerance)
    check: Check


REGISTRY: dict[str, Invariant] = {}


def invariant(name: str, kind: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        REGISTRY[name] = Invariant(name, kind, fn)
        return fn

    return register


class ObservationError(ValueError):
    """The observations are not of the shape the contract describes."""


@dataclass(frozen=True)
class Event:
    id: int
    start: int
    end: int


def events(observed: dict[str, Any]) -> list[Event]:
    raw = observed.get("events")
    if not isinstance(raw, list):
        raise ObservationError("observed.events must be a list")
    out: list[Event] = []
    for i, e in enumerate(raw):
        if not isinstance(e, dict) or not all(
            isinstance(e.get(k), int) and not isinstance(e.get(k), bool)
            for k in ("id", "startNs", "endNs")
        ):
            raise ObservationError(f"observed.events[{i}] must have integer id, startNs and endNs")
        out.append(Event(e["id"], e["startNs"], e["endNs"]))
    return out


def integer(observed: dict[str, Any], key: str) -> int:
    value = observed.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ObservationError(f"observed.{key} must be a non-negative integer, got {value!r}")
    return value


def peak_overlap(evs: list[Event]) -> int:
    """The most intervals in flight at one instant, rebuilt from the events.

    Intervals are half-open, [start, end): a job that ends at t and one that starts at t did not
    overlap, because the slot was given back (after `end` was read) before it was taken again
    (before `start` was read). Sorting ends before starts at equal times encodes exactly that.
    """
    edges = sorted([(e.start, 1) for e in evs] + [(e.end, -1) for e in evs])
    peak = current = 0
    for _, delta in edges:
        current += delta
        peak = max(peak, current)
    return peak


def check_case(case: Case, observed: Any, output: Any = None) -> list[str]:
    """Run every invariant the case names; return the violations, each prefixed by its check."""
    if not isinstance(observed, dict):
        return ["observed must be an object"]
    problems: list[str] = []
    for spec in case.invariants:
        name = spec["check"]
        inv = REGISTRY.get(name)
        if inv is None:
            problems.append(f"{name}: no such invariant in the harness")
            continue
        params = {k: resolve(v, case.input) for k, v in spec.items() if k != "check"}
        try:
            found = inv.check(Seen(case.input, output, observed, params))
        except ObservationError as exc:
            found = [str(exc)]
        problems.extend(f"{name} ({inv.kind}): {p}" for p in found)
    return problems


@invariant("each-job-once", "safety")
def _each_job_once(seen: Seen) -> list[str]:
    want = Counter(job["id"] for job in seen.input["jobs"])
    got = Counter(e.id for e in events(seen.observed))
    problems = []
    twice = sorted(i for i, n in got.items() if n > 1)
    never = sorted(i for i in want if i not in got)
    stray = sorted(i for i in got if i not in want)
    if twice:
        problems.append(f"jobs run more than once: {twice[:10]}")
    if never:
        problems.append(f"jobs never run: {never[:10]}")
    if stray:
        problems.append(f"events for jobs that do not exist: {stray[:10]}")
    return problems


@invariant("events-within-elapsed", "safety")
def _events_within(seen: Seen) -> list[str]:
    elapsed = integer(seen.observed, "elapsedNs")
    bad = [e for e in events(seen.observed) if not 0 <= e.start <= e.end <= elapsed]
    return [
        f"job {e.id} ran over [{e.start}, {e.end}] ns, outside the measured region [0, {elapsed}]"
        for e in bad[:5]
    ]


@invariant("max-in-flight-at-most", "safety")
def _at_most(seen: Seen) -> list[str]:
    limit = seen.params["limit"]
    problems = []
    reported = integer(seen.observed, "maxInFlight")
    if reported > limit:
        problems.append(f"the implementation's own counter reached {reported}, above {limit}")
    peak = peak_overlap(events(seen.observed))
    if peak > limit:
        problems.append(f"{peak} job intervals overlap at one instant, above {limit}")
    return problems


@invariant("max-in-flight-reached", "liveness")
def _reached(seen: Seen) -> list[str]:
    target = seen.params["target"]
    peak = peak_overlap(events(seen.observed))
    if peak < target:
        return [f"at most {peak} jobs were ever in flight at once; expected {target} to overlap"]
    return []


@invariant("elapsed-below-serial", "liveness")
def _below_serial(seen: Seen) -> list[str]:
    serial_ns = sum(job.get("sleepMs", 0) for job in seen.input["jobs"]) * 1_000_000
    bound = seen.params["fraction"] * serial_ns
    elapsed = integer(seen.observed, "elapsedNs")
    if elapsed > bound:
        return [
            f"took {elapsed / 1e6:.1f} ms, more than {seen.params['fraction']} of the "
            f"{serial_ns / 1e6:.0f} ms the sleeps would take one after the other"
        ]
    return []
