"""The threads limiter: reservations one at a time, never above the limit, never woken early."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cookbook.rate_limit import Schedule
from cookbook.rate_limit_threads import Limiter
from cookbook.sliding_window import SlidingWindowLog
from cookbook.token_bucket import TokenBucket

NS_PER_MS = 1_000_000


class Overlaps(TokenBucket):
    """A bucket that counts how many threads are inside a reservation at once, and lingers there
    so that, without the limiter's lock, another thread would surely come in."""

    def __init__(self) -> None:
        super().__init__(tokens=1, every=NS_PER_MS // 10, burst=1)
        self._guard = threading.Lock()
        self.inside = self.peak = 0

    def _wait(self, now: int) -> int:
        with self._guard:
            self.inside += 1
            self.peak = max(self.peak, self.inside)
        time.sleep(0.0002)
        with self._guard:
            self.inside -= 1
        return super()._wait(now)


def acquire_all(limiter: Limiter, threads: int, each: int) -> list[tuple[int, int]]:
    """(admission time, wake-up time) of `each` acquires on each of `threads` threads at once."""

    def caller(_: int) -> list[tuple[int, int]]:
        seen = []
        for _ in range(each):
            at = limiter.acquire()
            seen.append((at, limiter.now()))
        return seen

    with ThreadPoolExecutor(max_workers=threads) as executor:
        return [pair for seen in executor.map(caller, range(threads)) for pair in seen]


def test_one_reservation_at_a_time() -> None:
    schedule = Overlaps()
    assert len(acquire_all(Limiter(schedule), threads=8, each=5)) == 40
    assert schedule.peak == 1


@pytest.mark.parametrize(
    "schedule",
    [TokenBucket(1, 2 * NS_PER_MS, 2), SlidingWindowLog(3, 5 * NS_PER_MS)],
    ids=["token-bucket", "sliding-window"],
)
def test_threads_all_get_through_and_wake_after_their_admission(schedule: Schedule) -> None:
    # That the admissions keep to the limit is the harness's to check, on the spec's live cases,
    # which the threads variant runs on this limiter (test_spec_limiters).
    seen = acquire_all(Limiter(schedule), threads=6, each=4)
    assert len(seen) == 24
    assert all(at <= woke for at, woke in seen)


def test_with_blocks_until_admitted() -> None:
    limiter = Limiter(TokenBucket(1, 3 * NS_PER_MS, 1))
    start = limiter.now()
    with limiter:
        pass
    with limiter:
        pass
    # The second admission is one refill after the first, which was no earlier than `start`.
    assert limiter.now() - start >= 3 * NS_PER_MS
