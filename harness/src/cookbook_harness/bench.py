"""Benchmarks through the protocol's `bench` command: answers checked first, then only the
measured region timed, languages interleaved (A B C D A B C D ...) so that drift hits all alike."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from . import proc, runners
from .conformance import Progress
from .implementations import Implementation
from .reference import BENCH_CHECKS
from .spec import PatternSpec


@dataclass
class Point:
    pattern: str
    language: str
    size: int
    params: dict[str, Any]
    elapsed_ns: list[int] = field(default_factory=list)
    """Measured-region times, the first run of each process (the warm-up) left out."""
    wall_ns: list[int] = field(default_factory=list)
    cpu_ns: list[int] = field(default_factory=list)
    max_rss_kib: list[int] = field(default_factory=list)
    """Measured from outside, one per process: start-up included."""
    launch_ns: list[int] = field(default_factory=list)
    """Where the workload reports it (many-tasks): the time until the last task was started."""
    error: str = ""
    ratio: float | None = None

    @property
    def median_ns(self) -> float | None:
        return statistics.median(self.elapsed_ns) if self.elapsed_ns and not self.error else None

    def as_json(self) -> dict[str, Any]:
        median = self.median_ns
        return {
            "pattern": self.pattern,
            "language": self.language,
            "size": self.size,
            "params": self.params,
            "status": "error" if self.error else "ok",
            **({"detail": self.error} if self.error else {}),
            **(
                {
                    "median_ns": round(median),
                    "min_ns": min(self.elapsed_ns),
                    "max_ns": max(self.elapsed_ns),
                    "runs": len(self.elapsed_ns),
                    "ratio_to_fastest": self.ratio,
                    "process_wall_ns": self.wall_ns,
                    "process_cpu_ns": self.cpu_ns,
                    "process_max_rss_kib": self.max_rss_kib,
                    **({"launch_ns": self.launch_ns} if self.launch_ns else {}),
                }
                if median is not None
                else {}
            ),
        }


def measure(
    impls: list[Implementation],
    pattern: str,
    size: int,
    params: dict[str, Any],
    *,
    rounds: int,
    repeat: int,
    progress: Progress,
    label: str = "",
    warmup: bool = True,
    timeout: float = runners.BENCH_TIMEOUT,
) -> list[Point]:
    """One point of every implementation: `rounds` processes each, interleaved (A B C A B C ...)
    so that drift of the machine hits all alike, each running the workload `repeat` times after
    one warm-up run. The answer is checked against the harness's reference before any time is
    kept, and each point gets its ratio to the fastest of the same run."""
    want = BENCH_CHECKS[pattern](size, params)
    runs = repeat + 1 if warmup else repeat
    request = {"pattern": pattern, "size": size, "params": params, "repeat": runs}
    row = {impl.name: Point(pattern, impl.name, size, params) for impl in impls}
    for r in range(1, rounds + 1):
        for impl in impls:
            point = row[impl.name]
            if point.error:
                continue
            progress(f"bench {label or pattern} n={size}: round {r}/{rounds}, {impl.name}")
            _once(impl, request, want, point, warmup, timeout)
    fastest = min((p.median_ns for p in row.values() if p.median_ns), default=None)
    for p in row.values():
        if fastest and p.median_ns:
            p.ratio = round(p.median_ns / fastest, 2)
    return list(row.values())


def run(
    impls: list[Implementation],
    specs: tuple[PatternSpec, ...],
    *,
    size: int | None,
    rounds: int,
    repeat: int,
    progress: Progress,
) -> list[Point]:
    """Bench each pattern at `size` (default: the spec's first size) on every implementation
    that has it."""
    points: list[Point] = []
    for spec in specs:
        if spec.bench is None or spec.pattern not in BENCH_CHECKS:
            continue
        n = size or spec.bench["sizes"][0]
        points += measure(
            [i for i in impls if benches(i, spec.pattern, len(spec.cases))],
            spec.pattern,
            n,
            spec.bench["params"],
            rounds=rounds,
            repeat=repeat,
            progress=progress,
        )
    return points


def benches(impl: Implementation, workload: str, cases: int) -> bool:
    try:
        return runners.benches(impl, workload, cases)
    except (runners.RunnerError, proc.ToolMissingError):
        return True  # measure() reports the broken runner on its row


def _once(
    impl: Implementation,
    request: dict[str, Any],
    want: dict[str, Any],
    point: Point,
    warmup: bool,
    timeout: float,
) -> None:
    try:
        answer, done = runners.bench(impl, request, timeout)
    except (runners.RunnerError, proc.ToolMissingError) as exc:
        point.error = str(exc)
        return
    if answer.get("status") != "ok":
        point.error = f"answered {answer.get('status')!r}: {answer.get('error')}"
        return
    if answer.get("check") != want:
        point.error = f"wrong answer: check {answer.get('check')}, expected {want}"
        return
    times = answer.get("elapsedNs")
    if (
        not isinstance(times, list)
        or len(times) != request["repeat"]
        or not all(isinstance(t, int) and t > 0 for t in times)
    ):
        point.error = f"elapsedNs must be {request['repeat']} positive integers, got {times!r}"
        return
    kept = slice(1, None) if warmup else slice(None)
    # The first run warms caches, JITs and allocators up; a workload measured for its peak
    # memory runs once per process instead, so that nothing of a previous run is counted.
    point.elapsed_ns += times[kept]
    launch = answer.get("launchNs")
    if isinstance(launch, list) and all(isinstance(t, int) for t in launch):
        point.launch_ns += launch[kept]
    point.wall_ns.append(done.wall_ns)
    point.cpu_ns.append(done.cpu_ns)
    point.max_rss_kib.append(done.max_rss_kib)
