"""Every `--json` document, printed table and exit code of `dtl` on the bundled example, pinned.

The expected outputs in tests/golden/expected/cli-documents.json were recorded
before the use cases moved out of the click commands into the service layer;
the same commands must print the same bytes (recorded times and hashes aside)
on SQLite and PostgreSQL. When a change is meant to alter an answer, record
the outputs again with `DTL_REGENERATE_GOLDEN=1 pytest tests/golden/test_cli_documents.py`
and say in the commit which answers changed and why.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.support import EXAMPLE, ROOT

EXPECTED = Path(__file__).parent / "expected" / "cli-documents.json"
FIXTURE_ARTICLE = Path(__file__).parent / "expected" / "pinned-article.txt"

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_HASH = re.compile(r"\b[0-9a-f]{64}\b")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


class Case(NamedTuple):
    """One command line, and whether its standard error is part of what is pinned."""

    name: str
    args: tuple[str, ...]
    input: str | None = None


def _cases(bad_lines: Path, tmp: Path) -> list[Case]:
    """The commands, in the order they run: every read first, then the writes and their refusals."""
    reads = [
        ("state-0312", "state", "--as-of", "2025-03-12"),
        ("state-0317", "state", "--as-of", "2025-03-17"),
        ("state-0312-json", "state", "--as-of", "2025-03-12", "--json"),
        ("state-0317-json", "state", "--as-of", "2025-03-17", "--json"),
        ("state-0317-known-at-20-json", "state", "--as-of", "2025-03-17", "--known-at", "20", "--json"),
        ("state-month-json", "state", "--as-of", "2025-03", "--json"),
        ("state-unknown-stream-json", "state", "--as-of", "2025-03-17", "--stream", "typo", "--json"),
        ("count", "count", "--as-of", "2025-03-17"),
        ("count-json", "count", "--as-of", "2025-03-17", "--json"),
        ("count-troops-json", "count", "--subject", "troops", "--as-of", "2025-03-17", "--json"),
        ("count-series", "count", "--series"),
        ("count-series-json", "count", "--series", "--json"),
        ("count-series-known-at-json", "count", "--series", "--known-at", "10", "--json"),
        ("timeline", "timeline"),
        ("timeline-json", "timeline", "--json"),
        ("timeline-pl-json", "timeline", "--actor", "Poland", "--from", "2025-03-10", "--to", "2025-03-17", "--json"),
        ("diff", "diff", "2025-03-12", "2025-03-17"),
        ("diff-json", "diff", "2025-03-12", "2025-03-17", "--json"),
        ("history-au", "history", "AU"),
        ("history-au-json", "history", "Australia", "--json"),
        ("history-pl-as-of-json", "history", "PL", "--as-of", "2025-03-12", "--json"),
        ("why-pl", "why", "PL", "--as-of", "2025-03-17"),
        ("why-pl-json", "why", "PL", "--as-of", "2025-03-17", "--json"),
        ("why-au-0312-json", "why", "AU", "--as-of", "2025-03-12", "--json"),
        ("why-it-known-at-json", "why", "Italy", "--as-of", "2025-03-17", "--known-at", "15", "--json"),
        ("why-count", "why", "--count", "--as-of", "2025-03-17"),
        ("why-count-json", "why", "--count", "--as-of", "2025-03-17", "--json"),
        ("why-count-troops-json", "why", "--count", "--subject", "troops", "--as-of", "2025-03-17", "--json"),
        ("log", "log"),
        ("log-json", "log", "--json"),
        ("log-filtered-json", "log", "--type", "pledge.made", "--actor", "France", "--since", "5", "--json"),
        ("verify", "verify"),
        ("verify-json", "verify", "--json"),
        ("verify-checkpoint", "verify", "--checkpoint"),
        ("audit", "audit"),
        ("audit-json", "audit", "--json"),
        ("audit-stream-json", "audit", "--stream", "ukraine-coalition", "--json"),
        ("source-list", "source", "list"),
        ("source-list-json", "source", "list", "--json"),
        ("source-show", "source", "show", "ft-2025-03-10"),
        ("source-show-json", "source", "show", "ft-2025-03-17", "--json"),
        ("date", "date", "last week", "--anchor", "2025-03-10"),
        ("date-json", "date", "on Saturday", "--anchor", "2025-03-17", "--json"),
        ("export-jsonl", "export"),
        ("export-csv", "export", "--format", "csv"),
        ("export-timelinejs", "export", "--format", "timelinejs"),
        ("export-stream-jsonl", "export", "--stream", "sources"),
    ]
    refusals = [
        ("state-bad-day", "state", "--as-of", "2025-02-30"),
        ("state-bad-known-at", "state", "--known-at", "yesterday-ish"),
        ("count-series-and-as-of", "count", "--series", "--as-of", "2025-03-17"),
        ("why-nothing", "why"),
        ("why-unknown-actor", "why", "Atlantis", "--as-of", "2025-03-17"),
        ("why-subject-without-count", "why", "PL", "--subject", "troops"),
        ("history-unknown-actor", "history", "Narnia"),
        ("timeline-unknown-actor", "timeline", "--actor", "Narnia"),
        ("audit-unknown-stream", "audit", "--stream", "typo"),
        ("report-unknown-stream", "report", "--stream", "typo", "--out", str(tmp / "r.html")),
        ("report-reversed", "report", "--from", "2025-03-17", "--to", "2025-03-10", "--out", str(tmp / "r.html")),
        ("chart-no-format", "chart", "size", "--out", str(tmp / "chart.gif")),
        ("source-show-unknown", "source", "show", "nope"),
        ("source-attach-unknown", "source", "attach", "nope", str(FIXTURE_ARTICLE)),
        ("source-attach-mismatch", "source", "attach", "ft-2025-03-10", str(FIXTURE_ARTICLE)),
        ("source-add-no-file", "source", "add", str(tmp / "missing.txt"), "--id", "x", "--publisher", "P",
         "--published", "2025-03-10"),
        ("source-add-bad-date", "source", "add", "--id", "x", "--publisher", "P", "--published", "2025-13-01"),
        ("source-add-sha-mismatch", "source", "add", str(FIXTURE_ARTICLE), "--id", "x", "--publisher", "P",
         "--published", "2025-03-10", "--sha256", "0" * 64),
        ("date-vague", "date", "soon", "--anchor", "2025-03-10"),
        ("date-bad-anchor", "date", "last week", "--anchor", "10/03/2025"),
        ("import-missing", "import", str(tmp / "missing.jsonl")),
        ("import-bad-line", "import", str(bad_lines)),
        ("append-unknown-source", "append", "pledge.made", "--actor", "PL", "--occurred", "2025-03-10",
         "--data", '{"offers": ["logistics"]}', "--source", "nope", "--quote", "Poland offers logistics support"),
        ("append-bad-data", "append", "pledge.made", "--actor", "PL", "--occurred", "2025-03-10",
         "--data", '{"offers": ["spaceships"]}', "--source", "ft-2025-03-10"),
        ("append-bad-json", "append", "pledge.made", "--actor", "PL", "--occurred", "2025-03-10", "--data", "{nope"),
        ("append-bad-occurred", "append", "position.in_talks", "--actor", "PL", "--occurred", "2025-02-30",
         "--source", "ft-2025-03-10"),
        ("append-unknown-actor", "append", "position.in_talks", "--actor", "Narnia", "--occurred", "2025-03-10",
         "--source", "ft-2025-03-10"),
        ("append-unknown-type", "append", "pledge.mad", "--actor", "PL", "--occurred", "2025-03-10"),
        ("append-quote-count", "append", "position.in_talks", "--actor", "PL", "--occurred", "2025-03-10",
         "--source", "ft-2025-03-10", "--source", "ft-2025-03-17", "--quote", "one quote only here"),
        ("append-vague-phrase", "append", "position.in_talks", "--actor", "PL", "--occurred-text", "soon",
         "--source", "ft-2025-03-10"),
        ("append-no-date", "append", "position.in_talks", "--actor", "PL", "--source", "ft-2025-03-10"),
        ("append-phrase-unknown-source", "append", "position.in_talks", "--actor", "PL", "--occurred-text",
         "last week", "--source", "nope"),
        ("append-duplicate-id", "append", "position.in_talks", "--id", "ft-0310-pl-logistics", "--actor", "PL",
         "--occurred", "2025-03-10", "--source", "ft-2025-03-10"),
        ("append-amend-missing", "append", "event.retracted", "--occurred", "2025-03-20",
         "--data", '{"target": "nope", "reason": "typo"}', "--source", "ft-2025-03-17"),
        ("append-expected-version", "append", "position.in_talks", "--id", "pin-conflict", "--actor", "NL",
         "--occurred", "2025-03-17", "--source", "ft-2025-03-17", "--expected-version", "3"),
    ]  # fmt: skip
    writes = [
        ("append-json", "append", "position.in_talks", "--id", "pin-nl-talks", "--actor", "Netherlands",
         "--occurred", "2025-03-17", "--source", "ft-2025-03-17", "--note", "pinned", "--json"),
        ("append-again", "append", "position.in_talks", "--id", "pin-nl-talks", "--actor", "Netherlands",
         "--occurred", "2025-03-17", "--source", "ft-2025-03-17", "--note", "pinned"),
        ("append-phrase-json", "append", "position.in_talks", "--id", "pin-se-talks", "--actor", "SE",
         "--occurred-text", "last week", "--source", "ft-2025-03-17", "--json"),
        ("append-phrase", "append", "position.in_talks", "--id", "pin-fi-talks", "--actor", "FI",
         "--occurred-text", "on Saturday", "--published", "2025-03-17", "--source", "ft-2025-03-17"),
        ("append-retraction", "append", "event.retracted", "--id", "pin-retract", "--occurred", "2025-03-20",
         "--data", '{"target": "pin-fi-talks", "reason": "pinned"}', "--source", "ft-2025-03-17"),
        ("source-add", "source", "add", str(FIXTURE_ARTICLE), "--id", "pin-article", "--publisher", "Pin Press",
         "--published", "2025-03-18", "--title", "A pinned article"),
        ("source-add-again", "source", "add", str(FIXTURE_ARTICLE), "--id", "pin-article", "--publisher",
         "Pin Press", "--published", "2025-03-18", "--title", "A pinned article"),
        ("source-add-other-metadata", "source", "add", str(FIXTURE_ARTICLE), "--id", "pin-article", "--publisher",
         "Other Press", "--published", "2025-03-18"),
        ("import-again", "import", str(EXAMPLE / "events.jsonl")),
        ("import-stdin", "import", "-"),
        ("state-after-writes-json", "state", "--as-of", "2025-03-20", "--json"),
        ("log-after-writes-json", "log", "--since", "49", "--json"),
        ("verify-after-writes-json", "verify", "--json"),
        ("init-again", "init"),
    ]  # fmt: skip
    stdin = {"import-stdin": (EXAMPLE / "sources.jsonl").read_text(encoding="utf-8")}
    return [Case(name, tuple(args), stdin.get(name)) for name, *args in reads + refusals + writes]


def _normalised(text: str, url: str, tmp: Path) -> str:
    """Blank what differs run to run and backend to backend: recorded times, hashes, paths, generated ids."""
    text = text.replace(url, "<URL>").replace(str(tmp), "<TMP>").replace(str(ROOT), "<ROOT>")
    text = _TIMESTAMP.sub("<RECORDED_AT>", text)
    text = _HASH.sub("<HASH>", text)
    return _UUID.sub("<UUID>", text)


def _run_all(url: str, tmp: Path) -> dict[str, dict[str, Any]]:
    runner = CliRunner(env={"DTL_RECORDED_BY": "golden-analyst"})
    bad_lines = tmp / "bad.jsonl"
    bad_lines.write_text(
        (EXAMPLE / "events.jsonl").read_text(encoding="utf-8").splitlines()[0].replace('"PL"', '"GB"') + "\n"
        '{"id": "bad-1", "type": "pledge.made", "occurred": "2025-03-10", "actor": "PL", '
        '"data": {"offers": ["spaceships"]}}\n',
        encoding="utf-8",
    )
    uninitialised = runner.invoke(main, ["--db", f"sqlite:///{tmp / 'none.db'}", "state", "--as-of", "2025-03-17"])
    outputs: dict[str, dict[str, Any]] = {
        "uninitialised": {"exit": uninitialised.exit_code},
    }
    for args in (["init"], ["import", str(EXAMPLE / "sources.jsonl")], ["import", str(EXAMPLE / "events.jsonl")]):
        setup = runner.invoke(main, ["--db", url, *args])
        assert setup.exit_code == 0, setup.output
    for case in _cases(bad_lines, tmp):
        result = runner.invoke(main, ["--db", url, *case.args], input=case.input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        outputs[case.name] = {
            "exit": result.exit_code,
            "stdout": _normalised(result.stdout, url, tmp),
            "stderr": _normalised(result.stderr, url, tmp),
        }
    return outputs


def test_every_document_and_exit_code_is_as_pinned(database_url: str, tmp_path: Path) -> None:
    outputs = _run_all(database_url, tmp_path)
    if os.environ.get("DTL_REGENERATE_GOLDEN"):
        if database_url.startswith("sqlite"):
            EXPECTED.parent.mkdir(exist_ok=True)
            EXPECTED.write_text(json.dumps(outputs, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.fail("recorded the outputs again (DTL_REGENERATE_GOLDEN is set): run once more without it")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    changed = [name for name in expected if outputs.get(name) != expected[name]]
    added = sorted(set(outputs) - set(expected))
    details = "\n\n".join(
        f"== {name}\nexpected: {json.dumps(expected[name], ensure_ascii=False)[:1500]}\n"
        f"got:      {json.dumps(outputs.get(name), ensure_ascii=False)[:1500]}"
        for name in changed[:5]
    )
    assert not added, f"outputs not pinned yet: {added}"
    assert not changed, f"changed: {changed}\n{details}"
