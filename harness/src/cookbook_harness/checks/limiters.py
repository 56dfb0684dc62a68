"""Checks on live rate limiters: the admissions the limiter reserved never exceed its parameters
(exact, in integers), and callers get through at close to the configured rate."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import Seen, integer, invariant, records

NS_PER_MS = 1_000_000


def admissions(seen: Seen) -> list[dict[str, Any]]:
    fields = {"caller": int, "requestNs": int, "atNs": int, "wokeNs": int}
    return sorted(records(seen, "admissions", fields), key=lambda a: a["atNs"])


@invariant("token-bucket-never-exceeded", "safety")
def _bucket(seen: Seen) -> list[str]:
    # In integers: a token costs everyMs * 1e6 credits and each nanosecond adds `tokens` credits,
    # so between admissions i <= j at most burst + (at_j - at_i) * tokens / cost may be admitted.
    #
    # Two bounds, both exact. The bucket starts full at the first admission, whose time is a
    # request's own, not computed: from there, no allowance at all, so an admission whose wait was
    # rounded down (admitted before its token was whole) fails here. Between two later
    # admissions, each instant is the reservation's exact instant rounded up to a whole
    # nanosecond, so the earlier one may stand up to a nanosecond late, which is `tokens - 1`
    # credits at most: without that allowance every correct bucket that earns several tokens
    # per period would fail.
    tokens, cost = seen.input["refill"]["tokens"], seen.input["refill"]["everyMs"] * NS_PER_MS
    burst = seen.input["burst"]
    at = [a["atNs"] for a in admissions(seen)]
    for i in range(len(at)):
        allowance = 0 if i == 0 else tokens - 1
        for j in range(i, len(at)):
            if (j - i + 1 - burst) * cost > (at[j] - at[i]) * tokens + allowance:
                since = "the first admission, when the bucket was full" if i == 0 else ""
                return [
                    f"{j - i + 1} admissions from {at[i] / 1e6:.6f} ms to {at[j] / 1e6:.6f} ms"
                    f"{' (' + since + ')' if since else ''}: "
                    f"more than the burst of {burst} plus what the refill allows"
                ]
    return []


@invariant("window-never-exceeded", "safety")
def _window(seen: Seen) -> list[str]:
    limit, window = seen.input["limit"], seen.input["windowMs"] * NS_PER_MS
    at = [a["atNs"] for a in admissions(seen)]
    for t in at:
        inside = sum(1 for u in at if t - window < u <= t)
        if inside > limit:
            return [f"{inside} admissions in the window ending at {t / 1e6:.3f} ms; limit {limit}"]
    return []


@invariant("woke-after-admission", "safety")
def _woke_after(seen: Seen) -> list[str]:
    return [
        f"caller {a['caller']} asked at {a['requestNs']} ns, was admitted at {a['atNs']} ns and "
        f"woke at {a['wokeNs']} ns: admitted before it asked, or woke before its admission"
        for a in admissions(seen)
        if not a["requestNs"] <= a["atNs"] <= a["wokeNs"]
    ][:5]


def ideal_ns(inp: dict[str, Any]) -> int:
    """The shortest run the parameters allow for every caller's every request."""
    n: int = inp["callers"] * inp["requestsPerCaller"]
    if "refill" in inp:
        tokens: int = inp["refill"]["tokens"]
        cost: int = inp["refill"]["everyMs"] * NS_PER_MS
        burst: int = inp["burst"]
        return -(-max(0, n - burst) * cost // tokens)
    limit: int = inp["limit"]
    window: int = inp["windowMs"] * NS_PER_MS
    return max(0, -(-n // limit) - 1) * window


@invariant("throughput-near-rate", "liveness")
def _throughput(seen: Seen) -> list[str]:
    elapsed = integer(seen.observed, "elapsedNs")
    fraction, slack = seen.params["fraction"], seen.params["slackMs"]
    bound = ideal_ns(seen.input) / fraction + slack * NS_PER_MS
    if elapsed > bound:
        return [
            f"took {elapsed / 1e6:.1f} ms where the rate allows "
            f"{ideal_ns(seen.input) / 1e6:.1f} ms; "
            f"below {fraction:.0%} of the configured rate"
        ]
    return []


@invariant("no-caller-starves", "liveness")
def _no_starving(seen: Seen) -> list[str]:
    bound = seen.params["boundMs"]
    found = admissions(seen)
    per_caller = Counter(a["caller"] for a in found)
    want = seen.input["requestsPerCaller"]
    problems = [
        f"caller {c} was admitted {per_caller.get(c, 0)} times, not {want}"
        for c in range(seen.input["callers"])
        if per_caller.get(c, 0) != want
    ]
    problems += [
        f"caller {a['caller']} waited {(a['wokeNs'] - a['requestNs']) / 1e6:.1f} ms, "
        f"more than {bound} ms"
        for a in found
        if a["wokeNs"] - a["requestNs"] > bound * NS_PER_MS
    ]
    return problems[:5]
