"""The side-by-side table for the terminal and the machine-readable report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .bench import Point
from .conformance import Row
from .implementations import Implementation


def human_ns(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def axis_value(x: object) -> str:
    """A sweep's x value as a table shows it: 1,000,000 or event-loop."""
    return f"{x:,}" if isinstance(x, int) else str(x)


def table(impls: list[Implementation], rows: list[Row], points: list[Point]) -> str:
    patterns = list(dict.fromkeys(r.pattern for r in rows))
    header = ["pattern", *(impl.label for impl in impls)]
    lines: list[list[str]] = [header]
    for pattern in patterns:
        cells = [pattern]
        for impl in impls:
            mine = [r for r in rows if r.pattern == pattern and r.language == impl.name]
            passed = sum(r.status == "pass" for r in mine)
            skipped = sum(r.status == "unsupported" for r in mine)
            bad = len(mine) - passed - skipped
            cell = f"{passed}/{len(mine) - skipped} pass"
            if skipped:
                cell += f", {skipped} skip"
            if bad:
                cell += f", {bad} FAIL"
            cells.append(cell)
        lines.append(cells)
        for size in sorted({p.size for p in points if p.pattern == pattern}):
            timing = [f"  measured, n={size}"]
            for impl in impls:
                p = next(
                    (
                        p
                        for p in points
                        if (p.pattern, p.language, p.size) == (pattern, impl.name, size)
                    ),
                    None,
                )
                if p is None:
                    timing.append("-")
                elif p.error or p.median_ns is None:
                    timing.append("error")
                else:
                    timing.append(f"{human_ns(p.median_ns)} x{p.ratio:.2f}")
            lines.append(timing)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def failures(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.status in ("fail", "error")]


def write(
    path: Path,
    *,
    machine: dict[str, Any],
    command: str,
    rows: list[Row],
    points: list[Point],
    disagreements: list[dict[str, Any]],
) -> None:
    report = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine,
        "rows": [r.as_json() for r in rows],
        "bench": [p.as_json() for p in points],
        "disagreements": disagreements,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
