"""Checks on work under deadlines and failures: timeout, retry, first-completed, error-group.

Every operation reports its own interval and how it ended; the harness holds the contract's rules
against those intervals. A cancelled operation must have stopped, and its cleanup finished, before
the call returned, so every stamp lies within the measured region; that part is exact.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from .. import reference
from . import Event, ObservationError, Seen, integer, invariant, peak_overlap, records

MS = 1_000_000
OUTCOMES = ("ok", "failed", "cancelled")
OP = {"id": int, "startNs": int, "endNs": int, "outcome": str}


def _operations(
    seen: Seen, key: str = "operations", extra: dict[str, type] | None = None
) -> list[dict[str, Any]]:
    recs = records(seen, key, {**OP, **(extra or {})})
    for r in recs:
        if r["outcome"] not in OUTCOMES:
            raise ObservationError(
                f"observed.{key}: outcome {r['outcome']!r} is not one of {OUTCOMES}"
            )
    return recs


def _within(recs: list[dict[str, Any]], elapsed: int, noun: str) -> list[str]:
    return [
        f"{noun} {r['id']} ran over [{r['startNs']}, {r['endNs']}] ns, outside the measured "
        f"region [0, {elapsed}]: it was still running after the call returned"
        for r in recs
        if not 0 <= r["startNs"] <= r["endNs"] <= elapsed
    ][:5]


def _once(recs: list[dict[str, Any]], noun: str) -> list[str]:
    twice = sorted(i for i, n in Counter(r["id"] for r in recs).items() if n > 1)
    return [f"{noun}s observed more than once: {twice[:10]}"] if twice else []


# ----------------------------------------------------------------------------- timeout


def _winning_deadline_ms(inp: dict[str, Any]) -> int:
    outer: int = inp["deadlineMs"]
    inner = inp.get("innerDeadlineMs")
    return min(outer, inner) if isinstance(inner, int) else outer


def _timeout_results(seen: Seen) -> list[dict[str, Any]]:
    out = seen.output if isinstance(seen.output, dict) else {}
    found = [out["result"]] if "result" in out else out.get("results", [])
    return [r for r in found if isinstance(r, dict)]


@invariant("cleanup-once-after-the-operation", "safety")
def _cleanup_once(seen: Seen) -> list[str]:
    recs = _operations(seen, extra={"cleanupStartNs": int, "cleanupEndNs": int})
    elapsed = integer(seen.observed, "elapsedNs")
    problems = _once(recs, "operation")
    seen_ids = {r["id"] for r in recs}
    missing = [o["id"] for o in seen.input["operations"] if o["id"] not in seen_ids]
    if missing:
        problems.append(f"operations with no record, so no cleanup: {missing[:10]}")
    for r in recs:
        if not 0 <= r["startNs"] <= r["endNs"] <= r["cleanupStartNs"] <= r["cleanupEndNs"]:
            problems.append(
                f"operation {r['id']}: its cleanup did not run once after it stopped "
                f"(stopped {r['endNs']}, cleanup [{r['cleanupStartNs']}, {r['cleanupEndNs']}] ns)"
            )
        elif r["cleanupEndNs"] > elapsed:
            problems.append(
                f"operation {r['id']}'s cleanup ended at {r['cleanupEndNs'] / MS:.1f} ms, "
                f"after the call returned at {elapsed / MS:.1f} ms"
            )
    return problems[:10]


@invariant("timed-out-only-when-late", "safety")
def _timed_out_only_when_late(seen: Seen) -> list[str]:
    recs = {
        r["id"]: r for r in _operations(seen, extra={"cleanupStartNs": int, "cleanupEndNs": int})
    }
    deadline = _winning_deadline_ms(seen.input) * MS
    problems = []
    for res in _timeout_results(seen):
        r = recs.get(res.get("id"))
        if r is None:
            continue
        if "timedOut" in res:
            if r["outcome"] != "cancelled":
                problems.append(
                    f"operation {r['id']} is reported timed out, but it ended {r['outcome']}"
                )
            if r["endNs"] < deadline:
                problems.append(
                    f"operation {r['id']} is reported timed out, but it stopped at "
                    f"{r['endNs'] / MS:.1f} ms, before the {deadline / MS:.0f} ms deadline"
                )
        elif r["outcome"] == "cancelled":
            problems.append(f"operation {r['id']} was cancelled, but its result is reported")
    return problems


@invariant("returned-near-deadline", "liveness")
def _returned_near_deadline(seen: Seen) -> list[str]:
    cleanups = max((o.get("cleanupMs", 0) for o in seen.input["operations"]), default=0)
    bound = (_winning_deadline_ms(seen.input) + cleanups + seen.params["slackMs"]) * MS
    elapsed = integer(seen.observed, "elapsedNs")
    if elapsed > bound:
        return [
            f"the call returned at {elapsed / MS:.1f} ms, more than {seen.params['slackMs']} ms "
            "after its deadline and cleanups"
        ]
    return []


# ----------------------------------------------------------------------------- retry


@invariant("retry-schedule-kept", "safety")
def _retry_schedule_kept(seen: Seen) -> list[str]:
    policy = seen.input["policy"]
    out = seen.output if isinstance(seen.output, dict) else {}
    if seen.input.get("mode") != "live":
        starts = out.get("startsMs", [])
        if len(starts) > policy["maxAttempts"]:
            return [f"{len(starts)} attempts, more than maxAttempts {policy['maxAttempts']}"]
        deadline = policy.get("deadlineMs")
        late = [t for t in starts if deadline is not None and t > deadline]
        return [f"attempts scheduled after the {deadline} ms deadline: {late[:5]}"] if late else []
    attempts = records(seen, "attempts", {"attempt": int, "startNs": int, "endNs": int})
    elapsed = integer(seen.observed, "elapsedNs")
    problems = []
    if [a["attempt"] for a in attempts] != list(range(1, len(attempts) + 1)):
        problems.append("attempts are not numbered 1, 2, ... in order")
    if len(attempts) > policy["maxAttempts"]:
        problems.append(f"{len(attempts)} attempts, more than maxAttempts {policy['maxAttempts']}")
    if out.get("attempts") != len(attempts):
        problems.append(f"{out.get('attempts')} attempts reported, {len(attempts)} observed")
    delay = reference.retry_delays(policy)
    deadline = policy.get("deadlineMs")
    for before, after in itertools.pairwise(attempts):
        wait = delay(before["attempt"]) * MS
        if after["startNs"] < before["endNs"] + wait:
            problems.append(
                f"attempt {after['attempt']} started "
                f"{(after['startNs'] - before['endNs']) / MS:.3f} ms after attempt "
                f"{before['attempt']} ended, sooner than its {wait / MS:.0f} ms delay"
            )
    for a in attempts:
        if not 0 <= a["startNs"] <= a["endNs"] <= elapsed:
            problems.append(f"attempt {a['attempt']} lies outside [0, {elapsed}]")
        if deadline is not None and a["attempt"] > 1 and a["startNs"] > (deadline + 1000) * MS:
            problems.append(f"attempt {a['attempt']} started long after the {deadline} ms deadline")
    return problems[:10]


@invariant("retry-not-late", "liveness")
def _retry_not_late(seen: Seen) -> list[str]:
    attempts = records(seen, "attempts", {"attempt": int, "startNs": int, "endNs": int})
    delay = reference.retry_delays(seen.input["policy"])
    slack = seen.params["slackMs"] * MS
    return [
        f"attempt {after['attempt']} started "
        f"{(after['startNs'] - before['endNs']) / MS:.1f} ms after the previous one ended, "
        f"more than {seen.params['slackMs']} ms later than its delay"
        for before, after in itertools.pairwise(attempts)
        if after["startNs"] > before["endNs"] + delay(before["attempt"]) * MS + slack
    ]


# ----------------------------------------------------------------------------- first-completed


def _winner(seen: Seen) -> dict[str, Any] | None:
    out = seen.output if isinstance(seen.output, dict) else {}
    first = out.get("first")
    return first if isinstance(first, dict) else None


@invariant("answer-from-a-finished-operation", "safety")
def _answer_from_finished(seen: Seen) -> list[str]:
    recs = {r["id"]: r for r in _operations(seen)}
    first = _winner(seen)
    if first is None:
        return []
    r = recs.get(first.get("id"))
    if r is None:
        return [f"the answer names operation {first.get('id')}, which has no record"]
    wanted = ("ok", "failed") if seen.input["mode"] == "race" else ("ok",)
    if r["outcome"] not in wanted:
        return [f"the answer is operation {r['id']}, which ended {r['outcome']}"]
    # Sound whatever the scheduling: an operation that had finished before the winner even
    # started was there to be taken first.
    earlier = [
        o["id"]
        for o in recs.values()
        if o["id"] != r["id"] and o["outcome"] in wanted and o["endNs"] < r["startNs"]
    ]
    if earlier:
        return [f"operations {earlier[:5]} finished before the answer, {r['id']}, even started"]
    return []


@invariant("no-loser-running", "safety")
def _no_loser_running(seen: Seen) -> list[str]:
    recs = _operations(seen)
    elapsed = integer(seen.observed, "elapsedNs")
    problems = _once(recs, "operation") + _within(recs, elapsed, "operation")
    if seen.input["mode"] != "hedge":
        started = {r["id"] for r in recs}
        never = [o["id"] for o in seen.input["operations"] if o["id"] not in started]
        if never:
            problems.append(f"operations never started: {never[:10]}")
    return problems


@invariant("hedged-only-when-late", "safety")
def _hedged_only_when_late(seen: Seen) -> list[str]:
    if seen.input["mode"] != "hedge":
        return []
    primary, backup = (o["id"] for o in seen.input["operations"])
    recs = {r["id"]: r for r in _operations(seen)}
    out = seen.output if isinstance(seen.output, dict) else {}
    b, p = recs.get(backup), recs.get(primary)
    problems = []
    if out.get("hedged") is not (b is not None):
        problems.append(
            f"hedged is {out.get('hedged')}, but the backup {'did' if b else 'did not'} start"
        )
    if b is None or p is None:
        return problems
    if p["outcome"] == "ok" and p["endNs"] < b["startNs"]:
        problems.append(
            f"the backup started at {b['startNs'] / MS:.1f} ms, after the primary had answered at "
            f"{p['endNs'] / MS:.1f} ms"
        )
    early = b["startNs"] < seen.input["hedgeAfterMs"] * MS
    if early and not (p["outcome"] == "failed" and p["endNs"] <= b["startNs"]):
        problems.append(
            f"the backup started at {b['startNs'] / MS:.1f} ms, before hedgeAfterMs "
            f"{seen.input['hedgeAfterMs']} with the primary not failed"
        )
    return problems


@invariant("losers-cancelled-promptly", "liveness")
def _losers_cancelled_promptly(seen: Seen) -> list[str]:
    recs = {r["id"]: r for r in _operations(seen)}
    first = _winner(seen)
    if first is None or first.get("id") not in recs:
        return ["no winner to measure from"]
    bound = recs[first["id"]]["endNs"] + seen.params["slackMs"] * MS
    elapsed = integer(seen.observed, "elapsedNs")
    late = [r["id"] for r in recs.values() if r["endNs"] > bound]
    problems = (
        [f"operations {late[:5]} stopped more than {seen.params['slackMs']} ms after the answer"]
        if late
        else []
    )
    if elapsed > bound:
        problems.append(f"the call returned more than {seen.params['slackMs']} ms after the answer")
    return problems


# ----------------------------------------------------------------------------- error-group


def _tree(
    group: dict[str, Any], parent: int | None = None
) -> list[tuple[dict[str, Any], dict[str, Any], int | None]]:
    """Every task of a group's tree, depth first, with the group it belongs to and its parent."""
    out = []
    for task in group["tasks"]:
        out.append((task, group, parent))
        if "group" in task:
            out += _tree(task["group"], task["id"])
    return out


