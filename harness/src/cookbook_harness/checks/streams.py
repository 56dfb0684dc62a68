"""Checks on streams of items over time: batching and publish-subscribe."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import ObservationError, Seen, integer, invariant, records

# ----------------------------------------------------------------------------- batching


def _batches(seen: Seen) -> list[dict[str, Any]]:
    raw = seen.output.get("batches") if isinstance(seen.output, dict) else None
    if not isinstance(raw, list) or not all(
        isinstance(b, dict) and isinstance(b.get("ids"), list) for b in raw
    ):
        raise ObservationError("output.batches must be a list of objects with ids")
    return raw


@invariant("batches-partition-items", "safety")
def _batches_partition_items(seen: Seen) -> list[str]:
    limit = seen.params["maxSize"]
    batches = _batches(seen)
    problems = [
        f"batch {n} holds {len(b['ids'])} items, outside 1 to {limit}"
        for n, b in enumerate(batches)
        if not 1 <= len(b["ids"]) <= limit
    ]
    flat = [i for b in batches for i in b["ids"]]
    want = [item["id"] for item in seen.input["items"]]
    if flat != want:
        counts = Counter(flat)
        twice = sorted(i for i, n in counts.items() if n > 1)
        lost = [i for i in want if i not in counts]
        if twice:
            problems.append(f"items in more than one batch: {twice[:10]}")
        if lost:
            problems.append(f"items in no batch: {lost[:10]}")
        if not twice and not lost:
            problems.append("the batches hold every item, but not in arrival order")
    return problems[:10]


def _live(seen: Seen) -> tuple[list[dict[str, Any]], dict[int, int], list[int], int] | None:
    """Per batch its flush time, the items' arrival times, and the end of the stream."""
    if seen.input.get("mode") != "live":
        return None
    batches = _batches(seen)
    arrivals = {a["id"]: a["ns"] for a in records(seen, "arrivals", {"id": int, "ns": int})}
    flushes = records(seen, "flushes", {"batch": int, "ns": int})
    if sorted(f["batch"] for f in flushes) != list(range(len(batches))):
        raise ObservationError("observed.flushes must hold one record per batch")
    at = [0] * len(batches)
    for f in flushes:
        at[f["batch"]] = f["ns"]
    return batches, arrivals, at, integer(seen.observed, "endNs")


def _allowed(batch: dict[str, Any], arrivals: dict[int, int], end: int, wait_ns: int) -> int | None:
    """The earliest a batch may be flushed for its stated reason."""
    ids = batch["ids"]
    if any(i not in arrivals for i in ids):
        return None
    if batch.get("reason") == "due":
        return arrivals[ids[0]] + wait_ns
    if batch.get("reason") == "end":
        return end
    return arrivals[ids[-1]]


@invariant("flushed-not-early", "safety")
def _flushed_not_early(seen: Seen) -> list[str]:
    live = _live(seen)
    batches = _batches(seen)
    problems = [
        f"batch {n} is said to be full with {len(b['ids'])} items, not {seen.input['maxSize']}"
        for n, b in enumerate(batches)
        if b.get("reason") == "full" and len(b["ids"]) != seen.input["maxSize"]
    ]
    if live is None:
        return problems
    batches, arrivals, at, end = live
    wait_ns = seen.params["maxWaitMs"] * 1_000_000
    for n, b in enumerate(batches):
        allowed = _allowed(b, arrivals, end, wait_ns)
        if allowed is None:
            problems.append(f"batch {n} holds an item with no arrival record")
        elif at[n] < allowed:
            problems.append(
                f"batch {n} ({b.get('reason')}) was flushed at {at[n] / 1e6:.3f} ms, before "
                f"{allowed / 1e6:.3f} ms"
            )
        last = max((arrivals.get(i, 0) for i in b["ids"]), default=0)
        if at[n] < last:
            problems.append(f"batch {n} was flushed before its last item arrived")
    if at != sorted(at):
        problems.append("batches were flushed out of order")
    return problems[:10]


@invariant("flushed-when-due", "liveness")
def _flushed_when_due(seen: Seen) -> list[str]:
    live = _live(seen)
    if live is None:
        return []
    batches, arrivals, at, end = live
    slack = seen.params["slackMs"]
    problems = []
    for n, b in enumerate(batches):
        allowed = _allowed(b, arrivals, end, seen.params["maxWaitMs"] * 1_000_000)
        if allowed is not None and at[n] > allowed + slack * 1_000_000:
            problems.append(
                f"batch {n} ({b.get('reason')}) was flushed at {at[n] / 1e6:.1f} ms, more "
                f"than {slack} ms after {allowed / 1e6:.1f} ms"
            )
    return problems


# ----------------------------------------------------------------------------- pub-sub


def published_while_subscribed(case_input: dict[str, Any]) -> dict[int, list[int]]:
    """For each subscriber, the messages of its topic published while it was subscribed."""
    topic = {s["id"]: s["topic"] for s in case_input["subscribers"]}
    truth: dict[int, list[int]] = {k: [] for k in topic}
    subscribed: set[int] = set()
    for op in case_input["script"]:
        if op["op"] == "subscribe":
            subscribed.add(op["subscriber"])
        elif op["op"] == "unsubscribe":
            subscribed.discard(op["subscriber"])
        elif op["op"] == "publish":
            for k in subscribed:
                if topic[k] == op["topic"]:
                    truth[k].append(op["id"])
    return truth


