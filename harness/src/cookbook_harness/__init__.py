"""The cookbook's harness: builds every implementation, runs each one through the runner protocol
on the same language-neutral cases, compares the outputs, checks invariants on what each one
observed, and measures them side by side."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
"""The repository root: harness/src/cookbook_harness/ is three levels below it."""

SPEC_DIR = ROOT / "harness" / "spec"
RESULTS_DIR = ROOT / "docs" / "results"
