"""The harness's own reference for the deterministic work, used to check the spec's expected
values and the digests that runners report from `bench` before their times are trusted."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import cache
from typing import Any

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def step(x: int) -> int:
    z = (x + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def work(seed: int, n: int) -> int:
    x = seed
    for _ in range(n):
        x = step(x)
    return x


def to_hex(value: int) -> str:
    return f"{value:016x}"


def worker_pool_results(case_input: dict[str, Any]) -> list[dict[str, Any]]:
    """What a correct pool returns for a valid worker-pool input, in job order."""
    results: list[dict[str, Any]] = []
    for job in case_input["jobs"]:
        if job.get("panic", False):  # a panic wins over a failure
            results.append({"id": job["id"], "error": f"job {job['id']} panicked"})
        elif job.get("fail", False):
            results.append({"id": job["id"], "error": f"job {job['id']} failed"})
        else:
            results.append({"id": job["id"], "value": to_hex(work(job["id"], job.get("cost", 0)))})
    return results


@cache
def _worker_pool_check(size: int, cost: int) -> tuple[int, str]:
    digest = 0
    for i in range(size):
        digest ^= work(i, cost)
    return size, to_hex(digest)


def worker_pool_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    count, digest = _worker_pool_check(size, int(params["cost"]))
    return {"count": count, "digest": digest}


def merge_items(sources: list[list[int]]) -> list[dict[str, int]]:
    return [
        {"source": s, "index": i} for s, delays in enumerate(sources) for i in range(len(delays))
    ]


def scatter_gather_results(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    def result(i: int, item: dict[str, Any]) -> dict[str, str]:
        if item.get("panic", False):  # a panic wins over a failure
            return {"error": f"item {i} panicked"}
        if item.get("fail", False):
            return {"error": f"item {i} failed"}
        return {"value": to_hex(work(i, item.get("cost", 0)))}

    return [result(i, item) for i, item in enumerate(items)]


def fan_in_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    sources = int(params["sources"])
    digest = 0
    for k in range(size):
        digest ^= work((k % sources) << 32 | k // sources, 1)
    return {"count": size, "digest": to_hex(digest)}


def rwlock_cache_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    # Operation n (client n % clients, its operation n // clients) is a get when
    # work(n, 1) % 100 < readPercent, whichever client runs it.
    reads = sum(1 for n in range(size) if work(n, 1) % 100 < int(params["readPercent"]))
    return {"count": size, "reads": reads}


def token_bucket(tokens: int, every: int, burst: int, arrivals: list[int]) -> list[dict[str, Any]]:
    """The decision core in integers: a token costs `every` credits, each tick adds `tokens`."""
    capacity = burst * every
    credits, last = capacity, arrivals[0] if arrivals else 0
    out: list[dict[str, Any]] = []
    for t in arrivals:
        credits = min(capacity, credits + (t - last) * tokens)
        last = t
        if credits >= every:
            credits -= every
            out.append({"admit": True})
        else:
            out.append({"admit": False, "waitMs": -(-(every - credits) // tokens)})
    return out


def sliding_window(limit: int, window: int, arrivals: list[int]) -> list[dict[str, Any]]:
    """The sliding-window log: an admission at a is in the window at t while t - a < window."""
    log: deque[int] = deque()
    out: list[dict[str, Any]] = []
    for t in arrivals:
        while log and t - log[0] >= window:
            log.popleft()
        if len(log) < limit:
            log.append(t)
            out.append({"admit": True})
        else:
            out.append({"admit": False, "waitMs": log[0] + window - t})
    return out


def _admitted(decisions: list[dict[str, Any]]) -> int:
    return sum(1 for d in decisions if d["admit"])


def token_bucket_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    refill = params["refill"]
    decisions = token_bucket(
        refill["tokens"], refill["everyMs"], params["burst"], list(range(size))
    )
    return {"count": size, "admitted": _admitted(decisions)}


def sliding_window_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    decisions = sliding_window(params["limit"], params["windowMs"], list(range(size)))
    return {"count": size, "admitted": _admitted(decisions)}


def many_tasks_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    """Every task joined; with `work`, every index sent and received once."""
    if params.get("variant") == "work":
        return {"count": size, "sum": size * (size - 1) // 2}
    return {"count": size}


BENCH_CHECKS: dict[str, Callable[[int, dict[str, Any]], dict[str, Any]]] = {
    "many-tasks": many_tasks_check,
    "worker-pool": worker_pool_check,
    "fan-in": fan_in_check,
    "rwlock-cache": rwlock_cache_check,
    "token-bucket": token_bucket_check,
    "sliding-window": sliding_window_check,
}
"""What a runner's `bench` answer must report in `check`, per pattern."""
