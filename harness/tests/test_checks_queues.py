"""The bounded-queue checks, each shown holding on a correct run and failing on its mistake."""

from __future__ import annotations

from typing import Any

from cookbook_harness.checks import check_case
from cookbook_harness.spec import Case

MS = 1_000_000


def judge(
    inp: dict[str, Any], observed: dict[str, Any], *checks: dict[str, Any], output: Any = None
) -> list[str]:
    return check_case(Case("x", "t", "Catches nothing.", inp, {}, {}, checks), observed, output)


# One producer puts items 0..3 into a queue of 2; one consumer takes each 10 ms after the last.
PC = {"capacity": 2, "consumers": 1, "producers": [{"items": [{"id": i} for i in range(4)]}]}


def item(
    i: int, put: float, queued: float, get: float, got: float, end: float, **kw: int
) -> dict[str, int]:
    rec = {"id": i, "producer": 0, "consumer": 0}
    for k, v in (
        ("putNs", put),
        ("queuedNs", queued),
        ("getNs", get),
        ("gotNs", got),
        ("endNs", end),
    ):
        rec[k] = int(v * MS)
    return {**rec, **kw}


def bounded() -> list[dict[str, int]]:
    # The consumer takes item 0 at once and then works 10 ms an item; items 1 and 2 fill the
    # queue, so item 3's put waits until item 1 is taken at 10 ms.
    return [
        item(0, 0, 0.1, 0.0, 0.15, 10),
        item(1, 0.2, 0.3, 10, 10.1, 20),
        item(2, 0.4, 0.5, 20, 20.1, 30),
        item(3, 0.6, 10.2, 30, 30.1, 40),
    ]


def pc(items: list[dict[str, int]], inp: dict[str, Any] = PC) -> dict[str, Any]:
    return {"elapsedNs": 60 * MS, "items": items}


def test_a_bounded_fifo_queue_passes() -> None:
    checks: list[dict[str, Any]] = [
        {"check": "each-item-consumed-once"},
        {"check": "queue-within-capacity", "limit": 2},
        {"check": "taken-in-discipline-order"},
        {"check": "put-waited", "atLeastMs": 5},
    ]
    assert judge(PC, pc(bounded()), *checks) == []


def test_a_queue_that_admits_one_more_than_its_capacity_is_caught() -> None:
    items = bounded()
    items[3] = item(3, 0.6, 0.7, 30, 30.1, 40)  # put without waiting for room
    [problem] = judge(PC, pc(items), {"check": "queue-within-capacity", "limit": 2})
    assert "held at least 3 items" in problem


def test_a_consumer_that_stops_one_item_early_is_caught() -> None:
    [problem] = judge(PC, pc(bounded()[:3]), {"check": "each-item-consumed-once"})
    assert "never consumed: [3]" in problem


def test_an_item_consumed_twice_is_caught() -> None:
    items = [*bounded(), item(3, 10.2, 20.2, 50, 50.1, 55)]
    [problem] = judge(PC, pc(items), {"check": "each-item-consumed-once"})
    assert "consumed more than once: [3]" in problem


def test_a_fifo_queue_that_takes_the_newest_is_caught() -> None:
    items = bounded()
    # Item 1 is taken while item 0, put before it, waits in the queue.
    items[1] = item(1, 0.2, 0.3, 0.31, 0.35, 10)
    items[0] = item(0, 0, 0.1, 10, 10.1, 20)
    problems = judge(PC, pc(items), {"check": "taken-in-discipline-order"})
    assert problems
    assert "older item 0 was waiting" in problems[0]


LIFO = {**PC, "capacity": 4, "discipline": "lifo"}


def test_a_lifo_queue_that_takes_the_oldest_is_caught() -> None:
    # Items 0..3 all queued by 1 ms; the consumer takes them 0, 1, 2, 3 from 10 ms on.
    items = [
        item(i, i * 0.2, i * 0.2 + 0.1, 10 * (i + 1), 10 * (i + 1) + 0.1, 10 * (i + 2))
        for i in range(4)
    ]
    problems = judge(LIFO, pc(items), {"check": "taken-in-discipline-order"})
    assert problems
    assert "newer item" in problems[0]
    # Newest first passes.
    order = [3, 2, 1, 0]
    items = [
        item(
            i,
            i * 0.2,
            i * 0.2 + 0.1,
            10 * (order.index(i) + 1),
            10 * (order.index(i) + 1) + 0.1,
            10 * (order.index(i) + 2),
        )
        for i in range(4)
    ]
    assert judge(LIFO, pc(items), {"check": "taken-in-discipline-order"}) == []


