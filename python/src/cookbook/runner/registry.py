"""One table of patterns per variant: a new pattern adds one line to each.

The cases a variant skips are data, in `cookbook/skips.json` (variant -> pattern -> case id ->
reason), so that they are read and reviewed in one place rather than found in code.
"""

import json
from importlib.resources import files
from typing import Any

from cookbook.runner import worker_pool
from cookbook.runner.protocol import Implementation, Pattern

TABLES: dict[str, dict[str, Pattern[Any]]] = {
    "asyncio": {"worker-pool": worker_pool.ASYNCIO},
    "threads": {"worker-pool": worker_pool.THREADS},
}


def implementation(variant: str) -> Implementation:
    """The runner for `variant` (`asyncio` or `threads`), named `python-<variant>`."""
    skips = json.loads(files("cookbook").joinpath("skips.json").read_text(encoding="utf-8"))
    return Implementation(
        name=f"python-{variant}", patterns=TABLES[variant], skips=skips.get(variant, {})
    )
