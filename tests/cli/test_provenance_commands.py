"""`dtl audit`, `dtl why` and `dtl source show` as a user runs them: each finding planted in a small log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import main
from core import EventStore
from tests.cli.conftest import Dtl
from tests.support import ARTICLES, drop_append_only_guards, execute_sql, plant

PL_QUOTE = "Poland's contribution is logistics support, though Warsaw has ruled out sending its own soldiers."
PL_TALKS = "Finland and Poland, both neighbours of Russia, have taken an active part in the talks"
ABOUT_20 = "Last week British officials put the number of countries in the talks at \u201cabout 20\u201d"
MORE_THAN_30 = 'A Downing Street spokesperson told reporters on Monday that London now counts on "more than 30" nations'


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def append(dtl: Dtl, event_type: str, event_id: str, *args: str) -> None:
    ok(dtl("append", event_type, "--id", event_id, *args))


def cite(source: str, quote: str | None = None) -> list[str]:
    return ["--source", source, *([] if quote is None else ["--quote", quote])]


@pytest.fixture
def small(initialised: Dtl) -> Dtl:
    """Both fixture articles registered with their texts, and Poland's pledge resting on both."""
    for source_id, published in (("nc-2025-03-10", "2025-03-10"), ("nc-2025-03-17", "2025-03-17")):
        ok(initialised("source", "add", str(ARTICLES[source_id]), "--id", source_id,
                       "--publisher", "Northgate Courier", "--published", published))  # fmt: skip
    append(initialised, "pledge.made", "pl", "--actor", "PL", "--occurred", "2025-03-10",
           "--data", '{"offers": ["logistics"], "ruled_out": ["troops"]}',
           *cite("nc-2025-03-10", PL_QUOTE), *cite("nc-2025-03-17", PL_TALKS))  # fmt: skip
    return initialised


@contextmanager
def opened(url: str) -> Iterator[EventStore]:
    store = EventStore.open(url)
    try:
        yield store
    finally:
        store.close()


def audited(dtl: Dtl, *args: str) -> tuple[int, list[tuple[str, str, tuple[str, ...]]]]:
    result = dtl("audit", "--json", *args)
    document = json.loads(result.stdout)
    assert document["ok"] == (document["errors"] == 0)
    return result.exit_code, [(f["severity"], f["kind"], tuple(f["events"])) for f in document["findings"]]


def test_a_log_resting_on_verified_quotes_from_two_sources_audits_clean(small: Dtl) -> None:
    assert audited(small) == (0, [])
    table = ok(small("audit"))
    assert "no findings" in table.output
    assert "0 errors, 0 warnings" in table.output


# --- errors: exit 1 ---


def test_an_event_without_a_source_fails_the_audit(small: Dtl, database_url: str) -> None:
    """The store refuses such an append (exit 2), so the row is written as a log kept before that could hold it."""
    refused = small("append", "position.undecided", "--id", "de", "--actor", "DE", "--occurred", "2025-03-10")
    assert refused.exit_code == 2
    with opened(database_url) as store:
        plant(store, {"id": "de", "type": "position.undecided", "occurred": "2025-03-10", "actor": "DE"})
    assert audited(small) == (1, [("error", "missing_source", ("de",))])
    table = small("audit")
    assert table.exit_code == 1
    assert "missing_source" in table.output
    assert "1 error, 0 warnings" in table.output


def test_a_planted_bad_quote_fails_the_audit_until_a_correction_fixes_it(small: Dtl) -> None:
    append(small, "pledge.made", "pl-bad", "--actor", "PL", "--occurred", "2025-03-10", "--unverified",
           "--data", '{"offers": ["logistics"]}', *cite("nc-2025-03-10", "Poland has offered tanks"))  # fmt: skip
    assert audited(small) == (1, [("error", "quote_not_found", ("pl-bad",))])
    changes = {"sources": [{"source": "nc-2025-03-10", "quote": PL_QUOTE}]}
    append(small, "event.corrected", "fix-pl-bad", "--occurred", "2025-03-17",
           "--data", json.dumps({"target": "pl-bad", "changes": changes, "reason": "the quote was paraphrased"}),
           *cite("nc-2025-03-17", PL_TALKS))  # fmt: skip
    # corrected, it says what "pl" says, from the same source: the audit asks whether it was entered twice
    assert audited(small) == (0, [("warning", "possible_duplicate", ("pl", "pl-bad"))])


