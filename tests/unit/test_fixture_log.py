"""The fixture log (tests/fixtures/) is fit to stand in for the founding articles: every quote is in its article."""

from __future__ import annotations

import hashlib

from events import parse_event
from projections import QuoteChecker
from tests.support import ARTICLES, FIXTURES, article_texts, fixture_events, read_jsonl


def test_each_registered_sha256_is_the_sha256_of_its_article_file() -> None:
    registered = {obj["data"]["source_id"]: obj["data"]["sha256"] for obj in read_jsonl(FIXTURES / "sources.jsonl")}
    assert registered == {
        source_id: hashlib.sha256(path.read_bytes()).hexdigest() for source_id, path in ARTICLES.items()
    }


def test_every_fixture_quote_is_verbatim_in_the_article_it_cites() -> None:
    checker = QuoteChecker(article_texts())
    cited = [event for event in fixture_events() if event.sources]
    assert len(cited) == 28
    assert [event.id for event in cited if not checker.event_verified(event)] == []


def test_every_fixture_quote_is_at_least_three_words_of_an_article_published_no_earlier() -> None:
    published = {obj["data"]["source_id"]: obj["data"]["published"] for obj in read_jsonl(FIXTURES / "sources.jsonl")}
    for obj in read_jsonl(FIXTURES / "events.jsonl"):
        event = parse_event(obj, "ukraine-coalition")
        [(source, quote)] = event.sources
        assert quote is not None
        assert all(len(part.split()) >= 3 for part in quote.split("...")), event.id
        assert event.occurred.split("/")[-1] <= published[source], event.id
