"""The harness's side of the runner protocol (docs/contract.md): build, list, run, bench."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import ROOT, proc
from .implementations import Implementation
from .spec import Case

STACK_TRACE_MARKERS = (
    "Traceback (most recent call last)",
    "panicked at",
    "goroutine 1 [",
    "\n    at ",
    "RUST_BACKTRACE",
    "WARNING: DATA RACE",
)
"""What a stack trace (or a race report) on standard error starts with, in each runtime; the
contract allows none, ever."""

LIST_TIMEOUT = 30.0
RUN_TIMEOUT = 120.0
"""Seconds for one batch: every case of a pattern sleeps for well under a second in total."""
BENCH_TIMEOUT = 300.0


class RunnerError(RuntimeError):
    """A runner could not be built or did not keep to the protocol; the message says which."""


def build(impl: Implementation) -> None:
    for argv in impl.build:
        done = proc.run(argv, cwd=impl.cwd, timeout=impl.build_timeout)
        if done.returncode != 0:
            raise RunnerError(f"building {impl.name}: {done.describe()}")


_build_failures: dict[str, RunnerError] = {}


def ensure_built(impl: Implementation) -> None:
    """Build `impl` unless its runner is already there (`just build` rebuilds everything).

    A failed build is remembered for the rest of the process, so that a hundred tests of a broken
    implementation report its one build error instead of rebuilding a hundred times.
    """
    if impl.name in _build_failures:
        raise _build_failures[impl.name]
    if impl.artifact is not None and not impl.artifact.exists():
        try:
            build(impl)
        except RunnerError as exc:
            _build_failures[impl.name] = exc
            raise


@dataclass(frozen=True)
class Listing:
    implementation: str
    patterns: dict[str, dict[str, str]]
    """pattern -> {case id: reason it is skipped}"""
    benchmarks: tuple[str, ...] = ()
    """Benchmark-only workloads the runner's `bench` accepts (docs/benchmarks.md)."""
    runtime: dict[str, Any] = field(default_factory=dict)
    """Runtime settings that shape the runner's figures, as it reports them."""


def list_patterns(impl: Implementation) -> Listing:
    done = proc.run(impl.argv("list"), cwd=ROOT, timeout=LIST_TIMEOUT)
    if done.returncode != 0:
        raise RunnerError(f"{impl.name} list: {done.describe()}")
    try:
        raw = json.loads(done.stdout)
        patterns = {name: dict(info.get("skip", {})) for name, info in raw["patterns"].items()}
        if raw.get("protocol") != 1:
            raise RunnerError(f"{impl.name} list: speaks protocol {raw.get('protocol')!r}, not 1")
        return Listing(
            raw.get("implementation", ""),
            patterns,
            tuple(raw.get("benchmarks", ())),
            dict(raw.get("runtime", {})),
        )
    except (json.JSONDecodeError, KeyError, AttributeError, TypeError) as exc:
        raise RunnerError(
            f"{impl.name} list: not the documented answer ({exc}): {done.stdout[:200]!r}"
        ) from exc


_listings: dict[str, Listing] = {}


def listing(impl: Implementation) -> Listing:
    """`list_patterns`, asked once per implementation and process."""
    if impl.name not in _listings:
        _listings[impl.name] = list_patterns(impl)
    return _listings[impl.name]


def benches(impl: Implementation, workload: str, cases: int) -> bool:
    """Whether `impl` can bench `workload`: a benchmark it lists, or a pattern it implements
    with fewer than all of its `cases` skipped (a pattern skipped whole has nothing to time)."""
    found = listing(impl)
    if workload in found.benchmarks:
        return True
    skips = found.patterns.get(workload)
    return skips is not None and len(skips) < cases


@dataclass
class Batch:
    """The answers of one `run` over a batch of cases, by case id, and how the process ended."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    process: proc.Completed | None = None
    problems: list[str] = field(default_factory=list)
    """Protocol violations that are not tied to one case (stray output, answers out of order)."""

    def failure(self) -> str:
        """Why a case got no answer, for its report row."""
        if self.process is None:
            return "the runner was not started"
        return self.process.describe()

    def process_failure(self) -> str | None:
        """Why the process itself failed the batch, whatever it answered: it did not exit 0, or
        it printed a stack trace. Every case of the batch fails with this, because answers from
        a runner that then crashed cannot be trusted to be the runner's last word."""
        done = self.process
        if done is None:
            return "the runner was not started"
        if done.returncode != 0:
            return f"after its answers the runner {done.ending()}"
        trace = stack_trace(done.stderr)
        if trace is not None:
            return f"the runner printed a stack trace on stderr: {trace}"
        return None


def stack_trace(stderr: str) -> str | None:
    """The first lines of a stack trace in `stderr`, or None when there is none."""
    text = "\n" + stderr
    for marker in STACK_TRACE_MARKERS:
        at = text.find(marker)
        if at >= 0:
            return " / ".join(text[at:].strip().splitlines()[:6])
    return None


def answer_lines(stdout: bytes) -> list[bytes]:
    """Standard output split into answer lines on `\n` alone, as the contract says: a JSON
    string may hold U+2028 or U+0085 unescaped, which `str.splitlines` would cut in two."""
    lines = stdout.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def run_batch(impl: Implementation, cases: Iterable[Case], timeout: float = RUN_TIMEOUT) -> Batch:
    cases = list(cases)
    stdin = "".join(json.dumps(c.request()) + "\n" for c in cases)
    done = proc.run(impl.argv("run"), cwd=ROOT, stdin=stdin, timeout=timeout)
    batch = Batch(process=done)
    expected_order = [c.id for c in cases]
    got_order: list[str] = []
    for n, raw in enumerate(answer_lines(done.stdout_bytes), start=1):
        line = raw.decode("utf-8", errors="replace")
        try:
            answer = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            batch.problems.append(f"stdout line {n} is not UTF-8: {line[:120]!r}")
            continue
        except json.JSONDecodeError:
            batch.problems.append(f"stdout line {n} is not JSON: {line[:120]!r}")
            continue
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
            batch.problems.append(f"stdout line {n} has no string id: {line[:120]!r}")
            continue
        got_order.append(answer["id"])
        batch.answers[answer["id"]] = answer
    if got_order != expected_order[: len(got_order)]:
        batch.problems.append("answers are not in request order")
    return batch


def bench(
    impl: Implementation, request: dict[str, Any], timeout: float = BENCH_TIMEOUT
) -> tuple[dict[str, Any], proc.Completed]:
    done = proc.run(
        impl.argv("bench"),
        cwd=ROOT,
        stdin=json.dumps(request) + "\n",
        timeout=timeout,
        peak_memory=True,
    )
    if done.returncode != 0:
        raise RunnerError(f"{impl.name} bench: {done.describe()}")
    try:
        answer = json.loads(answer_lines(done.stdout_bytes.strip())[-1])
    except (json.JSONDecodeError, IndexError) as exc:
        raise RunnerError(
            f"{impl.name} bench: no JSON answer on stdout: {done.stdout[:200]!r}"
        ) from exc
    if not isinstance(answer, dict):
        raise RunnerError(f"{impl.name} bench: the answer is not an object: {done.stdout[:200]!r}")
    return answer, done
