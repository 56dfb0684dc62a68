"""Wrong implementations, run through the real harness, must be caught: the checks can fail."""

from __future__ import annotations

import pytest

from cookbook_harness import conformance, runners
from cookbook_harness.spec import PatternSpec

from .conftest import fake


def statuses(rows: list[conformance.Row], language: str) -> dict[str, str]:
    return {r.case: r.status for r in rows if r.language == language}


def test_a_sequential_pool_fails_the_cases_that_need_concurrency(worker_pool: PatternSpec) -> None:
    outcome = conformance.run_all([fake("sequential")], (worker_pool,), lambda _: None)
    got = statuses(outcome.rows, "fake-sequential")
    for case in ("more-workers-than-jobs", "jobs-outnumber-workers", "failing-jobs"):
        assert got[case] == "fail", case
    detail = next(r.detail for r in outcome.rows if r.case == "jobs-outnumber-workers")
    assert "max-in-flight-reached (liveness): at most 1 jobs" in detail
    assert "elapsed-below-serial" in detail
    # Where nothing needs to overlap, a sequential pool is a correct one.
    assert got["cpu-cost-values"] == "pass"


def test_an_unbounded_pool_breaks_the_limit(worker_pool: PatternSpec) -> None:
    outcome = conformance.run_all([fake("unbounded")], (worker_pool,), lambda _: None)
    got = statuses(outcome.rows, "fake-unbounded")
    assert got["one-worker"] == "fail"
    assert got["jobs-outnumber-workers"] == "fail"
    detail = next(r.detail for r in outcome.rows if r.case == "jobs-outnumber-workers")
    assert "max-in-flight-at-most (safety)" in detail


def test_a_crash_is_reported_with_its_stderr_and_the_others_still_run(
    worker_pool: PatternSpec,
) -> None:
    outcome = conformance.run_all(
        [fake("crash"), fake("sequential")], (worker_pool,), lambda _: None
    )
    crashed = [r for r in outcome.rows if r.language == "fake-crash"]
    assert crashed
    assert {r.status for r in crashed} == {"error"}
    assert "this runner always crashes" in crashed[0].detail
    assert "pass" in statuses(outcome.rows, "fake-sequential").values()


def test_a_hung_runner_is_killed_and_reported(worker_pool: PatternSpec) -> None:
    batch = runners.run_batch(fake("hang"), worker_pool.cases[:2], timeout=1.0)
    assert batch.answers == {}
    assert "killed after its 1 s timeout" in batch.failure()


def test_disagreements_group_the_languages() -> None:
    found = conformance.disagreements(
        {("p", "c"): {"a": "1", "b": "1", "c": "2"}, ("p", "d"): {"a": "1"}}
    )
    assert found == [{"pattern": "p", "case": "c", "groups": [["a", "b"], ["c"]]}]


def test_a_pattern_skipped_whole_is_not_benched(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = runners.Listing(
        "fake", {"worker-pool": {"a": "why", "b": "why"}, "fan-in": {"a": "why"}}
    )
    monkeypatch.setitem(runners._listings, "fake-sequential", listing)
    assert not runners.benches(fake("sequential"), "worker-pool", cases=2)
    assert runners.benches(fake("sequential"), "fan-in", cases=2)
    assert not runners.benches(fake("sequential"), "many-tasks", cases=1)
