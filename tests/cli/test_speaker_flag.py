"""`dtl append --speaker`: who said it travels with the event, and a bad one is refused naming the flag."""

from __future__ import annotations

import json

from tests.cli.conftest import Dtl
from tests.support import ROOT

ARTICLE = ROOT / "examples" / "quickstart" / "courier-2025-03-17.txt"
QUOTE = "more than 30 countries were now expected to join the planning talks"


def _registered(dtl: Dtl) -> None:
    added = dtl("source", "add", str(ARTICLE), "--id", "c17", "--publisher", "Northgate Courier", "--published",
                "2025-03-17")  # fmt: skip
    assert added.exit_code == 0, added.output


def test_append_records_the_speaker_and_the_log_shows_it(initialised: Dtl) -> None:
    _registered(initialised)
    appended = initialised(
        "append", "statement.made", "--actor", "GB", "--speaker", "Downing Street", "--occurred", "2025-03-17",
        "--data", '{"speaker": "Downing Street", "summary": "more than 30 expected"}',
        "--source", "c17", "--quote", QUOTE,
    )  # fmt: skip
    assert appended.exit_code == 0, appended.output
    [event] = json.loads(initialised("log", "--json").stdout)["events"][1:]
    assert (event["type"], event["speaker"]) == ("statement.made", "Downing Street")


def test_a_speaker_too_long_is_refused_naming_the_flag(initialised: Dtl) -> None:
    _registered(initialised)
    refused = initialised("append", "position.in_talks", "--actor", "NL", "--speaker", "x" * 2001,
                          "--occurred", "2025-03-17", "--source", "c17", "--quote", QUOTE)  # fmt: skip
    assert refused.exit_code == 2
    assert "field --speaker" in refused.stderr
