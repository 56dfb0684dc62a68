"""The benchmark suite behind `just bench`: sweeps of sizes and parameters, with medians,
spreads, ratios to the fastest in the same run, and fitted slopes (ns per job, bytes per task)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from . import stats
from .bench import Point, benches, measure
from .conformance import Progress
from .implementations import Implementation
from .spec import load_all


@dataclass(frozen=True)
class Sweep:
    """One curve per implementation: the workload measured at each value of `axis`."""

    name: str
    title: str
    pattern: str
    params: dict[str, Any]
    axis: str
    """`size`, or the name of the parameter that varies."""
    values: tuple[int | str, ...]
    size: int = 0
    """The fixed size when the axis is a parameter."""
    unit: str = "job"
    """What the size counts: the cost per unit is the median time divided by the size."""
    why: str = ""
    """What the sweep shows, for the report."""
    warmup: bool = True
    """False where the peak memory of one run is the point (many-tasks)."""
    only: tuple[str, ...] = ()
    """The implementations that have this workload, when not all of them do."""
    timeout: float = 300.0

    def point(self, value: int | str) -> tuple[int, dict[str, Any]]:
        if self.axis == "size":
            return int(value), self.params
        return self.size, {**self.params, self.axis: value}


QUEUES = ("rust", "go", "typescript", "python-asyncio", "python-threads")
"""The implementations of the queue patterns; the extension does not expose them."""
STREAMS = ("rust", "go", "typescript", "python-asyncio")
"""The implementations of the patterns whose Python idiom is the event loop's alone."""


@dataclass(frozen=True)
class Profile:
    name: str
    rounds: int
    repeat: int
    sweeps: tuple[Sweep, ...]