def test_quotes_wait_unverified_while_the_text_is_absent_and_fail_once_it_is_attached(
    small: Dtl, tmp_path: Path
) -> None:
    article = tmp_path / "wire.txt"
    article.write_text("Sweden will send ships.", encoding="utf-8")
    digest = hashlib.sha256(article.read_bytes()).hexdigest()
    ok(small("source", "add", "--sha256", digest, "--id", "wire", "--publisher", "Wire", "--published", "2025-03-10"))
    append(small, "pledge.made", "se", "--actor", "SE", "--occurred", "2025-03-10", "--data", '{"offers": ["naval"]}',
           *cite("wire", "Sweden will send submarines"), *cite("nc-2025-03-17", "Denmark and Sweden"))  # fmt: skip
    assert audited(small) == (
        0,
        [("warning", "text_absent", ("source:wire",)), ("warning", "unverified_quote", ("se",))],
    )
    ok(small("source", "attach", "wire", str(article)))
    assert audited(small) == (1, [("error", "quote_not_found", ("se",))])


def test_a_stored_text_edited_behind_the_log_fails_the_audit_but_not_as_a_broken_chain(
    small: Dtl, database_url: str
) -> None:
    with opened(database_url) as store:
        drop_append_only_guards(store)
        execute_sql(store, "UPDATE source_texts SET text = text || ' (edited)'")
    code, findings = audited(small)
    assert code == 1
    assert [kind for _, kind, _ in findings] == ["source_text_mismatch", "source_text_mismatch"]
    assert {events for _, _, events in findings} == {("source:nc-2025-03-10",), ("source:nc-2025-03-17",)}


def test_an_event_dated_after_its_source_was_published_fails_the_audit(small: Dtl, database_url: str) -> None:
    """The store refuses such an append (exit 2), so the row is written as a log kept before that could hold it."""
    quote = "Britain and France stand ready"
    late = {"id": "fr-late", "type": "pledge.made", "occurred": "2025-03-12", "actor": "FR",
            "data": {"offers": ["troops"]}, "sources": [{"source": "nc-2025-03-10", "quote": quote}]}  # fmt: skip
    refused = small("append", "pledge.made", "--id", "fr-late", "--actor", "FR", "--occurred", "2025-03-12", "--data",
                    '{"offers": ["troops"]}', *cite("nc-2025-03-10", quote))  # fmt: skip
    assert refused.exit_code == 2
    with opened(database_url) as store:
        plant(store, late)
    code, findings = audited(small)
    assert code == 1
    assert ("error", "occurred_after_publication", ("fr-late",)) in findings


def test_an_amendment_of_a_missing_event_fails_the_audit(small: Dtl, database_url: str) -> None:
    """The store refuses such an append, so the row is written the way an import from elsewhere could have."""
    orphan = {"id": "orphan-fix", "type": "event.retracted", "occurred": "2025-03-10",
              "data": {"target": "never-recorded", "reason": "copied from another log"},
              "sources": [{"source": "nc-2025-03-10", "quote": PL_QUOTE}]}  # fmt: skip
    with opened(database_url) as store:
        plant(store, orphan)
        store.verify()  # the chain itself is intact
    assert audited(small) == (1, [("error", "missing_target", ("orphan-fix",))])


