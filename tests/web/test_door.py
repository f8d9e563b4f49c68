"""The server's one timeline saves the snapshots a question left once the answer is on its way, not before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import EventStore
from core.schema import snapshots
from projections import engine
from service.queries import Query
from tests.reliability.conftest import load_fixture_log
from web.door import SharedTimeline


def _saved(url: str) -> int:
    store = EventStore.open(url)
    try:
        with store.database.reading() as connection:
            return int(connection.execute(select(func.count()).select_from(snapshots)).scalar_one())
    finally:
        store.close()


def test_snapshots_are_saved_after_the_answer_and_the_timeline_opens_again_after_close(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_fixture_log(database_url)
    monkeypatch.setattr(engine, "_WORTH_SAVING", 1)  # the fixture log is small: save whatever it replays
    shared = SharedTimeline(database_url)
    query = Query.parse("ukraine-coalition", "2025-03-17", None)
    first = shared.run(lambda timeline: timeline.state(query))
    shared.close()  # waits for the saver: what the question left is in the table now
    assert _saved(database_url) > 0
    again = shared.run(lambda timeline: timeline.state(query))  # after close, a question opens the log again
    shared.close()
    assert again.state == first.state
