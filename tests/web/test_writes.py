"""Appends over HTTP: one event or NDJSON in one transaction, idempotent re-posts, refusals that write nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.reliability.conftest import FIXTURE_EVENTS, dump_database, invoke
from tests.reliability.test_hostile_input import CORPUS, REFUSED
from tests.support import ARTICLES
from tests.web.conftest import Served

CITED = [{"source": "nc-2025-03-17"}]


def _event(index: int, **fields: object) -> dict[str, object]:
    return {
        "id": f"web-{index}",
        "type": "position.in_talks",
        "actor": "NO",
        "occurred": "2025-03-12",
        "sources": CITED,
    } | fields


def _ndjson(*events: dict[str, object]) -> bytes:
    return b"".join(json.dumps(event).encode() + b"\n" for event in events)


def _events(served: Served) -> list[dict[str, object]]:
    return json.loads(invoke(served.url, "log", "--json").stdout)["events"]


def test_one_event_appended_is_201_with_where_it_landed_and_who_recorded_it(fresh: Served) -> None:
    answered = fresh.client("writer").post("/api/events", json=_event(1))
    assert answered.status_code == 201, answered.text
    [appended] = answered.json()["appended"]
    logged = _events(fresh)[-1]
    assert appended == {key: logged[key] for key in ("id", "position", "stream_version", "hash")}
    assert appended["position"] == FIXTURE_EVENTS + 1
    assert logged.get("recorded_by") == "writer"


def test_reposting_the_same_event_is_200_with_its_existing_position(fresh: Served) -> None:
    client = fresh.client("writer")
    first = client.post("/api/events", json=_event(1)).json()
    again = client.post("/api/events", json=_event(1))
    assert again.status_code == 200
    assert again.json() == first
    assert len(_events(fresh)) == FIXTURE_EVENTS + 1


def test_the_same_id_with_other_content_is_409(fresh: Served) -> None:
    client = fresh.client("writer")
    client.post("/api/events", json=_event(1))
    answered = client.post("/api/events", json=_event(1, actor="SE"))
    assert answered.status_code == 409
    assert answered.json()["error"]["field"] == "/id"


def test_an_expected_version_not_met_is_409_and_writes_nothing(fresh: Served) -> None:
    client = fresh.client("writer")
    answered = client.post("/api/events?expected_version=1", json=_event(1))
    assert answered.status_code == 409
    assert "expected version 1" in answered.json()["error"]["message"]
    assert len(_events(fresh)) == FIXTURE_EVENTS
    version = sum(event["stream"] == "ukraine-coalition" for event in _events(fresh))
    assert client.post(f"/api/events?expected_version={version}", json=_event(1)).status_code == 201


def test_an_ndjson_body_is_appended_in_one_transaction(fresh: Served) -> None:
    body = _ndjson(*(_event(index) for index in range(50)))
    answered = fresh.client("writer").post(
        "/api/events", content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert answered.status_code == 201, answered.text
    appended = answered.json()["appended"]
    assert [entry["id"] for entry in appended] == [f"web-{index}" for index in range(50)]
    assert [entry["position"] for entry in appended] == list(range(FIXTURE_EVENTS + 1, FIXTURE_EVENTS + 51))
    again = fresh.client("writer").post("/api/events", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert again.status_code == 200
    assert sorted(again.json()["appended"], key=lambda entry: entry["position"]) == appended


def test_an_ndjson_body_with_one_bad_line_writes_nothing_and_names_the_line(fresh: Served) -> None:
    events = [_event(index) for index in range(10)]
    events[6] = _event(6, actor="Atlantis")
    before = dump_database(fresh.url)
    answered = fresh.client("writer").post(
        "/api/events", content=_ndjson(*events), headers={"Content-Type": "application/x-ndjson"}
    )
    assert answered.status_code == 422
    error = answered.json()["error"]
    assert error["line"] == 7
    assert error["field"] == "/actor"
    assert "unknown actor 'Atlantis'" in error["message"]
    assert dump_database(fresh.url) == before


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_hostile_corpus_posted_is_refused_with_the_error_body_and_changes_nothing(
    served: Served, name: str
) -> None:
    body = (CORPUS / "refused" / f"{name}.jsonl").read_bytes()
    before = dump_database(served.url)
    answered = served.client("writer").post(
        "/api/events", content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert 400 <= answered.status_code < 500, answered.text
    error = answered.json()["error"]
    assert set(error) == {"message", "field", "line", "hint"}
    assert error["line"] == 3
    field, words = REFUSED[name]
    assert words in error["message"]
    if field is not None and field != "(event)":
        assert str(error["field"]).startswith("/")
    assert "Traceback" not in answered.text
    assert dump_database(served.url) == before


def test_a_body_over_the_limit_is_413_and_writes_nothing(fresh: Served) -> None:
    client = fresh.client("writer", max_body=1024)
    body = _ndjson(*(_event(index) for index in range(40)))
    assert len(body) > 1024
    answered = client.post("/api/events", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert answered.status_code == 413
    assert "1,024 bytes" in answered.json()["error"]["message"]

    def _chunks():  # no Content-Length: the limit is enforced as the body arrives
        yield body[:600]
        yield body[600:]

    streamed = client.post("/api/events", content=_chunks(), headers={"Content-Type": "application/x-ndjson"})
    assert streamed.status_code == 413
    assert len(_events(fresh)) == FIXTURE_EVENTS


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b'{"type": "position.in_talks"', 400, None),
        (b"[1, 2]", 422, ""),
        (b'{"type": "position.in_talks", "actor": "NO", "occurred": "2025-02-30", "sources": []}', 422, "/occurred"),
        (b'{"type": "position.in_talks", "actor": "NO", "occurred": "2025-03-12", "note": "a\\u0000b"}', 422, "/note"),
        (b'{"type": "pledge.made", "actor": "NO", "occurred": "2025-03-12", "data": {"offers": ["navy"]}}', 422,
         "/data/offers/0"),
        (b"\xff\xfe", 400, None),
    ],
)  # fmt: skip
def test_a_bad_json_event_is_refused_naming_its_json_pointer(
    served: Served, body: bytes, status: int, field: str | None
) -> None:
    answered = served.client("writer").post("/api/events", content=body, headers={"Content-Type": "application/json"})
    assert answered.status_code == status, answered.text
    assert answered.json()["error"]["field"] == field


def test_an_unknown_source_cited_is_404_naming_its_pointer(served: Served) -> None:
    answered = served.client("writer").post("/api/events", json=_event(1, sources=[{"source": "nowhere"}]))
    assert answered.status_code == 404
    assert answered.json()["error"]["field"] == "/sources/0/source"


def test_a_body_of_another_type_is_415(served: Served) -> None:
    answered = served.client("writer").post("/api/events", content=b"x", headers={"Content-Type": "text/csv"})
    assert answered.status_code == 415
    assert answered.json()["error"]["message"]


def test_a_source_registered_then_its_text_attached(fresh: Served, tmp_path: Path) -> None:
    text = "A new article about the coalition, with words enough to quote.\n"
    digest = hashlib.sha256(text.encode()).hexdigest()
    client = fresh.client("writer")
    registration = {"source_id": "web-article", "publisher": "Web", "published": "2025-03-18", "sha256": digest}
    registered = client.post("/api/sources", json=registration)
    assert registered.status_code == 201, registered.text
    assert registered.json()["appended"][0]["id"] == "source:web-article"
    assert client.post("/api/sources", json=registration).status_code == 200
    wrong = client.put("/api/sources/web-article/text", content=b"another text entirely")
    assert wrong.status_code == 409
    attached = client.put("/api/sources/web-article/text", content=text.encode())
    assert attached.status_code == 200, attached.text
    assert attached.json()["source"]["text_attached"] is True
    shown = json.loads(invoke(fresh.url, "source", "show", "web-article", "--json").stdout)
    assert attached.json() == shown


@pytest.mark.parametrize(
    ("registration", "field"),
    [
        ({"publisher": "Web", "published": "2025-03-18"}, "/source_id"),
        ({"source_id": "x", "publisher": "Web", "published": "2025-03-18", "colour": "red"}, "/colour"),
        ({"source_id": "x", "publisher": 7, "published": "2025-03-18"}, "/publisher"),
        ({"source_id": "x", "publisher": "Web", "published": "2025-02-30"}, "/published"),
    ],
)
def test_a_bad_source_registration_is_422_naming_the_field(
    served: Served, registration: dict[str, object], field: str
) -> None:
    answered = served.client("writer").post("/api/sources", json=registration)
    assert answered.status_code == 422, answered.text
    assert answered.json()["error"]["field"] == field


def test_text_for_an_unknown_source_is_404(served: Served) -> None:
    answered = served.client("writer").put("/api/sources/nowhere/text", content=ARTICLES["nc-2025-03-10"].read_bytes())
    assert answered.status_code == 404
    assert answered.json()["error"]["field"] == "source_id"


def test_an_ndjson_body_with_an_expected_version_not_met_is_409_and_writes_nothing(fresh: Served) -> None:
    client = fresh.client("writer")
    body, headers = _ndjson(_event(1), _event(2)), {"Content-Type": "application/x-ndjson"}

    stale = client.post("/api/events?expected_version=7", content=body, headers=headers)
    version = max(e["stream_version"] for e in _events(fresh) if e["stream"] == "ukraine-coalition")
    current = client.post(f"/api/events?expected_version={version}", content=body, headers=headers)

    assert stale.status_code == 409
    assert stale.json()["error"]["message"]
    assert current.status_code == 201, current.text
    assert len(current.json()["appended"]) == 2
