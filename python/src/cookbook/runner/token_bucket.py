"""The token bucket as the runner speaks it (docs/patterns/token-bucket.md): its parameters; the
modes, the live runs and the benchmark are shared with the sliding window (`limiters`)."""

from cookbook.runner import limiters
from cookbook.runner.fields import Fields
from cookbook.token_bucket import TokenBucket

MAX_TOKENS = 1_000_000
MAX_EVERY_MS = 86_400_000
MAX_BURST = 1_000_000


def parameters(input: Fields) -> limiters.ScheduleFactory:
    """`refill` (itself, then `tokens`, `everyMs`), then `burst`."""
    refill = input.obj("refill")
    tokens = refill.integer("tokens", 1, MAX_TOKENS)
    every_ms = refill.integer("everyMs", 1, MAX_EVERY_MS)
    burst = input.integer("burst", 1, MAX_BURST)
    # A token costs `everyMs` ticks' worth of credits: in milliseconds when deciding on data, in
    # nanoseconds live, so the rate is the same on either clock.
    return lambda ticks_per_ms: TokenBucket(tokens, every_ms * ticks_per_ms, burst)


ASYNCIO, THREADS = limiters.patterns(parameters)