def test_an_unbounded_queue_is_caught_by_the_wait_it_never_made() -> None:
    items = [item(i, i * 0.2, i * 0.2 + 0.1, 10 * i, 10 * i + 0.1, 10 * i + 10) for i in range(4)]
    [problem] = judge(PC, pc(items), {"check": "put-waited", "atLeastMs": 5})
    assert "no put waited" in problem


def test_consumers_that_never_overlap_are_caught() -> None:
    inp = {**PC, "consumers": 2}
    items = [item(i, 0, 0.1, 10 * i, 10 * i + 0.1, 10 * i + 10, consumer=i % 2) for i in range(4)]
    [problem] = judge(inp, pc(items), {"check": "consumers-overlapped", "target": 2})
    assert "at most 1 items were processed at once" in problem


# Two stages of one worker each, queues of one, three items; each stage takes 10 ms an item.
PL = {
    "stages": [{"workers": 1, "capacity": 1}, {"workers": 1, "capacity": 1}],
    "items": [{"id": i} for i in range(3)],
}


def rec(
    i: int, s: int, put: float, queued: float, get: float, got: float, end: float, worker: int = 0
) -> dict[str, int]:
    out = {"id": i, "stage": s, "worker": worker}
    for k, v in (
        ("putNs", put),
        ("queuedNs", queued),
        ("getNs", get),
        ("gotNs", got),
        ("endNs", end),
    ):
        out[k] = int(v * MS)
    return out


def pipeline_run() -> list[dict[str, int]]:
    return [
        rec(0, 0, 0, 0.1, 0, 0.2, 10),
        rec(1, 0, 0.3, 0.4, 10, 10.1, 20),
        rec(2, 0, 0.5, 10.2, 20, 20.1, 30),
        rec(0, 1, 10, 10.05, 0, 10.1, 20),
        rec(1, 1, 20, 20.2, 20.1, 20.3, 30),
        rec(2, 1, 30, 30.2, 30.1, 30.3, 40),
    ]


PL_CHECKS = [
    {"check": "each-item-through-each-stage"},
    {"check": "stage-workers-at-most"},
    {"check": "stage-queues-within-capacity"},
    {"check": "stages-overlapped"},
]
RESULTS = {"results": [{"id": i, "value": "0"} for i in range(3)]}


def test_a_correct_pipeline_passes() -> None:
    observed = {"elapsedNs": 50 * MS, "records": pipeline_run()}
    assert judge(PL, observed, *PL_CHECKS, output=RESULTS) == []


def test_an_item_that_skips_a_stage_is_caught() -> None:
    observed = {"elapsedNs": 50 * MS, "records": pipeline_run()[:-1]}
    [problem] = judge(PL, observed, PL_CHECKS[0], output=RESULTS)
    assert "item 2 never went through stage 1" in problem


def test_a_stage_over_its_workers_is_caught() -> None:
    recs = pipeline_run()
    recs[1] = rec(1, 0, 0.3, 0.4, 0.5, 0.6, 20)  # taken while item 0 still runs
    problems = judge(PL, {"elapsedNs": 50 * MS, "records": recs}, PL_CHECKS[1], output=RESULTS)
    assert problems
    assert "stage 0 processed 2 items at once, above 1" in problems[0]


def test_a_queue_between_stages_over_its_capacity_is_caught() -> None:
    recs = pipeline_run()
    recs[2] = rec(2, 0, 0.5, 0.6, 20, 20.1, 30)  # queued while item 1 still waited
    problems = judge(PL, {"elapsedNs": 50 * MS, "records": recs}, PL_CHECKS[2], output=RESULTS)
    assert problems
    assert "stage 0's queue held at least 2 items" in problems[0]


