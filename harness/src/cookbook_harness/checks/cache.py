"""Checks on the read-heavy cache: lock intervals, single flight, and a linearizable history."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from ..reference import to_hex, work
from . import Event, ObservationError, Seen, invariant, peak_overlap, records

LOCK_FIELDS = {"client": int, "mode": str, "requestNs": int, "acquiredNs": int, "releasedNs": int}


def locks(seen: Seen, mode: str | None = None) -> list[dict[str, Any]]:
    found = records(seen, "locks", LOCK_FIELDS)
    return [r for r in found if mode is None or r["mode"] == mode]


def computes(seen: Seen) -> list[dict[str, Any]]:
    return records(seen, "computes", {"key": int, "startNs": int, "endNs": int})


@invariant("writer-exclusive", "safety")
def _writer_exclusive(seen: Seen) -> list[str]:
    every = locks(seen)
    problems = []
    for n, w in enumerate(every):
        if w["mode"] != "write":
            continue
        for m, other in enumerate(every):
            # Half-open intervals: a lock released at t and taken at t did not overlap.
            if (
                m != n
                and other["acquiredNs"] < w["releasedNs"]
                and w["acquiredNs"] < other["releasedNs"]
            ):
                problems.append(
                    f"client {w['client']}'s write lock [{w['acquiredNs']}, {w['releasedNs']}) ns "
                    f"overlaps client {other['client']}'s {other['mode']} lock "
                    f"[{other['acquiredNs']}, {other['releasedNs']}) ns"
                )
    # The lock records alone trust the mode the implementation says it took: a `set` done under
    # the read lock would record a read and pass. So every write in the history must sit around
    # a write lock its own client took and gave back within it.
    writes = [w for w in every if w["mode"] == "write"]
    for op in ops(seen):
        if op["op"] != "set":
            continue
        if not any(
            w["client"] == op["client"]
            and op["invokeNs"] <= w["acquiredNs"]
            and w["releasedNs"] <= op["returnNs"]
            for w in writes
        ):
            problems.append(
                f"client {op['client']}'s set of key {op['key']} over "
                f"[{op['invokeNs']}, {op['returnNs']}] ns held no write lock"
            )
    return problems[:5]


@invariant("readers-overlap", "liveness")
def _readers_overlap(seen: Seen) -> list[str]:
    reads = [Event(0, r["acquiredNs"], r["releasedNs"]) for r in locks(seen, "read")]
    peak = peak_overlap(reads)
    if peak < seen.params["target"]:
        return [f"at most {peak} readers held the lock at once; expected {seen.params['target']}"]
    return []


@invariant("computes-overlap", "liveness")
def _computes_overlap(seen: Seen) -> list[str]:
    peak = peak_overlap([Event(c["key"], c["startNs"], c["endNs"]) for c in computes(seen)])
    if peak < seen.params["target"]:
        return [
            f"at most {peak} computes ran at once; misses of different keys should not wait "
            f"for each other (expected {seen.params['target']})"
        ]
    return []


@invariant("single-flight", "safety")
def _single_flight(seen: Seen) -> list[str]:
    counts = Counter(c["key"] for c in computes(seen))
    problems = [f"key {k} was computed {n} times" for k, n in sorted(counts.items()) if n > 1]
    reported = seen.output.get("computes") if isinstance(seen.output, dict) else None
    if isinstance(reported, list):
        said = {r.get("key"): r.get("count") for r in reported if isinstance(r, dict)}
        if said != dict(counts):
            problems.append(
                f"output.computes {said} does not match the observed computes {dict(counts)}"
            )
    return problems


@invariant("writer-not-starved", "liveness")
def _writer_not_starved(seen: Seen) -> list[str]:
    bound = seen.params["boundMs"]
    return [
        f"client {w['client']} waited {(w['acquiredNs'] - w['requestNs']) / 1e6:.1f} ms for the "
        f"write lock, more than {bound} ms"
        for w in locks(seen, "write")
        if w["acquiredNs"] - w["requestNs"] > bound * 1_000_000
    ][:5]


OP_FIELDS = {"client": int, "index": int, "op": str, "key": int, "invokeNs": int, "returnNs": int}


def ops(seen: Seen) -> list[dict[str, Any]]:
    found = records(seen, "ops", OP_FIELDS)
    for n, r in enumerate(found):
        if r.get("value") is not None and not isinstance(r.get("value"), str):
            raise ObservationError(f"observed.ops[{n}].value must be a string or null")
    return found


@invariant("ops-complete", "safety")
def _ops_complete(seen: Seen) -> list[str]:
    want = {
        (c, i): (op["op"], op["key"])
        for c, script in enumerate(seen.input["clients"])
        for i, op in enumerate(script)
        if op["op"] != "sleep"
    }
    got = Counter((r["client"], r["index"]) for r in ops(seen))
    problems = [
        f"client {c} op {i} is missing from the history" for (c, i) in want if (c, i) not in got
    ]
    problems += [
        f"client {c} op {i} is in the history {n} times" for (c, i), n in got.items() if n > 1
    ]
    for r in ops(seen):
        if want.get((r["client"], r["index"]), (r["op"], r["key"])) != (r["op"], r["key"]):
            problems.append(f"client {r['client']} op {r['index']} is not the script's operation")
    return problems[:5]


@dataclass(frozen=True)
class Op:
    kind: str
    value: str | None
    invoke: int
    ret: int


def linearizable(history: list[Op], computed: str) -> bool:
    """Whether one key's history has a serial order that respects real time and in which every
    operation sees the state the ones before it left (Wing and Gong's search, memoised).

    The state is the key's value (None: absent). `set` writes; `get` must return the state;
    `getOrCompute` returns the state if present, else stores `computed` and returns it.
    """
    n = len(history)
    seen: set[tuple[int, str | None]] = set()
    stack: list[tuple[int, str | None]] = [(0, None)]
    while stack:
        done, state = stack.pop()
        if done == (1 << n) - 1:
            return True
        if (done, state) in seen:
            continue
        seen.add((done, state))
        pending = [k for k in range(n) if not done >> k & 1]
        # An operation can go next only if no pending one returned before it was invoked.
        horizon = min(history[k].ret for k in pending)
        for k in pending:
            op = history[k]
            if op.invoke > horizon:
                continue
            if op.kind == "set":
                stack.append((done | 1 << k, op.value))
            elif op.kind == "get" and op.value == state:
                stack.append((done | 1 << k, state))
            elif op.kind == "getOrCompute":
                after = computed if state is None else state
                if op.value == after:
                    stack.append((done | 1 << k, after))
    return False


@invariant("linearizable", "safety")
def _linearizable(seen: Seen) -> list[str]:
    by_key: dict[int, list[Op]] = defaultdict(list)
    for r in ops(seen):
        by_key[r["key"]].append(Op(r["op"], r.get("value"), r["invokeNs"], r["returnNs"]))
    cost = seen.input.get("computeCost", 0)
    return [
        f"key {key}: no serial order of its {len(h)} operations explains the values read"
        for key, h in sorted(by_key.items())
        if not linearizable(h, to_hex(work(key, cost)))
    ]
