"""Several processes appending at once to one database: nothing lost, nothing doubled, no gaps, no fork."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys

from core import EventStore, Located, Location
from events import parse_event
from tests.support import cited, register_test_source

WRITERS = 4
EVENTS_PER_WRITER = 60


def _event(writer: int, index: int):
    return parse_event(
        cited(
            {
                "id": f"w{writer}-e{index}",
                "type": "position.in_talks",
                "stream": f"stream-{index % 3}",
                "occurred": "2025-03-10",
                "actor": "PL",
            }
        ),
        "ukraine-coalition",
    )


def _write(url: str, writer: int) -> None:
    store = EventStore.open(url)
    try:
        index = 0
        while index < EVENTS_PER_WRITER:
            if index % 4 == 0:  # a small import of three events in one transaction
                batch = [Located(_event(writer, i), Location("batch", i)) for i in range(index, index + 3)]
                store.append_many(batch)
                index += 3
            else:
                store.append(_event(writer, index))
                index += 1
    finally:
        store.close()


def test_concurrent_writers_leave_a_gapless_unforked_log(store: EventStore, database_url: str) -> None:
    register_test_source(store)  # position 1: the source the writers' events cite
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write, args=(database_url, writer)) for writer in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    events = list(store.read())[1:]
    total = WRITERS * EVENTS_PER_WRITER
    assert sorted(e.id for e in events) == sorted(
        f"w{w}-e{i}" for w in range(WRITERS) for i in range(EVENTS_PER_WRITER)
    )
    assert [e.position for e in events] == list(range(2, total + 2))
    for stream in {e.stream for e in events}:
        versions = [e.stream_version for e in events if e.stream == stream]
        assert versions == list(range(1, len(versions) + 1))
    verified = subprocess.run(
        [sys.executable, "-m", "cli", "--db", database_url, "verify"], capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0, verified.stderr
    assert f"ok: {total + 1} events" in verified.stdout
