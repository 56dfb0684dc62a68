"""The harness's own reference for the deterministic work, used to check the spec's expected
values and the digests that runners report from `bench` before their times are trusted."""

from __future__ import annotations

import heapq
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


def _item_result(item: dict[str, Any], noun: str = "item") -> dict[str, Any]:
    if item.get("fail", False):
        return {"id": item["id"], "error": f"{noun} {item['id']} failed"}
    return {"id": item["id"], "value": to_hex(work(item["id"], item.get("cost", 0)))}


def producer_consumer_results(case_input: dict[str, Any]) -> list[dict[str, Any]]:
    return [_item_result(i) for p in case_input["producers"] for i in p["items"]]


@cache
def _xor_work(size: int, cost: int) -> str:
    digest = 0
    for i in range(size):
        digest ^= work(i, cost)
    return to_hex(digest)


def producer_consumer_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    return {"count": size, "digest": _xor_work(size, int(params["cost"]))}


def pipeline_value(item_id: int, stages: list[dict[str, Any]]) -> int:
    value = item_id
    for s, stage in enumerate(stages):
        value = work(value ^ (s + 1), stage.get("cost", 0))
    return value


def pipeline_output(case_input: dict[str, Any]) -> dict[str, Any]:
    """Results in input order; or the one failure, when an item fails."""
    for item in case_input["items"]:
        if "failAt" in item:
            return {"failed": {"id": item["id"], "stage": item["failAt"]}}
    stages = case_input["stages"]
    return {
        "results": [
            {"id": i["id"], "value": to_hex(pipeline_value(i["id"], stages))}
            for i in case_input["items"]
        ]
    }


@cache
def _pipeline_digest(size: int, stages: int, cost: int) -> str:
    digest = 0
    for i in range(size):
        digest ^= pipeline_value(i, [{"cost": cost}] * stages)
    return to_hex(digest)


def pipeline_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    return {"count": size, "digest": _pipeline_digest(size, params["stages"], params["cost"])}


def priority_queue_output(case_input: dict[str, Any]) -> dict[str, Any]:
    """A discrete-event run in whole milliseconds, computing taking no time.

    Determined when no worker goes idle at an instant at which several jobs are pushed."""
    workers, budget = case_input["workers"], case_input["maxAttempts"]
    jobs = case_input["jobs"]
    arrivals = deque((j.get("arriveMs", 0), n) for n, j in enumerate(jobs))
    heap: list[tuple[int, int, int, int]] = []  # (priority, seq, job index, attempt)
    seq = 0
    busy: list[tuple[int, int, int, int]] = []  # (ends at, worker, job index, attempt)
    started: list[int] = []
    results: dict[int, dict[str, Any]] = {}
    now = 0
    while arrivals or heap or busy:
        # Attempts ending now re-push before arrivals at the same instant are pushed.
        for end, w, n, attempt in sorted(b for b in busy if b[0] <= now):
            busy.remove((end, w, n, attempt))
            job = jobs[n]
            if attempt <= job.get("failAttempts", 0):
                if attempt < budget:
                    heapq.heappush(heap, (job["priority"] + attempt, seq, n, attempt + 1))
                    seq += 1
                else:
                    results[n] = {
                        "id": job["id"],
                        "error": f"job {job['id']} failed after {attempt} attempt"
                        + ("s" if attempt > 1 else ""),
                        "attempts": attempt,
                    }
            else:
                value = to_hex(work(job["id"], job.get("cost", 0)))
                results[n] = {"id": job["id"], "value": value, "attempts": attempt}
        while arrivals and arrivals[0][0] <= now:
            n = arrivals.popleft()[1]
            heapq.heappush(heap, (jobs[n]["priority"], seq, n, 1))
            seq += 1
        for w in range(workers):
            if heap and all(b[1] != w for b in busy):
                _, _, n, attempt = heapq.heappop(heap)
                started.append(jobs[n]["id"])
                busy.append((now + jobs[n].get("sleepMs", 0), w, n, attempt))
        times = [b[0] for b in busy] + ([arrivals[0][0]] if arrivals else [])
        if not times:
            break
        now = min(times)
    return {"results": [results[n] for n in range(len(jobs))], "started": started}


def priority_queue_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    return {"count": size, "digest": _xor_work(size, int(params["cost"]))}


def batching_decide(
    max_size: int, max_wait: int, items: list[dict[str, Any]], end: int | None
) -> list[dict[str, Any]]:
    """Batches by size or by time, whichever first; a due batch flushes before an arrival at
    the same instant is added."""
    out: list[dict[str, Any]] = []
    batch: list[int] = []
    opened = 0
    for item in items:
        t = item["atMs"]
        if batch and opened + max_wait <= t:
            out.append({"ids": batch, "flushMs": opened + max_wait, "reason": "due"})
            batch = []
        if not batch:
            opened = t
        batch.append(item["id"])
        if len(batch) == max_size:
            out.append({"ids": batch, "flushMs": t, "reason": "full"})
            batch = []
    if end is None:
        end = items[-1]["atMs"] if items else 0
    if batch:
        if opened + max_wait <= end:
            out.append({"ids": batch, "flushMs": opened + max_wait, "reason": "due"})
        else:
            out.append({"ids": batch, "flushMs": end, "reason": "end"})
    return out


