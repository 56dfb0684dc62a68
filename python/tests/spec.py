"""The language-neutral specs (`harness/spec/<slug>.json`) as the native tests read them.

A native test holds an answer to the same rules the harness applies: outputs compared as each
case's `compare` says, and the invariants checked on the observations, safety exactly.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest

from cookbook.runner import protocol
from cookbook.runner.registry import implementation
from cookbook.work import to_hex, work

NS_PER_MS = 1_000_000
SPEC_DIR = Path(__file__).resolve().parents[2] / "harness" / "spec"


@cache
def load_spec(slug: str) -> dict[str, Any]:
    with (SPEC_DIR / f"{slug}.json").open(encoding="utf-8") as spec:
        loaded: dict[str, Any] = json.load(spec)
    return loaded


def assert_case(variant: str, spec: Mapping[str, Any], case: Mapping[str, Any]) -> None:
    """Answer `case` through the runner's own code for `variant`, and hold the answer to the
    case's expectation and to every invariant that applies to it."""
    impl = implementation(variant)
    request = {"pattern": spec["pattern"], "id": case["id"], "input": case["input"]}
    # Through JSON and back, as the harness reads it.
    answer = json.loads(json.dumps(protocol.answer(impl, request)))
    assert answer["id"] == case["id"]
    if case["id"] in impl.skips.get(spec["pattern"], {}):
        assert answer["status"] == "unsupported"
        return
    expected = case["expected"]
    if "error" in expected:
        assert answer["status"] == "error", answer
        field = expected["error"]["field"]
        assert answer["error"]["field"] == field
        assert answer["error"]["message"].startswith(field + " "), answer["error"]["message"]
    else:
        assert answer["status"] == "ok", answer
        assert_output(expected["output"], answer["output"], case.get("compare", {}))
        invariants = [*spec.get("invariants", []), *case.get("invariants", [])]
        assert_invariants(invariants, case["input"], answer["observed"])


def assert_output(
    expected: Mapping[str, Any], actual: Mapping[str, Any], compare: Mapping[str, str]
) -> None:
    """Compare each top-level field as `exact` (the default), `multiset` or `set`."""
    assert set(actual) == set(expected)
    for name, want in expected.items():
        mode = compare.get(name, "exact")
        if mode == "exact":
            assert actual[name] == want, name
        elif mode == "multiset":
            assert Counter(map(_canonical, actual[name])) == Counter(map(_canonical, want)), name
        elif mode == "set":
            assert set(map(_canonical, actual[name])) == set(map(_canonical, want)), name
        else:
            pytest.fail(f"unknown compare mode {mode!r} for {name}")


def assert_invariants(
    invariants: Iterable[Mapping[str, Any]], input: Mapping[str, Any], observed: Mapping[str, Any]
) -> None:
    """Check each invariant on the observations; an invariant this file does not know fails."""
    events = observed.get("events", [])
    for invariant in invariants:
        params: dict[str, Any] = {key: _resolve(value, input) for key, value in invariant.items()}
        check = params.pop("check")
        if check == "each-job-once":
            assert sorted(e["id"] for e in events) == sorted(_job_ids(input))
        elif check == "events-within-elapsed":
            for e in events:
                assert 0 <= e["startNs"] <= e["endNs"] <= observed["elapsedNs"], e
        elif check == "max-in-flight-at-most":
            assert observed["maxInFlight"] <= params["limit"]
            assert peak_in_flight(events) <= params["limit"]
        elif check == "max-in-flight-reached":
            assert peak_in_flight(events) >= params["target"]
        elif check == "elapsed-below-serial":
            serial_ns = sum(job.get("sleepMs", 0) for job in _jobs(input)) * 1_000_000
            assert observed["elapsedNs"] <= params["fraction"] * serial_ns
        elif check in CHECKS:
            CHECKS[check](input, observed, params)
        else:
            pytest.fail(f"unknown invariant {check!r}")


def peak_in_flight(events: Iterable[Mapping[str, int]]) -> int:
    """The most event intervals open at one instant. At equal times an end counts before a start:
    a slot given back at t and taken again at t was never held twice."""
    edges = sorted(edge for e in events for edge in ((e["startNs"], 1), (e["endNs"], -1)))
    peak = in_flight = 0
    for _, change in edges:
        in_flight += change
        peak = max(peak, in_flight)
    return peak


def assert_bucket_never_exceeded(input: Mapping[str, Any], at: list[int]) -> None:
    """In integers, as the harness checks it: between admissions i <= j at most
    `burst + (at[j] - at[i]) * tokens / cost` may be admitted, a token costing everyMs in ns."""
    tokens, cost = input["refill"]["tokens"], input["refill"]["everyMs"] * NS_PER_MS
    for i in range(len(at)):
        for j in range(i, len(at)):
            assert (j - i + 1 - input["burst"]) * cost <= (at[j] - at[i]) * tokens, (i, j, at)


