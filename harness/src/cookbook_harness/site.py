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
            f"| fitted line | ns per {unit} | {unit}s per second | fixed cost | bytes per {unit} "
            "| bends at |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for lang, fit in fits.items():
            if fit["ns_per_unit"] is None:
                continue
            bends = ", ".join(f"{b:,.0f}" for b in fit["bends_at"]) or "-"
            fixed = human_ns(fit["intercept_ns"] or 0)
            rate = f"{1e9 / fit['ns_per_unit']:,.0f}" if fit["ns_per_unit"] > 0 else "-"
            # Runs from before peak memory was measured through GNU time counted the harness's
            # own size too: their memory is not shown.
            trusted = sweep.get("peak_memory") == "GNU time" and fit["bytes_per_unit"] is not None
            per = f"{fit['bytes_per_unit']:,.0f}" if trusted else "-"
            ns = f"{fit['ns_per_unit']:,.1f}"
            out.append(f"| {label(lang)} | {ns} | {rate} | {fixed} | {per} | {bends} |")
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


PUBLISHED: dict[str, dict[str, float]] = {
    # Peak MB at one million tasks each sleeping 10 s, from "How much memory do you need to run
    # 1 million concurrent tasks?" and its 2024 rerun.
    "2023 (Rust 1.69, Go 1.18, Node 12, Python 3.10)": {
        "rust": 213.6,
        "go": 2658,
        "typescript": 494,
        "python-asyncio": 2232,
    },
    "2024 (Rust 1.82, Go 1.23, Node 23, Python 3.13)": {
        "rust": 439,
        "rust join_all": 207,
        "go": 2586,
        "typescript": 564,
        "python-asyncio": 1276,
    },
}


def million_table(bench: dict[str, Any]) -> str:
    """Our peak memory per N beside the published figures at one million tasks."""
    rows: dict[str, dict[int, float]] = {}
    launch: dict[str, float] = {}
    beyond: dict[str, float] = {}
    fits: dict[str, Any] = {}
    for sweep in bench.get("sweeps", []):
        if sweep["pattern"] != "many-tasks":
            continue
        suffix = {"join-all": " join_all", "work": " with work"}.get(sweep["params"]["variant"], "")
        for p in sweep["points"]:
            if p.get("status") == "ok" and p.get("process_max_rss_kib"):
                key = p["language"] + suffix
                rss = sorted(p["process_max_rss_kib"])[len(p["process_max_rss_kib"]) // 2]
                rows.setdefault(key, {})[p["x"]] = rss / 1024
                if p["x"] == max(q["x"] for q in sweep["points"]):
                    if p.get("launch_ns"):
                        launch[key] = sorted(p["launch_ns"])[len(p["launch_ns"]) // 2]
                    # Launch and teardown: what the run took beyond the sleep itself.
                    if p.get("median_ns") is not None:
                        beyond[key] = p["median_ns"] - sweep["params"]["sleepMs"] * 1e6
        for lang, fit in (sweep.get("fits") or {}).items():
            fits[lang + suffix] = fit
    if not rows:
        return "!!! note\n    No many-tasks results yet: run `just bench`."
    sizes = sorted({n for r in rows.values() for n in r})
    years = list(PUBLISHED)
    head = ["| tasks |", *(f" {n:,} |" for n in sizes), *(f" {y} |" for y in years)]
    head += [
        " bytes per task (fit) |",
        " baseline (fit) |",
        " launch at the largest N |",
        " beyond the sleep at the largest N |",
    ]
    out = ["".join(head), "|---|" + "---:|" * (len(sizes) + len(years) + 4)]
    for key, by_n in rows.items():
        base = key.replace(" with work", "")
        name = label(base.split(" join_all")[0]) + key[len(base.split(" join_all")[0]) :]
        cells = [f"{by_n[n]:,.1f} MB" if n in by_n else "-" for n in sizes]
        cells += [f"{PUBLISHED[y][key]:,} MB" if key in PUBLISHED[y] else "-" for y in years]
        fit = fits.get(key) or {}
        per_task = fit.get("bytes_per_unit")
        baseline = fit.get("baseline_bytes")
        cells.append(f"{per_task:,.0f} B" if per_task is not None else "-")
        cells.append(f"{baseline / 2**20:,.1f} MB" if baseline is not None else "-")
        cells.append(human_ns(launch[key]) if key in launch else "-")
        cells.append(human_ns(beyond[key]) if key in beyond else "-")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def native_section(native: dict[str, Any]) -> str:
    """The extension against pure Python: the parallel speed-up and the cost per operation."""
    prov = native.get("provenance", {})
    machine = prov.get("machine", {})
    out = [
        "| CPU-bound batch | 1 thread | 2 threads | speed-up |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {x['implementation']} | {x['one_thread_ms']:.1f} ms | {x['two_threads_ms']:.1f} ms "
            f"| x{x['speedup']:.2f} |"
            for x in native.get("speedup", [])
        ),
        "",
        "| one operation | pure Python | through the extension | extension / Python |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {x['operation']} | {x['python_ns']:,.0f} ns | {x['extension_ns']:,.0f} ns "
            f"| x{x['ratio']:.2f} |"
            for x in native.get("per_op", [])
        ),
        "",
        f"*Measured {prov.get('date', '?')} by `just bench-native` on {machine.get('cpu', '?')} "
        f"({machine.get('cores', '?')} cores); versions: "
        + ", ".join(f"{k} {v}" for k, v in prov.get("versions", {}).items())
        + ".*",
    ]
    return "\n".join(out)


def render(
    markdown: str,
    report: dict[str, Any] | None,
    bench: dict[str, Any] | None = None,
    native: dict[str, Any] | None = None,
) -> str:
    def replace(match: re.Match[str]) -> str:
        what = match.group(1)
        if what == "native":
            if native is None:
                return "!!! note\n    No results yet: run `just bench-native`."
            return native_section(native)
        if what in ("bench", "million"):
            if bench is None:
                return "!!! note\n    No benchmark results yet: run `just bench`."
            return bench_page(bench) if what == "bench" else million_table(bench)
        if report is None:
            return "!!! note\n    No results yet: run `just compare` to measure them."
        return matrix(report) if what == "matrix" else pattern_table(report, what)

    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """The mkdocs hook: fill in every results marker of the page."""
    return render(
        markdown, load(), load(RESULTS_DIR / "bench.json"), load(RESULTS_DIR / "native.json")
    )