@invariant("every-task-reported-once", "safety")
def _every_task_reported_once(seen: Seen) -> list[str]:
    tasks = [t for t, _, _ in _tree(seen.input)]
    recs = {r["id"]: r for r in _operations(seen, "tasks")}
    out = seen.output if isinstance(seen.output, dict) else {}
    reported = [e for e in out.get("tasks", []) if isinstance(e, dict)]
    elapsed = integer(seen.observed, "elapsedNs")
    problems = _once(_operations(seen, "tasks"), "task") + _within(
        list(recs.values()), elapsed, "task"
    )
    counts = Counter(e.get("id") for e in reported)
    for t in tasks:
        if counts[t["id"]] != 1:
            problems.append(f"task {t['id']} is reported {counts[t['id']]} times, not once")
    for e in reported:
        r = recs.get(e.get("id"))
        status = e.get("status")
        want = status if status in ("ok", "failed", "cancelled") else None
        if status == "not-started" and r is not None:
            problems.append(f"task {e.get('id')} is reported not started, but it started")
        elif want is not None and (r is None or r["outcome"] != want):
            ended = "never started" if r is None else f"ended {r['outcome']}"
            problems.append(f"task {e.get('id')} is reported {status}, but it {ended}")
    return problems[:10]


def _groups(inp: dict[str, Any]) -> list[dict[str, Any]]:
    out = [inp]
    for task, _, _ in _tree(inp):
        if "group" in task:
            out.append(task["group"])
    return out


