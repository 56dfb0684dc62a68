"""Invariants over what an implementation observed, checked by the harness.

The checks live in this package, one module per family, and register themselves by name; a
spec names them in its `invariants`.

Safety checks are exact: a slow machine can make things late, never early, so "at most" must hold
under any load. Liveness checks ("reached", "faster than serial") get generous bounds in the spec.
Each check returns the list of its violations, empty when it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..spec import Case, resolve


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


def records(seen: Seen, key: str, fields: Mapping[str, type]) -> list[dict[str, Any]]:
    """observed[key] as a list of objects whose `fields` have the given types."""
    raw = seen.observed.get(key)
    if not isinstance(raw, list):
        raise ObservationError(f"observed.{key} must be a list")
    for n, r in enumerate(raw):
        if not isinstance(r, dict):
            raise ObservationError(f"observed.{key}[{n}] must be an object")
        for name, kind in fields.items():
            value = r.get(name)
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
                raise ObservationError(
                    f"observed.{key}[{n}].{name} is missing or of the wrong type"
                )
    return raw


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


# Registering the checks: each module adds its own to REGISTRY when imported.
from . import cache, deadlines, gates, jobs, limiters, merge, queues, streams  # noqa: E402, F401
