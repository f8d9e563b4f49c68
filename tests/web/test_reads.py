"""Every read route answers the document the CLI prints with --json, with X-Log-Position, an ETag and 304."""

from __future__ import annotations

import json

import pytest

from tests.reliability.conftest import FIXTURE_EVENTS, invoke
from tests.web.conftest import Served

# route -> the `dtl` arguments asking the same question
SAME_QUESTION = [
    ("/api/state?as_of=2025-03-17", ["state", "--as-of", "2025-03-17", "--json"]),
    ("/api/state?as_of=2025-03-17&known_at=20", ["state", "--as-of", "2025-03-17", "--known-at", "20", "--json"]),
    ("/api/count?as_of=2025-03-17", ["count", "--as-of", "2025-03-17", "--json"]),
    ("/api/count?subject=troops", ["count", "--subject", "troops", "--json"]),
    ("/api/count?series=true", ["count", "--series", "--json"]),
    ("/api/diff?from=2025-03-10&to=2025-03-17", ["diff", "2025-03-10", "2025-03-17", "--json"]),
    ("/api/timeline", ["timeline", "--json"]),
    (
        "/api/timeline?from=2025-03-12&to=2025-03-17&actor=PL",
        ["timeline", "--from", "2025-03-12", "--to", "2025-03-17", "--actor", "PL", "--json"],
    ),
    ("/api/history/PL", ["history", "PL", "--json"]),
    ("/api/history/Poland?as_of=2025-03-12", ["history", "Poland", "--as-of", "2025-03-12", "--json"]),
    ("/api/why/PL?as_of=2025-03-17", ["why", "PL", "--as-of", "2025-03-17", "--json"]),
    ("/api/why/IE?as_of=2025-03-17&known_at=15", ["why", "IE", "--as-of", "2025-03-17", "--known-at", "15", "--json"]),
    ("/api/audit", ["audit", "--json"]),
    ("/api/verify", ["verify", "--json"]),
    ("/api/sources", ["source", "list", "--json"]),
    ("/api/sources/nc-2025-03-10", ["source", "show", "nc-2025-03-10", "--json"]),
]  # fmt: skip


@pytest.mark.parametrize(("route", "command"), SAME_QUESTION, ids=[route for route, _ in SAME_QUESTION])
def test_a_read_answers_the_document_the_cli_prints(served: Served, route: str, command: list[str]) -> None:
    printed = invoke(served.url, *command)
    assert printed.exit_code == 0, printed.output
    answered = served.client("reader").get(route)
    assert answered.status_code == 200, answered.text
    assert answered.json() == json.loads(printed.stdout)
    assert answered.headers["X-Log-Position"] == str(FIXTURE_EVENTS)
    assert answered.headers["ETag"]


def test_the_events_pages_join_into_the_cli_log(served: Served) -> None:
    printed = json.loads(invoke(served.url, "log", "--json").stdout)["events"]
    client = served.client("reader")
    pages, after = [], 0
    while after is not None:
        page = client.get(f"/api/events?after={after}&limit=7")
        assert page.status_code == 200, page.text
        pages += page.json()["events"]
        after = page.json()["next"]
    assert pages == printed
    assert len(pages) == FIXTURE_EVENTS


def test_the_last_page_says_there_is_no_next(served: Served) -> None:
    page = served.client("reader").get(f"/api/events?after={FIXTURE_EVENTS - 2}&limit=2").json()
    assert [event["position"] for event in page["events"]] == [FIXTURE_EVENTS - 1, FIXTURE_EVENTS]
    assert page["next"] is None


def test_events_filter_by_stream_type_and_actor_as_the_cli_log(served: Served) -> None:
    printed = json.loads(invoke(served.url, "log", "--type", "pledge.made", "--actor", "PL", "--json").stdout)
    answered = served.client("reader").get("/api/events?type=pledge.made&actor=Poland&limit=100").json()
    assert answered["events"] == printed["events"]


def test_one_event_by_id_as_the_log_lists_it(served: Served) -> None:
    listed = json.loads(invoke(served.url, "log", "--json").stdout)["events"]
    client = served.client("reader")
    for event in (listed[0], listed[5], listed[-1]):
        answered = client.get(f"/api/events/{event['id']}")
        assert answered.status_code == 200, answered.text
        assert answered.json() == event


def test_the_report_is_the_offline_html(served: Served) -> None:
    answered = served.client("reader").get("/api/report")
    assert answered.status_code == 200
    assert answered.headers["content-type"].startswith("text/html")
    assert answered.text.startswith("<!DOCTYPE html>")
    assert answered.headers["X-Log-Position"] == str(FIXTURE_EVENTS)


def test_a_current_etag_answers_304_without_a_body(served: Served) -> None:
    client = served.client("reader")
    first = client.get("/api/state?as_of=2025-03-17")
    again = client.get("/api/state?as_of=2025-03-17", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["X-Log-Position"] == str(FIXTURE_EVENTS)


def test_another_question_has_another_etag(served: Served) -> None:
    client = served.client("reader")
    one = client.get("/api/state?as_of=2025-03-17").headers["ETag"]
    other = client.get("/api/state?as_of=2025-03-12").headers["ETag"]
    assert one != other
    stale = client.get("/api/state?as_of=2025-03-12", headers={"If-None-Match": one})
    assert stale.status_code == 200


def test_an_append_changes_the_etag_and_the_position(fresh: Served) -> None:
    client = fresh.client("writer")
    before = client.get("/api/state?as_of=2025-03-17")
    event = {"type": "position.in_talks", "actor": "NO", "occurred": "2025-03-12"}
    event["sources"] = [{"source": "nc-2025-03-17"}]
    assert client.post("/api/events", json=event).status_code == 201
    after = client.get("/api/state?as_of=2025-03-17", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["X-Log-Position"] == str(FIXTURE_EVENTS + 1)
    assert "NO" in after.json()["members"]
