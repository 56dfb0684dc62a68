"""The language-neutral specs (`harness/spec/<slug>.json`), read and judged by the harness itself
(`cookbook_harness`): the tests here run each case through the runner's own code and hand the
answer to the one checker there, which compares outputs, errors and invariants."""

import json
from functools import cache
from typing import Any

from cookbook_harness import SPEC_DIR
from cookbook_harness.judge import judge
from cookbook_harness.spec import Case, PatternSpec, load

from cookbook.runner import protocol
from cookbook.runner.registry import implementation


@cache
def load_spec(slug: str) -> PatternSpec:
    return load(SPEC_DIR / f"{slug}.json")


def load_data(name: str) -> Any:
    """A data file of the specs' folder that is no pattern's spec, such as `work`."""
    return json.loads((SPEC_DIR / f"{name}.json").read_text(encoding="utf-8"))


def assert_case(variant: str, case: Case) -> None:
    """Answer `case` through the runner's own code for `variant`, through JSON and back as the
    harness reads it, and hold the answer to the harness's verdict."""
    impl = implementation(variant)
    answer = json.loads(json.dumps(protocol.answer(impl, case.request())))
    assert answer["id"] == case.id
    verdict = judge(case, answer, dict(impl.skips.get(case.pattern, {})))
    assert verdict.ok, f"{verdict.status}: {verdict.detail}"
