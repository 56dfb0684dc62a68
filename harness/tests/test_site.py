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


BENCH: dict[str, Any] = {
    "generated": "2026-11-22T03:00:00+00:00",
    "command": "cookbook-harness bench --profile full",
    "machine": {"cpu": "Test CPU", "cores": 2, "os": "Linux", "toolchains": {}},
    "sweeps": [
        {
            "name": "worker-pool-size",
            "title": "Worker pool: jobs with no work of their own",
            "why": "the pool's own cost per job",
            "axis": "size",
            "unit": "job",
            "chart": "worker-pool-size.svg",
            "peak_memory": "GNU time",
            "points": [
                {
                    "language": "go",
                    "x": 1000,
                    "status": "ok",
                    "median_ns": 500_000,
                    "spread": 0.04,
                    "ratio_to_fastest": 1.0,
                },
                {"language": "go", "x": 10000, "status": "error"},
            ],
            "fits": {
                "go": {
                    "ns_per_unit": 480.0,
                    "intercept_ns": 20000,
                    "r2": 1.0,
                    "bytes_per_unit": 12.0,
                    "baseline_bytes": 1,
                    "bends_at": [1e6],
                }
            },
        }
    ],
}


def test_bench_page_shows_chart_medians_fits_and_provenance() -> None:
    page = render("<!-- results: bench -->", None, BENCH)
    assert "![Worker pool: jobs with no work of their own](results/worker-pool-size.svg)" in page
    assert "| 1,000 | 500 µs ±4% x1.00 |" in page
    assert "| 10,000 | error |" in page
    assert "| Go | 480.0 | 2,083,333 | 20 µs | 12 | 1,000,000 |" in page
    assert "by `cookbook-harness bench --profile full`" in page


def test_bench_page_without_results_says_what_to_run() -> None:
    assert "just bench" in render("<!-- results: bench -->", None, None)


def test_million_table_sits_beside_the_published_figures() -> None:
    sweep = {
        "name": "many-tasks-spawn",
        "pattern": "many-tasks",
        "params": {"variant": "spawn", "sleepMs": 10_000},
        "points": [
            {"language": "go", "x": 1, "status": "ok", "process_max_rss_kib": [10240, 10240]},
            {
                "language": "go",
                "x": 1_000_000,
                "status": "ok",
                "median_ns": 15_000_000_000,
                "process_max_rss_kib": [2_000_000, 3_000_000, 2_500_000],
                "launch_ns": [4_000_000_000],
            },
        ],
        "fits": {"go": {"bytes_per_unit": 2600.0, "baseline_bytes": 10 * 2**20}},
    }
    page = render("<!-- results: million -->", None, {"sweeps": [sweep]})
    assert (
        "| Go | 10.0 MB | 2,441.4 MB | 2,658 MB | 2,586 MB | 2,600 B | 10.0 MB | 4 s | 5 s |"
        in page
    )


def test_native_section_shows_speedups_ratios_and_provenance() -> None:
    native = {
        "provenance": {
            "date": "2026-11-22",
            "machine": {"cpu": "Test CPU", "cores": 2},
            "versions": {"python": "3.11.7"},
        },
        "speedup": [
            {
                "implementation": "Rust pool",
                "one_thread_ms": 104.0,
                "two_threads_ms": 52.0,
                "speedup": 2.0,
            }
        ],
        "per_op": [
            {"operation": "cache get", "python_ns": 2888, "extension_ns": 319, "ratio": 0.11}
        ],
    }
    page = render("<!-- results: native -->", None, None, native)
    assert "| Rust pool | 104.0 ms | 52.0 ms | x2.00 |" in page
    assert "| cache get | 2,888 ns | 319 ns | x0.11 |" in page
    assert "on Test CPU (2 cores); versions: python 3.11.7" in page
    assert "just bench-native" in render("<!-- results: native -->", None)


def test_memory_measured_before_gnu_time_is_not_shown() -> None:
    old = {**BENCH, "sweeps": [{k: v for k, v in BENCH["sweeps"][0].items() if k != "peak_memory"}]}
    assert "| Go | 480.0 | 2,083,333 | 20 µs | - | 1,000,000 |" in render(
        "<!-- results: bench -->", None, old
    )