def assert_window_never_exceeded(input: Mapping[str, Any], at: list[int]) -> None:
    """At most `limit` admissions in `(t - windowMs, t]` for every admission at `t`."""
    window = input["windowMs"] * NS_PER_MS
    for t in at:
        assert sum(1 for u in at if t - window < u <= t) <= input["limit"], (t, at)


def ideal_ns(input: Mapping[str, Any]) -> int:
    """The shortest live run the limiter's parameters allow for every request."""
    n = int(input["callers"] * input["requestsPerCaller"])
    if "refill" in input:
        cost = int(input["refill"]["everyMs"]) * NS_PER_MS
        return -(-max(0, n - int(input["burst"])) * cost // int(input["refill"]["tokens"]))
    return max(0, -(-n // int(input["limit"])) - 1) * int(input["windowMs"]) * NS_PER_MS


# The live limiters' invariants: each takes the case's input, the observations and its own
# parameters.
Json = Mapping[str, Any]


def _bucket_never_exceeded(input: Json, observed: Json, _: Json) -> None:
    assert_bucket_never_exceeded(input, sorted(a["atNs"] for a in observed["admissions"]))


def _window_never_exceeded(input: Json, observed: Json, _: Json) -> None:
    assert_window_never_exceeded(input, sorted(a["atNs"] for a in observed["admissions"]))


def _woke_after_admission(_: Json, observed: Json, __: Json) -> None:
    for a in observed["admissions"]:
        assert a["requestNs"] <= a["atNs"] <= a["wokeNs"], a


def _throughput_near_rate(input: Json, observed: Json, params: Json) -> None:
    bound = ideal_ns(input) / params["fraction"] + params["slackMs"] * NS_PER_MS
    assert observed["elapsedNs"] <= bound


def _no_caller_starves(input: Json, observed: Json, params: Json) -> None:
    per_caller = Counter(a["caller"] for a in observed["admissions"])
    assert per_caller == Counter(dict.fromkeys(range(input["callers"]), input["requestsPerCaller"]))
    for a in observed["admissions"]:
        assert a["wokeNs"] - a["requestNs"] <= params["boundMs"] * NS_PER_MS, a


LIMITER_CHECKS: dict[str, Callable[[Json, Json, Json], None]] = {
    "token-bucket-never-exceeded": _bucket_never_exceeded,
    "window-never-exceeded": _window_never_exceeded,
    "woke-after-admission": _woke_after_admission,
    "throughput-near-rate": _throughput_near_rate,
    "no-caller-starves": _no_caller_starves,
}


# Fan-in: what a merge's reader received, and the calls of a scatter-gather.


def _ready_ms(input: Json) -> dict[tuple[int, int], int]:
    """When each item of a merge is ready, in ms from the start, if its source's sleeps took no
    longer: the sum of its source's delays up to and including its own."""
    sources = input["sources"]
    return {(s, i): t for s, delays in enumerate(sources) for i, t in enumerate(accumulate(delays))}


def _merge_each_item_once(input: Json, observed: Json, _: Json) -> None:
    got = sorted((r["source"], r["index"]) for r in observed["received"])
    assert got == sorted(_ready_ms(input))


def _source_order_kept(_: Json, observed: Json, __: Json) -> None:
    next_index: Counter[int] = Counter()
    for r in observed["received"]:
        assert r["index"] == next_index[r["source"]], r
        next_index[r["source"]] += 1


def _merge_not_held(input: Json, observed: Json, params: Json) -> None:
    ready = _ready_ms(input)
    for r in observed["received"]:
        assert r["atNs"] <= (ready[r["source"], r["index"]] + params["slackMs"]) * NS_PER_MS, r


def _nothing_running_after(_: Json, observed: Json, __: Json) -> None:
    assert observed["runningAfter"] == 0


def _cancelled_promptly(input: Json, observed: Json, params: Json) -> None:
    failing = next(i for i, item in enumerate(input["items"]) if item.get("fail"))
    [failed] = [e for e in observed["events"] if e["id"] == failing]
    deadline = failed["endNs"] + params["slackMs"] * NS_PER_MS
    for e in observed["events"]:
        assert e["endNs"] <= deadline, e  # so its start was before the deadline too
    assert observed["elapsedNs"] <= deadline


FAN_IN_CHECKS: dict[str, Callable[[Json, Json, Json], None]] = {
    "merge-each-item-once": _merge_each_item_once,
    "source-order-kept": _source_order_kept,
    "merge-not-held": _merge_not_held,
    "nothing-running-after": _nothing_running_after,
    "cancelled-promptly": _cancelled_promptly,
}


# The read-heavy cache: lock intervals, computes, and the history of operations.


def _held(observed: Json, mode: str) -> list[dict[str, int]]:
    return [
        {"startNs": lock["acquiredNs"], "endNs": lock["releasedNs"]}
        for lock in observed["locks"]
        if lock["mode"] == mode
    ]


def _writer_exclusive(_: Json, observed: Json, __: Json) -> None:
    locks = observed["locks"]
    for w in (lock for lock in locks if lock["mode"] == "write"):
        for other in locks:
            # Half-open intervals: released at t and taken at t did not overlap.
            apart = other["releasedNs"] <= w["acquiredNs"] or w["releasedNs"] <= other["acquiredNs"]
            assert other is w or apart, (w, other)


def _single_flight(_: Json, observed: Json, __: Json) -> None:
    assert max(Counter(c["key"] for c in observed["computes"]).values(), default=0) <= 1


def _ops_complete(input: Json, observed: Json, _: Json) -> None:
    script = [
        (c, i, op["op"], op["key"])
        for c, ops in enumerate(input["clients"])
        for i, op in enumerate(ops)
        if op["op"] != "sleep"
    ]
    done = [(r["client"], r["index"], r["op"], r["key"]) for r in observed["ops"]]
    assert sorted(done) == sorted(script)


def _readers_overlap(_: Json, observed: Json, params: Json) -> None:
    assert peak_in_flight(_held(observed, "read")) >= params["target"]


def _computes_overlap(_: Json, observed: Json, params: Json) -> None:
    assert peak_in_flight(observed["computes"]) >= params["target"]


def _writer_not_starved(_: Json, observed: Json, params: Json) -> None:
    for lock in observed["locks"]:
        if lock["mode"] == "write":
            assert lock["acquiredNs"] - lock["requestNs"] <= params["boundMs"] * NS_PER_MS, lock


def _linearizable(input: Json, observed: Json, _: Json) -> None:
    by_key: defaultdict[int, list[Json]] = defaultdict(list)
    for r in observed["ops"]:
        by_key[r["key"]].append(r)
    for key, history in by_key.items():
        computed = to_hex(work(key, input.get("computeCost", 0)))
        assert linearizable(history, computed), (key, history)


def linearizable(history: Sequence[Json], computed: str) -> bool:
    """Whether one key's operations have a serial order that respects real time (one that returned
    before another was invoked comes first) in which each returns what the ones before it left.

    A depth-first search over which operations went first and the value they left (`None`:
    absent), each such state tried once. A getOrCompute on an absent key leaves `computed`.
    """
    everything = (1 << len(history)) - 1

    @cache
    def completes(done: int, value: str | None) -> bool:
        if done == everything:
            return True
        pending = [k for k in range(len(history)) if not done >> k & 1]
        # Only an operation invoked before every pending one returned can go next.
        horizon = min(history[k]["returnNs"] for k in pending)
        for k in pending:
            op = history[k]
            if op["invokeNs"] > horizon:
                continue
            if op["op"] == "set":
                fits, after = True, op["value"]
            else:
                after = computed if op["op"] == "getOrCompute" and value is None else value
                fits = op["value"] == after
            if fits and completes(done | 1 << k, after):
                return True
        return False

    return completes(0, None)


CACHE_CHECKS: dict[str, Callable[[Json, Json, Json], None]] = {
    "writer-exclusive": _writer_exclusive,
    "single-flight": _single_flight,
    "linearizable": _linearizable,
    "ops-complete": _ops_complete,
    "readers-overlap": _readers_overlap,
    "computes-overlap": _computes_overlap,
    "writer-not-starved": _writer_not_starved,
}
CHECKS = LIMITER_CHECKS | FAN_IN_CHECKS | CACHE_CHECKS
"""The invariants of the patterns after the worker pool, by name."""


def _jobs(input: Json) -> list[Json]:
    """A worker pool's jobs, or a scatter-gather's items."""
    jobs: list[Json] = input["jobs"] if "jobs" in input else input["items"]
    return jobs


def _job_ids(input: Json) -> list[int]:
    """A worker pool's jobs carry ids; a scatter-gather's items are known by their index."""
    return (
        [job["id"] for job in input["jobs"]]
        if "jobs" in input
        else list(range(len(input["items"])))
    )


def _resolve(value: Any, input: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$input."):
        return input[value.removeprefix("$input.")]
    return value


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True)
