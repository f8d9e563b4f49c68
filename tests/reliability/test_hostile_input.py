"""Hostile input (the corpus beside this file) is refused naming file, line and field; the database stays as it was.

Each file under corpus/refused has a good event on line 1, a blank line 2, the hostile line 3 and
a good event on line 4: a refused file must write neither good event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    BACKENDS,
    assert_no_traceback,
    dump_database,
    events_file,
    fresh_database,
    init_sourced,
    invoke,
    run_dtl,
)

CORPUS = Path(__file__).parent / "corpus"

# file -> (field named in the message, or None when the line is refused before it has fields; words of the message)
REFUSED = {
    "malformed-json": (None, "malformed JSON"),
    "trailing-garbage": (None, "malformed JSON"),
    "not-an-object": ("(event)", "an event must be a JSON object"),
    "byte-order-mark-mid-file": (None, "malformed JSON"),
    "nul-byte": (None, "NUL character"),
    "nul-escape": ("note", "NUL character"),
    "nul-escape-in-quote": ("sources[0].quote", "NUL character"),
    "nul-escape-in-id": ("id", "NUL character"),
    "invalid-utf8": (None, "not valid UTF-8"),
    "overlong-utf8": (None, "not valid UTF-8"),
    "lone-surrogate": ("note", "surrogate"),
    "deeply-nested": (None, "nests more than 32 levels"),
    "number-with-5000-digits": ("data.amount", "out of range"),
    "number-overflow": ("data.amount", "out of range"),
    "number-negative": ("data.amount", "greater than or equal to 0"),
    "number-too-large": ("data.amount", "less than or equal to 100000000"),
    "number-not-a-number": ("data.amount", "out of range"),
    "number-infinity": ("data.amount", "out of range"),
    "number-as-text": ("data.amount", "valid integer"),
    "unknown-type": ("type", "pledge.broken"),
    "unknown-envelope-field": ("payload", "unknown field"),
    "unknown-data-field": ("data.troops_count", "unknown field"),
    "unknown-capability": ("data.offers[0]", "Input should be"),
    "terminal-escape-in-field-name": ("\\x1b[2J\\x1b]0;owned\\x07", "unknown field"),
    "impossible-date": ("occurred", "not a real calendar date"),
    "impossible-date-in-data": ("data.scheduled_for", "not a real calendar date"),
    "impossible-interval": ("occurred", "ends before it starts"),
    "date-as-number": ("occurred", "valid string"),
    "unknown-actor": ("actor", "unknown actor 'Atlantis'"),
    "unknown-participant": ("data.participants[1]", "unknown actor 'Narnia'"),
    "quote-not-in-source": ("sources[0].quote", "the quote is not in the text of source 'nc-2025-03-10'"),
    "unknown-source": ("sources[0].source", "unknown source 'nowhere-2025'"),
    "correction-of-unknown-target": ("data.target", "no event with id 'no-such-event'"),
    "retraction-of-unknown-target": ("data.target", "no event with id 'no-such-event'"),
    "duplicate-id-in-log": ("id", "already in the log at position 10 with different content"),
    "duplicate-id-in-file": ("id", "used twice in this input with different content"),
    "sql-in-stream": ("stream", "should match pattern"),
    "overlong-id": ("id", "at most 128 characters"),
    "missing-type": ("type", "Field required"),
    "null-type": ("type", "valid string"),
}

# anything in output that could drive a terminal: C0 controls but newline and tab, DEL, C1 controls
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# what dtl itself sends to a terminal when colour is on: bold, red, reset
_OWN_STYLES = re.compile(r"\x1b\[(?:0|1|22|31|39)m")


def assert_cannot_drive_a_terminal(output: str) -> None:
    """Stored text shows escaped: no control character reaches the terminal but dtl's own styles."""
    stray = _TERMINAL_CONTROLS.findall(_OWN_STYLES.sub("", output))
    assert not stray, f"raw control characters {sorted(set(stray))!r} in {output!r}"


