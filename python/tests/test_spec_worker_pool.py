"""Every case of harness/spec/worker-pool.json, through the runner's own code, for both variants."""

import json
from typing import Any

import pytest

from cookbook.runner import protocol
from cookbook.runner.registry import TABLES, implementation
from tests.spec import assert_invariants, assert_output


@pytest.mark.spec("worker-pool")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_case(variant: str, case: dict[str, Any], spec: dict[str, Any]) -> None:
    impl = implementation(variant)
    request = {"pattern": spec["pattern"], "id": case["id"], "input": case["input"]}
    # Through JSON and back, as the harness reads it.
    answer = json.loads(json.dumps(protocol.answer(impl, request)))
    assert answer["id"] == case["id"]
    if case["id"] in impl.skips.get(spec["pattern"], {}):
        assert answer["status"] == "unsupported"
        return
    expected = case["expected"]
    if "error" in expected:
        assert answer["status"] == "error", answer
        field = expected["error"]["field"]
        assert answer["error"]["field"] == field
        assert answer["error"]["message"].startswith(field + " "), answer["error"]["message"]
    else:
        assert answer["status"] == "ok", answer
        assert_output(expected["output"], answer["output"], case.get("compare", {}))
        invariants = [*spec.get("invariants", []), *case.get("invariants", [])]
        assert_invariants(invariants, case["input"], answer["observed"])
