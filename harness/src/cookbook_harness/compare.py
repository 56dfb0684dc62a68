"""Canonicalising and comparing outputs: the spec says per output field how (`exact`, `multiset`,
`set`)."""

from __future__ import annotations

import json
from typing import Any

MODES = ("exact", "multiset", "set")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normalise(value: Any, mode: str) -> Any:
    """The form in which two values compare equal exactly when they match under `mode`."""
    if mode == "exact":
        return json.loads(canonical(value))
    if not isinstance(value, list):
        return value  # a multiset or set field that is not a list differs from any expected list
    items = sorted(canonical(v) for v in value)
    if mode == "set":
        items = sorted(set(items))
    return [json.loads(i) for i in items]


def normalise_output(output: Any, compare: dict[str, str]) -> Any:
    if not isinstance(output, dict):
        return output
    return {k: normalise(v, compare.get(k, "exact")) for k, v in output.items()}


def differences(expected: Any, actual: Any, compare: dict[str, str]) -> list[str]:
    """Human-readable differences between an expected and an actual output; empty when equal."""
    if not isinstance(actual, dict):
        return [f"output must be an object, got {canonical(actual)[:80]}"]
    problems: list[str] = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            problems.append(f"output.{key} is missing")
            continue
        if key not in expected:
            problems.append(f"output.{key} is not part of the contract")
            continue
        mode = compare.get(key, "exact")
        want, got = normalise(expected[key], mode), normalise(actual[key], mode)
        if want != got:
            problems.append(_describe(key, want, got, mode))
    return problems


def _describe(key: str, want: Any, got: Any, mode: str) -> str:
    if isinstance(want, list) and isinstance(got, list):
        w, g = [canonical(x) for x in want], [canonical(x) for x in got]
        missing = [x for x in w if x not in g][:3]
        extra = [x for x in g if x not in w][:3]
        parts = [f"output.{key} differs ({mode}, {len(g)} items, expected {len(w)})"]
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unexpected " + ", ".join(extra))
        if not missing and not extra:
            parts.append("same items, different order or multiplicity")
        return "; ".join(parts)
    return f"output.{key}: expected {canonical(want)[:120]}, got {canonical(got)[:120]}"
