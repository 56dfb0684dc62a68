"""Recorders of what the cookbook's contract observes (docs/contract.md), for the public API.

Some observations can only be made inside Rust: when a job holds a worker, when a client holds the
cache's lock. The public calls take a recorder as an optional `observer`, which records them there
and hands them back; without one, nothing is recorded and a program pays nothing for it. The
Python runner's `rust` variant passes them; applications have no use for them.

- `PoolRecorder()`: `pool.map(jobs, observer=recorder)`, then `recorder.observation()`, a
  `PoolObservation`: one `Event` per job (by its position in `jobs`) and the in-flight peak.
- `CacheRecorder(read_hold_ms=..., write_hold_ms=..., compute_ms=...)`:
  `Cache(observer=recorder)` records every `Lock` a client takes, holding it as long as asked,
  and every `Compute`, each compute waiting `compute_ms` first; a thread's calls are client
  `n`'s inside `with AsClient(n):`. `recorder.take()` returns a `CacheObservation`.

Times are nanoseconds on `std::time::Instant` since the measured region began.
"""

from cookbook_rs._native import (
    AsClient,
    CacheObservation,
    CacheRecorder,
    Compute,
    Event,
    Lock,
    PoolObservation,
    PoolRecorder,
)

__all__ = [
    "AsClient",
    "CacheObservation",
    "CacheRecorder",
    "Compute",
    "Event",
    "Lock",
    "PoolObservation",
    "PoolRecorder",
]
