"""The Rust patterns called from Python (`cookbook_rs`) against the cookbook's pure-Python ones.

    python rust/cookbook-py/benchmarks/native_vs_python.py [--quick] [--output FILE]

Measured in one run, on one machine, so that every ratio compares numbers taken side by side:

(a) Parallel speed-up of a CPU-bound batch of `work(seed, cost)` on 2 threads, each
    implementation relative to its own 1-thread time: the Rust pool (`WorkerPool(1)` against
    `WorkerPool(2)`), 2 Python threads calling `cookbook_rs.work` (which releases the GIL), and the
    pure-Python pool on threads (`cookbook.worker_pool_threads`, which the GIL serialises).
(b) The cost of one operation, in one thread: a cache get and set, and a limiter decision, in
    pure Python (`cookbook.rwlock_cache_threads`, `cookbook.token_bucket`,
    `cookbook.sliding_window`) and through the extension, with the ratio extension / Python.

Each figure is the median of several repeats. The table goes to standard output; the JSON, with
the date, the machine and the versions, to `--output` (default docs/results/native.json).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cookbook_rs
from cookbook import rwlock_cache_threads, sliding_window, token_bucket, worker_pool_threads
from cookbook.work import work as python_work

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUTPUT = ROOT / "docs" / "results" / "native.json"
THREADS = 2

Run = Callable[[], object]


@dataclass(frozen=True)
class Settings:
    repeats: int
    rust_jobs: int
    rust_cost: int
    python_jobs: int
    python_cost: int
    ops: int


FULL = Settings(
    repeats=7, rust_jobs=64, rust_cost=400_000, python_jobs=16, python_cost=20_000, ops=100_000
)
QUICK = Settings(
    repeats=3, rust_jobs=32, rust_cost=200_000, python_jobs=8, python_cost=10_000, ops=20_000
)


@dataclass(frozen=True)
class Speedup:
    implementation: str
    jobs: int
    cost: int
    one_thread_ms: float
    two_threads_ms: float
    speedup: float


@dataclass(frozen=True)
class PerOp:
    operation: str
    python_ns: float
    extension_ns: float
    ratio: float
    """extension / Python: below 1, the extension is faster."""


def median_seconds(run: Run, repeats: int) -> float:
    """The median wall time of `run`, after one untimed run to warm it up."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def on_threads(threads: int, seeds: Sequence[int], call: Callable[[int], object]) -> None:
    """`call(seed)` for every seed, the seeds dealt out to `threads` Python threads."""
    shares = [seeds[t::threads] for t in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as executor:
        list(executor.map(lambda share: [call(seed) for seed in share], shares))


def speedups(settings: Settings) -> list[Speedup]:
    """Each implementation's median time for the batch on 1 thread and on `THREADS`."""
    rust_seeds, rust_cost = range(settings.rust_jobs), settings.rust_cost
    python_seeds, python_cost = range(settings.python_jobs), settings.python_cost

    def rust_pool(workers: int) -> float:
        # The pool's threads start before anything is timed, and stop once it is.
        with cookbook_rs.WorkerPool(workers) as pool:
            return median_seconds(lambda: pool.map(rust_seeds, rust_cost), settings.repeats)

    def rust_threads(threads: int) -> float:
        def call(seed: int) -> int:
            return cookbook_rs.work(seed, rust_cost)

        return median_seconds(lambda: on_threads(threads, rust_seeds, call), settings.repeats)

    def python_pool(workers: int) -> float:
        def job(seed: int) -> int:
            return python_work(seed, python_cost)

        run = partial(worker_pool_threads.run_pool, python_seeds, workers, job)
        return median_seconds(run, settings.repeats)

    rust, python = (len(rust_seeds), rust_cost), (len(python_seeds), python_cost)
    cases: list[tuple[str, tuple[int, int], Callable[[int], float]]] = [
        ("Rust pool (WorkerPool), from Python", rust, rust_pool),
        ("cookbook_rs.work on Python threads", rust, rust_threads),
        ("pure-Python pool on threads", python, python_pool),
    ]
    found = []
    for name, (jobs, cost), measure in cases:
        progress(f"speed-up: {name}")
        one, two = measure(1), measure(THREADS)
        found.append(Speedup(name, jobs, cost, one * 1e3, two * 1e3, one / two))
    return found


def per_ops(settings: Settings) -> list[PerOp]:
    """Each operation's median cost in pure Python and through the extension."""
    ops, keys, arrivals = settings.ops, [n % 64 for n in range(settings.ops)], range(settings.ops)

    def gets(cache: rwlock_cache_threads.Cache[int, str] | cookbook_rs.Cache) -> Run:
        for key in range(64):
            cache.set(key, "v")
        get = cache.get
        return lambda: [get(key) for key in keys]

    def sets(cache: rwlock_cache_threads.Cache[int, str] | cookbook_rs.Cache) -> Run:
        put = cache.set
        return lambda: [put(key, "v") for key in keys]

    def decisions(core: Callable[[], Callable[[int], int]]) -> Run:
        def run() -> list[int]:
            decide = core()  # a fresh core each time: its state is the arrivals it has seen
            return [decide(t) for t in arrivals]

        return run

    # The parameters of the specs' own benchmarks (harness/spec/<pattern>.json).
    pairs: list[tuple[str, Run, Run]] = [
        ("cache get", gets(rwlock_cache_threads.Cache()), gets(cookbook_rs.Cache())),
        ("cache set", sets(rwlock_cache_threads.Cache()), sets(cookbook_rs.Cache())),
        (
            "token-bucket decision",
            decisions(lambda: token_bucket.TokenBucket(1, 2, 100).decide),
            decisions(lambda: cookbook_rs.TokenBucket(1, 2, 100).decide),
        ),
        (
            "sliding-window decision",
            decisions(lambda: sliding_window.SlidingWindowLog(50, 100).decide),
            decisions(lambda: cookbook_rs.SlidingWindow(50, 100).decide),
        ),
    ]
    found = []
    for name, python, extension in pairs:
        progress(f"per operation: {name}")
        python_ns = median_seconds(python, settings.repeats) / ops * 1e9
        extension_ns = median_seconds(extension, settings.repeats) / ops * 1e9
        found.append(PerOp(name, python_ns, extension_ns, extension_ns / python_ns))
    return found


def provenance(settings: Settings, quick: bool) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "os": platform.platform(),
        },
        "versions": {
            "python": platform.python_version(),
            "cookbook-rs": version("cookbook-rs"),
            "concurrency-cookbook": version("concurrency-cookbook"),
            "rustc": first_line(["rustc", "--version"]),
        },
        "quick": quick,
        "settings": asdict(settings),
        "threads": THREADS,
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except OSError as error:
        return f"unavailable ({error})"
    return (done.stdout or done.stderr).strip().partition("\n")[0] or "unknown"


