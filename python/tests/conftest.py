"""`@pytest.mark.spec("<slug>")` runs a test once per case of `harness/spec/<slug>.json`.

The test takes the case (a `cookbook_harness.spec.Case`) as its `case` argument, so a new
pattern's spec test is one marked function.
"""

import signal
from collections.abc import Iterator

import pytest

from tests.spec import load_spec


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("spec")
    if marker is not None and "case" in metafunc.fixturenames:
        cases = load_spec(marker.args[0]).cases
        metafunc.parametrize("case", cases, ids=[case.id for case in cases])


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """`cli.main`, which some tests call in process, installs the runner's own handlers."""
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
