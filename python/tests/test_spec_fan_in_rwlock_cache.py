"""Every case of harness/spec/fan-in.json and rwlock-cache.json, through the runner's own code,
for every variant."""

import pytest
from cookbook_harness.spec import Case

from cookbook.runner.registry import TABLES
from tests.spec import assert_case


@pytest.mark.spec("fan-in")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_fan_in(variant: str, case: Case) -> None:
    assert_case(variant, case)


@pytest.mark.spec("rwlock-cache")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_rwlock_cache(variant: str, case: Case) -> None:
    assert_case(variant, case)
