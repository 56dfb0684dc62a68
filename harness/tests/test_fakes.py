"""Wrong implementations, run through the real harness, must be caught: the checks can fail."""

from __future__ import annotations

import dataclasses
import time

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


PASSING = ("one-worker", "cpu-cost-values", "jobs-outnumber-workers")


def some_cases(spec: PatternSpec) -> tuple[PatternSpec, ...]:
    cases = tuple(c for c in spec.cases if c.id in PASSING)
    return (dataclasses.replace(spec, cases=cases),)


def test_a_correct_fake_passes(worker_pool: PatternSpec) -> None:
    # The control for the process faults below: the same pool, behaving as a process.
    outcome = conformance.run_all([fake("bounded")], some_cases(worker_pool), lambda _: None)
    assert {r.status for r in outcome.rows} == {"pass"}, outcome.rows


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("trace-after", "exited with code 1"),
        ("exit3-after", "exited with code 3"),
        ("quiet-trace", "printed a stack trace on stderr: Traceback"),
    ],
)
def test_answers_then_a_crash_fail_every_case(
    worker_pool: PatternSpec, mode: str, said: str
) -> None:
    outcome = conformance.run_all([fake(mode)], some_cases(worker_pool), lambda _: None)
    assert len(outcome.rows) == len(PASSING)
    for row in outcome.rows:
        assert row.status == "fail", row
        assert said in row.detail, row.detail
    if mode != "exit3-after":
        assert "crashed after answering" in outcome.rows[0].detail


def test_a_process_left_holding_stdout_is_ended_and_the_answers_kept(
    worker_pool: PatternSpec,
) -> None:
    start = time.monotonic()
    outcome = conformance.run_all([fake("hold-stdout")], some_cases(worker_pool), lambda _: None)
    assert {r.status for r in outcome.rows} == {"pass"}, outcome.rows
    assert time.monotonic() - start < 4.5, "waited for the process holding stdout"


def test_answers_are_split_on_newline_alone(worker_pool: PatternSpec) -> None:
    base = worker_pool.case("one-worker")
    odd = dataclasses.replace(base, id="line\u2028separator\u2029and\x85next")
    batch = runners.run_batch(fake("raw-unicode"), [odd, base])
    assert "\u2028".encode() in batch.process.stdout_bytes if batch.process else False
    assert not batch.problems, batch.problems
    assert set(batch.answers) == {odd.id, base.id}


def test_a_max_in_flight_below_the_intervals_overlap_fails(worker_pool: PatternSpec) -> None:
    spec = some_cases(worker_pool)
    outcome = conformance.run_all([fake("undercount")], spec, lambda _: None)
    got = {r.case: r for r in outcome.rows}
    row = got["jobs-outnumber-workers"]
    assert row.status == "fail"
    assert "maxInFlight is 1, but 4 job intervals overlap at one instant" in row.detail
