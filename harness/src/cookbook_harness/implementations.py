"""The one table of implementations: how to build each runner, start it and name its toolchain.

Adding a language means adding one entry here (and its recipes to the justfile).
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

from . import ROOT


@dataclass(frozen=True)
class Implementation:
    name: str
    """The column name in reports; the runner reports the same name from `list`."""
    label: str
    language: str
    cwd: Path
    build: tuple[tuple[str, ...], ...]
    """Commands run in `cwd`, in order, to build the runner."""
    artifact: Path | None
    """A file that exists once the build has run; None when nothing needs building."""
    command: tuple[str, ...]
    """How to start the runner (relative paths are taken from the repository root)."""
    version: tuple[str, ...]
    """A command whose first output line names the toolchain."""
    build_timeout: float = 900.0

    def argv(self, *args: str) -> list[str]:
        return [*self.command, *args]


PYTHON = sys.executable  # the harness runs in the project's virtual environment; so do the runners

IMPLEMENTATIONS: tuple[Implementation, ...] = (
    Implementation(
        name="python-asyncio",
        label="Python asyncio",
        language="python",
        cwd=ROOT / "python",
        build=(),
        artifact=None,
        command=(PYTHON, "-m", "cookbook.runner", "--variant", "asyncio"),
        version=(PYTHON, "--version"),
    ),
    Implementation(
        name="python-threads",
        label="Python threads",
        language="python",
        cwd=ROOT / "python",
        build=(),
        artifact=None,
        command=(PYTHON, "-m", "cookbook.runner", "--variant", "threads"),
        version=(PYTHON, "--version"),
    ),
    Implementation(
        name="python-rust",
        label="Python + Rust (pyo3)",
        language="python",
        cwd=ROOT / "python",
        build=(
            (
                str(ROOT / ".venv/bin/maturin"),
                "develop",
                "--release",
                "--quiet",
                "-m",
                str(ROOT / "rust/cookbook-py/Cargo.toml"),
            ),
        ),
        artifact=ROOT / "rust/cookbook-py/python/cookbook_rs/_native.abi3.so",
        command=(PYTHON, "-m", "cookbook.runner", "--variant", "rust"),
        version=("rustc", "--version"),
    ),
    Implementation(
        name="rust",
        label="Rust (tokio)",
        language="rust",
        cwd=ROOT / "rust",
        build=(("cargo", "build", "--release", "--locked", "--bin", "cookbook-runner"),),
        artifact=ROOT / "rust/target/release/cookbook-runner",
        command=(str(ROOT / "rust/target/release/cookbook-runner"),),
        version=("rustc", "--version"),
    ),
    Implementation(
        name="go",
        label="Go",
        language="go",
        cwd=ROOT / "go",
        build=(("go", "build", "-o", "bin/cookbook-runner", "./cmd/cookbook-runner"),),
        artifact=ROOT / "go/bin/cookbook-runner",
        command=(str(ROOT / "go/bin/cookbook-runner"),),
        version=("go", "version"),
    ),
    Implementation(
        name="typescript",
        label="TypeScript (Node)",
        language="typescript",
        cwd=ROOT / "typescript",
        build=(("npm", "ci", "--no-audit", "--no-fund"), ("npm", "run", "build")),
        artifact=ROOT / "typescript/dist/src/runner/cli.js",
        command=("node", str(ROOT / "typescript/dist/src/runner/cli.js")),
        version=("node", "--version"),
    ),
)

BY_NAME = {impl.name: impl for impl in IMPLEMENTATIONS}

GO_RACE = dataclasses.replace(
    BY_NAME["go"],
    name="go-race",
    label="Go (race detector)",
    build=(("go", "build", "-race", "-o", "bin/cookbook-runner-race", "./cmd/cookbook-runner"),),
    artifact=ROOT / "go/bin/cookbook-runner-race",
    command=(str(ROOT / "go/bin/cookbook-runner-race"),),
)
"""The Go runner built with `-race`, run over every spec case by the harness's tests so that
races are hunted on the cases the invariants judge: a race report on stderr, and the exit status
66 it brings, fail the batch. It is not a column of its own: timings under the detector mean
nothing."""


def select(names: list[str] | None) -> list[Implementation]:
    """The implementations named (all when `names` is empty), with a clear error for a typo."""
    if not names:
        return list(IMPLEMENTATIONS)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise SystemExit(
            f"error: unknown implementation {', '.join(unknown)}; choose from {', '.join(BY_NAME)}"
        )
    return [BY_NAME[n] for n in names]