def batching_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    per_ms = params["perMs"]
    items = [{"id": i, "atMs": i // per_ms} for i in range(size)]
    batches = batching_decide(params["maxSize"], params["maxWaitMs"], items, None)
    digest = sum(b["flushMs"] * 65536 + len(b["ids"]) for b in batches) & MASK
    return {"count": size, "batches": len(batches), "digest": to_hex(digest)}


def pub_sub_output(case_input: dict[str, Any]) -> dict[str, Any]:
    """What each subscriber receives when a paused subscriber is the only one that falls behind:
    a live subscriber is taken to keep up, a paused one keeps the newest `bufferSize` messages."""
    size = case_input["bufferSize"]
    subs = {s["id"]: s for s in case_input["subscribers"]}
    received: dict[int, list[int]] = {k: [] for k in subs}
    missed = dict.fromkeys(subs, 0)
    held: dict[int, deque[int]] = {k: deque() for k in subs}
    paused = {k for k, s in subs.items() if s.get("paused", False)}
    subscribed: set[int] = set()

    def release(k: int) -> None:
        received[k].extend(held[k])
        held[k].clear()

    for op in case_input["script"]:
        if op["op"] == "subscribe":
            subscribed.add(op["subscriber"])
        elif op["op"] == "unsubscribe":
            subscribed.discard(op["subscriber"])
        elif op["op"] == "resume":
            paused.discard(op["subscriber"])
            release(op["subscriber"])
        else:
            for k in sorted(subscribed):
                if subs[k]["topic"] != op["topic"]:
                    continue
                if k in paused:
                    if len(held[k]) == size:
                        held[k].popleft()
                        missed[k] += 1
                    held[k].append(op["id"])
                else:
                    received[k].append(op["id"])
    for k in subs:
        release(k)
    return {
        "subscribers": [
            {"id": s["id"], "received": received[s["id"]], "missed": missed[s["id"]]}
            for s in case_input["subscribers"]
        ]
    }


def pub_sub_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    subscribers = params["subscribers"]
    digest = (size * (size - 1) // 2 * subscribers) & MASK
    return {"count": size, "delivered": size * subscribers, "digest": to_hex(digest)}


# ----------------------------------------------------------------------------- time and failure


def draw(seed: int, n: int) -> int:
    """Draw n of a call's deterministic generator: splitmix64 from `seed`."""
    return step((seed + n * GOLDEN) & MASK)


def rand(u: int, lo: int, hi: int) -> int:
    return lo + u % (hi - lo + 1)


def retry_delays(policy: dict[str, Any]) -> Callable[[int], int]:
    """The delay after attempt k (from 1), for one call: jittered draws are made in order of k."""
    base: int = policy["baseMs"]
    factor: int = policy["factor"]
    cap: int = policy["capMs"]
    jitter: str = policy["jitter"]
    seed: int = policy.get("seed", 0)
    state = {"draws": 0, "previous": base}

    def next_draw() -> int:
        u = draw(seed, state["draws"])
        state["draws"] += 1
        return u

    def delay(k: int) -> int:
        exp: int = min(cap, base * factor ** (k - 1))
        if jitter == "none":
            return exp
        if jitter == "full":
            return rand(next_draw(), 0, exp)
        if jitter == "equal":
            half = exp // 2
            return half + rand(next_draw(), 0, exp - half)
        d = min(cap, rand(next_draw(), base, max(base, 3 * state["previous"])))
        state["previous"] = d
        return d

    return delay


def retry_decide(case_input: dict[str, Any]) -> dict[str, Any]:
    policy = case_input["policy"]
    outcomes = case_input["outcomes"]
    attempt_ms = case_input.get("attemptMs", 0)
    deadline = policy.get("deadlineMs")
    delay = retry_delays(policy)
    starts = [0]
    while True:
        k = len(starts)
        outcome = outcomes[k - 1] if k <= len(outcomes) else "ok"
        if outcome == "ok":
            result = "ok"
            break
        if outcome == "fatal":
            result = "fatal"
            break
        if k == policy["maxAttempts"]:
            result = "exhausted"
            break
        nxt = starts[-1] + attempt_ms + delay(k)
        if deadline is not None and nxt > deadline:
            result = "deadline"
            break
        starts.append(nxt)
    fell_back = bool(case_input.get("fallback", False)) and result != "ok"
    return {"outcome": result, "attempts": len(starts), "fellBack": fell_back, "startsMs": starts}


def retry_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    attempts = digest = 0
    for i in range(size):
        policy = {"baseMs": 10, "factor": 2, "capMs": 1000, "maxAttempts": params["maxAttempts"]}
        out = retry_decide(
            {
                "policy": {**policy, "jitter": params["jitter"], "seed": i},
                "outcomes": ["retryable"] * 100,
            }
        )
        attempts += out["attempts"]
        digest = (digest + out["startsMs"][-1]) & MASK
    return {"count": size, "attempts": attempts, "digest": to_hex(digest)}


def throttle_decide(
    interval: int, leading: bool, trailing: bool, arrivals: list[int]
) -> list[dict[str, int]]:
    fired: list[dict[str, int]] = []
    window_end: int | None = None
    pending: int | None = None

    def close_until(t: int | None) -> None:
        nonlocal window_end, pending
        while window_end is not None and (t is None or window_end <= t):
            if pending is None:
                window_end = None
                return
            fired.append({"call": pending, "atMs": window_end})
            pending = None
            window_end += interval

    for i, t in enumerate(arrivals):
        close_until(t)
        if window_end is None:
            window_end = t + interval
            if leading:
                fired.append({"call": i, "atMs": t})
            else:
                pending = i
        elif trailing:
            pending = i
    close_until(None)
    return fired


def throttle_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    arrivals = [i // params["perMs"] for i in range(size)]
    fired = throttle_decide(params["intervalMs"], params["leading"], params["trailing"], arrivals)
    digest = sum(f["atMs"] for f in fired) & MASK
    return {"count": size, "fired": len(fired), "digest": to_hex(digest)}


def debounce_decide(quiet: int, max_wait: int | None, arrivals: list[int]) -> list[dict[str, int]]:
    fired: list[dict[str, int]] = []
    pending: int | None = None
    due = first = 0
    for i, t in enumerate(arrivals):
        if pending is not None and due <= t:
            fired.append({"call": pending, "atMs": due})
            pending = None
        if pending is None:
            first = t
        pending = i
        due = t + quiet if max_wait is None else min(t + quiet, first + max_wait)
    if pending is not None:
        fired.append({"call": pending, "atMs": due})
    return fired


def debounce_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    arrivals = [i // params["perMs"] for i in range(size)]
    fired = debounce_decide(params["quietMs"], params["maxWaitMs"], arrivals)
    digest = sum(f["atMs"] for f in fired) & MASK
    return {"count": size, "fired": len(fired), "digest": to_hex(digest)}


def circuit_breaker_decide(case_input: dict[str, Any]) -> dict[str, Any]:
    threshold, window = case_input["failureThreshold"], case_input["windowMs"]
    open_ms, probes = case_input["openMs"], case_input["halfOpenProbes"]
    state, opened, succeeded = "closed", 0, 0
    failures: deque[int] = deque()
    decisions: list[str] = []
    changes: list[dict[str, Any]] = []
    for call in case_input["calls"]:
        t = call["atMs"]
        if state == "open" and t >= opened + open_ms:
            state, succeeded = "half-open", 0
            changes.append({"atMs": opened + open_ms, "to": "half-open"})
        if state == "open":
            decisions.append("rejected")
            continue
        decisions.append("ran")
        failed = call["outcome"] == "fail"
        if state == "closed":
            if failed:
                failures.append(t)
                while failures and t - failures[0] >= window:
                    failures.popleft()
                if len(failures) >= threshold:
                    state, opened = "open", t
                    changes.append({"atMs": t, "to": "open"})
        elif failed:
            state, opened = "open", t
            changes.append({"atMs": t, "to": "open"})
        else:
            succeeded += 1
            if succeeded == probes:
                state = "closed"
                failures.clear()
                changes.append({"atMs": t, "to": "closed"})
    return {"decisions": decisions, "changes": changes}


def circuit_breaker_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    calls = [{"atMs": i, "outcome": "fail" if i % 10 < 3 else "ok"} for i in range(size)]
    out = circuit_breaker_decide({**params, "calls": calls})
    ran = sum(1 for d in out["decisions"] if d == "ran")
    return {"count": size, "ran": ran, "changes": len(out["changes"])}


def timeout_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    digest = 0
    for i in range(size):
        digest ^= i
    return {"count": size, "digest": to_hex(digest)}


def first_completed_check(size: int, params: dict[str, Any]) -> dict[str, Any]:
    winner = params["operations"] - 1
    return {"count": size, "digest": to_hex(winner if size % 2 else 0)}


BENCH_CHECKS: dict[str, Callable[[int, dict[str, Any]], dict[str, Any]]] = {
    "many-tasks": many_tasks_check,
    "worker-pool": worker_pool_check,
    "fan-in": fan_in_check,
    "rwlock-cache": rwlock_cache_check,
    "token-bucket": token_bucket_check,
    "sliding-window": sliding_window_check,
    "producer-consumer": producer_consumer_check,
    "pipeline": pipeline_check,
    "priority-queue": priority_queue_check,
    "batching": batching_check,
    "pub-sub": pub_sub_check,
    "timeout": timeout_check,
    "retry": retry_check,
    "first-completed": first_completed_check,
    "error-group": timeout_check,
    "throttle": throttle_check,
    "debounce": debounce_check,
    "circuit-breaker": circuit_breaker_check,
}
"""What a runner's `bench` answer must report in `check`, per pattern."""
