"""The spec's own conventions: schema-valid, unique ids, checks that exist, values that are right,
a docs page per pattern, and published cases that never change."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import jsonschema
import pytest

from cookbook_harness import ROOT, SPEC_DIR, published, reference
from cookbook_harness.checks import REGISTRY
from cookbook_harness.compare import normalise_output
from cookbook_harness.spec import PatternSpec, load_all, resolve, schema

SPECS = load_all()


def test_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_there_are_patterns() -> None:
    assert [s.pattern for s in SPECS], "harness/spec/ holds no pattern spec"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_case_ids_are_unique(spec: PatternSpec) -> None:
    twice = [i for i, n in Counter(c.id for c in spec.cases).items() if n > 1]
    assert not twice, f"{spec.path.name}: duplicate case ids {twice}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_every_pattern_has_a_docs_page(spec: PatternSpec) -> None:
    page = ROOT / "docs" / "patterns" / f"{spec.pattern}.md"
    assert page.is_file(), f"add {page.relative_to(ROOT)} for the pattern {spec.pattern}"
    nav = (ROOT / "mkdocs.yml").read_text()
    assert f"patterns/{spec.pattern}.md" in nav, f"add patterns/{spec.pattern}.md to mkdocs.yml nav"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_invariants_exist_and_their_parameters_resolve(spec: PatternSpec) -> None:
    for case in spec.cases:
        for inv in case.invariants:
            assert inv["check"] in REGISTRY, f"{case.id}: unknown check {inv['check']!r}"
            for key, value in inv.items():
                if key != "check":
                    resolve(value, case.input)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_every_pattern_has_invalid_input_cases(spec: PatternSpec) -> None:
    assert any(c.expects_error for c in spec.cases), f"{spec.pattern} has no invalid-input case"
    assert any(not c.expects_error for c in spec.cases), f"{spec.pattern} has no valid case"


def test_work_vectors_match_the_reference() -> None:
    vectors = json.loads((SPEC_DIR / "work.json").read_text())["vectors"]
    assert len(vectors) >= 10
    for v in vectors:
        assert reference.to_hex(reference.work(v["seed"], v["n"])) == v["value"], v


def test_worker_pool_expected_results_match_the_reference(worker_pool: PatternSpec) -> None:
    for case in worker_pool.cases:
        if not case.expects_error:
            want = reference.worker_pool_results(case.input)
            assert sorted(case.expected["output"]["results"], key=lambda r: r["id"]) == sorted(
                want, key=lambda r: r["id"]
            ), case.id


def reference_output(pattern: str, inp: dict[str, Any]) -> dict[str, Any] | None:
    """What the harness's own reference says a valid case must output, where it is determined."""
    if pattern == "fan-in" and inp["op"] == "merge":
        return {"items": reference.merge_items(inp["sources"])}
    if pattern == "fan-in" and not (
        inp.get("failFast") and any(i.get("fail") or i.get("panic") for i in inp["items"])
    ):
        return {"results": reference.scatter_gather_results(inp["items"])}
    if pattern in ("token-bucket", "sliding-window") and inp["mode"] == "decide":
        if pattern == "token-bucket":
            refill = inp["refill"]
            args = (refill["tokens"], refill["everyMs"], inp["burst"], inp["arrivalsMs"])
            return {"decisions": reference.token_bucket(*args)}
        return {
            "decisions": reference.sliding_window(inp["limit"], inp["windowMs"], inp["arrivalsMs"])
        }
    if pattern == "producer-consumer":
        return {"results": reference.producer_consumer_results(inp)}
    if pattern == "pipeline":
        return reference.pipeline_output(inp)
    if pattern == "priority-queue":
        return reference.priority_queue_output(inp)
    if pattern == "batching":
        batches = reference.batching_decide(
            inp["maxSize"], inp["maxWaitMs"], inp["items"], inp.get("endMs")
        )
        if inp["mode"] == "live":
            batches = [{"ids": b["ids"], "reason": b["reason"]} for b in batches]
        return {"batches": batches}
    if pattern == "pub-sub":
        return reference.pub_sub_output(inp)
    return time_and_failure_output(pattern, inp)


