"""What `just bench` prints and writes: a table per sweep with its fitted slopes, the JSON report,
and one SVG chart per sweep."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .charts import line_chart
from .implementations import Implementation
from .report import axis_value, human_ns
from .suite import PROFILES, Curve


def table(curve: Curve, impls: list[Implementation]) -> str:
    data = curve.as_json()
    names = [i.name for i in impls if any(p["language"] == i.name for p in data["points"])]
    xs = list(dict.fromkeys(p["x"] for p in data["points"]))
    rows = [[data["axis"], *names]]
    for x in xs:
        row = [axis_value(x)]
        for name in names:
            p = next((p for p in data["points"] if p["x"] == x and p["language"] == name), None)
            if p is None or p["status"] != "ok":
                row.append("error" if p else "-")
            else:
                row.append(
                    f"{human_ns(p['median_ns'])} ±{p['spread']:.0%} x{p['ratio_to_fastest']:.2f}"
                )
        rows.append(row)
    for name, fit in data["fits"].items():
        if fit["ns_per_unit"] is not None:
            rows.append(
                [
                    f"fit {name}",
                    f"{fit['ns_per_unit']:.1f} ns/{data['unit']}, "
                    f"{fit['bytes_per_unit'] or 0:.0f} B/{data['unit']}",
                ]
                + [""] * (len(names) - 1)
            )
    speedups = data.get("speedups", {})
    if speedups:
        rows.append(
            ["speed-up", *(f"x{speedups.get(n) or 0:.2f} of {speedups['limit']}" for n in names)]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return f"{data['title']}\n" + "\n".join(lines)


def write(
    out_dir: Path,
    curves: list[Curve],
    impls: list[Implementation],
    *,
    profile: str,
    machine: dict[str, Any],
    command: str,
) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = {i.name: i.label for i in impls}
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    sweeps = [{**c.as_json(), "generated": stamp, "command": command} for c in curves]
    path = out_dir / "bench.json"
    # A run of some sweeps replaces those and keeps the others, each with its own provenance,
    # so that a long suite can be measured in parts.
    fresh = {s["name"] for s in sweeps}
    kept = []
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("profile") == profile:
            kept = [s for s in old.get("sweeps", []) if s["name"] not in fresh]
    for sweep in sweeps:
        if sweep["axis"] == "mode":
            continue  # two categories: the table and its speed-ups say it better than a chart
        by_size = sweep["axis"] == "size"
        svg = line_chart(
            sweep,
            labels,
            "per_unit_ns" if by_size else "median_ns",
            f"median time per {sweep['unit']}" if by_size else "median time of the run",
        )
        if svg:
            (out_dir / f"{sweep['name']}.svg").write_text(svg + "\n")
            sweep["chart"] = f"{sweep['name']}.svg"
    order = [s.name for s in PROFILES[profile].sweeps]
    merged = sorted(
        [*kept, *sweeps], key=lambda s: order.index(s["name"]) if s["name"] in order else 99
    )
    report = {
        "generated": stamp,
        "command": command,
        "profile": profile,
        "machine": machine,
        "sweeps": merged,
    }
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return path
