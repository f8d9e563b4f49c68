"""Names the log does not hold, and known-at bounds outside it, pushed at every command: one rule, no silent answer.

Red-team cases of issue 12: `state --stream typo` printed an empty coalition and exited 0 while `audit` and
`report` refused it; `log --type pledge.mad` printed nothing; `timeline` took a reversed --from/--to that
`report` refused; `--known-at 2025` silently meant position 2025 and `--known-at 2025-03-20` on a log
recorded today showed "(no members)" with no word of why.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import assert_no_traceback, invoke

TYPO = "ukraine-coalitoin"


@pytest.mark.parametrize(
    "args",
    [
        ("state", "--stream", TYPO),
        ("state", "--stream", TYPO, "--json"),
        ("count", "--stream", TYPO),
        ("count", "--series", "--stream", TYPO),
        ("timeline", "--stream", TYPO),
        ("diff", "2025-03-10", "2025-03-17", "--stream", TYPO),
        ("history", "PL", "--stream", TYPO),
        ("why", "PL", "--stream", TYPO),
        ("why", "--count", "--stream", TYPO),
        ("log", "--stream", TYPO),
        ("audit", "--stream", TYPO),
        ("export", "--stream", TYPO),
        ("chart", "size", "--out", "{tmp}/never-written.svg", "--stream", TYPO),
    ],
)
def test_every_command_refuses_an_unknown_stream_alike_naming_the_close_match(logged_url: str, args, tmp_path) -> None:
    result = invoke(logged_url, *(arg.format(tmp=tmp_path) for arg in args))
    assert result.exit_code == 2, result.output
    assert f"field --stream: stream {TYPO!r} has no events; did you mean ukraine-coalition?" in result.stderr
    assert "the streams in the log: sources, ukraine-coalition" in result.stderr
    assert result.stdout == ""
    assert_no_traceback(result.output)
    assert list(tmp_path.iterdir()) == []


def test_log_refuses_an_unknown_type_naming_the_close_match(logged_url: str) -> None:
    result = invoke(logged_url, "log", "--type", "pledge.mad")
    assert result.exit_code == 2
    assert "field --type: unknown event type 'pledge.mad'; did you mean pledge.made" in result.stderr


def test_timeline_refuses_a_reversed_window_as_the_report_does(logged_url: str, tmp_path) -> None:
    for command in (("timeline",), ("report", "--out", str(tmp_path / "never-written.html"))):
        result = invoke(logged_url, *command, "--from", "2025-03-17", "--to", "2025-03-10")
        assert result.exit_code == 2, command
        assert "field --to: the window ends on 2025-03-10 before it begins on 2025-03-17" in result.stderr


def test_a_known_at_read_as_a_position_past_the_head_says_so(logged_url: str) -> None:
    result = invoke(logged_url, "state", "--as-of", "2025-03-17", "--known-at", "2025", "--json")
    assert result.exit_code == 0
    assert "note: known at 2025 is read as a log position, past the last one" in result.stderr
    assert result.stdout.startswith("{")  # the document itself stays pure JSON


def test_a_known_at_day_before_the_log_began_says_why_the_answer_is_empty(logged_url: str) -> None:
    result = invoke(logged_url, "why", "PL", "--as-of", "2025-03-17", "--known-at", "2025-03-20")
    assert result.exit_code == 0
    assert "note: nothing had been recorded by 2025-03-20" in result.stderr
    assert "not a member" in result.stdout
