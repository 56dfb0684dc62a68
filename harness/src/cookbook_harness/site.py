"""The site's measured results, rendered from `docs/results/latest.json` into the pages.

mkdocs loads this module as a hook (see `hooks:` in mkdocs.yml). A page asks for results with a
marker on a line of its own: `<!-- results: worker-pool -->` for one pattern's table and chart,
`<!-- results: matrix -->` for every pattern in every language. Every table says where its
figures come from: the date, the machine, the toolchains and the command.
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from pathlib import Path
from typing import Any

from . import RESULTS_DIR
from .implementations import BY_NAME
from .report import axis_value, human_ns

MARKER = re.compile(r"^<!-- results: ([a-z0-9-]+) -->$", re.MULTILINE)


def load(path: Path = RESULTS_DIR / "latest.json") -> dict[str, Any] | None:
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def label(name: str) -> str:
    impl = BY_NAME.get(name)
    return impl.label if impl else name


def provenance(report: dict[str, Any]) -> str:
    machine = report.get("machine", {})
    tools = "; ".join(f"{label(k)}: {v}" for k, v in machine.get("toolchains", {}).items())
    return (
        f"*Measured {report.get('generated', '?')} by `{report.get('command', '?')}` on "
        f"{machine.get('cpu', '?')} ({machine.get('cores', '?')} cores), {machine.get('os', '?')}. "
        f"Toolchains: {tools}.*"
    )


def _cases(report: dict[str, Any], pattern: str, language: str) -> str:
    rows = [r for r in report["rows"] if r["pattern"] == pattern and r["language"] == language]
    if not rows:
        return "not run"
    passed = sum(r["status"] == "pass" for r in rows)
    skipped = sum(r["status"] == "unsupported" for r in rows)
    text = f"{passed}/{len(rows) - skipped}"
    return text + (f" ({skipped} skipped)" if skipped else "")


def pattern_table(report: dict[str, Any], pattern: str) -> str:
    languages = list(
        dict.fromkeys(r["language"] for r in report["rows"] if r["pattern"] == pattern)
    )
    if not languages:
        return f"!!! note\n    No results for {pattern} yet: run `just compare`."
    bench = {
        (b["language"], b["size"]): b for b in report.get("bench", []) if b["pattern"] == pattern
    }
    sizes = sorted({size for _, size in bench})
    head = "| implementation | cases passed |" + "".join(
        f" median, n={s} | vs fastest |" for s in sizes
    )
    lines = [head, "|" + " --- |" * (2 + 2 * len(sizes))]
    for lang in languages:
        cells = [label(lang), _cases(report, pattern, lang)]
        for size in sizes:
            b = bench.get((lang, size))
            if b is None or b.get("status") != "ok":
                cells += ["error" if b else "-", "-"]
            else:
                spread = f"{human_ns(b['min_ns'])} to {human_ns(b['max_ns'])}"
                cells += [f"{human_ns(b['median_ns'])} ({spread})", f"x{b['ratio_to_fastest']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    chart = "\n".join(bar_chart(report, pattern, size) for size in sizes)
    return "\n".join(lines) + "\n\n" + chart + "\n\n" + provenance(report)


def bar_chart(report: dict[str, Any], pattern: str, size: int) -> str:
    """Median time per implementation as horizontal bars on a log scale: ratios of 100x and more
    are common across runtimes, and a linear scale would flatten the fast ones to nothing."""
    points = [
        b
        for b in report.get("bench", [])
        if b["pattern"] == pattern and b["size"] == size and b.get("status") == "ok"
    ]
    if not points:
        return ""
    points.sort(key=lambda b: b["median_ns"])
    low = math.log10(points[0]["median_ns"]) - 0.3
    high = math.log10(points[-1]["median_ns"])
    width, left, row = 640, 150, 26
    height = row * len(points) + 10
    parts = [
        f'<svg class="cookbook-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(pattern)}: median time of the measured region, n={size}, "
        "log scale</title>",
    ]
    for n, b in enumerate(points):
        y = 5 + n * row
        span = (math.log10(b["median_ns"]) - low) / max(high - low, 1e-9)
        bar = max(2.0, span * (width - left - 120))
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" fill="currentColor" '
            f'font-size="13">{escape(label(b["language"]))}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{bar:.1f}" height="18" rx="3" '
            f'fill="var(--md-accent-fg-color, #526cfe)"/>'
            f'<text x="{left + bar + 6:.1f}" y="{y + 16}" fill="currentColor" font-size="13">'
            f"{escape(human_ns(b['median_ns']))} x{b['ratio_to_fastest']:.2f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def matrix(report: dict[str, Any]) -> str:
    patterns = list(dict.fromkeys(r["pattern"] for r in report["rows"]))
    languages = list(dict.fromkeys(r["language"] for r in report["rows"]))
    bench = {
        (b["pattern"], b["language"]): b for b in report.get("bench", []) if b.get("status") == "ok"
    }
    lines = [
        "| pattern | " + " | ".join(label(lang) for lang in languages) + " |",
        "| --- |" + " --- |" * len(languages),
    ]
    for pattern in patterns:
        cells = []
        for lang in languages:
            cell = _cases(report, pattern, lang)
            b = bench.get((pattern, lang))
            if b:
                cell += f"<br>{human_ns(b['median_ns'])} x{b['ratio_to_fastest']:.2f}"
            cells.append(cell)
        link = f"[{pattern}](patterns/{pattern}.md)"
        lines.append(f"| {link} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + provenance(report)


def sweep_section(sweep: dict[str, Any], page_dir: str) -> str:
    """One sweep: what it shows, its chart, the medians and the fitted lines."""
    languages = list(dict.fromkeys(p["language"] for p in sweep["points"]))
    xs = list(dict.fromkeys(p["x"] for p in sweep["points"]))
    out = [f"### {sweep['title']}", "", sweep.get("why", "").capitalize() + ".", ""]
    if sweep.get("chart"):
        out += [f"![{sweep['title']}]({page_dir}{sweep['chart']})", ""]
    out.append(f"| {sweep['axis']} | " + " | ".join(label(x) for x in languages) + " |")
    out.append("| ---: |" + " ---: |" * len(languages))
    for x in xs:
        cells = []
        for lang in languages:
            p = next((p for p in sweep["points"] if p["x"] == x and p["language"] == lang), None)
            if p is None or p.get("status") != "ok":
                cells.append("error" if p else "-")
            else:
                spread = f"±{p.get('spread', 0):.0%}"
                cells.append(f"{human_ns(p['median_ns'])} {spread} x{p['ratio_to_fastest']:.2f}")
        out.append(f"| {axis_value(x)} | " + " | ".join(cells) + " |")
    speedups = sweep.get("speedups") or {}
    if speedups:
        out.append(
            "| speed-up | "
            + " | ".join(
                f"x{speedups.get(lang) or 0:.2f} of {speedups['limit']}" for lang in languages
            )
            + " |"
        )
    fits = sweep.get("fits") or {}
    if fits:
        unit = sweep["unit"]
        out += [
            "",
            f"| fitted line | ns per {unit} | fixed cost | bytes per {unit} | bends at |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for lang, fit in fits.items():
            if fit["ns_per_unit"] is None:
                continue
            bends = ", ".join(f"{b:,.0f}" for b in fit["bends_at"]) or "-"
            fixed = human_ns(fit["intercept_ns"] or 0)
            out.append(
                f"| {label(lang)} | {fit['ns_per_unit']:,.1f} | {fixed} "
                f"| {fit['bytes_per_unit'] or 0:,.0f} | {bends} |"
            )
    return "\n".join(out)


def bench_page(report: dict[str, Any], page_dir: str = "results/") -> str:
    sections = []
    for sweep in report.get("sweeps", []):
        when = (
            f"*This sweep: {sweep['generated']}, `{sweep['command']}`.*"
            if "generated" in sweep
            else ""
        )
        sections.append(sweep_section(sweep, page_dir) + ("\n\n" + when if when else ""))
    return "\n\n".join([*sections, provenance(report)])


def render(
    markdown: str, report: dict[str, Any] | None, bench: dict[str, Any] | None = None
) -> str:
    def replace(match: re.Match[str]) -> str:
        what = match.group(1)
        if what == "bench":
            if bench is None:
                return "!!! note\n    No benchmark results yet: run `just bench --profile full`."
            return bench_page(bench)
        if report is None:
            return "!!! note\n    No results yet: run `just compare` to measure them."
        return matrix(report) if what == "matrix" else pattern_table(report, what)

    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """The mkdocs hook: fill in every results marker of the page."""
    return render(markdown, load(), load(RESULTS_DIR / "bench.json"))