def test_the_corpus_covers_every_refused_file() -> None:
    assert {path.stem for path in (CORPUS / "refused").glob("*.jsonl")} == set(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_import_exits_2_naming_file_line_and_field_and_changes_nothing(logged_url: str, name: str) -> None:
    field, words = REFUSED[name]
    path = CORPUS / "refused" / f"{name}.jsonl"
    before = dump_database(logged_url)
    result = invoke(logged_url, "import", str(path), color=True)
    assert result.exit_code == 2, result.output
    assert f"error: {path}:3" in result.output
    if field is not None:
        assert f", field {field}: " in result.output
    assert words in result.output
    assert_no_traceback(result.output)
    assert_cannot_drive_a_terminal(result.output)
    assert dump_database(logged_url) == before


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        (
            "line-past-the-16-mib-cap",
            b'{"type": "position.in_talks", "note": "' + b"x" * 16 * 1024 * 1024 + b'"}',
            "the line is longer than 16,777,216 bytes",
        ),
        ("nested-100000-deep", b"[" * 100_000 + b"]" * 100_000, "nests"),
        ("binary-noise", bytes(byte for byte in range(256) if byte not in b"\0\n") * 4, "not valid UTF-8"),
    ],
)
def test_huge_and_binary_lines_exit_2_in_a_real_process_without_a_traceback(
    logged_url: str, tmp_path: Path, name: str, line: bytes, words: str
) -> None:
    path = events_file(tmp_path / f"{name}.jsonl", [b"", line])
    before = dump_database(logged_url)
    result = run_dtl(logged_url, "import", str(path))
    assert result.returncode == 2, result.stderr
    assert f"error: {path}:2" in result.stderr
    assert words in result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert dump_database(logged_url) == before


APPEND = ("append", "pledge.made", "--actor", "PL", "--occurred", "2025-03-10", "--data", '{"offers": ["logistics"]}')


@pytest.mark.parametrize(
    ("flags", "field", "words"),
    [
        (["--data", '{"offers": ["logistics"], "reason": "a\\u0000b"}'], "--data.reason", "NUL character"),
        (["--data", '{"offers": ["logistics"]'], "--data", "malformed JSON"),
        (["--data", "[1, 2]"], "--data", "valid dictionary"),
        (["--data", '{"offers": ' + "[" * 5000 + "]" * 5000 + "}"], "--data", "nests"),
        (["--data", '{"offers": ["logistics"], "amount": ' + "9" * 5000 + "}"], "--data.amount", "out of range"),
        (["--data", '{"offers": ["logistics"], "firmness": NaN}'], "--data.firmness", "out of range"),
        (["--note", "half \ud83d"], "--note", "surrogate"),
        (["--occurred", "2025-02-30"], "--occurred", "not a real calendar date"),
        (["--occurred-text", "x" * 201], "--occurred-text", "at most 200 characters"),
        (["--actor", "Atlantis"], "--actor", "unknown actor"),
        (["--id", "x" * 129], "--id", "at most 128 characters"),
        (["--id", "nc-0310-pl-logistics"], "--id", "with different content"),
        (["--stream", "a b"], "--stream", "should match pattern"),
        (["--source", "nowhere"], "--source", "unknown source 'nowhere'"),
        (["--source", "nc-2025-03-10", "--quote", "Poland will send a navy"], "--quote", "not in the text"),
        (["--source", "nc-2025-03-10", "--quote", "a", "--quote", "b"], "--quote", "give one --quote per --source"),
        (["--expected-version", "-1"], "--expected-version", "-1"),
    ],
)
def test_hostile_append_flags_exit_2_naming_the_flag_and_change_nothing(
    logged_url: str, flags: list[str], field: str, words: str
) -> None:
    before = dump_database(logged_url)
    result = invoke(logged_url, *APPEND, *flags, color=True)
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert words in result.output
    assert_no_traceback(result.output)
    assert_cannot_drive_a_terminal(result.output)
    assert dump_database(logged_url) == before


def _exported(path: Path) -> list[dict[str, object]]:
    """The events of a file as `dtl export` writes them back: every envelope field present."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [{"stream": "ukraine-coalition", "data": {}, "sources": [], **json.loads(line)} for line in lines]


def test_a_byte_order_mark_and_crlf_line_ends_import_as_plain_json_lines(database_url: str) -> None:
    path = CORPUS / "accepted" / "bom-and-crlf.jsonl"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in path.read_bytes()
    init_sourced(database_url)  # the source its events cite
    imported = invoke(database_url, "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert "imported 3 events" in imported.output
    exported = [json.loads(line) for line in invoke(database_url, "export").output.splitlines()]
    assert exported[1:] == _exported(path)


HOSTILE = CORPUS / "accepted" / "hostile-strings.jsonl"


@pytest.fixture(scope="module", params=BACKENDS)
def hostile_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A log holding the hostile strings, shared by the tests that show them, on each backend."""
    with fresh_database(request.param, tmp_path_factory) as url:
        assert invoke(url, "init").exit_code == 0
        imported = invoke(url, "import", str(HOSTILE))
        assert imported.exit_code == 0, imported.output
        yield url


