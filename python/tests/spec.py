"""The language-neutral specs (`harness/spec/<slug>.json`) as the native tests read them.

A native test holds an answer to the same rules the harness applies: outputs compared as each
case's `compare` says, and the invariants checked on the observations, safety exactly.
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

SPEC_DIR = Path(__file__).resolve().parents[2] / "harness" / "spec"


@cache
def load_spec(slug: str) -> dict[str, Any]:
    with (SPEC_DIR / f"{slug}.json").open(encoding="utf-8") as spec:
        loaded: dict[str, Any] = json.load(spec)
    return loaded


def assert_output(
    expected: Mapping[str, Any], actual: Mapping[str, Any], compare: Mapping[str, str]
) -> None:
    """Compare each top-level field as `exact` (the default), `multiset` or `set`."""
    assert set(actual) == set(expected)
    for name, want in expected.items():
        mode = compare.get(name, "exact")
        if mode == "exact":
            assert actual[name] == want, name
        elif mode == "multiset":
            assert Counter(map(_canonical, actual[name])) == Counter(map(_canonical, want)), name
        elif mode == "set":
            assert set(map(_canonical, actual[name])) == set(map(_canonical, want)), name
        else:
            pytest.fail(f"unknown compare mode {mode!r} for {name}")


def assert_invariants(
    invariants: Iterable[Mapping[str, Any]], input: Mapping[str, Any], observed: Mapping[str, Any]
) -> None:
    """Check each invariant on the observations; an invariant this file does not know fails."""
    events = observed["events"]
    for invariant in invariants:
        params: dict[str, Any] = {key: _resolve(value, input) for key, value in invariant.items()}
        check = params.pop("check")
        if check == "each-job-once":
            assert sorted(e["id"] for e in events) == sorted(job["id"] for job in input["jobs"])
        elif check == "events-within-elapsed":
            for e in events:
                assert 0 <= e["startNs"] <= e["endNs"] <= observed["elapsedNs"], e
        elif check == "max-in-flight-at-most":
            assert observed["maxInFlight"] <= params["limit"]
            assert peak_in_flight(events) <= params["limit"]
        elif check == "max-in-flight-reached":
            assert peak_in_flight(events) >= params["target"]
        elif check == "elapsed-below-serial":
            serial_ns = sum(job.get("sleepMs", 0) for job in input["jobs"]) * 1_000_000
            assert observed["elapsedNs"] <= params["fraction"] * serial_ns
        else:
            pytest.fail(f"unknown invariant {check!r}")


def peak_in_flight(events: Iterable[Mapping[str, int]]) -> int:
    """The most event intervals open at one instant. At equal times an end counts before a start:
    a slot given back at t and taken again at t was never held twice."""
    edges = sorted(edge for e in events for edge in ((e["startNs"], 1), (e["endNs"], -1)))
    peak = in_flight = 0
    for _, change in edges:
        in_flight += change
        peak = max(peak, in_flight)
    return peak


def _resolve(value: Any, input: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$input."):
        return input[value.removeprefix("$input.")]
    return value


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True)
