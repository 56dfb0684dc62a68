"""The site as a reader meets it: built strictly, served on localhost, opened in headless
Chromium. Picking a language's tab on one pattern page keeps it picked on the next page."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cookbook_harness import ROOT, proc

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "build" / "screenshots"
FIRST, SECOND = "patterns/worker-pool/", "patterns/fan-in/"
# Chromium as root in a sandbox with no network: no sandbox, no GPU, and none of the background
# connections it would otherwise try (and fail) to make at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail(
            "Chromium is not installed: run `just setup-browser` (Debian's chromium package)"
        )
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("site")
    built = proc.run(
        [ROOT / ".venv/bin/mkdocs", "build", "--strict", "--quiet", "--site-dir", out],
        cwd=ROOT,
        timeout=180,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.describe()
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_the_rust_tab_stays_selected_across_pattern_pages(site: str) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    def selected_tab(page: Page) -> str:
        """The label of the checked tab in the page's first set of tabs (the code)."""
        tabs = page.locator(".tabbed-set").first
        checked = tabs.locator("input:checked").get_attribute("id")
        return tabs.locator(f"label[for='{checked}']").inner_text().strip()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(site + FIRST)
            assert selected_tab(page) != "Rust", (
                "Rust must not be the default, or the test proves nothing"
            )
            page.get_by_text("Rust", exact=True).first.click()
            assert selected_tab(page) == "Rust"
            expect(page.locator(".tabbed-block:visible pre").first).to_contain_text("JoinSet")
            _settle(page)
            page.screenshot(path=str(SCREENSHOTS / "worker-pool-rust.png"))

            page.goto(site + SECOND)
            assert selected_tab(page) == "Rust", f"{SECOND} did not keep the Rust tab"
            expect(page.locator(".tabbed-block:visible pre").first).to_contain_text("JoinSet")
            _settle(page)
            page.screenshot(path=str(SCREENSHOTS / "second-page-rust.png"))
        finally:
            browser.close()
    for shot in ("worker-pool-rust.png", "second-page-rust.png"):
        assert (SCREENSHOTS / shot).stat().st_size > 10_000, f"{shot} is suspiciously small"


def _settle(page: object) -> None:
    # Only for the picture: the tab indicator slides for a moment after a tab is picked. No
    # assertion depends on this wait.
    page.wait_for_timeout(400)  # type: ignore[attr-defined]