def test_stages_run_one_after_the_other_are_caught() -> None:
    recs = [
        rec(i, s, 0, 0, 30 * s + 10 * i, 30 * s + 10 * i, 30 * s + 10 * i + 9)
        for s in range(2)
        for i in range(3)
    ]
    problems = judge(PL, {"elapsedNs": 90 * MS, "records": recs}, PL_CHECKS[3], output=RESULTS)
    assert problems == [
        "stages-overlapped (liveness): no two stages were ever processing items at the same time"
    ]


def test_a_stage_left_running_after_a_failure_is_caught() -> None:
    recs = pipeline_run()
    failed = {"failed": {"id": 1, "stage": 0}}
    inv = {"check": "stopped-after-failure", "slackMs": 5}
    assert (
        judge(PL, {"elapsedNs": 21 * MS, "records": recs[:2] + recs[3:4]}, inv, output=failed) == []
    )
    problems = judge(PL, {"elapsedNs": 41 * MS, "records": recs}, inv, output=failed)
    assert any("more than 5 ms after the failure" in p for p in problems)


PQ = {
    "workers": 1,
    "maxAttempts": 2,
    "jobs": [{"id": 0, "priority": 3, "failAttempts": 5}, {"id": 1, "priority": 0}],
}


def attempt(i: int, n: int, p: int, start: float, end: float) -> dict[str, int]:
    return {
        "id": i,
        "attempt": n,
        "priority": p,
        "startNs": int(start * MS),
        "endNs": int(end * MS),
    }


PQ_OUT = {
    "results": [
        {"id": 0, "error": "job 0 failed after 2 attempts", "attempts": 2},
        {"id": 1, "value": "0", "attempts": 1},
    ]
}


def test_attempts_within_budget_pass() -> None:
    obs = {
        "elapsedNs": 40 * MS,
        "attempts": [attempt(0, 1, 3, 0, 10), attempt(1, 1, 0, 10, 20), attempt(0, 2, 4, 20, 30)],
    }
    checks = [
        {"check": "attempts-within-budget", "limit": 2},
        {"check": "workers-at-most", "limit": 1},
    ]
    assert judge(PQ, obs, *checks, output=PQ_OUT) == []


def test_an_attempt_beyond_the_budget_is_caught() -> None:
    obs = {
        "elapsedNs": 50 * MS,
        "attempts": [
            attempt(0, 1, 3, 0, 10),
            attempt(1, 1, 0, 10, 20),
            attempt(0, 2, 4, 20, 30),
            attempt(0, 3, 5, 30, 40),
        ],
    }
    problems = judge(PQ, obs, {"check": "attempts-within-budget", "limit": 2}, output=PQ_OUT)
    assert any("attempted 3 times, more than 2" in p for p in problems)


def test_a_retry_at_its_old_priority_is_caught() -> None:
    obs = {
        "elapsedNs": 40 * MS,
        "attempts": [attempt(0, 1, 3, 0, 10), attempt(1, 1, 0, 10, 20), attempt(0, 2, 3, 20, 30)],
    }
    [problem] = judge(PQ, obs, {"check": "attempts-within-budget", "limit": 2}, output=PQ_OUT)
    assert "attempt 2 was taken at priority 3, not 4" in problem


def test_a_job_that_ends_twice_is_caught() -> None:
    obs = {
        "elapsedNs": 40 * MS,
        "attempts": [attempt(0, 1, 3, 0, 10), attempt(1, 1, 0, 10, 20), attempt(0, 2, 4, 20, 30)],
    }
    out = {"results": [*PQ_OUT["results"], {"id": 1, "value": "0", "attempts": 1}]}
    [problem] = judge(PQ, obs, {"check": "attempts-within-budget", "limit": 2}, output=out)
    assert "job 1 ended 2 times" in problem


def test_more_attempts_at_once_than_workers_are_caught() -> None:
    obs = {
        "elapsedNs": 40 * MS,
        "attempts": [attempt(0, 1, 3, 0, 10), attempt(1, 1, 0, 5, 20), attempt(0, 2, 4, 20, 30)],
    }
    [problem] = judge(PQ, obs, {"check": "workers-at-most", "limit": 1})
    assert "2 attempts ran at one instant, above 1 workers" in problem
