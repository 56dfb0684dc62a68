"""Every implementation, built and started like `just compare` does, on every case of every spec.

These tests build what is missing first, so they work from a fresh clone; `just build` rebuilds.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from cookbook_harness import reference, runners
from cookbook_harness.compare import canonical, normalise_output
from cookbook_harness.implementations import GO_RACE, IMPLEMENTATIONS, Implementation
from cookbook_harness.judge import judge
from cookbook_harness.proc import run
from cookbook_harness.spec import Case, PatternSpec, load_all

SPECS = load_all()
CASES = [(spec, case) for spec in SPECS for case in spec.cases]
Answers = Callable[[Implementation, PatternSpec], tuple[runners.Listing, runners.Batch]]


@pytest.fixture(scope="session")
def answers() -> Answers:
    """One `run` per implementation and pattern, shared by that pattern's case tests."""
    cache: dict[tuple[str, str], tuple[runners.Listing, runners.Batch]] = {}

    def get(impl: Implementation, spec: PatternSpec) -> tuple[runners.Listing, runners.Batch]:
        key = (impl.name, spec.pattern)
        if key not in cache:
            runners.ensure_built(impl)
            listing = runners.list_patterns(impl)
            if spec.pattern not in listing.patterns:
                pytest.fail(
                    f"{impl.name} does not list {spec.pattern}; implement it or skip its cases"
                )
            cache[key] = (listing, runners.run_batch(impl, spec.cases))
        return cache[key]

    return get


def impl_id(impl: Implementation) -> str:
    return impl.name


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=impl_id)
@pytest.mark.parametrize(("spec", "case"), CASES, ids=[f"{s.pattern}/{c.id}" for s, c in CASES])
def test_case(impl: Implementation, spec: PatternSpec, case: Case, answers: Answers) -> None:
    listing, batch = answers(impl, spec)
    assert not batch.problems, f"{impl.name} broke the protocol: {batch.problems}"
    crashed = batch.process_failure()
    assert crashed is None, f"{impl.name}: {crashed}"
    verdict = judge(
        case, batch.answers.get(case.id), listing.patterns[spec.pattern], batch.failure()
    )
    if verdict.status == "unsupported":
        pytest.skip(f"{impl.name} skips it: {verdict.detail}")
    assert verdict.status == "pass", f"{case.description}\n{verdict.status}: {verdict.detail}"


@pytest.mark.parametrize(("spec", "case"), CASES, ids=[f"{s.pattern}/{c.id}" for s, c in CASES])
def test_languages_agree(spec: PatternSpec, case: Case, answers: Answers) -> None:
    outputs: dict[str, list[str]] = {}
    for impl in IMPLEMENTATIONS:
        answer = answers(impl, spec)[1].answers.get(case.id) or {}
        if answer.get("status") == "ok":
            out = canonical(normalise_output(answer.get("output"), case.compare))
            outputs.setdefault(out, []).append(impl.name)
        elif answer.get("status") == "error":
            outputs.setdefault("error " + str((answer.get("error") or {}).get("field")), []).append(
                impl.name
            )
    assert len(outputs) <= 1, f"languages disagree: {sorted(outputs.values())}"


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=impl_id)
def test_list_names_the_implementation_and_every_pattern(impl: Implementation) -> None:
    runners.ensure_built(impl)
    listing = runners.list_patterns(impl)
    assert listing.implementation == impl.name
    assert {s.pattern for s in SPECS} <= set(listing.patterns)


def no_stack_trace(stderr: str) -> None:
    trace = runners.stack_trace(stderr)
    assert trace is None, f"a stack trace leaked to stderr: {trace}"


GARBAGE = {
    "not-json": "this is not json\n",
    "not-an-object": "[1, 2, 3]\n",
    "no-id": json.dumps({"pattern": "worker-pool", "input": {}}) + "\n",
    "unknown-pattern": json.dumps({"pattern": "no-such-pattern", "id": "x", "input": {}}) + "\n",
}


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=impl_id)
@pytest.mark.parametrize("garbage", GARBAGE, ids=str)
def test_unusable_input_exits_3_with_one_line(impl: Implementation, garbage: str) -> None:
    runners.ensure_built(impl)
    good = json.dumps(
        {"pattern": "worker-pool", "id": "first", "input": {"workers": 1, "jobs": []}}
    )
    done = run(impl.argv("run"), stdin=good + "\n" + GARBAGE[garbage], timeout=60)
    assert done.returncode == 3, done.describe()
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {done.stderr!r}"
    assert lines[0].startswith("error: line 2"), lines[0]
    no_stack_trace(done.stderr)
    # Lines before the unusable one stay answered.
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["first"]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=impl_id)
def test_unknown_command_exits_2(impl: Implementation) -> None:
    runners.ensure_built(impl)
    done = run(impl.argv("frobnicate"), timeout=60)
    assert done.returncode == 2, done.describe()
    assert done.stderr.strip(), "say what the usage is"
    no_stack_trace(done.stderr)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=impl_id)
def test_bench_reports_checked_times(impl: Implementation) -> None:
    runners.ensure_built(impl)
    params = {"workers": 3, "cost": 20, "sleepMs": 0}
    answer, _ = runners.bench(
        impl, {"pattern": "worker-pool", "size": 300, "params": params, "repeat": 2}
    )
    assert answer["status"] == "ok", answer
    assert answer["check"] == reference.worker_pool_check(300, params)
    assert len(answer["elapsedNs"]) == 2
    assert all(isinstance(t, int) and t > 0 for t in answer["elapsedNs"])


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=impl_id)
def test_bench_rejects_bad_params(impl: Implementation) -> None:
    runners.ensure_built(impl)
    params = {"workers": 0, "cost": 20, "sleepMs": 0}
    answer, _ = runners.bench(impl, {"pattern": "worker-pool", "size": 10, "params": params})
    assert answer["status"] == "error", answer
    assert answer["error"]["field"] == "params.workers"
    assert "params.workers" in answer["error"]["message"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_go_under_the_race_detector(spec: PatternSpec) -> None:
    runners.ensure_built(GO_RACE)
    listing = runners.list_patterns(GO_RACE)
    batch = runners.run_batch(GO_RACE, spec.cases)
    assert not batch.problems, batch.problems
    crashed = batch.process_failure()
    assert crashed is None, f"go -race: {crashed}\n{batch.process.stderr if batch.process else ''}"
    failed = {}
    for case in spec.cases:
        verdict = judge(case, batch.answers.get(case.id), listing.patterns[spec.pattern])
        if not verdict.ok:
            failed[case.id] = verdict.detail
    assert not failed, failed
