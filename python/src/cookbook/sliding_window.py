"""Sliding-window log: at most `limit` admissions in any window of `window` ticks
(docs/patterns/sliding-window.md).

In Python, the `limits` package's moving-window strategy is this log, kept in memory or in Redis
so that several processes share it; `cookbook.rate_limit` names the asyncio choices. A fixed-window
counter is cheaper (one integer per window) but lets twice the limit through across a boundary:
`limit` requests at the end of one window and `limit` more at the start of the next.
"""

from collections import deque

from cookbook.rate_limit import Schedule


# --8<-- [start:sliding-window]
class SlidingWindowLog(Schedule):
    """Admission times, oldest first; an admission at `a` is in the window at `t` while
    `t - a < window`, so it leaves the window exactly `window` ticks later."""

    def __init__(self, limit: int, window: int) -> None:
        super().__init__()
        for name, value in (("limit", limit), ("window", window)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        self._window = window
        # Only the `limit` most recent admissions can decide anything: the next one must wait
        # until the oldest of them leaves the window. `maxlen` drops the older ones by itself,
        # so the log's memory is bounded by `limit`, not by the rate of requests.
        self._log: deque[int] = deque(maxlen=limit)

    def _wait(self, now: int) -> int:
        while self._log and now - self._log[0] >= self._window:
            self._log.popleft()
        # Reservations are logged at their admission time, which may be in the future: a new one
        # never goes before the last (first come, first served), and when the log is full it
        # waits for the oldest of the last `limit` to leave the window.
        at = now
        if self._log:
            at = max(at, self._log[-1])
            if len(self._log) == self._log.maxlen:
                at = max(at, self._log[0] + self._window)
        return at - now

    def _take(self, at: int) -> None:
        # Denied requests never get here: only admissions count against the limit, so a caller
        # that keeps retrying does not lock itself out for longer.
        self._log.append(at)


# --8<-- [end:sliding-window]
