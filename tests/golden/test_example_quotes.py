"""The bundled example: every quote it keeps is verbatim in the founding articles it cites.

The tests that read the articles ask for `seed_files` (tests/golden/conftest.py): skipped where the articles are not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core import EventStore, Located, Location
from events import parse_event
from projections import QuoteChecker
from tests.support import EXAMPLE, example_objects, read_jsonl


def test_registered_sha256_matches_the_seed_articles(seed_files: dict[str, Path]) -> None:
    for registered in read_jsonl(EXAMPLE / "sources.jsonl"):
        data = registered["data"]
        digest = hashlib.sha256(seed_files[data["source_id"]].read_bytes()).hexdigest()
        assert data["sha256"] == digest


def test_every_example_quote_verifies_once_the_articles_are_attached(
    sqlite_url: str, seed_files: dict[str, Path]
) -> None:
    store = EventStore.open(sqlite_url, create=True)
    try:
        store.initialise()
        store.append_many(
            [Located(parse_event(obj, "ukraine-coalition"), Location("example")) for obj in example_objects()]
        )
        checker = QuoteChecker(store.source_texts())
        assert {checker.event_verified(e) for e in store.read() if e.sources} == {False}
        for source_id, path in seed_files.items():
            store.attach_source_text(source_id, path.read_text(encoding="utf-8"))
        checker = QuoteChecker(store.source_texts())
        cited = [e for e in store.read() if e.sources]
        assert len(cited) == 47
        unverified = [e.id for e in cited if not checker.event_verified(e)]
        assert unverified == []
    finally:
        store.close()


def test_every_example_event_cites_a_dated_source_published_no_earlier() -> None:
    published = {obj["data"]["source_id"]: obj["data"]["published"] for obj in read_jsonl(EXAMPLE / "sources.jsonl")}
    for obj in read_jsonl(EXAMPLE / "events.jsonl"):
        event = parse_event(obj, "ukraine-coalition")
        [(source, quote)] = event.sources
        assert quote
        latest = event.occurred.split("/")[-1]
        assert latest <= published[source], event.id
