"""The HTML report in a real browser: Debian's headless Chromium renders it offline and records every request.

Chromium is installed with apt-get when missing, under CI or as root; elsewhere
the test is skipped with the reason. Playwright drives the system browser
(`playwright install` cannot download one here). A full-page screenshot is left
in tests/artefacts/report.png for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import IN_CI
from tests.support import EXAMPLE, ROOT, SEED_FILES

ARTEFACTS = ROOT / "tests" / "artefacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _install_chromium() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run(command, check=True, env=env, capture_output=True, timeout=900)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's chromium, installed first when missing and allowed (CI, or running as root)."""
    found = shutil.which("chromium")
    if found is None and (IN_CI or os.geteuid() == 0):
        try:
            _install_chromium()
        except (OSError, subprocess.SubprocessError) as error:
            pytest.fail(f"could not install chromium with apt-get: {error}")
        found = shutil.which("chromium")
    if found is None:
        if IN_CI:
            pytest.fail("chromium is missing under CI and apt-get did not install it")
        pytest.skip("needs Debian's chromium: `sudo apt-get install chromium` (installed automatically in CI)")
    return found


@pytest.fixture
def report(sqlite_url: str, tmp_path: Path) -> Path:
    runner = CliRunner()

    def dtl(*args: str) -> None:
        result = runner.invoke(main, ["--db", sqlite_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    dtl("init")
    for name in ("sources.jsonl", "events.jsonl"):
        dtl("import", str(EXAMPLE / name))
    dtl("source", "attach", "ft-2025-03-10", str(SEED_FILES["ft-2025-03-10"]))
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
            assert page.locator("ol.timeline > li.event").count() == 47
            poland = page.locator("#event-ft-0310-pl-logistics")
            assert "Poland offers logistics" in poland.inner_text()
            assert "verified" in poland.inner_text()
            assert page.locator("#audit table.findings tr").count() > 1
            assert page.title() == "ukraine-coalition: Diplomatic Timeline report"
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [report.as_uri()], "the report made a request other than loading itself"