def table(report: dict[str, Any]) -> str:
    machine = report["provenance"]["machine"]
    lines = [
        f"{machine['cpu']}, {machine['cores']} cores"
        + ("" if (machine["cores"] or 1) >= THREADS else f": fewer than {THREADS}, no speed-up"),
        "",
        f"(a) CPU-bound batch of work(), 1 thread against {THREADS} (median of "
        f"{report['provenance']['settings']['repeats']})",
        f"{'implementation':<38} {'jobs x cost':>16} {'1 thread':>10} {'2 threads':>10} "
        f"{'speed-up':>9}",
    ]
    for s in report["speedup"]:
        lines.append(
            f"{s['implementation']:<38} {s['jobs']:>6} x {s['cost']:>7} "
            f"{s['one_thread_ms']:>8.1f}ms {s['two_threads_ms']:>8.1f}ms {s['speedup']:>8.2f}x"
        )
    lines += [
        "",
        "(b) one operation, one thread",
        f"{'operation':<38} {'Python':>12} {'extension':>12} {'extension/Python':>17}",
    ]
    for op in report["per_op"]:
        lines.append(
            f"{op['operation']:<38} {op['python_ns']:>10.0f}ns {op['extension_ns']:>10.0f}ns "
            f"{op['ratio']:>16.2f}x"
        )
    return "\n".join(lines)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, smaller runs (under 30 s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON report")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    report = {
        "provenance": provenance(settings, args.quick),
        "speedup": [asdict(s) for s in speedups(settings)],
        "per_op": [asdict(op) for op in per_ops(settings)],
    }
    print(table(report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    progress(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
