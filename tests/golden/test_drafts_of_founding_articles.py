"""The drafts of the two founding articles: every one imports into a log holding them, its quote verified."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import main
from tests.support import EXAMPLE


def test_every_draft_of_both_founding_articles_imports_with_its_quote_verified(seed_files, tmp_path: Path):
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'timeline.db'}"

    def dtl(*args: str) -> Result:
        result = runner.invoke(main, ["--db", url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    dtl("init")
    dtl("import", str(EXAMPLE / "sources.jsonl"))
    drafted = 0
    for source_id, path in seed_files.items():
        dtl("source", "attach", source_id, str(path))
        first, second = tmp_path / f"{source_id}.jsonl", tmp_path / f"{source_id}.again.jsonl"
        dtl("draft", "--source", source_id, "--out", str(first))
        dtl("draft", "--source", source_id, "--out", str(second))
        assert first.read_bytes() == second.read_bytes()
        assert first.read_text(encoding="utf-8").strip()
        dtl("import", str(first))  # refused, exit 2, if any quote is not found in the stored text
        drafted += len(first.read_text(encoding="utf-8").splitlines())
    events = json.loads(dtl("log", "--json").stdout)["events"]
    drafts = [event for event in events if event["id"].startswith("draft-")]
    assert len(drafts) == drafted
    assert all(event["verified"] for event in drafts)
