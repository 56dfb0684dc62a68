"""The `rust` variant (`python-rust`): the Rust patterns of rust/cookbook, called in-process
through the extension `cookbook_rs` (rust/cookbook-py), as one more implementation of the contract.

Validation is the Python runner's own, so an error answer is word for word the other variants';
the runs drive the extension's public API from Python threads, as any Python program would
(`WorkerPool.map`, the `Cache` methods, `decide` and `acquire`), so that a fault of that API shows
in the answers. What only Rust can observe (a job holding a worker, a client holding the cache's
lock) comes back from the recorders of `cookbook_rs.observed`, which those calls take as their
`observer`; a limiter's admissions come back from `acquire()` itself; the rest (when a cache
operation was called and when it returned) is taken here, around each call.

The extension is built apart from this package (`just build-py-ext`), so the modules of this
variant import without it, and `require_extension()` turns its absence into one line of advice
before anything runs.
"""

import importlib
from typing import Any, NoReturn

from cookbook.runner.protocol import Pattern, unavailable
from cookbook.runner.rust import limiters, rwlock_cache, worker_pool

BUILD = "just build-py-ext"


def require_extension() -> None:
    """Exit with one line telling how to build `cookbook_rs` if it cannot be imported."""
    try:
        importlib.import_module("cookbook_rs")
    except ImportError as error:
        raise SystemExit(
            f"error: --variant rust needs the extension cookbook_rs, which cannot be imported "
            f"({error}): run `{BUILD}`"
        ) from None


def _not_exposed(field: str, pattern: str) -> Pattern[NoReturn]:
    """A pattern `cookbook_rs` does not expose, listed all the same (see `protocol.unavailable`)
    and refused at `field`, its first, if a request of it is not skipped."""
    return unavailable(
        field,
        "is not available in python-rust: cookbook_rs exposes the worker pool, the cache and the "
        f"rate limiters, not {pattern}",
    )


PATTERNS: dict[str, Pattern[Any]] = {
    "worker-pool": worker_pool.PATTERN,
    "fan-in": _not_exposed("op", "fan-in"),
    "rwlock-cache": rwlock_cache.PATTERN,
    "token-bucket": limiters.TOKEN_BUCKET,
    "sliding-window": limiters.SLIDING_WINDOW,
    "producer-consumer": _not_exposed("capacity", "the producer-consumer queue"),
    "pipeline": _not_exposed("stages", "the pipeline"),
    "priority-queue": _not_exposed("workers", "the priority queue"),
    "batching": _not_exposed("mode", "the batcher"),
    "pub-sub": _not_exposed("policy", "the publish-subscribe bus"),
    "timeout": _not_exposed("kind", "timeouts"),
    "first-completed": _not_exposed("mode", "the first-completed race"),
    "error-group": _not_exposed("policy", "the error group"),
    "retry": _not_exposed("mode", "the retry"),
    "throttle": _not_exposed("mode", "the throttle"),
    "debounce": _not_exposed("mode", "the debouncer"),
    "circuit-breaker": _not_exposed("mode", "the circuit breaker"),
}
