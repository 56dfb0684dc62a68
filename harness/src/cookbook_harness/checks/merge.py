"""Checks on a merged stream: every item once, each source's order kept, nothing held back."""

from __future__ import annotations

from collections import Counter
from itertools import accumulate
from typing import Any

from . import ObservationError, Seen, integer, invariant


def received(seen: Seen) -> list[tuple[int, int, int]]:
    """(source, index, atNs) per item, in the order the consumer received them."""
    raw = seen.observed.get("received")
    if not isinstance(raw, list):
        raise ObservationError("observed.received must be a list")
    out = []
    for n, r in enumerate(raw):
        if not isinstance(r, dict) or not all(
            isinstance(r.get(k), int) and not isinstance(r.get(k), bool)
            for k in ("source", "index", "atNs")
        ):
            raise ObservationError(f"observed.received[{n}] must have integer source, index, atNs")
        out.append((r["source"], r["index"], r["atNs"]))
    return out


def scheduled(sources: list[list[int]]) -> dict[tuple[int, int], int]:
    """When each item is ready, in ms from the start, if its source's sleeps took no longer."""
    return {(s, i): t for s, delays in enumerate(sources) for i, t in enumerate(accumulate(delays))}


@invariant("merge-each-item-once", "safety")
def _each_item_once(seen: Seen) -> list[str]:
    want = Counter(scheduled(seen.input["sources"]))
    got = Counter((s, i) for s, i, _ in received(seen))
    problems = []
    if twice := sorted(k for k, n in got.items() if n > 1):
        problems.append(f"items received more than once: {twice[:5]}")
    if never := sorted(k for k in want if k not in got):
        problems.append(f"items never received: {never[:5]}")
    if stray := sorted(k for k in got if k not in want):
        problems.append(f"items that no source yields: {stray[:5]}")
    return problems


def _out_of_order(sequence: list[tuple[int, int]]) -> list[str]:
    expected_next: dict[int, int] = {}
    problems = []
    for source, index in sequence:
        want = expected_next.get(source, 0)
        if index != want:
            problems.append(f"source {source}: item {index} arrived where item {want} was due")
        expected_next[source] = index + 1
    return problems[:5]


@invariant("source-order-kept", "safety")
def _source_order_kept(seen: Seen) -> list[str]:
    problems = _out_of_order([(s, i) for s, i, _ in received(seen)])
    items: Any = seen.output.get("items") if isinstance(seen.output, dict) else None
    if isinstance(items, list) and all(isinstance(x, dict) for x in items):
        problems += [
            "output: " + p
            for p in _out_of_order([(x.get("source"), x.get("index")) for x in items])
        ]
    return problems


@invariant("merge-not-held", "liveness")
def _merge_not_held(seen: Seen) -> list[str]:
    ready = scheduled(seen.input["sources"])
    slack = seen.params["slackMs"]
    integer(seen.observed, "elapsedNs")
    problems = []
    for s, i, at in received(seen):
        due = ready.get((s, i))
        if due is not None and at > (due + slack) * 1_000_000:
            problems.append(
                f"source {s} item {i} was ready at {due} ms but received at {at / 1e6:.1f} ms, "
                f"more than {slack} ms late"
            )
    return problems[:5]
