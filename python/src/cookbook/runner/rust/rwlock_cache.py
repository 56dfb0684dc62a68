"""The read-heavy cache through the extension, one Python thread per client.

Every get, set and getOrCompute is a call of the public `cookbook_rs.Cache`, and so is the
reading of the final entries. The lock lives in Rust, so its intervals and the computes are
recorded there, by the observer the cache is made with, `cookbook_rs.observed.CacheRecorder`,
which also holds each lock as long as the case says. Each operation is stamped here, when its
client calls it and when it returns, on the recorder's clock. The benchmark runs an unobserved
cache.
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
    recorder = observed.CacheRecorder(
        read_hold_ms=case.read_hold_ms,
        write_hold_ms=case.write_hold_ms,
        compute_ms=case.compute_ms,
    )
    cache = cookbook_rs.Cache(observer=recorder)

    def client(c: int, script: Sequence[Op]) -> list[OpRecord]:
        done: list[OpRecord] = []
        with observed.AsClient(c):
            for index, op in enumerate(script):
                if op.kind == "sleep":
                    time.sleep(op.ms / 1000)
                    continue
                invoke = recorder.now_ns()
                value = _perform(cache, op, case.compute_cost)
                done.append(
                    {
                        "client": c,
                        "index": index,
                        "op": op.kind,
                        "key": op.key,
                        "value": value,
                        "invokeNs": invoke,
                        "returnNs": recorder.now_ns(),
                    }
                )
        return done

    # A thread per client, so that every client runs its script at once.
    with ThreadPoolExecutor(max_workers=max(1, len(case.clients))) as executor:
        per_client = list(executor.map(client, range(len(case.clients)), case.clients))
    elapsed = recorder.now_ns()
    seen = recorder.take()
    # Outside any client's calls, these reads are neither recorded nor held.
    keys = sorted({op.key for script in case.clients for op in script if op.kind != "sleep"})
    final = {key: value for key in keys if (value := cache.get(key)) is not None}
    computes = Counter(compute.key for compute in seen.computes)
    output = {
        "final": [{"key": key, "value": value} for key, value in final.items()],
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

    answers, elapsed = rwlock_cache.timed_on_threads(client, case.clients)
    return {"elapsedNs": elapsed, "check": rwlock_cache.bench_check(case, answers)}


PATTERN = Pattern(
    validate=rwlock_cache.validate, run=run, bench_input=rwlock_cache.bench_input, bench=bench
)


def _perform(cache: cookbook_rs.Cache, op: Op, cost: int) -> str | None:
    """Run a get, set or getOrCompute; return the value read, written or computed."""
    if op.kind == "get":
        return cache.get(op.key)
    if op.kind == "set":
        cache.set(op.key, op.value)
        return op.value
    return cache.get_or_compute(op.key, cost)
