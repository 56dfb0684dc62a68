"""The cookbook's Rust patterns (the `cookbook` crate, on tokio), called in-process from Python.

- `work(seed, n)`: the contract's deterministic CPU work, `n` splitmix64 steps from `seed`.
- `WorkerPool(workers)`: `pool.map(seeds, cost)` computes `work(seed, cost)` for every seed on
  `workers` Rust workers, in order; given `Job(seed, cost, sleep_ms=..., fail=...)`s instead,
  each job also waits as I/O would, and may fail, its answer then a `JobFailed`. Use the pool as
  a context manager, which shuts its threads down.
- `Cache()`: a read-heavy cache behind a fair reader-writer lock: `get`, `set`, and
  `get_or_compute(key, cost)`, which computes a missing key once however many threads miss it.
- `TokenBucket(tokens, every_ms, burst)` and `SlidingWindow(limit, window_ms)`: the decision
  cores, `decide(now_ms)` on times given as data (0 when admitted, else the wait in ms).
- `Limiter.token_bucket(...)` and `Limiter.sliding_window(...)`: the live limiter that threads
  wait on, `limiter.acquire()` or `with limiter:`, each returning an `Admission`.

Every call that waits or computes releases the GIL, so Python threads calling into these run in
parallel, and lets Python handle signals meanwhile, so Ctrl-C stops a call in the main thread.
Bad arguments raise `TypeError` (wrong type) or `ValueError` (out of range), naming the
parameter and its rule. `cookbook_rs.observed` holds the recorders that `WorkerPool.map` and
`Cache` take as an `observer`, which the cookbook's runner uses.
"""

from cookbook_rs._native import (
    Admission,
    Cache,
    Job,
    JobFailed,
    Limiter,
    SlidingWindow,
    TokenBucket,
    WorkerPool,
    work,
)

__all__ = [
    "Admission",
    "Cache",
    "Job",
    "JobFailed",
    "Limiter",
    "SlidingWindow",
    "TokenBucket",
    "WorkerPool",
    "work",
]