def test_a_row_edited_behind_the_log_is_a_broken_chain_naming_its_event(small: Dtl, database_url: str) -> None:
    with opened(database_url) as store:
        position, _ = store.head()
        drop_append_only_guards(store)
        execute_sql(
            store,
            'UPDATE events SET body = replace(body, \'"offers":["logistics"]\', \'"offers":["naval"]\') '
            "WHERE position = :position",
            position=position,
        )
    code, findings = audited(small)
    assert (code, findings) == (1, [("error", "broken_hash_chain", ("pl",))])
    assert f"position {position}" in json.loads(small("audit", "--json").stdout)["findings"][0]["message"]


def test_a_row_damaged_past_reading_is_still_reported_as_a_broken_chain(small: Dtl, database_url: str) -> None:
    with opened(database_url) as store:
        drop_append_only_guards(store)
        execute_sql(store, "UPDATE events SET body = 'x' WHERE position = 1")
    result = small("audit", "--json")
    assert result.exit_code == 1, result.output
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["kind"], finding["events"]) == ("broken_hash_chain", [])
    assert finding["message"].startswith("position 1 ")


# --- warnings: exit 0 ---


def test_a_member_resting_on_one_source_is_a_warning(small: Dtl) -> None:
    append(small, "position.declined", "it", "--actor", "IT", "--occurred", "2025-03-10",
           *cite("nc-2025-03-10", "Rome has turned the invitation down."))  # fmt: skip
    assert audited(small) == (0, [("warning", "single_source", ("it",))])


def test_disagreeing_claims_and_a_claim_below_the_named_floor_are_warnings(small: Dtl) -> None:
    def claim(event_id: str, comparator: str, amount: int, *source: str) -> None:
        data = {"subject": "participants", "comparator": comparator, "amount": amount}
        append(small, "count.reported", event_id, "--occurred", "2025-03-10", "--data", json.dumps(data), *source)

    claim("about-20", "~", 20, *cite("nc-2025-03-10", ABOUT_20))
    claim("more-than-30", ">", 30, *cite("nc-2025-03-17", MORE_THAN_30))
    claim("none-yet", "<", 1, *cite("nc-2025-03-10", ABOUT_20))
    assert audited(small) == (
        0,
        [
            ("warning", "disagreeing_claims", ("about-20", "more-than-30", "none-yet")),
            ("warning", "claim_below_named_floor", ("none-yet",)),
        ],
    )


def test_a_citation_without_a_quote_is_a_warning(small: Dtl) -> None:
    append(small, "position.in_talks", "fi", "--actor", "FI", "--occurred", "2025-03-10",
           *cite("nc-2025-03-10"), *cite("nc-2025-03-17"))  # fmt: skip
    assert audited(small) == (0, [("warning", "missing_quote", ("fi",)), ("warning", "missing_quote", ("fi",))])


def test_a_stream_audit_finds_targets_in_other_streams_and_rejects_an_unknown_stream(small: Dtl) -> None:
    append(small, "event.corrected", "fix-pl", "--stream", "corrections", "--occurred", "2025-03-10",
           "--data", json.dumps({"target": "pl", "changes": {"occurred": "2025-03-09"}, "reason": "it was Sunday"}),
           *cite("nc-2025-03-10", PL_QUOTE))  # fmt: skip
    assert audited(small, "--stream", "corrections") == (0, [])
    unknown = small("audit", "--stream", "nowhere")
    assert unknown.exit_code == 2
    assert "--stream" in unknown.output


# --- why ---


def test_why_follows_a_fact_through_its_correction_to_both_quotes(small: Dtl) -> None:
    data = {"target": "pl", "changes": {"data": {"offers": ["logistics", "engineering"]}}, "reason": "engineers too"}
    append(small, "event.corrected", "fix-pl", "--occurred", "2025-03-17", "--data", json.dumps(data),
           *cite("nc-2025-03-17", PL_TALKS))  # fmt: skip
    document = json.loads(ok(small("why", "Poland", "--as-of", "2025-03-12", "--json")).stdout)
    assert (document["actor"], document["member"]["stance"]) == ("PL", "supporting")
    assert {"fact": "offer", "value": "engineering", "events": ["pl"], "note": None} in document["facts"]
    [event] = document["events"]
    assert [s["verified"] for s in event["sources"]] == [True, True]
    assert [a["id"] for a in event["amendments"]] == ["fix-pl"]
    before = json.loads(ok(small("why", "PL", "--as-of", "2025-03-12", "--known-at", "3", "--json")).stdout)
    assert before["events"][0]["amendments"] == []
    assert "engineering" not in before["member"]["offers"]
    table = ok(small("why", "PL", "--as-of", "2025-03-12")).output
    assert "corrected by fix-pl" in table
    assert "verified: the quote is in the stored text of nc-2025-03-10" in table


