"""The live limiter checks: exact bounds on reserved admissions, tolerance on throughput."""

from __future__ import annotations

from typing import Any

from cookbook_harness.checks import check_case
from cookbook_harness.checks.limiters import ideal_ns
from cookbook_harness.spec import Case

MS = 1_000_000
BUCKET = {
    "mode": "live",
    "refill": {"tokens": 1, "everyMs": 10},
    "burst": 2,
    "callers": 2,
    "requestsPerCaller": 2,
}
WINDOW = {"mode": "live", "limit": 2, "windowMs": 10, "callers": 2, "requestsPerCaller": 2}


def run(
    inp: dict[str, Any], at_ms: list[float], *checks: dict[str, Any], elapsed_ms: float = 30
) -> list[str]:
    admissions = [
        {"caller": n % 2, "requestNs": 0, "atNs": int(t * MS), "wokeNs": int(t * MS) + 1000}
        for n, t in enumerate(at_ms)
    ]
    observed = {"elapsedNs": int(elapsed_ms * MS), "admissions": admissions}
    return check_case(Case("x", "t", "Catches nothing.", inp, {}, {}, checks), observed)


def test_bucket_allows_the_burst_then_the_rate() -> None:
    inv = {"check": "token-bucket-never-exceeded"}
    assert run(BUCKET, [0, 0, 10, 20], inv) == []


def test_bucket_catches_one_admission_too_many() -> None:
    inv = {"check": "token-bucket-never-exceeded"}
    [problem] = run(BUCKET, [0, 0, 9.5, 20], inv)
    assert problem.startswith(
        "token-bucket-never-exceeded (safety): 3 admissions from 0.000000 ms to 9.500000 ms"
    )


# Three tokens a millisecond, a bucket of one: a token every 333,333.33 ns. Each wait is the
# exact instant rounded up to a whole nanosecond, so two rounded admissions can stand 1/3 ns
# closer together than a token's worth.
THREE_A_MS = {**BUCKET, "refill": {"tokens": 3, "everyMs": 1}, "burst": 1}
ROUNDED_UP = [0, 0.333334, 0.666667, 1.0, 1.333334]
ROUNDED_DOWN = [0, 0.333333, 0.666666, 1.0, 1.333333]


def test_bucket_allows_several_tokens_a_period_with_waits_rounded_up() -> None:
    inv = {"check": "token-bucket-never-exceeded"}
    assert run(THREE_A_MS, ROUNDED_UP, inv) == []


def test_bucket_catches_a_wait_rounded_down() -> None:
    inv = {"check": "token-bucket-never-exceeded"}
    [problem] = run(THREE_A_MS, ROUNDED_DOWN, inv)
    assert problem == (
        "token-bucket-never-exceeded (safety): 2 admissions from 0.000000 ms to 0.333333 ms "
        "(the first admission, when the bucket was full): "
        "more than the burst of 1 plus what the refill allows"
    )


def test_bucket_allows_no_more_than_a_nanosecond_of_rounding() -> None:
    inv = {"check": "token-bucket-never-exceeded"}
    # Admissions 1 and 2 a nanosecond closer than a token's 333,333.33: four credits short of a
    # token's million, more than rounding explains.
    [problem] = run(THREE_A_MS, [0, 0.5, 0.833332], inv)
    assert "2 admissions from 0.500000 ms to 0.833332 ms: more than the burst" in problem
    assert run(THREE_A_MS, [0, 0.5, 0.833333], inv) == []


def test_window_edge_is_exact() -> None:
    inv = {"check": "window-never-exceeded"}
    # An admission leaves the window exactly one window later: 0, 0, then 10 is fine.
    assert run(WINDOW, [0, 0, 10, 10], inv) == []
    assert run(WINDOW, [0, 0, 9.999999, 20], inv)


def test_woke_after_admission() -> None:
    inv = {"check": "woke-after-admission"}
    assert run(WINDOW, [0, 0, 10, 10], inv) == []
    observed = {"admissions": [{"caller": 0, "requestNs": 5, "atNs": 10, "wokeNs": 9}]}
    assert check_case(Case("x", "t", "Catches nothing.", WINDOW, {}, {}, (inv,)), observed)


def test_ideal_durations() -> None:
    assert ideal_ns(BUCKET) == 2 * 10 * MS  # 4 requests, 2 in the burst, then one per 10 ms
    assert ideal_ns(WINDOW) == 10 * MS  # two at 0, two at 10 ms


def test_throughput_near_rate() -> None:
    inv = {"check": "throughput-near-rate", "fraction": 0.9, "slackMs": 5}
    assert run(BUCKET, [0, 0, 10, 20], inv, elapsed_ms=25) == []
    assert run(BUCKET, [0, 0, 10, 20], inv, elapsed_ms=40)


def test_no_caller_starves() -> None:
    inv = {"check": "no-caller-starves", "boundMs": 15}
    assert run(BUCKET, [0, 0, 10, 11], inv) == []
    problems = run(BUCKET, [0, 0, 10, 30], inv)
    assert any("waited 30.0 ms" in p for p in problems)
    assert run(BUCKET, [0, 0, 10], inv) == [
        "no-caller-starves (liveness): caller 1 was admitted 1 times, not 2"
    ]
