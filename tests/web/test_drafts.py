"""POST /api/drafts: the drafts `dtl draft` prints, over HTTP; posting them back as NDJSON imports them verified."""

from __future__ import annotations

import hashlib
import json

from tests.reliability.conftest import invoke
from tests.support import FIXTURES
from tests.web.conftest import Served

ARTICLE = FIXTURES / "drafting" / "harbourside-2025-06-02.txt"
SOURCE = "hg-2025-06-02"


def _register(served: Served) -> None:
    digest = hashlib.sha256(ARTICLE.read_bytes()).hexdigest()
    writer = served.client("writer")
    registration = {
        "source_id": SOURCE,
        "publisher": "Harbourside Gazette",
        "published": "2025-06-02",
        "sha256": digest,
    }
    assert writer.post("/api/sources", json=registration).status_code == 201
    assert writer.put(f"/api/sources/{SOURCE}/text", content=ARTICLE.read_bytes()).status_code == 200


def test_drafts_over_http_are_the_command_lines_and_import_verified(fresh: Served) -> None:
    _register(fresh)
    reader, writer = fresh.client("reader"), fresh.client("writer")

    answered = reader.post("/api/drafts", json={"source": SOURCE})
    printed = invoke(fresh.url, "draft", "--source", SOURCE)

    assert answered.status_code == 200, answered.text
    document = answered.json()
    assert document["source_id"] == SOURCE
    assert document["drafts"] == [json.loads(line) for line in printed.stdout.splitlines()]
    body = "".join(json.dumps(draft) + "\n" for draft in document["drafts"]).encode()
    imported = writer.post("/api/events", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert imported.status_code == 201, imported.text
    again = reader.post("/api/drafts", json={"source": SOURCE, "against": True}).json()
    assert again["known"] == len(document["drafts"])
    logged = json.loads(invoke(fresh.url, "log", "--json").stdout)["events"]
    assert all(event["verified"] for event in logged if event["id"].startswith("draft-"))


def test_drafts_from_a_text_need_its_publication_day(fresh: Served) -> None:
    reader = fresh.client("reader")
    text = ARTICLE.read_text(encoding="utf-8")

    dated = reader.post("/api/drafts", json={"text": text, "published": "2025-06-02", "source_id": "pasted"})
    undated = reader.post("/api/drafts", json={"text": text})
    neither = reader.post("/api/drafts", json={})
    unknown = reader.post("/api/drafts", json={"source": "nowhere"})

    assert dated.status_code == 200, dated.text
    assert dated.json()["drafts"]
    assert all(draft["sources"][0]["source"] == "pasted" for draft in dated.json()["drafts"])
    assert undated.status_code == 422
    assert undated.json()["error"]["field"] == "/published"
    assert neither.status_code == 422
    assert unknown.status_code == 404


def test_drafting_needs_a_token(fresh: Served) -> None:
    assert fresh.client(None).post("/api/drafts", json={"source": SOURCE}).status_code == 401
