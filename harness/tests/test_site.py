"""The site's results come from the report, say where they come from, and never go missing
silently."""

from __future__ import annotations

from typing import Any

from cookbook_harness.site import render

REPORT: dict[str, Any] = {
    "generated": "2026-11-22T02:00:00+00:00",
    "command": "cookbook-harness compare",
    "machine": {"cpu": "Test CPU", "cores": 2, "os": "Linux", "toolchains": {"go": "go1.26"}},
    "rows": [
        {"pattern": "worker-pool", "language": "go", "case": "a", "status": "pass"},
        {"pattern": "worker-pool", "language": "go", "case": "b", "status": "unsupported"},
        {"pattern": "worker-pool", "language": "rust", "case": "a", "status": "fail"},
        {"pattern": "worker-pool", "language": "rust", "case": "b", "status": "pass"},
    ],
    "bench": [
        {
            "pattern": "worker-pool",
            "language": "go",
            "size": 1000,
            "status": "ok",
            "median_ns": 2_000_000,
            "min_ns": 1_900_000,
            "max_ns": 2_100_000,
            "ratio_to_fastest": 2.0,
        },
        {
            "pattern": "worker-pool",
            "language": "rust",
            "size": 1000,
            "status": "ok",
            "median_ns": 1_000_000,
            "min_ns": 900_000,
            "max_ns": 1_100_000,
            "ratio_to_fastest": 1.0,
        },
    ],
}


def test_pattern_table_chart_and_provenance() -> None:
    page = render("# Pool\n\n<!-- results: worker-pool -->\n", REPORT)
    assert "| Go | 1/1 (1 skipped) | 2 ms (1.9 ms to 2.1 ms) | x2.00 |" in page
    assert "| Rust (tokio) | 1/2 | 1 ms (900 µs to 1.1 ms) | x1.00 |" in page
    assert page.count("<rect") == 2
    assert (
        "Measured 2026-11-22T02:00:00+00:00 by `cookbook-harness compare` on Test CPU (2 cores)"
        in page
    )
    assert "Go: go1.26" in page


def test_matrix_links_every_pattern() -> None:
    page = render("<!-- results: matrix -->", REPORT)
    assert "| [worker-pool](patterns/worker-pool.md) | 1/1 (1 skipped)<br>2 ms x2.00 |" in page


def test_unknown_pattern_and_missing_report_say_what_to_run() -> None:
    assert "run `just compare`" in render("<!-- results: fan-in -->", REPORT)
    assert "run `just compare`" in render("<!-- results: matrix -->", None)


def test_text_without_markers_is_untouched() -> None:
    assert render("no <!-- results: x --> inline", REPORT) == "no <!-- results: x --> inline"