@invariant("no-start-after-failure", "safety")
def _no_start_after_failure(seen: Seen) -> list[str]:
    # As for a fail-fast gather: a task may read its startNs after the failure only if it took
    # its slot before, and at the failure such tasks hold slots beside the failing one and those
    # still running, so there are at most `limit - 1 - running` of them.
    recs = {r["id"]: r for r in _operations(seen, "tasks")}
    problems = []
    for group in _groups(seen.input):
        if group["policy"] != "fail-fast":
            continue
        mine = [recs[t["id"]] for t in group["tasks"] if t["id"] in recs]
        failed = [r for r in mine if r["outcome"] == "failed"]
        if not failed:
            continue
        first = min(failed, key=lambda r: r["endNs"])
        late = [r for r in mine if r["startNs"] > first["endNs"]]
        running = sum(
            1 for r in mine if r is not first and r["startNs"] <= first["endNs"] < r["endNs"]
        )
        limit = group.get("limit", len(group["tasks"]))
        room = max(0, limit - 1 - running)
        if len(late) > room:
            ids = sorted(r["id"] for r in late)
            problems.append(f"tasks {ids[:10]} started after task {first['id']} failed")
    return problems


@invariant("group-within-limit", "safety")
def _group_within_limit(seen: Seen) -> list[str]:
    recs = {r["id"]: r for r in _operations(seen, "tasks")}
    problems = []
    for group in _groups(seen.input):
        limit = group.get("limit")
        if limit is None:
            continue
        evs = [
            Event(r["id"], r["startNs"], r["endNs"])
            for t in group["tasks"]
            if (r := recs.get(t["id"]))
        ]
        peak = peak_overlap(evs)
        if peak > limit:
            problems.append(f"{peak} tasks of one group ran at once, above its limit {limit}")
    return problems


@invariant("group-cancelled-promptly", "liveness")
def _group_cancelled_promptly(seen: Seen) -> list[str]:
    recs = _operations(seen, "tasks")
    failed = [r for r in recs if r["outcome"] == "failed"]
    if not failed:
        return ["no task failed"]
    bound = min(r["endNs"] for r in failed) + seen.params["slackMs"] * MS
    elapsed = integer(seen.observed, "elapsedNs")
    late = [r["id"] for r in recs if r["outcome"] == "cancelled" and r["endNs"] > bound]
    problems = (
        [f"tasks {late[:5]} stopped more than {seen.params['slackMs']} ms after the failure"]
        if late
        else []
    )
    if seen.input["policy"] == "fail-fast" and elapsed > bound:
        problems.append(
            f"the group returned more than {seen.params['slackMs']} ms after the failure"
        )
    return problems
