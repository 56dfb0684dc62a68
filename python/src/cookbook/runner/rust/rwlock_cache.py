"""The read-heavy cache through the extension, one Python thread per client.

The lock lives in Rust, so its intervals and the computes are recorded there, by
`cookbook_rs.observed.ObservedCache`, which also holds each lock as long as the case says. Each
operation is stamped here, when its client calls it and when it returns, on the same clock. The
benchmark runs the clients' gets and sets on the public `cookbook_rs.Cache`.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from cookbook.runner import rwlock_cache
from cookbook.runner.protocol import Measured, Pattern, Ran
from cookbook.runner.rwlock_cache import CacheInput, CacheObserved, Op, OpRecord

with contextlib.suppress(ImportError):  # `require_extension()` reports it before any run
    import cookbook_rs
    from cookbook_rs import observed


def run(case: CacheInput) -> Ran:
    cache = observed.ObservedCache(
        read_hold_ms=case.read_hold_ms,
        write_hold_ms=case.write_hold_ms,
        compute_ms=case.compute_ms,
        compute_cost=case.compute_cost,
    )

    def client(c: int, script: Sequence[Op]) -> list[OpRecord]:
        done: list[OpRecord] = []
        for index, op in enumerate(script):
            if op.kind == "sleep":
                time.sleep(op.ms / 1000)
                continue
            invoke = cache.now_ns()
            value = _perform_observed(cache, c, op)
            done.append(
                {
                    "client": c,
                    "index": index,
                    "op": op.kind,
                    "key": op.key,
                    "value": value,
                    "invokeNs": invoke,
                    "returnNs": cache.now_ns(),
                }
            )
        return done

    # A thread per client, so that every client runs its script at once.
    with ThreadPoolExecutor(max_workers=max(1, len(case.clients))) as executor:
        per_client = list(executor.map(client, range(len(case.clients)), case.clients))
    elapsed = cache.now_ns()
    seen = cache.finish()
    computes = Counter(compute.key for compute in seen.computes)
    output = {
        "final": [{"key": key, "value": value} for key, value in seen.entries.items()],
        "computes": [{"key": key, "count": count} for key, count in computes.items()],
    }
    observations: CacheObserved = {
        "elapsedNs": elapsed,
        "locks": [
            {
                "client": lock.client,
                "mode": lock.mode,
                "requestNs": lock.request_ns,
                "acquiredNs": lock.acquired_ns,
                "releasedNs": lock.released_ns,
            }
            for lock in seen.locks
        ],
        "computes": [
            {"key": compute.key, "startNs": compute.start_ns, "endNs": compute.end_ns}
            for compute in seen.computes
        ],
        "ops": [record for records in per_client for record in records],
    }
    return {"output": output, "observed": observations}


def bench(case: CacheInput) -> Measured:
    cache = cookbook_rs.Cache()

    def client(script: Sequence[Op]) -> list[str | None]:
        return [_perform(cache, op, case.compute_cost) for op in script]

    with ThreadPoolExecutor(max_workers=len(case.clients)) as executor:
        start = time.perf_counter_ns()
        answers = list(executor.map(client, case.clients))
        elapsed = time.perf_counter_ns() - start
    return {"elapsedNs": elapsed, "check": rwlock_cache.bench_check(case, answers)}


PATTERN = Pattern(
    validate=rwlock_cache.validate, run=run, bench_input=rwlock_cache.bench_input, bench=bench
)


def _perform_observed(cache: observed.ObservedCache, client: int, op: Op) -> str | None:
    """Run `client`'s get, set or getOrCompute; return the value read, written or computed."""
    if op.kind == "get":
        return cache.get(client, op.key)
    if op.kind == "set":
        cache.set(client, op.key, op.value)
        return op.value
    return cache.get_or_compute(client, op.key)


def _perform(cache: cookbook_rs.Cache, op: Op, cost: int) -> str | None:
    """Run a get, set or getOrCompute; return the value read, written or computed."""
    if op.kind == "get":
        return cache.get(op.key)
    if op.kind == "set":
        cache.set(op.key, op.value)
        return op.value
    return cache.get_or_compute(op.key, cost)
