"""One table of patterns per variant: a new pattern adds one line to each. The benchmark-only
workloads (docs/benchmarks.md) and the runtime settings `list` reports are tables of their own,
for the variants that have them.

The cases a variant skips are data, in `cookbook/skips.json` (variant -> pattern -> case id ->
reason), so that they are read and reviewed in one place rather than found in code.
"""

import json
from collections.abc import Callable, Mapping
from importlib.resources import files
from typing import Any

from cookbook.runner import (
    batching,
    circuit_breaker,
    debounce,
    error_group,
    fan_in,
    first_completed,
    many_tasks,
    pipeline,
    priority_queue,
    producer_consumer,
    pub_sub,
    retry,
    runtime,
    rust,
    rwlock_cache,
    sliding_window,
    throttle,
    timeout,
    token_bucket,
    worker_pool,
)
from cookbook.runner.protocol import Benchmark, Implementation, Pattern

TABLES: dict[str, dict[str, Pattern[Any]]] = {
    "asyncio": {
        "worker-pool": worker_pool.ASYNCIO,
        "fan-in": fan_in.ASYNCIO,
        "rwlock-cache": rwlock_cache.ASYNCIO,
        "token-bucket": token_bucket.ASYNCIO,
        "sliding-window": sliding_window.ASYNCIO,
        "producer-consumer": producer_consumer.ASYNCIO,
        "pipeline": pipeline.ASYNCIO,
        "priority-queue": priority_queue.ASYNCIO,
        "batching": batching.ASYNCIO,
        "pub-sub": pub_sub.ASYNCIO,
        "timeout": timeout.ASYNCIO,
        "first-completed": first_completed.ASYNCIO,
        "error-group": error_group.ASYNCIO,
        "retry": retry.ASYNCIO,
        "throttle": throttle.ASYNCIO,
        "debounce": debounce.ASYNCIO,
        "circuit-breaker": circuit_breaker.ASYNCIO,
    },
    "threads": {
        "worker-pool": worker_pool.THREADS,
        "fan-in": fan_in.THREADS,
        "rwlock-cache": rwlock_cache.THREADS,
        "token-bucket": token_bucket.THREADS,
        "sliding-window": sliding_window.THREADS,
        "producer-consumer": producer_consumer.THREADS,
        "pipeline": pipeline.THREADS,
        "priority-queue": priority_queue.THREADS,
        "batching": batching.THREADS,
        "pub-sub": pub_sub.THREADS,
        "timeout": timeout.THREADS,
        "first-completed": first_completed.THREADS,
        "error-group": error_group.THREADS,
        "retry": retry.THREADS,
        "throttle": throttle.THREADS,
        "debounce": debounce.THREADS,
        "circuit-breaker": circuit_breaker.THREADS,
    },
    # The Rust patterns through the extension cookbook_rs (rust/cookbook-py), from Python threads.
    "rust": rust.PATTERNS,
}

# `many-tasks` measures what a task costs; threads and the extension's pools have no such task.
BENCHMARKS: dict[str, dict[str, Benchmark[Any]]] = {
    "asyncio": {"many-tasks": many_tasks.ASYNCIO},
}

RUNTIMES: dict[str, Callable[[], Mapping[str, object]]] = {
    "asyncio": runtime.asyncio_settings,
}


def implementation(variant: str) -> Implementation:
    """The runner for `variant` (`asyncio`, `threads` or `rust`), named `python-<variant>`."""
    if variant == "rust":
        rust.require_extension()
    skips = json.loads(files("cookbook").joinpath("skips.json").read_text(encoding="utf-8"))
    return Implementation(
        name=f"python-{variant}",
        patterns=TABLES[variant],
        skips=skips.get(variant, {}),
        benchmarks=BENCHMARKS.get(variant, {}),
        runtime=RUNTIMES.get(variant),
    )
