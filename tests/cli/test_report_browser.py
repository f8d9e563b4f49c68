"""The HTML report in a real browser: Debian's headless Chromium renders it offline and records every request.

The test installs nothing: `make browser` installs Debian's chromium when it is missing (CI runs it before
`make test`). Without chromium the test is skipped with that hint, except under CI=true, where it fails.
Playwright drives the system browser by its path (`playwright install` downloads no browser here). A
full-page screenshot is left in tests/artefacts/report.png for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import ARTEFACTS, CHROMIUM_ARGS
from tests.support import ARTICLES, FIXTURES


@pytest.fixture
def report(sqlite_url: str, tmp_path: Path) -> Path:
    runner = CliRunner()

    def dtl(*args: str) -> None:
        result = runner.invoke(main, ["--db", sqlite_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    dtl("init")
    for name in ("sources.jsonl", "events.jsonl"):  # the fixture log: 2 sources, 28 events
        dtl("import", str(FIXTURES / name))
    dtl("source", "attach", "nc-2025-03-10", str(ARTICLES["nc-2025-03-10"]))
    out = tmp_path / "report.html"
    dtl("report", "--out", str(out))
    return out


def test_the_report_renders_offline_in_chromium_with_its_charts_and_timeline(chromium: str, report: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            # anything but the page itself would be a request to the network: refuse it as well as record it
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort(),
            )
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_load_state("networkidle")
            size = page.locator("#size-chart svg")
            stances = page.locator("#stance-chart svg")
            assert size.count() == 1
            assert stances.count() == 1
            assert size.bounding_box()["width"] > 600  # drawn, not just present
            assert stances.bounding_box()["height"] > 300
            assert page.locator("#size-chart svg path").count() > 10
            assert page.locator("ol.timeline > li.event").count() == 28
            poland = page.locator("#event-nc-0310-pl-logistics")
            assert "Poland offers logistics" in poland.inner_text()
            assert "verified" in poland.inner_text()
            assert page.locator("#audit table.findings tr").count() > 1
            assert page.title() == "ukraine-coalition: Diplomatic Timeline report"
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [report.as_uri()], "the report made a request other than loading itself"