def _profile(name: str, rounds: int, repeat: int, big: bool) -> Profile:
    sizes = (1_000, 10_000, 100_000, 1_000_000) if big else (200, 2_000)
    decisions = (10_000, 100_000, 1_000_000) if big else (1_000, 10_000)
    workers = (1, 2, 4, 8, 16, 32, 64) if big else (1, 4)
    tasks = (1, 10_000, 100_000, 1_000_000) if big else (1, 1_000)
    per_point = 10_000 if big else 500
    sleep = 10_000 if big else 100
    cores = os.cpu_count() or 1
    many = {"sleepMs": sleep}
    return Profile(
        name,
        rounds,
        repeat,
        (
            Sweep(
                "worker-pool-size",
                "Worker pool: jobs with no work of their own",
                "worker-pool",
                {"workers": 4, "cost": 0, "sleepMs": 0},
                "size",
                sizes,
                why="the pool's own cost per job: handing a job to a worker and its result back",
            ),
            Sweep(
                "worker-pool-workers",
                "Worker pool: CPU-bound jobs (cost 100) by number of workers",
                "worker-pool",
                {"workers": 1, "cost": 100, "sleepMs": 0},
                "workers",
                workers,
                size=per_point,
                why="runtimes that run tasks on every core get faster up to the core count",
            ),
            Sweep(
                "parallel-vs-event-loop",
                f"CPU-bound jobs on one thread and on every core ({cores} cores)",
                "worker-pool",
                {"workers": cores, "cost": 2_000, "sleepMs": 0},
                "mode",
                ("event-loop", "parallel"),
                size=per_point // 5,
                why="concurrency is not parallelism: an event loop runs one job at a time",
                only=("rust", "go", "typescript", "python-asyncio"),
            ),
            Sweep(
                "fan-in-size",
                "Fan-in: merging four sources into one stream",
                "fan-in",
                {"op": "merge", "sources": 4},
                "size",
                sizes,
                unit="item",
                why="the cost per item of a channel or queue shared by several producers",
            ),
            Sweep(
                "rwlock-cache-mix",
                "Read-heavy cache: four clients by share of reads",
                "rwlock-cache",
                {"clients": 4, "readPercent": 90, "keys": 64},
                "readPercent",
                (50, 90, 99),
                size=per_point * 10,
                unit="operation",
                why="readers share the lock, writers do not: more reads, less waiting",
            ),
            Sweep(
                "token-bucket-decisions",
                "Token bucket: decisions on arrival times",
                "token-bucket",
                {"refill": {"tokens": 1, "everyMs": 2}, "burst": 100},
                "size",
                decisions,
                unit="decision",
                why="the decision core alone: integer arithmetic, no clock, no lock",
            ),
            Sweep(
                "sliding-window-decisions",
                "Sliding-window log: decisions on arrival times",
                "sliding-window",
                {"limit": 50, "windowMs": 100},
                "size",
                decisions,
                unit="decision",
                why="the decision core alone: a log pruned as the window slides",
            ),
            Sweep(
                "producer-consumer-size",
                "Producer-consumer: two producers, four consumers, a queue of 64",
                "producer-consumer",
                {"producers": 2, "consumers": 4, "capacity": 64, "cost": 0},
                "size",
                sizes,
                unit="item",
                why="the queue's own cost per item: a put, a get and a hand-off between tasks",
                only=QUEUES,
            ),
            Sweep(
                "pipeline-stages",
                "Pipeline: items with no work of their own through more and more stages",
                "pipeline",
                {"stages": 1, "workers": 2, "capacity": 32, "cost": 0, "ordered": False},
                "stages",
                (1, 4, 16),
                size=per_point,
                unit="item",
                why="every stage adds a hand-off per item: a put into its queue and a get",
                only=STREAMS,
            ),
            Sweep(
                "priority-queue-size",
                "Priority queue: four workers, jobs with no work of their own",
                "priority-queue",
                {"workers": 4, "cost": 0},
                "size",
                sizes,
                unit="job",
                why="a heap push and pop per job, behind one lock",
                only=QUEUES,
            ),
            Sweep(
                "batching-decisions",
                "Batching: decisions on arrival times, ten items a millisecond",
                "batching",
                {"maxSize": 64, "maxWaitMs": 5, "perMs": 10},
                "size",
                decisions,
                unit="item",
                why="the decision core alone: integer comparisons, no clock, no timer",
                only=STREAMS,
            ),
            Sweep(
                "pub-sub-subscribers",
                "Publish-subscribe: messages to one topic by number of subscribers",
                "pub-sub",
                {"subscribers": 1, "bufferSize": 64},
                "subscribers",
                (1, 4, 16),
                size=per_point,
                unit="message",
                why="each message is copied into every subscriber's buffer",
                only=STREAMS,
            ),
            Sweep(
                "timeout-group-size",
                "Timeout: a group of operations under one deadline, none late",
                "timeout",
                {"deadlineMs": 60_000},
                "size",
                sizes,
                unit="operation",
                why="what a deadline costs when nothing is late: a task, a timer and a cleanup",
                only=STREAMS,
            ),
            Sweep(
                "retry-decisions",
                "Retry: backoff schedules computed, decorrelated jitter",
                "retry",
                {"maxAttempts": 8, "jitter": "decorrelated"},
                "size",
                sizes,
                unit="schedule",
                why="the schedule alone: integer backoff and one splitmix64 draw per delay",
                only=STREAMS,
            ),
            Sweep(
                "first-completed-any",
                "First completed: the first success of four operations",
                "first-completed",
                {"operations": 4},
                "size",
                sizes,
                unit="call",
                why="starting four operations, taking the first success, cancelling the rest",
                only=STREAMS,
            ),
            Sweep(
                "error-group-size",
                "Error group: tasks with no work of their own, 64 at a time",
                "error-group",
                {"limit": 64},
                "size",
                sizes,
                unit="task",
                why="what a task in a structured group costs: its spawn, its slot and its outcome",
                only=STREAMS,
            ),
            Sweep(
                "throttle-decisions",
                "Throttle: decisions on arrival times, two calls a millisecond",
                "throttle",
                {"intervalMs": 5, "perMs": 2, "leading": True, "trailing": True},
                "size",
                decisions,
                unit="call",
                why="the decision core alone: a window and a pending call",
                only=STREAMS,
            ),
            Sweep(
                "debounce-decisions",
                "Debounce: decisions on arrival times, one call a millisecond",
                "debounce",
                {"quietMs": 3, "maxWaitMs": 20, "perMs": 1},
                "size",
                decisions,
                unit="call",
                why="the decision core alone: a due time moved by each call",
                only=STREAMS,
            ),
            Sweep(
                "circuit-breaker-decisions",
                "Circuit breaker: decisions on a call a millisecond, three in ten failing",
                "circuit-breaker",
                {"failureThreshold": 3, "windowMs": 50, "openMs": 20, "halfOpenProbes": 2},
                "size",
                decisions,
                unit="call",
                why="the decision core alone: a failure log and three states",
                only=STREAMS,
            ),
            Sweep(
                "many-tasks-spawn",
                f"Concurrent tasks each sleeping {sleep / 1000:g} s, all joined",
                "many-tasks",
                {**many, "variant": "spawn"},
                "size",
                tasks,
                unit="task",
                why="what one task costs the runtime: its stack or its future, and its timer",
                warmup=False,
                only=("rust", "go", "typescript", "python-asyncio"),
                timeout=sleep / 1000 + 600,
            ),
            Sweep(
                "many-tasks-join-all",
                "The same without spawning: tokio's join_all of the sleeps",
                "many-tasks",
                {**many, "variant": "join-all"},
                "size",
                tasks,
                unit="task",
                why="futures polled in place need no task of their own",
                warmup=False,
                only=("rust",),
                timeout=sleep / 1000 + 600,
            ),
            Sweep(
                "many-tasks-work",
                "Concurrent tasks that hold a small buffer and send on a channel",
                "many-tasks",
                {**many, "variant": "work"},
                "size",
                tasks,
                unit="task",
                why="a task that does a little real work, so the figure does not rest on stack "
                "sizes alone",
                warmup=False,
                only=("rust", "go", "typescript", "python-asyncio"),
                timeout=sleep / 1000 + 600,
            ),
        ),
    )


