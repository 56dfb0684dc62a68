"""Every case of harness/spec/error-group.json, through the runner's own code, for each variant."""

import pytest
from cookbook_harness.spec import Case

from cookbook.runner.registry import TABLES
from tests.spec import assert_case


@pytest.mark.spec("error-group")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_case(variant: str, case: Case) -> None:
    assert_case(variant, case)
