"""`@pytest.mark.spec("<slug>")` runs a test once per case of `harness/spec/<slug>.json`.

The test takes the case as its `case` argument and the whole spec as the `spec` fixture, so a new
pattern's spec test is one marked function.
"""

from typing import Any

import pytest

from tests.spec import load_spec


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("spec")
    if marker is not None and "case" in metafunc.fixturenames:
        cases = load_spec(marker.args[0])["cases"]
        metafunc.parametrize("case", cases, ids=[case["id"] for case in cases])


@pytest.fixture
def spec(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("spec")
    if marker is None:
        pytest.fail("the spec fixture needs @pytest.mark.spec(<slug>)")
    return load_spec(marker.args[0])