def with_sleep(profile: Profile, sleep_ms: int) -> Profile:
    """The profile with every many-tasks sweep sleeping `sleep_ms` instead."""
    sweeps = tuple(
        replace(
            s,
            params={**s.params, "sleepMs": sleep_ms},
            title=s.title.replace(f"{s.params['sleepMs'] / 1000:g} s", f"{sleep_ms / 1000:g} s"),
            timeout=sleep_ms / 1000 + 600,
        )
        if s.pattern == "many-tasks"
        else s
        for s in profile.sweeps
    )
    return replace(profile, sweeps=sweeps)


PROFILES = {
    "quick": _profile("quick", rounds=1, repeat=1, big=False),
    "full": _profile("full", rounds=5, repeat=1, big=True),
}


@dataclass
class Curve:
    sweep: Sweep
    points: list[Point] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.sweep.name,
            "title": self.sweep.title,
            "pattern": self.sweep.pattern,
            "axis": self.sweep.axis,
            "unit": self.sweep.unit,
            "why": self.sweep.why,
            "params": self.sweep.params,
            # Peak memory is each process's own, measured through GNU time (see proc.run).
            "peak_memory": "GNU time",
            "points": [self._point(p) for p in self.points],
            "fits": self.fits(),
            **({"speedups": self.speedups()} if self.sweep.axis == "mode" else {}),
        }

    def speedups(self) -> dict[str, Any]:
        """Per implementation, how many times faster `parallel` ran than `event-loop`, beside the
        physical limit: the number of cores."""
        out: dict[str, Any] = {"limit": os.cpu_count()}
        for language in dict.fromkeys(p.language for p in self.points):
            mine = {
                p.params.get("mode"): p.median_ns for p in self.points if p.language == language
            }
            single, parallel = mine.get("event-loop"), mine.get("parallel")
            out[language] = round(single / parallel, 2) if single and parallel else None
        return out

    def _x(self, p: Point) -> int | str:
        if self.sweep.axis == "size":
            return p.size
        value: int | str = p.params[self.sweep.axis]
        return value

    def _point(self, p: Point) -> dict[str, Any]:
        out = p.as_json()
        out["x"] = self._x(p)
        if p.elapsed_ns and not p.error:
            summary = stats.summarize(p.elapsed_ns)
            out |= {
                "q1_ns": round(summary.q1),
                "q3_ns": round(summary.q3),
                "spread": round(summary.spread, 3),
            }
            out["per_unit_ns"] = round(summary.median / p.size, 2)
        return out

    def fits(self) -> dict[str, Any]:
        """Per implementation, over the sizes: the slope (ns per unit) and intercept (ns) of the
        median time, the slope and intercept of peak memory (bytes per unit, bytes), and the sizes
        at which the cost per unit bends."""
        if self.sweep.axis != "size":
            return {}
        out: dict[str, Any] = {}
        for language in dict.fromkeys(p.language for p in self.points):
            good = sorted(
                (p for p in self.points if p.language == language and p.median_ns),
                key=lambda p: p.size,
            )
            xs = [float(p.size) for p in good]
            time = stats.fit_line(xs, [float(p.median_ns or 0) for p in good])
            rss = stats.fit_line(xs, [1024.0 * min(p.max_rss_kib) for p in good])
            per_unit = [float(p.median_ns or 0) / p.size for p in good]
            out[language] = {
                "ns_per_unit": round(time.slope, 2) if time else None,
                "intercept_ns": round(time.intercept) if time else None,
                "r2": round(time.r2, 4) if time else None,
                "bytes_per_unit": round(rss.slope, 1) if rss else None,
                "baseline_bytes": round(rss.intercept) if rss else None,
                "bends_at": stats.bends(xs, per_unit),
            }
        return out


def run(
    impls: list[Implementation], profile: Profile, progress: Progress, only: set[str] | None = None
) -> list[Curve]:
    curves = []
    for sweep in profile.sweeps:
        if only and sweep.name not in only:
            continue
        cases = {s.pattern: len(s.cases) for s in load_all()}.get(sweep.pattern, 1)
        mine = [
            i
            for i in impls
            if (not sweep.only or i.name in sweep.only) and benches(i, sweep.pattern, cases)
        ]
        if not mine:
            continue
        curve = Curve(sweep)
        for value in sweep.values:
            size, params = sweep.point(value)
            curve.points += measure(
                mine,
                sweep.pattern,
                size,
                params,
                rounds=profile.rounds,
                repeat=profile.repeat,
                progress=progress,
                label=f"{sweep.name} {sweep.axis}={value}",
                warmup=sweep.warmup,
                timeout=sweep.timeout,
            )
        curves.append(curve)
    return curves
