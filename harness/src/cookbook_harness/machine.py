"""What the numbers were measured on: the machine, the OS and each toolchain's version."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from . import proc, runners
from .implementations import Implementation


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def toolchain(impl: Implementation) -> str:
    try:
        done = proc.run(impl.version, timeout=30)
    except proc.ToolMissingError as exc:
        return str(exc)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def runtime(impl: Implementation) -> dict[str, Any]:
    """The runtime settings the runner reports (GOMAXPROCS, tokio worker threads, ...)."""
    try:
        return runners.list_patterns(impl).runtime
    except (runners.RunnerError, proc.ToolMissingError) as exc:
        return {"error": str(exc)}


def describe(impls: list[Implementation]) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "toolchains": {impl.name: toolchain(impl) for impl in impls},
        "runtime": {impl.name: runtime(impl) for impl in impls},
    }
