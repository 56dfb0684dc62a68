"""What `list` reports under `runtime` for the asyncio variant: the settings that shape its
benchmark figures, asked of the live interpreter rather than assumed."""

import asyncio
import platform
import sys

from cookbook.runner.parallel_pool import cpu_count


def asyncio_settings() -> dict[str, object]:
    """The event loop's class, the interpreter's version, whether the GIL is on (one thread runs
    Python at a time), and the most processes the worker pool's `parallel` mode starts."""
    return {
        "eventLoop": asyncio.run(_loop_class()),
        "python": platform.python_version(),
        "gil": gil_enabled(),
        "cpuCount": cpu_count(),
    }


def gil_enabled() -> bool:
    """Whether this interpreter runs with the GIL: a free-threaded build (3.13 and later) can run
    without it, and says so through `sys._is_gil_enabled`; before 3.13 the GIL is always on."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


async def _loop_class() -> str:
    # The loop `asyncio.run` makes, as every bench of this variant runs on: the policy's choice,
    # which a replaced policy (uvloop's, for one) would change.
    loop = type(asyncio.get_running_loop())
    return f"{loop.__module__}.{loop.__qualname__}"
