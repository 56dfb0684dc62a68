"""The merge checks hold on a fair merge and catch a sequential or reordering one."""

from __future__ import annotations

from typing import Any

from cookbook_harness.checks import check_case
from cookbook_harness.spec import Case

MS = 1_000_000
SOURCES = [[100, 100], [10, 10, 10]]
CHECKS = (
    {"check": "merge-each-item-once"},
    {"check": "source-order-kept"},
    {"check": "merge-not-held", "slackMs": 50},
)


def run(received: list[tuple[int, int, float]]) -> list[str]:
    case = Case(
        "fan-in", "t", "Catches nothing.", {"op": "merge", "sources": SOURCES}, {}, {}, CHECKS
    )
    observed: dict[str, Any] = {
        "elapsedNs": 300 * MS,
        "received": [{"source": s, "index": i, "atNs": int(t * MS)} for s, i, t in received],
    }
    output = {"items": [{"source": s, "index": i} for s, i, _ in received]}
    return check_case(case, observed, output)


def test_a_fair_merge_passes() -> None:
    assert run([(1, 0, 11), (1, 1, 21), (1, 2, 31), (0, 0, 101), (0, 1, 201)]) == []


def test_a_sequential_merge_holds_the_fast_source_back() -> None:
    problems = run([(0, 0, 101), (0, 1, 201), (1, 0, 212), (1, 1, 222), (1, 2, 232)])
    assert len(problems) == 3
    assert all(p.startswith("merge-not-held (liveness): source 1 item") for p in problems)


def test_reordered_source_is_caught_in_observations_and_output() -> None:
    problems = run([(1, 1, 21), (1, 0, 22), (1, 2, 31), (0, 0, 101), (0, 1, 201)])
    assert any("source 1: item 1 arrived where item 0 was due" in p for p in problems)
    assert any(p.startswith("source-order-kept (safety): output: ") for p in problems)


def test_lost_and_duplicated_items() -> None:
    problems = run([(1, 0, 11), (1, 0, 12), (1, 2, 31), (0, 0, 101), (0, 1, 201), (2, 0, 202)])
    text = "\n".join(problems)
    assert "items received more than once: [(1, 0)]" in text
    assert "items never received: [(1, 1)]" in text
    assert "items that no source yields: [(2, 0)]" in text
