"""A big log's report summarises: past a limit a section shows a part, says how much it left out and how to see it.

The limits are lowered here so a few thousand events cross every one of them (at their defaults a log needs
hundreds of thousands; bench/ measures the report at that size). A log below the limits is reported whole, as
before. Progress goes to a terminal and never to a pipe.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from render.report import ReportLimits
from service.timeline import Timeline
from tests.reliability.conftest import BACKENDS, events_file, fresh_database, init_sourced, invoke, load_fixture_log
from tests.support import ROOT, TEST_SOURCE

STREAM = "big-coalition"
EVENTS = 2400
ACTORS = ("GB", "FR", "DE", "PL", "IT", "ES", "NL", "BE", "IE", "LU", "DK", "SE", "NO", "FI", "CA", "AU")
SMALL = ReportLimits(events=200, findings_per_kind=25, claims=15, lanes=6)


def _big_log_lines() -> Iterator[str]:
    """EVENTS events over 240 days: stances moving among ACTORS, and a size claim every tenth event."""
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("pledge.made", {"offers": ["logistics"]}),
        ("position.considering", {}),
        ("position.undecided", {}),
        ("position.in_talks", {}),
    ]
    for number in range(EVENTS):
        day = date(2025, 1, 1) + timedelta(days=number // 10)
        if number % 10 == 9:
            kind, actor = "count.reported", None
            data: dict[str, Any] = {"subject": "participants", "comparator": "~", "amount": number}
        else:
            kind, data = kinds[(number // len(ACTORS)) % len(kinds)]
            actor = ACTORS[number % len(ACTORS)]
        event = {
            "id": f"big-{number:05d}",
            "type": kind,
            "stream": STREAM,
            "occurred": day.isoformat(),
            "data": data,
            "sources": [{"source": TEST_SOURCE, "quote": f"officials said so on day {number} of the talks"}],
            **({"actor": actor} if actor else {}),
        }
        yield json.dumps(event)


@pytest.fixture(scope="module", params=BACKENDS)
def big_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A log of EVENTS events citing the test source (registered by its hash alone: every quote is unverified)."""
    with fresh_database(request.param, tmp_path_factory) as url:
        init_sourced(url)
        path = events_file(tmp_path_factory.mktemp("big") / "big.jsonl", list(_big_log_lines()))
        result = invoke(url, "import", str(path))
        assert result.exit_code == 0, result.output
        yield url


def _report(url: str, limits: ReportLimits | None = None, **window: str) -> str:
    timeline = Timeline(url)
    try:
        return timeline.report(STREAM, limits=limits, **window).html  # type: ignore[arg-type]
    finally:
        timeline.close()


def test_past_its_limits_every_section_is_there_and_says_what_it_left_out(big_url: str) -> None:
    page = _report(big_url, SMALL)
    for section in ("summary", "size", "stances", "timeline", "audit"):
        assert f'<section id="{section}">' in page
    assert page.count("<svg") == 2
    claims = EVENTS // 10
    assert page.count("<li class=event") == 200
    assert f"This window holds {EVENTS:,} events: the most recent 200" in page
    assert f"the {EVENTS - 200:,} before them (up to " in page
    assert "big-02399" in page  # the most recent event is shown in full
    assert "id='event-big-00000'" not in page  # the first is left out
    assert f"This window holds {claims:,} claims: the most recent 15" in page
    assert page.count("<table class=claims>") == 1
    assert "id='lanes-left-out'" in page
    assert f"{len(ACTORS):,} actors took a stance in this window: the chart draws the 6 most committed" in page
    # every kind of finding counted, the first 25 of each listed
    assert "id='findings-left-out'" in page
    assert f"<td>unverified_quote</td><td>{EVENTS:,}</td><td>the first 25</td>" in page
    assert page.count("<td>unverified_quote</td>") == 1 + 25  # the count, then the listed findings


def test_the_limits_bound_the_size_of_the_report(big_url: str) -> None:
    whole = _report(big_url, ReportLimits(events=10**9, findings_per_kind=10**9, claims=10**9, lanes=10**9))
    limited = _report(big_url, SMALL)
    assert "left-out" not in whole
    assert whole.count("<li class=event") == EVENTS
    assert len(limited) < len(whole) / 4
    assert len(limited.encode("utf-8")) < 2_000_000


def test_the_report_names_how_to_see_what_it_left_out_in_the_door_s_words(
    big_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("render.report.ReportLimits", lambda: SMALL)
    limited = tmp_path / "limited.html"
    result = invoke(big_url, "report", "--stream", STREAM, "--out", str(limited))
    assert result.exit_code == 0, result.output
    assert f"({EVENTS} events," in result.output  # the events the report covers, shown in full or counted
    page = limited.read_text(encoding="utf-8")
    assert f"`dtl timeline --stream {STREAM} --to DAY` lists them" in page
    assert f"`dtl audit --stream {STREAM}` lists every finding." in page
    assert "`dtl report --from DAY --to DAY` lists the claims of a narrower window in full." in page
    assert f"`dtl history ACTOR --stream {STREAM}` shows any actor" in page


def test_a_window_below_the_limits_shows_every_event_of_it(big_url: str) -> None:
    page = _report(big_url, SMALL, start="2025-01-01", end="2025-01-10")
    assert "id='timeline-left-out'" not in page
    assert page.count("<li class=event") == 100


def test_a_small_log_is_reported_whole_whatever_the_limits_allow_above_it(tmp_path_factory: pytest.TempPathFactory):
    with fresh_database("sqlite", tmp_path_factory) as url:
        load_fixture_log(url)
        timeline = Timeline(url)
        try:
            by_default = timeline.report("ukraine-coalition").html
            unlimited = timeline.report("ukraine-coalition", limits=ReportLimits(10**9, 10**9, 10**9, 10**9)).html
        finally:
            timeline.close()
    assert by_default == unlimited
    assert "left-out" not in by_default


def _report_with_stderr_on_a_terminal(url: str, out: Path) -> tuple[int, str]:
    """Run `dtl report` with standard error on a pseudo-terminal; return its exit code and what the terminal saw."""
    primary, secondary = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", url, "report", "--out", str(out)],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
    )
    os.close(secondary)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([primary], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            seen += chunk
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()
        os.close(primary)
    return code, seen.decode("utf-8", errors="replace")


def test_report_shows_progress_on_a_terminal_and_none_when_piped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    load_fixture_log(url)
    code, terminal = _report_with_stderr_on_a_terminal(url, tmp_path / "shown.html")
    assert code == 0, terminal
    assert "writing the report" in terminal
    piped = subprocess.run(
        [sys.executable, "-m", "cli", "--db", url, "report", "--out", str(tmp_path / "piped.html")],
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if not key.startswith("DTL_")},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert "writing the report" not in piped.stderr + piped.stdout
    assert not re.search(r"\x1b|\r", piped.stderr + piped.stdout)
    assert (tmp_path / "shown.html").read_bytes() == (tmp_path / "piped.html").read_bytes()
