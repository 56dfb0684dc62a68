"""The patterns instrumented as the cookbook's contract observes them (docs/contract.md).

Some observations can only be made inside Rust: when a job holds a worker, when a client holds the
cache's lock. These entry points record them there and hand them back, so that the public API
(`cookbook_rs`) carries no probe and a program using it never pays for recording. The Python
runner's `rust` variant drives them; applications have no use for them.

- `run_jobs(pool, jobs)` and `observe_jobs(pool, jobs)`: the contract's jobs, each
  `Job(id, cost, sleep_ms, fail)`: sleep without blocking, compute `work(id, cost)`, then fail if
  asked. `observe_jobs` adds a `PoolObservation`: one `Event` per job and the in-flight peak.
- `ObservedCache(...)`: a cache whose every call names its client; `finish()` returns a
  `CacheObservation` of its entries, every `Lock` taken and every `Compute`.

Times are nanoseconds on `std::time::Instant` since the measured region began.
"""

from typing import NamedTuple

from cookbook_rs._native import (
    CacheObservation,
    Compute,
    Event,
    Lock,
    ObservedCache,
    PoolObservation,
    observe_jobs,
    run_jobs,
)

__all__ = [
    "CacheObservation",
    "Compute",
    "Event",
    "Job",
    "Lock",
    "ObservedCache",
    "PoolObservation",
    "observe_jobs",
    "run_jobs",
]


class Job(NamedTuple):
    """One of the contract's jobs, as `run_jobs` and `observe_jobs` take it."""

    id: int
    cost: int = 0
    sleep_ms: int = 0
    fail: bool = False
