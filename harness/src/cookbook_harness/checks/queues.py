"""Checks on work handed through bounded queues: producer-consumer, pipeline, priority queue.

A queue's stamps bracket what happened inside it: an item entered the queue between the put's
`putNs` and `queuedNs`, and left it between the get's `getNs` and `gotNs`. So at any instant the
number of `queuedNs` already read, minus the number of `getNs` already read, is a number of items
the queue certainly held then. That count can fall short of the truth under load, never exceed
it, which is what lets "never more than its capacity" be checked exactly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from . import Event, Seen, integer, invariant, peak_overlap, records

ITEM = {
    "id": int,
    "producer": int,
    "consumer": int,
    "putNs": int,
    "queuedNs": int,
    "getNs": int,
    "gotNs": int,
    "endNs": int,
}
STAGE_RECORD = {
    "id": int,
    "stage": int,
    "worker": int,
    "putNs": int,
    "queuedNs": int,
    "getNs": int,
    "gotNs": int,
    "endNs": int,
}
ATTEMPT = {"id": int, "attempt": int, "priority": int, "startNs": int, "endNs": int}


def certainly_held(recs: list[dict[str, Any]]) -> tuple[int, int]:
    """The most items the queue certainly held at one instant, and that instant.

    At equal stamps the gets are counted first: `#queued <= t - #got <= t` is what the queue held
    at `t` at least, and it is reached once every stamp at `t` is counted."""
    edges = sorted([(r["queuedNs"], 1) for r in recs] + [(r["getNs"], -1) for r in recs])
    peak = current = 0
    at = 0
    for t, delta in edges:
        current += delta
        if current > peak:
            peak, at = current, t
    return peak, at


def stamp_order(r: dict[str, Any], elapsed: int, what: str) -> str | None:
    if not 0 <= r["putNs"] <= r["queuedNs"]:
        return f"{what}: queuedNs {r['queuedNs']} is before putNs {r['putNs']}"
    if not r["getNs"] <= r["gotNs"] <= r["endNs"] <= elapsed:
        return (
            f"{what}: getNs {r['getNs']}, gotNs {r['gotNs']}, endNs {r['endNs']} are not in "
            f"order within the measured region [0, {elapsed}]"
        )
    if r["gotNs"] < r["putNs"]:
        return f"{what}: taken at {r['gotNs']} ns, before it was put at {r['putNs']} ns"
    return None


def once_each(want: list[int], got: list[int], noun: str) -> list[str]:
    counts = Counter(got)
    wanted = set(want)
    problems = []
    twice = sorted(i for i, n in counts.items() if n > 1)
    never = sorted(i for i in want if i not in counts)
    stray = sorted(i for i in counts if i not in wanted)
    if twice:
        problems.append(f"{noun} more than once: {twice[:10]}")
    if never:
        problems.append(f"never {noun}: {never[:10]}")
    if stray:
        problems.append(f"records for items that do not exist: {stray[:10]}")
    return problems


# ----------------------------------------------------------------------------- producer-consumer


@invariant("each-item-consumed-once", "safety")
def _each_item_consumed_once(seen: Seen) -> list[str]:
    owner = {
        item["id"]: p for p, prod in enumerate(seen.input["producers"]) for item in prod["items"]
    }
    recs = records(seen, "items", ITEM)
    elapsed = integer(seen.observed, "elapsedNs")
    problems = once_each(list(owner), [r["id"] for r in recs], "consumed")
    consumers = seen.input["consumers"]
    for r in recs:
        if r["id"] in owner and r["producer"] != owner[r["id"]]:
            problems.append(
                f"item {r['id']} is said to come from producer {r['producer']}, "
                f"but producer {owner[r['id']]} puts it"
            )
        if not 0 <= r["consumer"] < consumers:
            problems.append(f"item {r['id']} was taken by consumer {r['consumer']}, out of range")
        wrong = stamp_order(r, elapsed, f"item {r['id']}")
        if wrong:
            problems.append(wrong)
    return problems[:10]


@invariant("queue-within-capacity", "safety")
def _queue_within_capacity(seen: Seen) -> list[str]:
    limit = seen.params["limit"]
    peak, at = certainly_held(records(seen, "items", ITEM))
    if peak > limit:
        return [f"the queue held at least {peak} items at {at / 1e6:.3f} ms, above {limit}"]
    return []


@invariant("taken-in-discipline-order", "safety")
def _taken_in_order(seen: Seen) -> list[str]:
    lifo = seen.input.get("discipline", "fifo") == "lifo"
    recs = records(seen, "items", ITEM)
    problems = []
    for y in recs:
        for x in recs:
            # x was in the queue for the whole of y's get: put before the get started, taken
            # only after it ended.
            if x is y or not (x["queuedNs"] < y["getNs"] and x["getNs"] > y["gotNs"]):
                continue
            if not lifo and x["queuedNs"] < y["putNs"]:
                problems.append(
                    f"fifo: item {y['id']} was taken while the older item {x['id']} was waiting"
                )
            if lifo and x["putNs"] > y["queuedNs"]:
                problems.append(
                    f"lifo: item {y['id']} was taken while the newer item {x['id']} was waiting"
                )
            if len(problems) >= 5:
                return problems
    return problems


@invariant("put-waited", "liveness")
def _put_waited(seen: Seen) -> list[str]:
    recs = records(seen, "items", ITEM)
    longest = max((r["queuedNs"] - r["putNs"] for r in recs), default=0)
    if longest < seen.params["atLeastMs"] * 1_000_000:
        return [
            f"no put waited: the longest took {longest / 1e6:.1f} ms, expected at least "
            f"{seen.params['atLeastMs']} ms while the queue was full"
        ]
    return []


@invariant("consumers-overlapped", "liveness")
def _consumers_overlapped(seen: Seen) -> list[str]:
    recs = records(seen, "items", ITEM)
    peak = peak_overlap([Event(r["id"], r["gotNs"], r["endNs"]) for r in recs])
    if peak < seen.params["target"]:
        return [f"at most {peak} items were processed at once; expected {seen.params['target']}"]
    return []


# ----------------------------------------------------------------------------- pipeline


def _stage_records(seen: Seen) -> list[dict[str, Any]]:
    return records(seen, "records", STAGE_RECORD)


@invariant("each-item-through-each-stage", "safety")
def _each_item_through_each_stage(seen: Seen) -> list[str]:
    stages = len(seen.input["stages"])
    ids = [item["id"] for item in seen.input["items"]]
    recs = _stage_records(seen)
    elapsed = integer(seen.observed, "elapsedNs")
    problems: list[str] = []
    by_item: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        if not 0 <= r["stage"] < stages:
            problems.append(f"item {r['id']} has a record for stage {r['stage']}, out of range")
            continue
        by_item[(r["id"], r["stage"])].append(r)
        wrong = stamp_order(r, elapsed, f"item {r['id']} in stage {r['stage']}")
        if wrong:
            problems.append(wrong)
    stray = sorted({r["id"] for r in recs} - set(ids))
    if stray:
        problems.append(f"records for items that do not exist: {stray[:10]}")
    twice = sorted(k for k, v in by_item.items() if len(v) > 1)
    if twice:
        problems.append(f"(item, stage) taken more than once: {twice[:10]}")
    complete = isinstance(seen.output, dict) and "results" in seen.output
    for i in ids:
        for s in range(stages):
            here = by_item.get((i, s))
            if not here:
                if complete:
                    problems.append(f"item {i} never went through stage {s}")
                continue
            before = by_item.get((i, s - 1)) if s else None
            if before and here[0]["putNs"] < before[0]["gotNs"]:
                problems.append(
                    f"item {i} was put into stage {s}'s queue before stage {s - 1} took it"
                )
            elif s and not before:
                problems.append(f"item {i} reached stage {s} without going through stage {s - 1}")
    return problems[:10]


@invariant("stage-workers-at-most", "safety")
def _stage_workers_at_most(seen: Seen) -> list[str]:
    problems = []
    recs = _stage_records(seen)
    for s, stage in enumerate(seen.input["stages"]):
        mine = [r for r in recs if r["stage"] == s]
        peak = peak_overlap([Event(r["id"], r["gotNs"], r["endNs"]) for r in mine])
        if peak > stage["workers"]:
            problems.append(f"stage {s} processed {peak} items at once, above {stage['workers']}")
        for w in {r["worker"] for r in mine}:
            if not 0 <= w < stage["workers"]:
                problems.append(f"stage {s} has a worker {w}, out of range")
                continue
            own = [Event(r["id"], r["gotNs"], r["endNs"]) for r in mine if r["worker"] == w]
            if peak_overlap(own) > 1:
                problems.append(f"worker {w} of stage {s} processed two items at once")
    return problems


@invariant("stage-queues-within-capacity", "safety")
def _stage_queues(seen: Seen) -> list[str]:
    problems = []
    recs = _stage_records(seen)
    for s, stage in enumerate(seen.input["stages"]):
        peak, at = certainly_held([r for r in recs if r["stage"] == s])
        if peak > stage["capacity"]:
            problems.append(
                f"stage {s}'s queue held at least {peak} items at {at / 1e6:.3f} ms, "
                f"above its capacity {stage['capacity']}"
            )
    return problems


@invariant("stages-overlapped", "liveness")
def _stages_overlapped(seen: Seen) -> list[str]:
    recs = _stage_records(seen)
    edges = sorted(
        [(r["gotNs"], 1, r["stage"]) for r in recs] + [(r["endNs"], -1, r["stage"]) for r in recs],
        key=lambda e: (e[0], e[1]),
    )
    busy: Counter[int] = Counter()
    for _, delta, stage in edges:
        busy[stage] += delta
        if sum(1 for n in busy.values() if n > 0) >= 2:
            return []
    return ["no two stages were ever processing items at the same time"]


@invariant("stopped-after-failure", "liveness")
def _stopped_after_failure(seen: Seen) -> list[str]:
    failed = seen.output.get("failed") if isinstance(seen.output, dict) else None
    if not isinstance(failed, dict):
        return ["the output reports no failure"]
    recs = _stage_records(seen)
    mine = [r for r in recs if r["id"] == failed.get("id") and r["stage"] == failed.get("stage")]
    if not mine:
        return [f"no record of item {failed.get('id')} in stage {failed.get('stage')}"]
    slack = seen.params["slackMs"]
    deadline = mine[0]["endNs"] + slack * 1_000_000
    problems = [
        f"item {r['id']} in stage {r['stage']} ran until {r['endNs'] / 1e6:.1f} ms, more than "
        f"{slack} ms after the failure"
        for r in recs
        if r["endNs"] > deadline
    ][:5]
    elapsed = integer(seen.observed, "elapsedNs")
    if elapsed > deadline:
        problems.append(
            f"the pipeline returned at {elapsed / 1e6:.1f} ms, more than {slack} ms after "
            "the failure"
        )
    return problems


# ----------------------------------------------------------------------------- priority queue


@invariant("attempts-within-budget", "safety")
def _attempts_within_budget(seen: Seen) -> list[str]:
    limit = seen.params["limit"]
    jobs = {j["id"]: j for j in seen.input["jobs"]}
    attempts = records(seen, "attempts", ATTEMPT)
    elapsed = integer(seen.observed, "elapsedNs")
    problems = []
    numbers: dict[int, list[int]] = defaultdict(list)
    for a in attempts:
        if a["id"] not in jobs:
            problems.append(f"an attempt of job {a['id']}, which does not exist")
            continue
        numbers[a["id"]].append(a["attempt"])
        want = jobs[a["id"]]["priority"] + a["attempt"] - 1
        if a["priority"] != want:
            problems.append(
                f"job {a['id']}'s attempt {a['attempt']} was taken at priority {a['priority']}, "
                f"not {want}"
            )
        if not 0 <= a["startNs"] <= a["endNs"] <= elapsed:
            problems.append(f"job {a['id']}'s attempt {a['attempt']} lies outside [0, {elapsed}]")
    results = seen.output.get("results", []) if isinstance(seen.output, dict) else []
    ended = Counter(r.get("id") for r in results if isinstance(r, dict))
    for i in jobs:
        got = sorted(numbers.get(i, []))
        if got != list(range(1, len(got) + 1)):
            problems.append(f"job {i}'s attempts are numbered {got[:10]}, not 1, 2, ...")
        if len(got) > limit:
            problems.append(f"job {i} was attempted {len(got)} times, more than {limit}")
        if ended[i] != 1:
            problems.append(f"job {i} ended {ended[i]} times in the results, not once")
    for r in results:
        if (
            isinstance(r, dict)
            and r.get("id") in jobs
            and r.get("attempts") != len(numbers[r["id"]])
        ):
            problems.append(
                f"job {r['id']} is reported after {r.get('attempts')} attempts, but "
                f"{len(numbers[r['id']])} were observed"
            )
    return problems[:10]


@invariant("workers-at-most", "safety")
def _workers_at_most(seen: Seen) -> list[str]:
    limit = seen.params["limit"]
    attempts = records(seen, "attempts", ATTEMPT)
    peak = peak_overlap([Event(a["id"], a["startNs"], a["endNs"]) for a in attempts])
    if peak > limit:
        return [f"{peak} attempts ran at one instant, above {limit} workers"]
    return []
