"""Each invariant holds on a correct trace and reports the trace that breaks it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from cookbook_harness.checks import REGISTRY, Event, check_case, peak_overlap
from cookbook_harness.spec import Case

JOBS = [{"id": i, "sleepMs": 10} for i in range(4)]


def case(*invariants: dict[str, Any], workers: int = 2) -> Case:
    return Case(
        "worker-pool",
        "t",
        "Catches nothing.",
        {"workers": workers, "jobs": JOBS},
        {},
        {},
        invariants,
    )


def observed(
    intervals: list[tuple[int, int, int]], max_in_flight: int = 2, elapsed: int = 100
) -> dict[str, Any]:
    events = [{"id": i, "startNs": s, "endNs": e} for i, s, e in intervals]
    return {"elapsedNs": elapsed, "maxInFlight": max_in_flight, "events": events}


TWO_AT_A_TIME = [(0, 0, 10), (1, 0, 10), (2, 10, 20), (3, 10, 20)]
SEQUENTIAL = [(0, 0, 10), (1, 10, 20), (2, 20, 30), (3, 30, 40)]
ALL_AT_ONCE = [(0, 0, 10), (1, 1, 10), (2, 2, 10), (3, 3, 10)]


def test_peak_overlap_treats_intervals_as_half_open() -> None:
    # A slot handed over at the same instant is not an overlap: [0,10) and [10,20) never meet.
    assert peak_overlap([Event(0, 0, 10), Event(1, 10, 20)]) == 1
    assert peak_overlap([Event(0, 0, 10), Event(1, 9, 20)]) == 2
    assert peak_overlap([]) == 0


def test_at_most_holds_for_a_bounded_pool() -> None:
    assert (
        check_case(
            case({"check": "max-in-flight-at-most", "limit": "$input.workers"}),
            observed(TWO_AT_A_TIME),
        )
        == []
    )


def test_at_most_catches_intervals_over_the_limit() -> None:
    problems = check_case(
        case({"check": "max-in-flight-at-most", "limit": 2}), observed(ALL_AT_ONCE, 2)
    )
    assert problems == [
        "max-in-flight-at-most (safety): 4 job intervals overlap at one instant, above 2",
        "max-in-flight-at-most (safety): maxInFlight is 2, but 4 job intervals overlap at one "
        "instant: the counter must count every job in flight",
    ]


def test_at_most_catches_a_counter_below_the_overlap() -> None:
    # A counter read before it is raised shows 1 while the intervals show 2 in flight: under the
    # limit both, but the counter is not counting.
    problems = check_case(
        case({"check": "max-in-flight-at-most", "limit": 2}), observed(TWO_AT_A_TIME, 1)
    )
    assert problems == [
        "max-in-flight-at-most (safety): maxInFlight is 1, but 2 job intervals overlap at one "
        "instant: the counter must count every job in flight"
    ]


def test_at_most_catches_a_counter_over_the_limit() -> None:
    problems = check_case(
        case({"check": "max-in-flight-at-most", "limit": 2}), observed(TWO_AT_A_TIME, 3)
    )
    assert problems == [
        "max-in-flight-at-most (safety): the implementation's own counter reached 3, above 2"
    ]


def test_reached_catches_a_sequential_pool() -> None:
    inv = {"check": "max-in-flight-reached", "target": 2}
    assert check_case(case(inv), observed(TWO_AT_A_TIME)) == []
    assert check_case(case(inv), observed(SEQUENTIAL, 1)) == [
        "max-in-flight-reached (liveness): "
        "at most 1 jobs were ever in flight at once; expected 2 to overlap"
    ]


def test_each_job_once_catches_lost_and_repeated_jobs() -> None:
    inv = {"check": "each-job-once"}
    assert check_case(case(inv), observed(TWO_AT_A_TIME)) == []
    problems = check_case(
        case(inv), observed([(0, 0, 1), (0, 1, 2), (1, 2, 3), (2, 3, 4), (9, 4, 5)])
    )
    assert problems == [
        "each-job-once (safety): jobs run more than once: [0]",
        "each-job-once (safety): jobs never run: [3]",
        "each-job-once (safety): events for jobs that do not exist: [9]",
    ]


def test_events_within_elapsed() -> None:
    inv = {"check": "events-within-elapsed"}
    assert check_case(case(inv), observed(SEQUENTIAL, elapsed=40)) == []
    assert len(check_case(case(inv), observed(SEQUENTIAL, elapsed=39))) == 1
    assert len(check_case(case(inv), observed([(0, 5, 4)], elapsed=39))) == 1


def test_elapsed_below_serial() -> None:
    inv = {"check": "elapsed-below-serial", "fraction": 0.6}
    # Four sleeps of 10 ms: serial 40 ms, the bound 24 ms.
    assert check_case(case(inv), observed(TWO_AT_A_TIME, elapsed=20_000_000)) == []
    assert len(check_case(case(inv), observed(SEQUENTIAL, elapsed=40_000_000))) == 1


@pytest.mark.parametrize(
    "bad", [None, {"events": "x"}, {"events": [{"id": 0}]}, {"events": [], "maxInFlight": -1}]
)
def test_malformed_observations_are_reported_not_raised(bad: Any) -> None:
    inv = {"check": "max-in-flight-at-most", "limit": 2}
    assert check_case(case(inv), bad)


def test_unknown_check_is_reported() -> None:
    assert check_case(case({"check": "no-such-check"}), observed([])) == [
        "no-such-check: no such invariant in the harness"
    ]


def test_every_check_is_classified() -> None:
    assert {inv.kind for inv in REGISTRY.values()} <= {"safety", "liveness"}


def gather(limit: int, items: list[dict[str, Any]]) -> Case:
    inp = {"op": "scatter-gather", "limit": limit, "failFast": True, "items": items}
    checks = ({"check": "nothing-started-after-failure"},)
    return Case("fan-in", "t", "Catches nothing.", inp, {}, {}, checks)


SLOW_AND_ONE_FAILING = [{"sleepMs": 3000}, {"sleepMs": 30, "fail": True}, *[{"sleepMs": 3000}] * 3]


def test_nothing_started_after_failure_holds_when_the_rest_is_cancelled() -> None:
    # Items 0 to 2 take the three slots; 1 fails at 30; 0 and 2 are cancelled; 3 and 4 never start.
    trace = [(0, 0, 31), (1, 0, 30), (2, 1, 32)]
    assert check_case(gather(3, SLOW_AND_ONE_FAILING), observed(trace, 3)) == []


def test_nothing_started_after_failure_catches_items_handed_out_after_it() -> None:
    # A gather that cancels what runs but still hands out what has not started: 3 and 4 take the
    # slots that 0 and 2 gave back when they were cancelled.
    trace = [(0, 0, 31), (1, 0, 30), (2, 1, 32), (3, 31, 33), (4, 32, 34)]
    [problem] = check_case(gather(3, SLOW_AND_ONE_FAILING), observed(trace, 3))
    assert problem == (
        "nothing-started-after-failure (safety): calls [3, 4] started after item 1 failed at "
        "0.0 ms; at most 0 could have held a slot taken before the failure"
    )


def test_a_call_that_took_its_slot_before_the_failure_may_start_after_it() -> None:
    # Item 0 ended at 10 and gave its slot to item 3 before item 1 failed at 30; item 3 read its
    # start only at 31. One free slot at the failure: one late start is allowed, two are not.
    trace = [(0, 0, 10), (1, 0, 30), (2, 1, 40), (3, 31, 35)]
    assert check_case(gather(3, SLOW_AND_ONE_FAILING), observed(trace, 3)) == []
    trace.append((4, 36, 38))
    assert check_case(gather(3, SLOW_AND_ONE_FAILING), observed(trace, 3))


def test_nothing_started_after_failure_ignores_gathers_that_do_not_fail_fast() -> None:
    lenient = dataclasses.replace(
        gather(3, SLOW_AND_ONE_FAILING),
        input={"op": "scatter-gather", "limit": 3, "failFast": False, "items": []},
    )
    trace = [(0, 0, 31), (1, 0, 30), (2, 1, 32), (3, 31, 33), (4, 32, 34)]
    assert check_case(lenient, observed(trace, 3)) == []


def test_a_panicking_item_is_a_failure_too() -> None:
    items = [{"sleepMs": 3000}, {"sleepMs": 30, "panic": True}, *[{"sleepMs": 3000}] * 3]
    late = [(0, 0, 31), (1, 0, 30), (2, 1, 32), (3, 31, 33)]
    assert check_case(gather(3, items), observed(late, 3))
    prompt = dataclasses.replace(
        gather(3, items), invariants=({"check": "cancelled-promptly", "slackMs": 500},)
    )
    assert check_case(prompt, observed(late[:3], 3, elapsed=40)) == []