def time_and_failure_output(pattern: str, inp: dict[str, Any]) -> dict[str, Any] | None:
    """The decide modes, and what the live cases' outputs follow from the reference."""
    if pattern == "retry":
        out = reference.retry_decide(inp)
        return out if inp["mode"] == "decide" else {k: v for k, v in out.items() if k != "startsMs"}
    arrivals: list[int] = inp.get("arrivalsMs", [])
    if pattern == "throttle" and inp["mode"] == "decide":
        fired = reference.throttle_decide(
            inp["intervalMs"], inp.get("leading", True), inp.get("trailing", False), arrivals
        )
        return {"fired": fired}
    if pattern == "debounce":
        fired = reference.debounce_decide(inp["quietMs"], inp.get("maxWaitMs"), arrivals)
        if inp["mode"] == "decide":
            return {"fired": fired}
        fails = set(inp.get("failCalls", []))
        return {
            "fired": [
                {"call": f["call"], "error": f"call {f['call']} failed"}
                if f["call"] in fails
                else {"call": f["call"]}
                for f in fired
            ]
        }
    if pattern == "circuit-breaker" and inp["mode"] == "decide":
        return reference.circuit_breaker_decide(inp)
    return None


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_expected_outputs_match_the_reference(spec: PatternSpec) -> None:
    checked = 0
    for case in spec.cases:
        if case.expects_error:
            continue
        want = reference_output(spec.pattern, case.input)
        if want is not None:
            assert normalise_output(case.expected["output"], case.compare) == normalise_output(
                want, case.compare
            ), case.id
            checked += 1
    assert checked or spec.pattern in (
        "worker-pool",
        "rwlock-cache",
        "timeout",
        "first-completed",
        "error-group",
    )


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if s.pattern == "rwlock-cache"], ids=lambda s: s.pattern
)
def test_rwlock_cache_computed_values_match_the_reference(spec: PatternSpec) -> None:
    for case in spec.cases:
        if case.expects_error:
            continue
        computed = {c["key"] for c in case.expected["output"]["computes"]}
        # A key that some client also sets may end with the value set (set-during-compute-wins).
        written = {
            op["key"] for script in case.input["clients"] for op in script if op["op"] == "set"
        }
        for entry in case.expected["output"]["final"]:
            if entry["key"] in computed - written:
                cost = case.input.get("computeCost", 0)
                assert entry["value"] == reference.to_hex(reference.work(entry["key"], cost)), (
                    case.id
                )


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_bench_params_have_a_reference_check(spec: PatternSpec) -> None:
    assert spec.bench, f"{spec.pattern} has no bench section"
    check = reference.BENCH_CHECKS[spec.pattern](50, spec.bench["params"])
    assert check["count"] == 50


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_published_cases_never_change(spec: PatternSpec) -> None:
    problems = published.check(spec)
    assert not problems, "\n".join(problems)


NATIVE_SUITES = (
    "python/tests",
    "rust/cookbook-runner/tests",
    "rust/cookbook/tests",
    "go",
    "typescript/test",
)


def spellings(check: str) -> list[str]:
    """How a copy of `check` would name it: the spec's string, a type or variant, a function."""
    parts = check.split("-")
    return [f'"{check}"', "".join(p.title() for p in parts), "_".join(parts)]


def test_invariants_are_checked_in_the_harness_alone() -> None:
    # One checker: a check's name in a language's test suite would be a copy of it (or a test
    # that leans on one). The pattern sources may name a concept (a "single-flight" cache) in
    # prose, so the suites, and Go's packages where one copy lived, are what is searched.
    found = []
    for suite in NATIVE_SUITES:
        for path in (ROOT / suite).rglob("*"):
            if not path.is_file() or path.suffix not in (".py", ".rs", ".go", ".ts"):
                continue
            if "node_modules" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            found += [
                f"{path.relative_to(ROOT)}: {spelling}"
                for name in REGISTRY
                for spelling in spellings(name)
                if re.search(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", source)
            ]
    assert not found, f"invariant checks outside the harness: {found}"
