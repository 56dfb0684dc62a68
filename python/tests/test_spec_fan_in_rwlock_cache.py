"""Every case of harness/spec/fan-in.json and rwlock-cache.json, through the runner's own code,
for both variants."""

from typing import Any

import pytest

from cookbook.runner.registry import TABLES
from tests.spec import assert_case


@pytest.mark.spec("fan-in")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_fan_in(variant: str, case: dict[str, Any], spec: dict[str, Any]) -> None:
    assert_case(variant, spec, case)


@pytest.mark.spec("rwlock-cache")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_rwlock_cache(variant: str, case: dict[str, Any], spec: dict[str, Any]) -> None:
    assert_case(variant, spec, case)
