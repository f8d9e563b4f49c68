"""Fixtures for the explorer in a real browser: the example log, a real `dtl serve`, Debian's chromium.

Each module starts one `python -m cli serve --public-read` on a free port of 127.0.0.1 over the bundled
example log (examples/coalition-of-the-willing) in a tmp dir, and kills it when the module ends. Playwright
drives the system chromium by its path: nothing is downloaded, and without chromium the tests are skipped
with the hint `make browser`, except under CI=true, where they fail. Every page records the requests it
makes and the errors its console shows; a test fails if a request leaves the server's origin or an error
was shown. Screenshots go to tests/artefacts/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTEFACTS, CHROMIUM_ARGS, IN_CI
from tests.reliability.conftest import invoke
from tests.support import EXAMPLE, ROOT

# how long a page may take to show what a test waits for: generous, a loaded machine must not fail a test
WAIT_MS = 15_000


@dataclass
class Server:
    """A running `dtl serve` on a log of the test module's own."""

    url: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    reader_token: str | None = None

    def dtl(self, *args: str) -> dict[str, Any]:
        """Run `dtl --db URL ARGS... --json` in another process (as a colleague would) and return its document."""
        environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
        done = subprocess.run(
            [sys.executable, "-m", "cli", "--db", self.url, *args, "--json"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        document: dict[str, Any] = json.loads(done.stdout)
        return document


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(base: str) -> bool:
    import httpx2 as httpx

    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A `dtl serve` over the example log for one test module, killed when it ends.

    It serves `--public-read` unless the module sets PUBLIC_READ = False; then reads need the reader token
    made for it (Server.reader_token).
    """
    public_read = getattr(request.module, "PUBLIC_READ", True)
    folder = tmp_path_factory.mktemp("explorer")
    url = f"sqlite:///{folder / 'timeline.db'}"
    for args in (("init",), ("import", str(EXAMPLE / "sources.jsonl")), ("import", str(EXAMPLE / "events.jsonl"))):
        result = invoke(url, *args)
        assert result.exit_code == 0, result.output
    token = None
    if not public_read:
        made = invoke(url, "token", "create", "reader", "--role", "reader", "--json")
        assert made.exit_code == 0, made.output
        token = json.loads(made.output)["secret"]
    port = _free_port()
    log = folder / "serve.log"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    environment["DTL_HEARTBEAT_SECONDS"] = "1"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", url, "serve", "--port", str(port)]
            + (["--public-read"] if public_read else []),
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = Server(url, f"http://127.0.0.1:{port}", process, log, token)
    try:
        deadline = time.monotonic() + 60
        while not _answers(running.base):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the server did not answer within 60 s\n" + log.read_text()
            time.sleep(0.1)
        yield running
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """One headless chromium for a test module."""
    if IN_CI:
        from playwright import sync_api
    else:
        sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watched:
    """A page, and what it did that a test may not allow: requests elsewhere, console errors."""

    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, query: str = "") -> Any:
        """Go to the explorer with this query and wait until it shows the state."""
        self.page.goto(f"{self.base}/{query}")
        self.wait_for_state()
        return self.page

    def wait_for_state(self) -> None:
        self.page.wait_for_selector("#members tbody tr", timeout=WAIT_MS)
        self.page.wait_for_function(
            "() => ['#size-chart', '#stance-chart'].every(chart => document.querySelector(chart).naturalWidth > 0)",
            timeout=WAIT_MS,
        )

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if not url.startswith((f"{self.base}/", "blob:"))]

    def screenshot(self, name: str, *, full_page: bool = False) -> None:
        ARTEFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTEFACTS / name), full_page=full_page)


@pytest.fixture
def watched(browser: Any, server: Server) -> Iterator[Watched]:
    """A fresh page on the module's server; afterwards, no request may have left its origin, no error shown."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    watching = Watched(page, server.base)
    page.on("request", lambda request: watching.requests.append(request.url))
    page.on("console", lambda message: watching.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watching.errors.append(str(error)))
    try:
        yield watching
    finally:
        context.close()
    assert not watching.elsewhere(), f"requests left the server's origin: {watching.elsewhere()}"
    assert not watching.errors, f"the console showed errors: {watching.errors}"
