from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cookbook_harness.implementations import Implementation
from cookbook_harness.spec import PatternSpec, load_all

FAKES = Path(__file__).parent / "fakes"


def fake(mode: str) -> Implementation:
    """A wrong implementation of the worker pool, started like any other runner."""
    return Implementation(
        name=f"fake-{mode}",
        label=f"fake {mode}",
        language="python",
        cwd=FAKES,
        build=(),
        artifact=None,
        command=(sys.executable, str(FAKES / "pool.py"), mode),
        version=(sys.executable, "--version"),
    )


@pytest.fixture(scope="session")
def worker_pool() -> PatternSpec:
    return next(s for s in load_all() if s.pattern == "worker-pool")
