"""Deterministic CPU work: `work(seed, n)` applies `n` splitmix64 steps to `seed`.

Every language of the cookbook computes the same values, so a job's result proves that it ran the
loop rather than estimating it. Python integers never overflow, so each multiplication and addition
is masked back to 64 bits: without the masks, the values grow without bound and the shifts mix in
bits that a 64-bit language has already dropped.
"""

MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


def work(seed: int, n: int) -> int:
    """Apply `n` splitmix64 steps to `seed` in unsigned 64-bit arithmetic; `work(seed, 0) == seed`.

    Pure Python runs this loop at a few million steps a second while holding the GIL: see the
    pools' notes on where CPU-bound work belongs.
    """
    if not 0 <= seed <= MASK:
        raise ValueError(f"seed must be an unsigned 64-bit integer, got {seed}")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    x = seed
    for _ in range(n):
        # One splitmix64 step, inlined: a function call per step would cost more than the step.
        z = (x + _GAMMA) & MASK
        z = ((z ^ (z >> 30)) * _MIX1) & MASK
        z = ((z ^ (z >> 27)) * _MIX2) & MASK
        x = z ^ (z >> 31)
    return x


def to_hex(value: int) -> str:
    """Format a 64-bit value as 16 lowercase hex digits, the way values cross the protocol."""
    if not 0 <= value <= MASK:
        raise ValueError(f"value must be an unsigned 64-bit integer, got {value}")
    return f"{value:016x}"
