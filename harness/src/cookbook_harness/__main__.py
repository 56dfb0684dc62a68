"""`python -m cookbook_harness`: the command behind `just compare` and `just build`."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from . import (
    RESULTS_DIR,
    ROOT,
    bench,
    benchreport,
    conformance,
    corpus,
    machine,
    proc,
    published,
    report,
    runners,
    suite,
)
from .conformance import disagreements
from .implementations import IMPLEMENTATIONS, Implementation, select
from .spec import SpecError, load_all


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cookbook-harness", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    names = ", ".join(i.name for i in IMPLEMENTATIONS)

    build = sub.add_parser("build", help="build every runner (or those named)")
    build.add_argument("--impl", action="append", help=f"one of {names}; repeatable")

    sub.add_parser("publish", help="fingerprint new spec cases so that they can never change")
    sub.add_parser("corpus", help="rewrite harness/corpus/bad-inputs.json from its generator")

    bnc = sub.add_parser("bench", help="the benchmark suite: sweeps, medians, ratios, fits, charts")
    bnc.add_argument("--profile", choices=sorted(suite.PROFILES), default="quick")
    bnc.add_argument("--impl", action="append", help=f"one of {names}; repeatable")
    bnc.add_argument("--sweep", action="append", help="only this sweep; repeatable")
    bnc.add_argument(
        "--rounds", type=int, help="processes per point, interleaved (default: the profile's)"
    )
    bnc.add_argument(
        "--repeat",
        type=int,
        help="timed runs per process after the warm-up (default: the profile's)",
    )
    bnc.add_argument(
        "--sleep-ms",
        type=int,
        help="how long each of the many tasks sleeps (full: 10000 as published; quick: 100)",
    )
    bnc.add_argument(
        "--output-dir",
        type=Path,
        help="where to write bench.json and the charts (default: docs/results for the full "
        "profile, build/bench-quick for the quick one)",
    )

    cmp = sub.add_parser(
        "compare", help="run every pattern in every language; print and save the table"
    )
    cmp.add_argument("--impl", action="append", help=f"one of {names}; repeatable")
    cmp.add_argument("--pattern", action="append", help="a pattern slug; repeatable")
    cmp.add_argument(
        "--bench-size", type=int, help="jobs per benchmark run (default: the spec's first size)"
    )
    cmp.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds of processes (default 3)"
    )
    cmp.add_argument(
        "--repeat", type=int, default=3, help="timed runs per process after one warm-up (default 3)"
    )
    cmp.add_argument("--no-bench", action="store_true", help="check correctness only")
    cmp.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "latest.json", help="where to write the report"
    )
    args = parser.parse_args(argv)

    if args.command == "corpus":
        progress(f"wrote {corpus.write()} entries to {corpus.CORPUS.relative_to(ROOT)}")
        return 0
    if args.command == "publish":
        added = published.publish()
        progress(f"published {len(added)} new case(s)" + (": " + ", ".join(added) if added else ""))
        return 0

    impls = select(args.impl)
    if args.command == "bench":
        return run_bench(args, impls, argv)
    if args.command == "build":
        for impl in impls:
            progress(f"build {impl.name}")
            try:
                runners.build(impl)
            except (runners.RunnerError, proc.ToolMissingError) as exc:
                progress(f"error: {exc}")
                return 1
        return 0

    if args.rounds < 1 or args.repeat < 1 or (args.bench_size is not None and args.bench_size < 1):
        parser.error("--rounds, --repeat and --bench-size must be at least 1")
    try:
        specs = load_all()
    except SpecError as exc:
        progress(f"error: {exc}")
        return 1
    if args.pattern:
        known = {s.pattern for s in specs}
        unknown = sorted(set(args.pattern) - known)
        if unknown:
            parser.error(
                f"unknown pattern {', '.join(unknown)}; choose from {', '.join(sorted(known))}"
            )
        specs = tuple(s for s in specs if s.pattern in args.pattern)

    outcome = conformance.run_all(impls, specs, progress)
    points = (
        []
        if args.no_bench
        else bench.run(
            impls,
            specs,
            size=args.bench_size,
            rounds=args.rounds,
            repeat=args.repeat,
            progress=progress,
        )
    )
    split = disagreements(outcome.outputs)
    report.write(
        args.output,
        machine=machine.describe(impls),
        command=" ".join(["cookbook-harness", *(argv if argv is not None else sys.argv[1:])]),
        rows=outcome.rows,
        points=points,
        disagreements=split,
    )
    print(report.table(impls, outcome.rows, points))
    for d in split:
        print(
            f"disagreement: {d['pattern']} {d['case']}: "
            + " | ".join(", ".join(g) for g in d["groups"])
        )
    bad = report.failures(outcome.rows) + [p for p in points if p.error]
    for item in bad[:20]:
        if isinstance(item, conformance.Row):
            print(f"{item.status}: {item.language} {item.pattern} {item.case}: {item.detail}")
        else:
            print(f"error: {item.language} bench {item.pattern} n={item.size}: {item.error}")
    print(f"report written to {args.output}")
    return 1 if bad else 0


def run_bench(args: argparse.Namespace, impls: list[Implementation], argv: list[str] | None) -> int:
    profile = suite.PROFILES[args.profile]
    if args.rounds is not None:
        if args.rounds < 1:
            progress("error: --rounds must be at least 1")
            return 2
        profile = dataclasses.replace(profile, rounds=args.rounds)
    if args.repeat is not None:
        if args.repeat < 1:
            progress("error: --repeat must be at least 1")
            return 2
        profile = dataclasses.replace(profile, repeat=args.repeat)
    if args.sleep_ms is not None:
        if not 1 <= args.sleep_ms <= 600_000:
            progress("error: --sleep-ms must be from 1 to 600000")
            return 2
        profile = suite.with_sleep(profile, args.sleep_ms)
    known = {s.name for s in profile.sweeps}
    if args.sweep and set(args.sweep) - known:
        progress(
            f"error: unknown sweep {', '.join(sorted(set(args.sweep) - known))}; "
            f"choose from {', '.join(sorted(known))}"
        )
        return 2
    for impl in impls:
        try:
            runners.ensure_built(impl)
        except (runners.RunnerError, proc.ToolMissingError) as exc:
            progress(f"error: {exc}")
            return 1
    curves = suite.run(impls, profile, progress, set(args.sweep or ()))
    out_dir = args.output_dir or (
        RESULTS_DIR if profile.name == "full" else ROOT / "build" / "bench-quick"
    )
    path = benchreport.write(
        out_dir,
        curves,
        impls,
        profile=profile.name,
        machine=machine.describe(impls),
        command=" ".join(["cookbook-harness", *(argv if argv is not None else sys.argv[1:])]),
    )
    for curve in curves:
        print(benchreport.table(curve, impls) + "\n")
    errors = [p for c in curves for p in c.points if p.error]
    for p in errors[:20]:
        print(f"error: {p.language} {p.pattern} n={p.size}: {p.error}")
    print(f"report written to {path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