def test_why_count_explains_each_claim_beside_the_named_floor(small: Dtl) -> None:
    data = {"subject": "participants", "comparator": "~", "amount": 20, "raw": "about 20"}
    append(small, "count.reported", "about-20", "--occurred", "2025-03-03/2025-03-09", "--data", json.dumps(data),
           *cite("nc-2025-03-10", ABOUT_20))  # fmt: skip
    document = json.loads(ok(small("why", "--count", "--as-of", "2025-03-12", "--json")).stdout)
    assert (document["latest"], document["named_floor"], document["named_supporting"]) == ("about-20", 1, ["PL"])
    assert document["events"][0]["sources"][0]["quote"] == ABOUT_20
    table = ok(small("why", "--count", "--subject", "participants", "--as-of", "2025-03-12")).output
    assert "named floor: 1 actors named as supporting (PL)" in table


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["Atlantis"], "ACTOR"), ([], "ACTOR"), (["PL", "--count"], "ACTOR"), (["PL", "--subject", "troops"], "--subject"),
     (["PL", "--as-of", "2025-02-30"], "--as-of")],
)  # fmt: skip
def test_why_with_bad_input_exits_2_naming_what_is_wrong(small: Dtl, args: list[str], flag: str) -> None:
    result = small("why", *args)
    assert result.exit_code == 2
    assert flag in result.output


# --- source show ---


def test_source_show_gives_each_citing_quote_with_its_offsets_in_the_text(small: Dtl) -> None:
    document = json.loads(ok(small("source", "show", "nc-2025-03-10", "--json")).stdout)
    text = ARTICLES["nc-2025-03-10"].read_text(encoding="utf-8")
    assert document["text"] == text
    assert document["source"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    [citation] = document["citations"]
    assert (citation["event"], citation["status"]) == ("pl", "verified")
    assert text[citation["start"] : citation["end"]] == PL_QUOTE


def test_source_show_marks_the_quotes_on_a_terminal_and_escapes_control_characters(
    small: Dtl, database_url: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(main, ["--db", database_url, "source", "show", "nc-2025-03-10"], color=True)
    assert result.exit_code == 0, result.output
    assert "\x1b[1m\x1b[4m" + PL_QUOTE in result.output
    plain = ok(small("source", "show", "nc-2025-03-10")).output
    assert "\x1b[" not in plain
    assert PL_QUOTE in plain
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("Clear the screen \x1b[2J and ring \x07.", encoding="utf-8")
    ok(small("source", "add", str(hostile), "--id", "hostile", "--publisher", "X", "--published", "2025-03-10"))
    shown = CliRunner().invoke(main, ["--db", database_url, "source", "show", "hostile"], color=True).output
    assert "\x1b[2J" not in shown
    assert "\x07" not in shown
    assert "Clear the screen \\x1b[2J and ring \\x07." in shown


def test_source_show_without_the_text_says_how_to_attach_it_and_unknown_ids_exit_2(small: Dtl) -> None:
    ok(small("source", "add", "--sha256", "a" * 64, "--id", "wire", "--publisher", "Wire", "--published", "2025-03-10"))
    shown = ok(small("source", "show", "wire")).output
    assert "dtl source attach wire PATH" in shown
    assert json.loads(ok(small("source", "show", "wire", "--json")).stdout)["text"] is None
    unknown = small("source", "show", "nope")
    assert unknown.exit_code == 2
    assert "field ID" in unknown.output
