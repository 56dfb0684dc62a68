"""The timeout, first-completed and error-group through the runner's protocol: validation order
beyond the spec's cases, the benchmarks against the harness's reference, the threads variant's
refusal of them, and a signal in the middle of a case that waits on a deadline or a sleep."""

import signal
from typing import Any

import pytest
from cookbook_harness.reference import BENCH_CHECKS

from cookbook.runner.registry import implementation
from tests.spec import load_spec
from tests.test_runner_fan_in_rwlock_cache import bench
from tests.test_runner_queues import assert_refused, line
from tests.test_runner_stopping import QUICK, first_answer, start, stop

SINGLE = {"kind": "single", "deadlineMs": 100}
GROUP = {"kind": "group", "deadlineMs": 100}


@pytest.mark.parametrize(
    ("slug", "input", "field", "message"),
    [
        ("timeout", {"kind": "group"}, "deadlineMs", "is required"),
        (
            "timeout",
            {**SINGLE, "innerDeadlineMs": 0, "operations": [{"id": 0}]},
            "innerDeadlineMs",
            "from 1 to 60000, got 0",
        ),
        (
            "timeout",
            {**GROUP, "innerDeadlineMs": 50, "operations": 3},
            "innerDeadlineMs",
            'must be absent: only kind "single" has an inner deadline, got int',
        ),
        # How many operations the kind takes is checked before the operations themselves.
        ("timeout", {**SINGLE, "operations": []}, "operations", "exactly 1 element"),
        ("timeout", {**SINGLE, "operations": [7, 8]}, "operations", "got 2"),
        ("timeout", {**GROUP, "operations": [{"id": 0}] * 1001}, "operations", "at most 1000"),
        ("timeout", {**GROUP, "operations": []}, "operations", "at least 1 element, got 0"),
        (
            "timeout",
            {**SINGLE, "operations": [{"id": 0, "sleepMs": 60_001, "cleanupMs": -1}]},
            "operations[0].sleepMs",
            "",
        ),
        ("timeout", {**SINGLE, "operations": [{"cleanupMs": -1}]}, "operations[0].id", "required"),
        ("first-completed", {"mode": "race", "operations": []}, "operations", "at least 1"),
        (
            "first-completed",
            {"mode": "hedge", "operations": [{"id": n} for n in range(3)], "hedgeAfterMs": 0},
            "operations",
            "exactly 2 elements to hedge, the primary then the backup, got 3",
        ),
        # `hedgeAfterMs` is read after the operations, and only to hedge.
        (
            "first-completed",
            {"mode": "hedge", "operations": [{"id": 0}, {"id": 0}]},
            "operations[1].id",
            "must be unique, got 0 again (first at operations[0])",
        ),
        (
            "first-completed",
            {"mode": "hedge", "operations": [{"id": 0}, {"id": 1}], "hedgeAfterMs": 60_001},
            "hedgeAfterMs",
            "from 1 to 60000",
        ),
        ("error-group", {"policy": "fail-fast", "limit": 1001, "tasks": []}, "limit", "1000"),
        # A group task's tasks are read before the next task: depth first.
        (
            "error-group",
            {
                "policy": "fail-fast",
                "tasks": [
                    {"id": 0, "group": {"policy": "fail-fast", "tasks": [{"id": 1, "fail": 2}]}},
                    {"id": -1},
                ],
            },
            "tasks[0].group.tasks[0].fail",
            "must be a boolean, got int",
        ),
        (
            "error-group",
            {"policy": "fail-fast", "tasks": [{"id": 0, "group": {"tasks": []}}]},
            "tasks[0].group.policy",
            "is required",
        ),
        (
            "error-group",
            {"policy": "collect-all", "tasks": [{"id": 0, "group": {"policy": "fail-fast"}}]},
            "tasks[0].group.tasks",
            "is required",
        ),
        # A group task's leaf fields are not read: it has a group instead.
        (
            "error-group",
            {"policy": "fail-fast", "tasks": [{"id": 0, "group": 1, "sleepMs": -1}]},
            "tasks[0].group",
            "must be an object, got int",
        ),
    ],
)
def test_fields_in_documented_order(
    slug: str, input: dict[str, Any], field: str, message: str
) -> None:
    assert_refused(slug, input, field, message)


@pytest.mark.parametrize(
    ("slug", "params"),
    [
        ("timeout", {"deadlineMs": 60_000}),
        ("first-completed", {"operations": 4}),
        ("first-completed", {"operations": 1}),
        ("error-group", {"limit": 64}),
        ("error-group", {"limit": 1}),
    ],
)
@pytest.mark.parametrize("size", [1, 301])
def test_bench_answers_the_reference_check(slug: str, params: dict[str, Any], size: int) -> None:
    answer = bench("asyncio", slug, size, params)
    assert answer["status"] == "ok", answer
    assert answer["check"] == BENCH_CHECKS[slug](size, params)
    assert len(answer["elapsedNs"]) == 2


@pytest.mark.parametrize(
    ("slug", "params", "field"),
    [
        ("timeout", {}, "params.deadlineMs"),
        ("timeout", {"deadlineMs": 0}, "params.deadlineMs"),
        ("first-completed", {"operations": 1001}, "params.operations"),
        ("error-group", {"limit": True}, "params.limit"),
    ],
)
def test_bench_names_the_parameter_by_its_path(
    slug: str, params: dict[str, Any], field: str
) -> None:
    answer = bench("asyncio", slug, 10, params)
    assert answer["status"] == "error"
    assert answer["error"]["field"] == field


@pytest.mark.parametrize(
    ("slug", "field"), [("timeout", "kind"), ("first-completed", "mode"), ("error-group", "policy")]
)
@pytest.mark.parametrize("variant", ["threads", "rust"])
def test_other_variants_skip_every_case_and_refuse_a_new_one(
    variant: str, slug: str, field: str
) -> None:
    impl = implementation(variant)
    assert set(impl.skips[slug]) == {case.id for case in load_spec(slug).cases}
    refused = bench(variant, slug, 10, {})
    assert refused["error"]["field"] == f"params.{field}"
    assert refused["error"]["message"].startswith(
        f"params.{field} is not available in python-{variant}"
    )


MINUTE = 60_000
# A group under a minute's deadline, a hedge whose primary and delay take a minute, and a group
# of a minute's tasks one at a time.
WAITING = {
    "timeout": line(
        "timeout",
        "waits",
        {
            "kind": "group",
            "deadlineMs": MINUTE,
            "operations": [{"id": n, "sleepMs": MINUTE, "cleanupMs": 1000} for n in range(3)],
        },
    ),
    "timeout-cleanup": line(
        "timeout",
        "cleans-up",
        {"kind": "single", "deadlineMs": 200, "operations": [{"id": 0, "cleanupMs": 1000}]},
    ),
    "first-completed": line(
        "first-completed",
        "waits",
        {
            "mode": "hedge",
            "hedgeAfterMs": MINUTE,
            "operations": [{"id": 0, "sleepMs": MINUTE}, {"id": 1}],
        },
    ),
    "error-group": line(
        "error-group",
        "waits",
        {
            "policy": "fail-fast",
            "limit": 1,
            "tasks": [{"id": n, "sleepMs": MINUTE} for n in (0, 1)],
        },
    ),
}


@pytest.mark.parametrize("case", WAITING)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_case_that_waits(case: str, signum: int) -> None:
    runner = start("asyncio", "run", QUICK + WAITING[case] + QUICK)
    assert first_answer(runner)["id"] == "quick"
    stdout, _ = stop(runner, signum)
    assert stdout == b""
