"""Every case of harness/spec/token-bucket.json and sliding-window.json, through the runner's own
code, for every variant."""

import pytest
from cookbook_harness.spec import Case

from cookbook.runner.registry import TABLES
from tests.spec import assert_case


@pytest.mark.spec("token-bucket")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_token_bucket(variant: str, case: Case) -> None:
    assert_case(variant, case)


@pytest.mark.spec("sliding-window")
@pytest.mark.parametrize("variant", sorted(TABLES))
def test_sliding_window(variant: str, case: Case) -> None:
    assert_case(variant, case)