def _streams(seen: Seen) -> dict[int, dict[str, Any]]:
    raw = records(seen, "streams", {"subscriber": int, "seen": list, "endNs": int})
    out = {}
    for s in raw:
        for n, entry in enumerate(s["seen"]):
            ok = isinstance(entry, dict) and isinstance(entry.get("ns"), int)
            ok = ok and (isinstance(entry.get("id"), int) or isinstance(entry.get("missed"), int))
            if not ok:
                raise ObservationError(
                    f"stream of subscriber {s['subscriber']}: seen[{n}] must be "
                    '{"id", "ns"} or {"missed", "ns"}'
                )
        out[s["subscriber"]] = s
    return out


def _follow(truth: list[int], stream: list[dict[str, Any]], lag: bool) -> str | None:
    """Whether a stream is what its subscriber may see: every message it was published, under
    block; an in-order subsequence with exact notices of what it skipped, under lag."""
    pos = 0
    pending = 0
    index = {m: n for n, m in enumerate(truth)}
    for entry in stream:
        if "missed" in entry and not isinstance(entry.get("id"), int):
            if not lag:
                return "a notice of lag under block, which loses nothing"
            pending += entry["missed"]
            continue
        m = entry["id"]
        k = index.get(m)
        if k is None:
            return f"message {m}, which was not published to it while it was subscribed"
        if k < pos:
            return f"message {m} again or out of publish order"
        if not lag and k != pos:
            return f"message {m} after skipping {k - pos} (block loses nothing)"
        if lag and k - pos != pending:
            return f"message {m} after skipping {k - pos}, but it was told it missed {pending}"
        pos, pending = k + 1, 0
    if pending:
        # A lagging buffer drops its oldest message, so the newest always get through: a notice
        # with no message after it means the newest were the ones dropped.
        return f"a notice that it missed {pending} with no message after it: the newest were lost"
    if pos < len(truth):
        return f"its stream ended {len(truth) - pos} messages short"
    return None


@invariant("delivered-while-subscribed", "safety")
def _delivered_while_subscribed(seen: Seen) -> list[str]:
    lag = seen.input["policy"] == "lag"
    truth = published_while_subscribed(seen.input)
    streams = _streams(seen)
    outputs = {}
    if isinstance(seen.output, dict) and isinstance(seen.output.get("subscribers"), list):
        outputs = {s.get("id"): s for s in seen.output["subscribers"] if isinstance(s, dict)}
    problems = []
    for k, want in truth.items():
        stream = streams.get(k)
        if stream is None:
            problems.append(f"subscriber {k} has no stream record")
            continue
        wrong = _follow(want, stream["seen"], lag)
        if wrong:
            problems.append(f"subscriber {k} saw {wrong}")
        said = outputs.get(k, {})
        ids = [e["id"] for e in stream["seen"] if isinstance(e.get("id"), int)]
        missed = sum(e["missed"] for e in stream["seen"] if not isinstance(e.get("id"), int))
        if said.get("received") != ids or said.get("missed") != missed:
            problems.append(f"subscriber {k}'s output is not what its stream yielded")
    return problems[:10]


@invariant("buffers-within-size", "safety")
def _buffers_within_size(seen: Seen) -> list[str]:
    limit = seen.params["limit"]
    maxes = records(seen, "maxBuffered", {"subscriber": int, "max": int})
    problems = [
        f"subscriber {m['subscriber']}'s buffer held {m['max']} messages, above {limit}"
        for m in maxes
        if m["max"] > limit
    ]
    missing = {s["id"] for s in seen.input["subscribers"]} - {m["subscriber"] for m in maxes}
    if missing:
        problems.append(f"no buffer record for subscribers {sorted(missing)[:10]}")
    return problems


@invariant("streams-ended", "safety")
def _streams_ended(seen: Seen) -> list[str]:
    elapsed = integer(seen.observed, "elapsedNs")
    streams = _streams(seen)
    problems = []
    for s in seen.input["subscribers"]:
        stream = streams.get(s["id"])
        if stream is None:
            problems.append(f"subscriber {s['id']}'s stream never ended")
            continue
        if not 0 <= stream["endNs"] <= elapsed:
            problems.append(f"subscriber {s['id']}'s stream ended outside [0, {elapsed}]")
        if any(not 0 <= e["ns"] <= stream["endNs"] for e in stream["seen"]):
            problems.append(f"subscriber {s['id']} saw something outside [0, its end]")
    for p in records(seen, "publishes", {"id": int, "startNs": int, "endNs": int}):
        if not 0 <= p["startNs"] <= p["endNs"] <= elapsed:
            problems.append(f"publish of message {p['id']} lies outside [0, {elapsed}]")
    return problems[:10]


@invariant("publisher-waited", "liveness")
def _publisher_waited(seen: Seen) -> list[str]:
    pubs = records(seen, "publishes", {"id": int, "startNs": int, "endNs": int})
    longest = max((p["endNs"] - p["startNs"] for p in pubs), default=0)
    if longest < seen.params["atLeastMs"] * 1_000_000:
        return [
            f"no publish waited: the longest took {longest / 1e6:.1f} ms, expected at least "
            f"{seen.params['atLeastMs']} ms for a slow subscriber's full buffer"
        ]
    return []