def test_sql_and_terminal_escapes_in_every_text_field_are_stored_verbatim(database_url: str) -> None:
    assert invoke(database_url, "init").exit_code == 0
    imported = invoke(database_url, "import", str(HOSTILE))
    assert imported.exit_code == 0, imported.output
    exported = [json.loads(line) for line in invoke(database_url, "export").output.splitlines()]
    expected = _exported(HOSTILE)
    assert exported == expected  # every string came back as it went in: stored as data, never run as SQL
    listed = json.loads(invoke(database_url, "log", "--json").output)["events"]
    assert [event["id"] for event in listed] == [event["id"] for event in expected]
    verified = invoke(database_url, "verify")
    assert verified.exit_code == 0, verified.output
    assert "ok: 12 events" in verified.output


IN_TALKS = ["append", "position.in_talks", "--actor", "PL", "--occurred", "2025-03-10"]
IN_TALKS += ["--source", "hostile-2025-03-10"]


@pytest.mark.parametrize(
    "command",
    [
        ["log"],
        ["log", "--json"],
        ["export"],
        ["verify"],
        ["source", "list"],
        ["source", "list", "--json"],
        ["timeline"],
        ["timeline", "--json"],
        ["state", "--as-of", "2025-03-12"],
        ["state", "--as-of", "2025-03-16"],
        ["state", "--as-of", "2025-03-16", "--json"],
        ["count", "--as-of", "2025-03-16"],
        ["count", "--series"],
        ["history", "PL"],
        ["history", "IE"],
        ["diff", "2025-03-09", "2025-03-16"],
        ["why", "PL", "--as-of", "2025-03-16"],
        ["why", "--count", "--as-of", "2025-03-16"],
        ["audit"],
        ["source", "show", "hostile-2025-03-10"],
        [*IN_TALKS, "--id", "\x1b[2J\x9bowned\x07"],
        [*IN_TALKS, "--id", "'); DROP TABLE events; --"],
        ["source", "add", "--id", "\x1b]0;owned\x07", "--publisher", "\x1b[2J", "--published", "2025-03-10"],
    ],
    ids=lambda command: "-".join(part for part in command if part.isalnum() or part.startswith("--")),
)
def test_stored_escapes_never_drive_the_terminal_when_shown(hostile_url: str, command: list[str]) -> None:
    result = invoke(hostile_url, *command, color=True)
    assert result.exit_code in (0, 1, 2), result.output  # audit exits 1 for what it finds
    assert_no_traceback(result.output)
    assert_cannot_drive_a_terminal(result.output)
    assert result.output.strip()


@pytest.mark.parametrize("command", ["add", "attach"])
def test_a_source_text_with_a_nul_character_is_refused_naming_the_file(
    logged_url: str, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(b"An article \x00 with a NUL in it.")
    if command == "add":
        args = ["source", "add", str(path), "--id", "nul-article", "--publisher", "P", "--published", "2025-03-10"]
    else:
        args = ["source", "attach", "nc-2025-03-17", str(path)]
    before = dump_database(logged_url)
    result = invoke(logged_url, *args)
    assert result.exit_code == 2, result.output
    assert f"error: {path}, field PATH: the text contains a NUL character" in result.output
    assert dump_database(logged_url) == before


def test_a_bad_line_after_thousands_of_good_ones_writes_none_of_them(logged_url: str, tmp_path: Path) -> None:
    cited = [{"source": "nc-2025-03-10"}]
    event = {"type": "position.in_talks", "occurred": "2025-03-10", "actor": "PL", "sources": cited}
    # more than two chunks already sent to the database inside the transaction when the bad line comes
    good = [json.dumps({"id": f"many-{index}", **event}) for index in range(2_500)]
    path = events_file(
        tmp_path / "many.jsonl", [*good, (CORPUS / "refused" / "unknown-actor.jsonl").read_text().splitlines()[2]]
    )
    before = dump_database(logged_url)
    result = invoke(logged_url, "import", str(path))
    assert result.exit_code == 2, result.output
    assert f"error: {path}:2501, field actor: unknown actor 'Atlantis'" in result.output
    assert dump_database(logged_url) == before
