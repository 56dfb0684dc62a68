"""The cache checks: lock exclusion, single flight, starvation and linearizability."""

from __future__ import annotations

from typing import Any

from cookbook_harness.checks import check_case
from cookbook_harness.checks.cache import Op, linearizable
from cookbook_harness.reference import to_hex, work
from cookbook_harness.spec import Case

MS = 1_000_000


def case(*checks: dict[str, Any], clients: list[list[dict[str, Any]]] | None = None) -> Case:
    return Case("rwlock-cache", "t", "Catches nothing.", {"clients": clients or []}, {}, {}, checks)


def lock(
    client: int, mode: str, acquired: int, released: int, requested: int | None = None
) -> dict[str, Any]:
    req = acquired if requested is None else requested
    return {
        "client": client,
        "mode": mode,
        "requestNs": req,
        "acquiredNs": acquired,
        "releasedNs": released,
    }


def history(*entries: tuple[int, str, int, int]) -> list[dict[str, Any]]:
    return [
        {"client": c, "index": 0, "op": kind, "key": 1, "invokeNs": i, "returnNs": r}
        for c, kind, i, r in entries
    ]


def test_writer_exclusive() -> None:
    ok = {
        "locks": [lock(0, "read", 0, 10), lock(1, "read", 5, 15), lock(2, "write", 15, 20)],
        "ops": history((0, "get", 0, 11), (1, "get", 4, 16), (2, "set", 14, 21)),
    }
    assert check_case(case({"check": "writer-exclusive"}), ok) == []
    bad = {"locks": [lock(0, "read", 0, 10), lock(2, "write", 9, 20)], "ops": []}
    [problem] = check_case(case({"check": "writer-exclusive"}), bad)
    assert "client 2's write lock [9, 20) ns overlaps client 0's read lock [0, 10) ns" in problem


def test_writer_exclusive_catches_a_set_under_the_read_lock() -> None:
    # The set took the read lock, and the records say so honestly: no write lock overlaps
    # anything, so the lock records alone pass. The history shows a write with no write lock.
    sneaky = {
        "locks": [lock(0, "read", 0, 10), lock(1, "read", 5, 15)],
        "ops": history((0, "get", 0, 11), (1, "set", 4, 16)),
    }
    [problem] = check_case(case({"check": "writer-exclusive"}), sneaky)
    assert problem == (
        "writer-exclusive (safety): client 1's set of key 1 over [4, 16] ns held no write lock"
    )
    # Another client's write lock, or one outside the set's own interval, does not cover it.
    elsewhere = {
        "locks": [lock(0, "write", 5, 10), lock(1, "write", 20, 30)],
        "ops": history((1, "set", 4, 16)),
    }
    assert len(check_case(case({"check": "writer-exclusive"}), elsewhere)) == 1


def test_readers_overlap() -> None:
    inv = {"check": "readers-overlap", "target": 2}
    assert check_case(case(inv), {"locks": [lock(0, "read", 0, 10), lock(1, "read", 5, 15)]}) == []
    assert check_case(case(inv), {"locks": [lock(0, "read", 0, 10), lock(1, "read", 10, 15)]})


def test_single_flight_and_reported_counts() -> None:
    inv = {"check": "single-flight"}
    observed = {"computes": [{"key": 7, "startNs": 0, "endNs": 5}]}
    assert check_case(case(inv), observed, {"computes": [{"key": 7, "count": 1}]}) == []
    twice = {
        "computes": [{"key": 7, "startNs": 0, "endNs": 5}, {"key": 7, "startNs": 1, "endNs": 6}]
    }
    problems = check_case(case(inv), twice, {"computes": [{"key": 7, "count": 1}]})
    assert "single-flight (safety): key 7 was computed 2 times" in problems
    assert any("does not match the observed computes" in p for p in problems)


def test_writer_not_starved() -> None:
    inv = {"check": "writer-not-starved", "boundMs": 50}
    assert check_case(case(inv), {"locks": [lock(0, "write", 40 * MS, 41 * MS, 0)]}) == []
    assert check_case(case(inv), {"locks": [lock(0, "write", 60 * MS, 61 * MS, 0)]})


def test_ops_complete() -> None:
    clients = [
        [{"op": "get", "key": 1}, {"op": "sleep", "ms": 1}, {"op": "set", "key": 1, "value": "x"}]
    ]
    op = {"client": 0, "op": "get", "key": 1, "value": None, "invokeNs": 0, "returnNs": 1}
    full = [{**op, "index": 0}, {**op, "index": 2, "op": "set", "value": "x"}]
    assert check_case(case({"check": "ops-complete"}, clients=clients), {"ops": full}) == []
    problems = check_case(case({"check": "ops-complete"}, clients=clients), {"ops": full[:1]})
    assert problems == ["ops-complete (safety): client 0 op 2 is missing from the history"]


COMPUTED = "c"


def test_a_serial_history_is_linearizable() -> None:
    history = [Op("get", None, 0, 1), Op("set", "a", 2, 3), Op("get", "a", 4, 5)]
    assert linearizable(history, COMPUTED)


def test_a_stale_read_is_not() -> None:
    # The set returned before the get was invoked, so the get must see "a".
    assert not linearizable([Op("set", "a", 0, 1), Op("get", None, 2, 3)], COMPUTED)


def test_concurrent_operations_may_take_either_order() -> None:
    assert linearizable([Op("set", "a", 0, 10), Op("get", None, 1, 2)], COMPUTED)
    assert linearizable([Op("set", "a", 0, 10), Op("get", "a", 1, 2)], COMPUTED)


def test_a_compute_that_overwrites_a_concurrent_set_is_not_linearizable() -> None:
    # getOrCompute missed, computed for a long time, then stored blindly over the set that
    # finished meanwhile: the read after both sees the computed value, which no order explains
    # while the getOrCompute itself returned the computed value.
    blind = [
        Op("getOrCompute", COMPUTED, 0, 100),
        Op("set", "s", 20, 21),
        Op("get", COMPUTED, 200, 201),
    ]
    assert not linearizable(blind, COMPUTED)
    # Storing only if absent: the getOrCompute returns the value that was set, and all is well.
    kept = [Op("getOrCompute", "s", 0, 100), Op("set", "s", 20, 21), Op("get", "s", 200, 201)]
    assert linearizable(kept, COMPUTED)


def test_linearizable_check_reports_the_key() -> None:
    observed = {
        "ops": [
            {
                "client": 0,
                "index": 0,
                "op": "set",
                "key": 3,
                "value": "a",
                "invokeNs": 0,
                "returnNs": 1,
            },
            {
                "client": 0,
                "index": 1,
                "op": "get",
                "key": 3,
                "value": "b",
                "invokeNs": 2,
                "returnNs": 3,
            },
            {
                "client": 1,
                "index": 0,
                "op": "getOrCompute",
                "key": 4,
                "value": to_hex(work(4, 0)),
                "invokeNs": 0,
                "returnNs": 5,
            },
        ]
    }
    problems = check_case(case({"check": "linearizable"}), observed)
    assert problems == [
        "linearizable (safety): key 3: no serial order of its 2 operations explains the values read"
    ]


def test_linearizability_search_stays_fast_on_many_concurrent_readers() -> None:
    # Four readers reading back to back and one writer: the memoised search must not explode.
    history = [Op("set", "a", 0, 1)]
    for r in range(4):
        history += [
            Op("get", "a" if i < 6 else "b", 10 + 20 * i + r, 30 + 20 * i + r) for i in range(12)
        ]
    history.append(Op("set", "b", 100, 140))
    assert linearizable(history, COMPUTED)
