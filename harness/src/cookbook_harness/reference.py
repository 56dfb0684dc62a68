"""The harness's own reference for the deterministic work, used to check the spec's expected
values and the digests that runners report from `bench` before their times are trusted."""

from __future__ import annotations

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
        if job.get("fail", False):
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


BENCH_CHECKS: dict[str, Callable[[int, dict[str, Any]], dict[str, Any]]] = {
    "worker-pool": worker_pool_check,
}
"""What a runner's `bench` answer must report in `check`, per pattern."""
