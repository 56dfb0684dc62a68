"""Checks on gates that let calls through over time: throttle, debounce, circuit breaker.

Live gates report the instant they decided, read from the clock they decide with (as the live
limiters do), so that "never closer than the interval" and "not before the quiet period" are
checked exactly on that clock; when the gated function then began is checked against it.
"""

from __future__ import annotations

import itertools
from typing import Any

from . import Event, ObservationError, Seen, integer, invariant, peak_overlap, records

MS = 1_000_000


def _output(seen: Seen) -> dict[str, Any]:
    return seen.output if isinstance(seen.output, dict) else {}


# ----------------------------------------------------------------------------- throttle


def _fires(seen: Seen) -> list[dict[str, Any]]:
    return sorted(records(seen, "fires", {"atNs": int, "startNs": int}), key=lambda f: f["atNs"])


@invariant("throttle-fires-spaced", "safety")
def _throttle_fires_spaced(seen: Seen) -> list[str]:
    interval = seen.input["intervalMs"]
    if seen.input["mode"] != "live":
        at = [f.get("atMs") for f in _output(seen).get("fired", []) if isinstance(f, dict)]
        close = [
            (a, b)
            for a, b in itertools.pairwise(at)
            if isinstance(a, int) and isinstance(b, int) and b - a < interval
        ]
        return [f"firings at {a} and {b} ms, closer than {interval} ms" for a, b in close[:5]]
    fires = _fires(seen)
    calls = records(seen, "calls", {"caller": int, "ns": int})
    problems = [
        f"firings decided at {a['atNs'] / MS:.3f} and {b['atNs'] / MS:.3f} ms, "
        f"closer than {interval} ms"
        for a, b in itertools.pairwise(fires)
        if b["atNs"] - a["atNs"] < interval * MS
    ][:5]
    problems += [
        f"a firing began at {f['startNs']} ns, before it was decided at {f['atNs']} ns"
        for f in fires
        if f["startNs"] < f["atNs"]
    ][:3]
    if fires and (not calls or fires[0]["atNs"] < min(c["ns"] for c in calls)):
        problems.append("a firing was decided before any call was made")
    if len(calls) != _output(seen).get("calls"):
        problems.append(f"{len(calls)} calls observed, {_output(seen).get('calls')} reported")
    return problems


@invariant("throttle-fired-promptly", "liveness")
def _throttle_fired_promptly(seen: Seen) -> list[str]:
    fires = _fires(seen)
    calls = sorted(c["ns"] for c in records(seen, "calls", {"caller": int, "ns": int}))
    if not calls:
        return []
    if not fires:
        return ["calls were made but nothing ever fired"]
    slack = seen.params["slackMs"] * MS
    problems = []
    if seen.input.get("leading", True) and fires[0]["atNs"] > calls[0] + slack:
        problems.append(
            f"the first call fired {(fires[0]['atNs'] - calls[0]) / MS:.1f} ms after it was made"
        )
    if seen.input.get("trailing", False):
        last = fires[-1]["atNs"]
        if last < calls[-1] or last > calls[-1] + seen.input["intervalMs"] * MS + slack:
            problems.append("the last call was not served by a trailing firing within the interval")
    return problems


# ----------------------------------------------------------------------------- debounce


def _runs(seen: Seen) -> list[dict[str, Any]]:
    runs = records(
        seen, "runs", {"call": int, "atNs": int, "startNs": int, "endNs": int, "outcome": str}
    )
    return sorted(runs, key=lambda r: r["atNs"])


def _bursts(seen: Seen) -> list[tuple[dict[str, Any], int, int, int]]:
    """Per run: the run, the first and last arrival of its burst, and the last call's index."""
    arrivals = sorted(records(seen, "arrivals", {"call": int, "ns": int}), key=lambda a: a["ns"])
    out = []
    previous = -1
    for run in _runs(seen):
        burst = [a for a in arrivals if previous < a["ns"] <= run["atNs"]]
        if burst:
            out.append((run, burst[0]["ns"], burst[-1]["ns"], burst[-1]["call"]))
        else:
            out.append((run, -1, -1, -1))
        previous = run["atNs"]
    return out


def _allowed(seen: Seen, first: int, last: int) -> int:
    allowed: int = last + seen.input["quietMs"] * MS
    max_wait = seen.input.get("maxWaitMs")
    return allowed if max_wait is None else min(allowed, first + max_wait * MS)


@invariant("debounce-waited-for-quiet", "safety")
def _debounce_waited(seen: Seen) -> list[str]:
    if seen.input["mode"] != "live":
        return []
    problems = []
    for run, first, last, call in _bursts(seen):
        if first < 0:
            problems.append(
                f"call {run['call']} fired at {run['atNs'] / MS:.1f} ms with no call before it"
            )
            continue
        if run["atNs"] < _allowed(seen, first, last):
            problems.append(
                f"call {run['call']} fired at {run['atNs'] / MS:.3f} ms, before the quiet period "
                f"after the call at {last / MS:.3f} ms had passed"
            )
        if run["call"] != call:
            problems.append(
                f"the burst ending with call {call} fired call {run['call']}, not its last"
            )
    return problems[:10]


