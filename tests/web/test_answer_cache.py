"""A read asked again while the log has not changed is answered from the encoded answer; any change is seen.

The tag (ETag) and the cache key are the log's version: its head and the texts attached. Attaching a text
moves no position but changes whether quotes verify, so it must change the tag too.
"""

from __future__ import annotations

import json

from tests.support import ARTICLES
from tests.web.conftest import Served

WHY = "/api/why/PL?as_of=2025-03-17"


def _statuses(document: dict[str, object]) -> list[str]:
    return [source["status"] for event in document["events"] for source in event["sources"]]  # type: ignore[index,union-attr]


def test_attaching_a_text_changes_the_tag_and_the_answer(fresh: Served) -> None:
    reader, writer = fresh.client("reader"), fresh.client("writer")
    before = reader.get(WHY)

    attached = writer.put("/api/sources/nc-2025-03-17/text", content=ARTICLES["nc-2025-03-17"].read_bytes())
    revalidated = reader.get(WHY, headers={"If-None-Match": before.headers["ETag"]})

    assert attached.status_code == 200, attached.text
    assert before.headers["X-Log-Position"] == revalidated.headers["X-Log-Position"]
    assert revalidated.status_code == 200  # not 304: the quotes citing the article verify now
    assert revalidated.headers["ETag"] != before.headers["ETag"]
    assert "text_absent" in _statuses(before.json())
    assert "text_absent" not in _statuses(revalidated.json())


def test_a_question_asked_again_gets_the_same_bytes_and_an_append_a_new_answer(fresh: Served) -> None:
    reader, writer = fresh.client("reader"), fresh.client("writer")
    first, again = reader.get("/api/state?as_of=2025-03-17"), reader.get("/api/state?as_of=2025-03-17")
    other = reader.get("/api/state?as_of=2025-03-12")

    appended = writer.post(
        "/api/events",
        json={"type": "position.in_talks", "actor": "NL", "occurred": "2025-03-17",
              "sources": [{"source": "nc-2025-03-17"}]},
    )  # fmt: skip
    after = reader.get("/api/state?as_of=2025-03-17")

    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    assert other.json()["as_of"] == "2025-03-12"
    assert appended.status_code == 201, appended.text
    assert after.headers["ETag"] != first.headers["ETag"]
    assert "NL" in json.loads(after.content)["members"]
    assert "NL" not in first.json()["members"]
