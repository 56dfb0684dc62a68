"""Types of the compiled module `cookbook_rs._native` (src/lib.rs); import from `cookbook_rs`."""

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Literal, Self, final

def work(seed: int, n: int) -> int:
    """Apply `n` splitmix64 steps to `seed`; `work(seed, 0) == seed`. Releases the GIL."""

@final
class WorkerPool:
    """`workers` Rust workers with threads of their own, one per worker up to the core count."""

    def __init__(self, workers: int) -> None: ...
    @property
    def workers(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def map(self, seeds: Iterable[int], cost: int) -> list[int]:
        """`work(seed, cost)` for every seed, in the order of `seeds`. Releases the GIL."""

    def close(self) -> None:
        """Shut the threads down once running calls finish; later calls raise RuntimeError."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

@final
class Cache:
    """A read-heavy cache of int keys and str values, safe to share between threads."""

    def __init__(self) -> None: ...
    def get(self, key: int) -> str | None: ...
    def set(self, key: int, value: str) -> None: ...
    def get_or_compute(self, key: int, cost: int) -> str:
        """The value of `key`; a miss computes `work(key, cost)` as 16 hex digits, once."""

@final
class TokenBucket:
    """A token bucket's decision core on times in milliseconds."""

    def __init__(self, tokens: int, every_ms: int, burst: int) -> None: ...
    def decide(self, now_ms: int) -> int:
        """0 when a request at `now_ms` is admitted, else the milliseconds until it would be."""

@final
class SlidingWindow:
    """A sliding-window log's decision core on times in milliseconds."""

    def __init__(self, limit: int, window_ms: int) -> None: ...
    def decide(self, now_ms: int) -> int:
        """0 when a request at `now_ms` is admitted, else the milliseconds until it would be."""

@final
class Admission:
    """One acquire, in nanoseconds since the limiter was created."""

    @property
    def requested_ns(self) -> int: ...
    @property
    def at_ns(self) -> int: ...
    @property
    def woke_ns(self) -> int: ...

@final
class Limiter:
    """A live limiter shared by threads; `acquire()` blocks (GIL released) until admitted."""

    @staticmethod
    def token_bucket(tokens: int, every_ms: int, burst: int) -> Limiter: ...
    @staticmethod
    def sliding_window(limit: int, window_ms: int) -> Limiter: ...
    def acquire(self) -> Admission: ...
    def now_ns(self) -> int: ...
    def __enter__(self) -> Admission: ...
    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

# The instrumented entry points, re-exported by `cookbook_rs.observed`.

@final
class Event:
    @property
    def id(self) -> int: ...
    @property
    def start_ns(self) -> int: ...
    @property
    def end_ns(self) -> int: ...

@final
class PoolObservation:
    @property
    def elapsed_ns(self) -> int: ...
    @property
    def max_in_flight(self) -> int: ...
    @property
    def events(self) -> list[Event]: ...

def run_jobs(
    pool: WorkerPool, jobs: Sequence[tuple[int, int, int, bool]]
) -> list[tuple[int, int | None]]: ...
def observe_jobs(
    pool: WorkerPool, jobs: Sequence[tuple[int, int, int, bool]]
) -> tuple[list[tuple[int, int | None]], PoolObservation]: ...

@final
class Lock:
    @property
    def client(self) -> int: ...
    @property
    def mode(self) -> Literal["read", "write"]: ...
    @property
    def request_ns(self) -> int: ...
    @property
    def acquired_ns(self) -> int: ...
    @property
    def released_ns(self) -> int: ...

@final
class Compute:
    @property
    def key(self) -> int: ...
    @property
    def start_ns(self) -> int: ...
    @property
    def end_ns(self) -> int: ...

@final
class CacheObservation:
    @property
    def entries(self) -> dict[int, str]: ...
    @property
    def locks(self) -> list[Lock]: ...
    @property
    def computes(self) -> list[Compute]: ...

@final
class ObservedCache:
    def __init__(
        self,
        *,
        read_hold_ms: int = 0,
        write_hold_ms: int = 0,
        compute_ms: int = 0,
        compute_cost: int = 0,
    ) -> None: ...
    def get(self, client: int, key: int) -> str | None: ...
    def set(self, client: int, key: int, value: str) -> None: ...
    def get_or_compute(self, client: int, key: int) -> str: ...
    def now_ns(self) -> int: ...
    def finish(self) -> CacheObservation: ...
