"""The spec's own conventions: schema-valid, unique ids, checks that exist, values that are right,
a docs page per pattern, and published cases that never change."""

from __future__ import annotations

import json
from collections import Counter

import jsonschema
import pytest

from cookbook_harness import ROOT, SPEC_DIR, published, reference
from cookbook_harness.checks import REGISTRY
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


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.pattern)
def test_published_cases_never_change(spec: PatternSpec) -> None:
    problems = published.check(spec)
    assert not problems, "\n".join(problems)
