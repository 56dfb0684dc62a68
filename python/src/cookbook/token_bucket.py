"""Token bucket: bursts up to the bucket's size, then a steady rate (docs/patterns/token-bucket.md).

These are the semantics of Go's `golang.org/x/time/rate`: `decide` is its `Allow`, `reserve` its
`Reserve`, and `cookbook.rate_limit.Limiter(TokenBucket(...))` its `Wait`. In Python, reach for
`aiolimiter.AsyncLimiter` on asyncio or the `limits` package (see `cookbook.rate_limit`).

Tokens are counted in credits so that a fractional token is still an integer: one token costs
`every` credits and each tick adds `tokens`, so the rate `tokens / every` per tick is exact
whatever the two numbers are (1 token every 2500 ms is 2 credits short of a token after 2498 ms,
not 0.9992 of a token rounded somewhere).
"""

from cookbook.rate_limit import Schedule


# --8<-- [start:token-bucket]
class TokenBucket(Schedule):
    """A bucket of `burst` tokens, starting full, refilled by `tokens` every `every` ticks."""

    def __init__(self, tokens: int, every: int, burst: int) -> None:
        super().__init__()
        for name, value in (("tokens", tokens), ("every", every), ("burst", burst)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        self._tokens = tokens
        self._cost = every
        self._capacity = burst * every
        self._credits = self._capacity
        self._last: int | None = None  # the bucket starts full at the first request

    def _wait(self, now: int) -> int:
        if self._last is not None:
            # The cap is what makes a long idle period earn at most a full bucket, not a
            # burst the size of the idle time.
            refill = (now - self._last) * self._tokens
            self._credits = min(self._capacity, self._credits + refill)
        self._last = now
        # Credits below zero are tokens already promised to earlier reservations: the next caller
        # waits for those to be refilled as well as its own. Rounding up, the wait is the first
        # whole tick at which the bucket holds a full token, never one tick too early.
        missing = self._cost - self._credits
        return -(-missing // self._tokens) if missing > 0 else 0

    def _take(self, at: int) -> None:
        # Taken now even for an admission in the future: the refill up to `at` is what pays
        # for it, and the next `_wait` counts that refill from `now`, so nothing is paid twice.
        self._credits -= self._cost


# --8<-- [end:token-bucket]
