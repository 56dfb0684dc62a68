"""Every implementation over every spec: one report row per pattern x implementation x case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from . import proc, runners
from .compare import canonical, normalise_output
from .implementations import Implementation
from .judge import Verdict, judge
from .spec import PatternSpec

Progress = Callable[[str], None]


@dataclass
class Row:
    pattern: str
    language: str
    case: str
    status: str
    elapsed_ns: int | None = None
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        if row["elapsed_ns"] is None:
            del row["elapsed_ns"]
        if not row["detail"]:
            del row["detail"]
        return row


@dataclass
class Outcome:
    rows: list[Row]
    outputs: dict[tuple[str, str], dict[str, str]]
    """(pattern, case) -> implementation -> its normalised output, for cross-language checks."""


def run_all(
    impls: list[Implementation], specs: tuple[PatternSpec, ...], progress: Progress
) -> Outcome:
    rows: list[Row] = []
    outputs: dict[tuple[str, str], dict[str, str]] = {}
    total = len(impls) * len(specs)
    step = 0
    for impl in impls:
        try:
            runners.ensure_built(impl)
            listing = runners.list_patterns(impl)
        except (runners.RunnerError, proc.ToolMissingError) as exc:
            # One broken runner is reported and the others still run.
            for spec in specs:
                step += 1
                rows += [
                    Row(spec.pattern, impl.name, c.id, "error", None, str(exc)) for c in spec.cases
                ]
                progress(f"[{step}/{total}] {impl.name} {spec.pattern}: error: {exc}")
            continue
        for spec in specs:
            step += 1
            if spec.pattern not in listing.patterns:
                reason = f"{impl.name} does not implement {spec.pattern}"
                rows += [
                    Row(spec.pattern, impl.name, c.id, "unsupported", None, reason)
                    for c in spec.cases
                ]
                progress(f"[{step}/{total}] {impl.name} {spec.pattern}: not implemented")
                continue
            skips = listing.patterns[spec.pattern]
            batch = runners.run_batch(impl, spec.cases)
            counts: dict[str, int] = {}
            crashed = batch.process_failure()
            for case in spec.cases:
                answer = batch.answers.get(case.id)
                verdict: Verdict = judge(case, answer, skips, batch.failure())
                if batch.problems and verdict.status == "pass":
                    verdict = Verdict("error", "; ".join(batch.problems), verdict.elapsed_ns)
                if crashed is not None and verdict.ok:
                    verdict = Verdict("fail", crashed, verdict.elapsed_ns)
                rows.append(
                    Row(
                        spec.pattern,
                        impl.name,
                        case.id,
                        verdict.status,
                        verdict.elapsed_ns,
                        verdict.detail,
                    )
                )
                counts[verdict.status] = counts.get(verdict.status, 0) + 1
                if answer is not None and answer.get("status") == "ok":
                    key = (spec.pattern, case.id)
                    outputs.setdefault(key, {})[impl.name] = canonical(
                        normalise_output(answer.get("output"), case.compare)
                    )
            summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            seconds = batch.process.wall_ns / 1e9 if batch.process else 0.0
            progress(f"[{step}/{total}] {impl.name} {spec.pattern}: {summary} ({seconds:.1f} s)")
    return Outcome(rows, outputs)


def disagreements(outputs: dict[tuple[str, str], dict[str, str]]) -> list[dict[str, Any]]:
    """Cases on which the implementations that answered gave different outputs, grouped.

    Each output is also judged against the spec's expectation; this says which languages agree
    with which, so a report shows at a glance whether one language or the spec is the odd one out.
    """
    found = []
    for (pattern, case), by_impl in sorted(outputs.items()):
        groups: dict[str, list[str]] = {}
        for name, out in sorted(by_impl.items()):
            groups.setdefault(out, []).append(name)
        if len(groups) > 1:
            found.append({"pattern": pattern, "case": case, "groups": sorted(groups.values())})
    return found
