"""The decision cores against the cookbook's Python cores, the live `Limiter` under threads
hammering it, and the errors of both."""

import random
import re
import threading
import time
from typing import Any

import pytest

from concurrently import together
from cookbook import sliding_window, token_bucket
from cookbook_rs import Admission, Limiter, SlidingWindow, TokenBucket

NS_PER_MS = 1_000_000


def arrivals(rng: random.Random, count: int) -> list[int]:
    """Non-decreasing times in ms, bunched (equal times are simultaneous arrivals) and spread."""
    now, times = 0, []
    for _ in range(count):
        now += rng.choice([0, 0, 1, 3, 10, 50, 400])
        times.append(now)
    return times


@pytest.mark.parametrize("seed", range(20))
def test_the_token_bucket_decides_as_the_python_core(seed: int) -> None:
    rng = random.Random(seed)
    tokens, every_ms, burst = rng.randint(1, 5), rng.randint(1, 500), rng.randint(1, 8)
    rust, python = (
        TokenBucket(tokens, every_ms, burst),
        token_bucket.TokenBucket(tokens, every_ms, burst),
    )
    times = arrivals(rng, 300)
    assert [rust.decide(t) for t in times] == [python.decide(t) for t in times]


@pytest.mark.parametrize("seed", range(20))
def test_the_sliding_window_decides_as_the_python_core(seed: int) -> None:
    rng = random.Random(seed)
    limit, window_ms = rng.randint(1, 6), rng.randint(1, 500)
    rust, python = (
        SlidingWindow(limit, window_ms),
        sliding_window.SlidingWindowLog(limit, window_ms),
    )
    times = arrivals(rng, 300)
    assert [rust.decide(t) for t in times] == [python.decide(t) for t in times]


def test_a_decision_core_refuses_a_time_going_back_and_changes_nothing() -> None:
    window = SlidingWindow(limit=1, window_ms=100)
    assert window.decide(500) == 0
    with pytest.raises(ValueError, match=r"^now_ms must not be earlier than .* \(500\), got 499$"):
        window.decide(499)
    assert window.decide(599) == 1


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: TokenBucket(0, 1, 1), ValueError, "tokens must be an integer from 1 to 1000000"),
        (lambda: TokenBucket(1, 86_400_001, 1), ValueError, "every_ms must be an integer from 1"),
        (lambda: TokenBucket(1, 1, "3"), TypeError, "burst must be an int, got str"),  # type: ignore[arg-type]
        (lambda: SlidingWindow(0, 10), ValueError, "limit must be an integer from 1 to 1000000"),
        (lambda: SlidingWindow(1, 2.5), TypeError, "window_ms must be an int, got float"),  # type: ignore[arg-type]
        (lambda: TokenBucket(1, 1, 1).decide(-1), ValueError, "now_ms must be an integer from 0"),
        (
            lambda: SlidingWindow(1, 1).decide(2**53),
            ValueError,
            "now_ms must be an integer from 0 to 9007199254740991, got 9007199254740992",
        ),
        (lambda: Limiter.token_bucket(1, 0, 1), ValueError, "every_ms must be an integer from 1"),
        (lambda: Limiter.sliding_window(True, 1), TypeError, "limit must be an int, got bool"),
    ],
)
def test_a_bad_argument_is_named_with_its_rule(
    make: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        make()


def assert_bucket_never_exceeded(at: list[int], tokens: int, every_ms: int, burst: int) -> None:
    """Between admissions i <= j in time order, at most `burst + (at_j - at_i) * tokens / cost`,
    a token costing `every_ms` in ns: checked exactly, in integers."""
    at, cost = sorted(at), every_ms * NS_PER_MS
    for i in range(len(at)):
        for j in range(i, len(at)):
            assert (j - i + 1 - burst) * cost <= (at[j] - at[i]) * tokens, (i, j)


def assert_woke_after_admission(admissions: list[Admission]) -> None:
    for admission in admissions:
        assert admission.requested_ns <= admission.at_ns <= admission.woke_ns


def test_threads_hammering_a_token_bucket_never_exceed_it() -> None:
    limiter = Limiter.token_bucket(tokens=1, every_ms=10, burst=3)
    per_thread = together(8, lambda _: [limiter.acquire() for _ in range(5)])
    admissions = [admission for admissions in per_thread for admission in admissions]
    assert len(admissions) == 40
    assert_woke_after_admission(admissions)
    assert_bucket_never_exceeded([a.at_ns for a in admissions], tokens=1, every_ms=10, burst=3)


def test_threads_hammering_a_sliding_window_never_exceed_it() -> None:
    limit, window = 3, 30 * NS_PER_MS
    limiter = Limiter.sliding_window(limit=limit, window_ms=30)
    per_thread = together(8, lambda _: [limiter.acquire() for _ in range(4)])
    admissions = [admission for admissions in per_thread for admission in admissions]
    assert len(admissions) == 32
    assert_woke_after_admission(admissions)
    at = [a.at_ns for a in admissions]
    for t in at:
        assert sum(1 for u in at if t - window < u <= t) <= limit, t


def test_with_acquires_and_gives_the_admission() -> None:
    limiter = Limiter.sliding_window(limit=1, window_ms=20)
    with limiter as first, limiter as second:
        assert isinstance(first, Admission)
        assert second.at_ns - first.at_ns >= 20 * NS_PER_MS
    assert limiter.now_ns() >= second.woke_ns


def test_acquire_lets_other_python_threads_run_while_it_waits() -> None:
    limiter = Limiter.token_bucket(tokens=1, every_ms=300, burst=1)
    limiter.acquire()
    waited: list[Admission] = []
    waiter = threading.Thread(target=lambda: waited.append(limiter.acquire()))
    waiter.start()
    # Were the GIL held through the wait, this loop would not run until the waiter returned.
    spins = 0
    while waiter.is_alive():
        spins += 1
        time.sleep(0)
    waiter.join()
    assert waited[0].woke_ns - waited[0].requested_ns >= 250 * NS_PER_MS
    assert spins > 100


def test_repr_names_the_parameters() -> None:
    assert repr(TokenBucket(1, 100, 5)) == "TokenBucket(tokens=1, every_ms=100, burst=5)"
    assert repr(SlidingWindow(3, 1000)) == "SlidingWindow(limit=3, window_ms=1000)"
    assert (
        repr(Limiter.token_bucket(1, 100, 5))
        == "Limiter.token_bucket(tokens=1, every_ms=100, burst=5)"
    )
    assert (
        repr(Limiter.sliding_window(3, 1000)) == "Limiter.sliding_window(limit=3, window_ms=1000)"
    )
