"""The deadline and failure checks, each shown holding and failing on the mistake it catches."""

from __future__ import annotations

from typing import Any

from cookbook_harness.checks import check_case
from cookbook_harness.spec import Case

MS = 1_000_000


def judge(
    inp: dict[str, Any], observed: dict[str, Any], *checks: dict[str, Any], output: Any = None
) -> list[str]:
    return check_case(Case("x", "t", "Catches nothing.", inp, {}, {}, checks), observed, output)


def op(i: int, start: float, end: float, outcome: str, **more: float) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": i,
        "startNs": int(start * MS),
        "endNs": int(end * MS),
        "outcome": outcome,
    }
    rec.update({k: int(v * MS) for k, v in more.items()})
    return rec


GROUP: dict[str, Any] = {
    "kind": "group",
    "deadlineMs": 100,
    "operations": [{"id": 0, "sleepMs": 10}, {"id": 1, "sleepMs": 500, "cleanupMs": 20}],
}
TIMED = {"results": [{"id": 0, "value": "0"}, {"id": 1, "timedOut": "outer"}]}
CLEANUP = {"check": "cleanup-once-after-the-operation"}
LATE = {"check": "timed-out-only-when-late"}


def good_group() -> list[dict[str, Any]]:
    return [
        op(0, 0, 10, "ok", cleanupStartNs=10, cleanupEndNs=10),
        op(1, 0, 100.5, "cancelled", cleanupStartNs=100.6, cleanupEndNs=120.6),
    ]


def test_a_timeout_that_cancels_and_cleans_up_passes() -> None:
    observed = {"elapsedNs": 121 * MS, "operations": good_group()}
    near = {"check": "returned-near-deadline", "slackMs": 10}
    assert judge(GROUP, observed, CLEANUP, LATE, near, output=TIMED) == []


def test_a_cleanup_after_the_call_returned_is_caught() -> None:
    observed = {"elapsedNs": 101 * MS, "operations": good_group()}
    [problem] = judge(GROUP, observed, CLEANUP, output=TIMED)
    assert "operation 1's cleanup ended at 120.6 ms, after the call returned at 101.0 ms" in problem


def test_a_skipped_cleanup_is_caught() -> None:
    recs = good_group()
    recs[1] = op(1, 0, 100.5, "cancelled", cleanupStartNs=0, cleanupEndNs=0)
    [problem] = judge(GROUP, {"elapsedNs": 121 * MS, "operations": recs}, CLEANUP, output=TIMED)
    assert "its cleanup did not run once after it stopped" in problem


def test_an_operation_on_time_reported_as_timed_out_is_caught() -> None:
    wrong = {"results": [{"id": 0, "timedOut": "outer"}, {"id": 1, "timedOut": "outer"}]}
    problems = judge(GROUP, {"elapsedNs": 121 * MS, "operations": good_group()}, LATE, output=wrong)
    assert problems[0].endswith("operation 0 is reported timed out, but it ended ok")


def test_a_timeout_reported_before_the_deadline_is_caught() -> None:
    recs = good_group()
    recs[1] = op(1, 0, 60, "cancelled", cleanupStartNs=60, cleanupEndNs=80)
    [problem] = judge(GROUP, {"elapsedNs": 81 * MS, "operations": recs}, LATE, output=TIMED)
    assert "before the 100 ms deadline" in problem


RETRY: dict[str, Any] = {
    "mode": "live",
    "policy": {"baseMs": 10, "factor": 2, "capMs": 1000, "maxAttempts": 3, "jitter": "none"},
    "outcomes": ["retryable"] * 5,
}
RETRY_OUT = {"outcome": "exhausted", "attempts": 3, "fellBack": False}


def attempts(*spans: tuple[float, float]) -> dict[str, Any]:
    recs = [
        {"attempt": n + 1, "startNs": int(a * MS), "endNs": int(b * MS)}
        for n, (a, b) in enumerate(spans)
    ]
    return {"elapsedNs": 100 * MS, "attempts": recs}


def test_a_live_retry_on_schedule_passes() -> None:
    observed = attempts((0, 1), (11, 12), (32.5, 33))
    checks: list[dict[str, Any]] = [
        {"check": "retry-schedule-kept"},
        {"check": "retry-not-late", "slackMs": 5},
    ]
    assert judge(RETRY, observed, *checks, output=RETRY_OUT) == []


def test_a_delay_rounded_down_is_caught() -> None:
    observed = attempts((0, 1), (11, 12), (31.9, 33))
    [problem] = judge(RETRY, observed, {"check": "retry-schedule-kept"}, output=RETRY_OUT)
    assert "sooner than its 20 ms delay" in problem


def test_one_attempt_too_many_is_caught() -> None:
    observed = attempts((0, 1), (11, 12), (32.5, 33), (80, 81))
    out = {**RETRY_OUT, "attempts": 4}
    problems = judge(RETRY, observed, {"check": "retry-schedule-kept"}, output=out)
    assert any("4 attempts, more than maxAttempts 3" in p for p in problems)


def test_a_decided_schedule_past_the_deadline_is_caught() -> None:
    inp = {**RETRY, "mode": "decide", "policy": {**RETRY["policy"], "deadlineMs": 20}}
    out = {**RETRY_OUT, "startsMs": [0, 10, 30]}
    [problem] = judge(inp, {"elapsedNs": 1}, {"check": "retry-schedule-kept"}, output=out)
    assert "attempts scheduled after the 20 ms deadline: [30]" in problem


