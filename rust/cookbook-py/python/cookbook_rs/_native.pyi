"""Types of the compiled module `cookbook_rs._native` (src/lib.rs); import from `cookbook_rs`."""

from collections.abc import Iterable
from types import TracebackType
from typing import Literal, Self, final, overload

def work(seed: int, n: int) -> int:
    """Apply `n` splitmix64 steps to `seed`; `work(seed, 0) == seed`. Releases the GIL."""

@final
class Job:
    """Wait `sleep_ms` as I/O would, compute `work(seed, cost)`, then fail if `fail`."""

    def __init__(
        self, seed: int, cost: int = 0, *, sleep_ms: int = 0, fail: bool = False
    ) -> None: ...
    @property
    def seed(self) -> int: ...
    @property
    def cost(self) -> int: ...
    @property
    def sleep_ms(self) -> int: ...
    @property
    def fail(self) -> bool: ...

class JobFailed(Exception):
    """What `WorkerPool.map` answers in the place of a `Job` made with `fail=True`."""

@final
class WorkerPool:
    """`workers` Rust workers with threads of their own, one per worker up to the core count."""

    def __init__(self, workers: int) -> None: ...
    @property
    def workers(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @overload
    def map(  # seeds alone never fail
        self, jobs: Iterable[int], cost: int = 0, *, observer: PoolRecorder | None = None
    ) -> list[int]:
        """`work(seed, cost)` for every seed, in the order given. Releases the GIL."""

    @overload
    def map(
        self, jobs: Iterable[int | Job], cost: int = 0, *, observer: PoolRecorder | None = None
    ) -> list[int | JobFailed]:
        """Every job's value, in the order given; a `JobFailed` in a failed job's place."""

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

    def __init__(self, *, observer: CacheRecorder | None = None) -> None: ...
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

# The recorders, re-exported by `cookbook_rs.observed`.

@final
class Event:
    @property
    def index(self) -> int: ...
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

@final
class PoolRecorder:
    """Records one `WorkerPool.map` call made with `observer=` it."""

    def __init__(self) -> None: ...
    def observation(self) -> PoolObservation: ...

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
    def locks(self) -> list[Lock]: ...
    @property
    def computes(self) -> list[Compute]: ...

@final
class CacheRecorder:
    """Records the locks and computes of a `Cache` made with `observer=` it."""

    def __init__(
        self, *, read_hold_ms: int = 0, write_hold_ms: int = 0, compute_ms: int = 0
    ) -> None: ...
    def now_ns(self) -> int: ...
    def take(self) -> CacheObservation: ...

@final
class AsClient:
    """`with AsClient(n):` makes this thread's cache calls client `n`'s."""

    def __init__(self, client: int) -> None: ...
    def __enter__(self) -> None: ...
    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
