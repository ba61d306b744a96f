"""The report opens in a real browser (Debian's Chromium, `make browser`) without any network
request or console error, and its filter box works under the page's content security policy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matcher.report import ReportResult

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


def test_report_in_chromium(sample_report: tuple[Path, ReportResult]) -> None:
    out, result = sample_report
    requests: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto((out / "report.html").as_uri())
            count = "document.querySelectorAll('details.actor').length"
            visible = ("Array.from(document.querySelectorAll('details.actor'))"
                       ".filter(d => !d.hidden).length")
            assert page.evaluate(count) == result.actor_count
            first = page.evaluate("document.querySelector('details.actor').id")[2:]
            page.fill("#actor-filter", first)
            assert 1 <= page.evaluate(visible) < result.actor_count
            page.fill("#actor-filter", "")
            assert page.evaluate(visible) == result.actor_count
            assert page.locator("#map svg circle").count() >= result.actor_count
        finally:
            browser.close()
    assert [u for u in requests if not u.startswith("file://")] == []
    assert problems == []
