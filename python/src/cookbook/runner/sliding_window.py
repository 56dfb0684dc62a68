"""The sliding-window log as the runner speaks it (docs/patterns/sliding-window.md): its
parameters; the modes, the live runs and the benchmark are shared with the token bucket
(`limiters`)."""

from cookbook.runner import limiters
from cookbook.runner.fields import Fields
from cookbook.sliding_window import SlidingWindowLog

MAX_LIMIT = 1_000_000
MAX_WINDOW_MS = 86_400_000


def parameters(input: Fields) -> limiters.ScheduleFactory:
    """`limit`, then `windowMs`."""
    limit = input.integer("limit", 1, MAX_LIMIT)
    window_ms = input.integer("windowMs", 1, MAX_WINDOW_MS)
    return lambda ticks_per_ms: SlidingWindowLog(limit, window_ms * ticks_per_ms)


ASYNCIO, THREADS = limiters.patterns(parameters)
