"""Every case of harness/spec/worker-pool.json, through the runner's own code, for each variant."""

from typing import Any

import pytest

from cookbook.runner.registry import TABLES
from tests.spec import assert_case


@pytest.mark.spec("worker-pool")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_case(variant: str, case: dict[str, Any], spec: dict[str, Any]) -> None:
    assert_case(variant, spec, case)