RACE: dict[str, Any] = {"mode": "race", "operations": [{"id": 0}, {"id": 1}, {"id": 2}]}
FC: list[dict[str, Any]] = [
    {"check": "answer-from-a-finished-operation"},
    {"check": "no-loser-running"},
    {"check": "losers-cancelled-promptly", "slackMs": 5},
]


def test_a_race_with_its_losers_stopped_passes() -> None:
    recs = [op(0, 0, 20, "ok"), op(1, 0, 21, "cancelled"), op(2, 0, 21, "cancelled")]
    assert (
        judge(RACE, {"elapsedNs": 22 * MS, "operations": recs}, *FC, output={"first": {"id": 0}})
        == []
    )


def test_a_loser_left_running_is_caught() -> None:
    recs = [op(0, 0, 20, "ok"), op(1, 0, 21, "cancelled"), op(2, 0, 300, "ok")]
    problems = judge(
        RACE, {"elapsedNs": 22 * MS, "operations": recs}, FC[1], output={"first": {"id": 0}}
    )
    assert "still running after the call returned" in problems[0]


def test_an_answer_from_a_cancelled_operation_is_caught() -> None:
    recs = [op(0, 0, 20, "ok"), op(1, 0, 21, "cancelled"), op(2, 0, 21, "cancelled")]
    [problem] = judge(
        RACE, {"elapsedNs": 22 * MS, "operations": recs}, FC[0], output={"first": {"id": 1}}
    )
    assert "which ended cancelled" in problem


HEDGE: dict[str, Any] = {"mode": "hedge", "hedgeAfterMs": 50, "operations": [{"id": 0}, {"id": 1}]}


def test_a_hedge_sent_although_the_primary_answered_is_caught() -> None:
    recs = [op(0, 0, 20, "ok"), op(1, 50, 51, "cancelled")]
    out = {"first": {"id": 0}, "hedged": True}
    [problem] = judge(
        HEDGE,
        {"elapsedNs": 52 * MS, "operations": recs},
        {"check": "hedged-only-when-late"},
        output=out,
    )
    assert "after the primary had answered at 20.0 ms" in problem


def test_a_hedge_sent_too_early_is_caught() -> None:
    recs = [op(0, 0, 200, "ok"), op(1, 10, 11, "cancelled")]
    out = {"first": {"id": 0}, "hedged": True}
    [problem] = judge(
        HEDGE,
        {"elapsedNs": 201 * MS, "operations": recs},
        {"check": "hedged-only-when-late"},
        output=out,
    )
    assert "before hedgeAfterMs 50" in problem


EG: dict[str, Any] = {"policy": "fail-fast", "limit": 1, "tasks": [{"id": 0}, {"id": 1}, {"id": 2}]}
EG_OUT = {
    "tasks": [
        {"id": 0, "status": "failed", "error": "task 0 failed"},
        {"id": 1, "status": "not-started"},
        {"id": 2, "status": "not-started"},
    ],
    "error": "task 0 failed",
}
EG_CHECKS: list[dict[str, Any]] = [
    {"check": "every-task-reported-once"},
    {"check": "no-start-after-failure"},
    {"check": "group-within-limit"},
]


def test_a_fail_fast_group_passes() -> None:
    assert (
        judge(
            EG, {"elapsedNs": 11 * MS, "tasks": [op(0, 0, 10, "failed")]}, *EG_CHECKS, output=EG_OUT
        )
        == []
    )


def test_a_cancelled_task_counted_as_a_success_is_caught() -> None:
    inp = {**EG, "limit": 2}
    out = {
        "tasks": [EG_OUT["tasks"][0], {"id": 1, "status": "ok", "value": "1"}, EG_OUT["tasks"][2]],
        "error": "task 0 failed",
    }
    recs = [op(0, 0, 10, "failed"), op(1, 0, 10.5, "cancelled")]
    [problem] = judge(inp, {"elapsedNs": 11 * MS, "tasks": recs}, EG_CHECKS[0], output=out)
    assert "task 1 is reported ok, but it ended cancelled" in problem


def test_a_task_started_after_the_failure_is_caught() -> None:
    recs = [op(0, 0, 10, "failed"), op(1, 10.5, 11, "cancelled")]
    out = {
        "tasks": [EG_OUT["tasks"][0], {"id": 1, "status": "cancelled"}, EG_OUT["tasks"][2]],
        "error": "task 0 failed",
    }
    problems = judge(EG, {"elapsedNs": 12 * MS, "tasks": recs}, *EG_CHECKS[1:], output=out)
    assert problems == ["no-start-after-failure (safety): tasks [1] started after task 0 failed"]


def test_a_group_over_its_limit_is_caught() -> None:
    inp = {**EG, "policy": "collect-all"}
    recs = [op(0, 0, 10, "ok"), op(1, 5, 15, "ok"), op(2, 15, 20, "ok")]
    [problem] = judge(inp, {"elapsedNs": 21 * MS, "tasks": recs}, EG_CHECKS[2])
    assert "2 tasks of one group ran at once, above its limit 1" in problem