@invariant("debounce-runs-finish", "safety")
def _debounce_runs_finish(seen: Seen) -> list[str]:
    if seen.input["mode"] != "live":
        return []
    elapsed = integer(seen.observed, "elapsedNs")
    fails = set(seen.input.get("failCalls", []))
    reported = {f.get("call"): f for f in _output(seen).get("fired", []) if isinstance(f, dict)}
    problems = []
    for run in _runs(seen):
        if run["outcome"] not in ("ok", "failed"):
            problems.append(
                f"the run of call {run['call']} ended {run['outcome']}: a started call must finish"
            )
        if not run["atNs"] <= run["startNs"] <= run["endNs"] <= elapsed:
            problems.append(
                f"the run of call {run['call']} lies outside [its decision, the return]"
            )
        if run["outcome"] == "failed" and "error" not in reported.get(run["call"], {}):
            problems.append(f"the run of call {run['call']} failed, but its error is not reported")
        if run["outcome"] == "ok" and run["call"] in fails:
            problems.append(f"call {run['call']} should have failed")
    return problems[:10]


@invariant("debounce-fired-promptly", "liveness")
def _debounce_fired_promptly(seen: Seen) -> list[str]:
    slack = seen.params["slackMs"] * MS
    return [
        f"call {run['call']} fired {(run['atNs'] - _allowed(seen, first, last)) / MS:.1f} ms late"
        for run, first, last, _ in _bursts(seen)
        if first >= 0 and run["atNs"] > _allowed(seen, first, last) + slack
    ]


# ----------------------------------------------------------------------------- circuit breaker

NEXT = {"closed": ("open",), "open": ("half-open",), "half-open": ("open", "closed")}


def _changes(seen: Seen) -> list[tuple[int, str]]:
    if seen.input["mode"] == "live":
        raw = records(seen, "changes", {"atNs": int, "to": str})
        return [(c["atNs"], c["to"]) for c in raw]
    out = _output(seen).get("changes", [])
    if not isinstance(out, list) or not all(
        isinstance(c, dict) and isinstance(c.get("atMs"), int) for c in out
    ):
        raise ObservationError("output.changes must be a list of {atMs, to}")
    return [(c["atMs"] * MS, str(c.get("to"))) for c in out]


@invariant("breaker-changes-in-order", "safety")
def _breaker_changes(seen: Seen) -> list[str]:
    state, since = "closed", 0
    problems = []
    for at, to in _changes(seen):
        if to not in NEXT[state]:
            problems.append(f"the breaker went from {state} to {to}")
        if at < since:
            problems.append(f"a change to {to} at {at / MS:.3f} ms comes before the one before it")
        if state == "open" and at - since < seen.input["openMs"] * MS:
            problems.append(
                f"the breaker was open {(at - since) / MS:.3f} ms, "
                f"less than openMs {seen.input['openMs']}"
            )
        state, since = to, at
    return problems[:10]


def _spans(seen: Seen, which: str) -> list[tuple[int, float]]:
    changes = _changes(seen)
    spans = []
    for n, (at, to) in enumerate(changes):
        if to == which:
            spans.append((at, changes[n + 1][0] if n + 1 < len(changes) else float("inf")))
    return spans


def _calls(seen: Seen) -> list[dict[str, Any]]:
    return records(seen, "calls", {"caller": int, "index": int, "decidedNs": int, "decision": str})


@invariant("no-call-while-open", "safety")
def _no_call_while_open(seen: Seen) -> list[str]:
    if seen.input["mode"] != "live":
        return []
    spans = _spans(seen, "open")
    problems = []
    elapsed = integer(seen.observed, "elapsedNs")
    for c in _calls(seen):
        if c["decision"] != "ran":
            continue
        if any(start < c["decidedNs"] < end for start, end in spans):
            problems.append(
                f"caller {c['caller']}'s call {c['index']} ran at {c['decidedNs'] / MS:.3f} ms, "
                "while the breaker was open"
            )
        start, end = c.get("startNs"), c.get("endNs")
        if not (
            isinstance(start, int)
            and isinstance(end, int)
            and c["decidedNs"] <= start <= end <= elapsed
        ):
            problems.append(
                f"caller {c['caller']}'s call {c['index']} ran without a run inside "
                "[its decision, the return]"
            )
    return problems[:10]


@invariant("probes-at-most", "safety")
def _probes_at_most(seen: Seen) -> list[str]:
    if seen.input["mode"] != "live":
        return []
    limit = seen.input["halfOpenProbes"]
    spans = _spans(seen, "half-open")
    problems = []
    for start, end in spans:
        probes = [
            Event(c["index"], c["startNs"], c["endNs"])
            for c in _calls(seen)
            if c["decision"] == "ran"
            and start <= c["decidedNs"] < end
            and isinstance(c.get("startNs"), int)
            and isinstance(c.get("endNs"), int)
        ]
        peak = peak_overlap(probes)
        if peak > limit:
            problems.append(
                f"{peak} probes ran at once in half-open from {start / MS:.3f} ms, above {limit}"
            )
    return problems
