"""Runs one measured task in a fresh process and prints its result as one JSON line.

`python -m bench.worker TASK 'JSON ARGUMENTS'`. A fresh process per task keeps
the harness's own memory out of the figures (the garbage collector's cost grows
with every live object) and gives the peak-memory figure of exactly one task.
Modules are imported inside the tasks, so a peer's process never loads ours.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["TASKS", "main"]

Task = Callable[..., dict[str, Any]]


def _max_rss_kb() -> int:
    """Return this process's peak RSS in kilobytes, its own program's only.

    getrusage's peak also counts the copy of the harness this process was before it executed
    Python (hundreds of megabytes at the 1M tier); Linux's VmHWM is the program's own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def _digest(document: dict[str, Any], path: str | None) -> str:
    """Return the sha256 of a state document's canonical JSON, writing the JSON to `path` when given."""
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if path:
        Path(path).write_bytes(body)
    return hashlib.sha256(body).hexdigest()


def prepare(url: str, seed: int) -> dict[str, Any]:
    """Create the schema and register the sources with their texts, as an analyst would before importing."""
    from bench.generate import make_sources
    from core import EventStore

    store = EventStore.open(url, create=True)
    started = time.perf_counter()
    store.initialise()
    for source in make_sources(seed):
        store.register_source(
            source_id=source.id,
            publisher=source.publisher,
            published=source.published,
            title=source.title,
            text=source.text,
        )
    position, _ = store.head()
    store.close()
    return {"seconds": time.perf_counter() - started, "position": position}


def _state(store: Any, snapshots: Any, day: date, stream: str | None) -> tuple[float, Any]:
    from projections.engine import Replayer

    # as the service does: the answer first, the snapshots the replay leaves saved after it (not timed)
    replayer = Replayer(store, snapshots, defer_saves=True)
    started = time.perf_counter()
    replay = replayer.state(as_of=day, stream=stream)
    seconds = time.perf_counter() - started
    replayer.save_snapshots()
    return seconds, replay


def _document(replay: Any, stream: str | None, day: date) -> dict[str, Any]:
    from projections.coalition import state_document

    return state_document(replay.state, stream=stream, as_of=day, known_at=None, position=replay.known_position)


def replay(url: str, as_of: str, stream: str | None, document: str | None = None) -> dict[str, Any]:
    """Replay the whole log (no snapshots) to its state as of a day; report time, peak memory and the answer."""
    from core import EventStore

    store = EventStore.open(url)
    day = date.fromisoformat(as_of)
    seconds, result = _state(store, None, day, stream)
    max_rss_kb = _max_rss_kb()  # before the document is built: the replay's own peak
    digest = _digest(_document(result, stream, day), document)
    return {
        "seconds": seconds,
        "folded": result.folded,
        "position": result.known_position,
        "digest": digest,
        "max_rss_kb": max_rss_kb,
    }


def as_of_query(url: str, as_of: str, stream: str, repeat: int, document: str | None = None) -> dict[str, Any]:
    """Ask one as-of question `repeat` times each: without snapshots, cold (snapshots cleared), warm, reopened.

    Warm asks again in the same process (its caches in use); reopened asks through a store
    and recorder opened anew, as a new `dtl state` would (snapshots read from the table). The
    query without snapshots and the cold one ask through a store opened anew too, its connection
    made (untimed) but its page cache empty: clearing the snapshots is a write, which empties the
    page cache of every other connection to the log, so in one store the cold query read every
    page again where the query without snapshots found them cached. The two take turns going
    first, and every query starts on a synced disk.
    """
    from core import EventStore
    from core.snapshots import SnapshotRecorder
    from projections.engine import Snapshot

    store = EventStore.open(url)
    recorder = SnapshotRecorder(store.database, Snapshot)
    day = date.fromisoformat(as_of)
    kinds = ("full", "cold", "warm", "reopened")
    seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    digests: dict[str, str] = {}
    folded: dict[str, int] = {}
    resumed = False
    for repetition in range(repeat):
        for kind in kinds if repetition % 2 == 0 else ("cold", "full", "warm", "reopened"):
            if kind == "cold":
                recorder.clear()
            asked = store
            if kind != "warm":  # warm asks on in the store the cold query saved its snapshots through
                asked = EventStore.open(url)
                asked.head()  # the connection is made, untimed; the replay's pages are not read
                if kind != "full":
                    store.close()
                    store, recorder = asked, SnapshotRecorder(asked.database, Snapshot)
            os.sync()  # untimed, as before every timed step: clearing the snapshots left pages to write back
            elapsed, result = _state(asked, None if kind == "full" else recorder, day, stream)
            if asked is not store:
                asked.close()
            seconds[kind].append(elapsed)
            folded[kind] = result.folded
            digest = _digest(_document(result, stream, day), document if kind == "full" else None)
            if digests.setdefault(kind, digest) != digest:
                raise SystemExit(f"the {kind} as-of answer changed between repetitions")
            resumed = resumed or (kind in ("warm", "reopened") and result.resumed_from is not None)
    return {"seconds": seconds, "digests": digests, "folded": folded, "warm_resumed_from_snapshot": resumed}


def clear_snapshots(url: str) -> dict[str, Any]:
    """Empty the snapshot cache, so the next `dtl state` starts cold; report how many snapshots there were."""
    from core import EventStore
    from core.snapshots import SnapshotRecorder
    from projections.engine import Snapshot

    store = EventStore.open(url)
    cleared = SnapshotRecorder(store.database, Snapshot).clear()
    store.close()
    return {"cleared": cleared}


def replay_pages(url: str) -> dict[str, Any]:
    """Build the replay pages as the first `dtl` question after an import leaves them (after its answer)."""
    from core import EventStore

    store = EventStore.open(url)
    started = time.perf_counter()
    built = store.refresh_replay_pages()
    seconds = time.perf_counter() - started
    store.close()
    return {"built": built, "seconds": seconds}


def _slice(path: str, start: int, count: int) -> list[dict[str, Any]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()[start : start + count]
    return [json.loads(line) for line in lines]


def appends(url: str, events: str, start: int, count: int) -> dict[str, Any]:
    """Append events one at a time through the Python API, each in a transaction of its own."""
    from core import DEFAULT_STREAM, EventStore
    from events import parse_event

    parsed = [parse_event(raw, DEFAULT_STREAM) for raw in _slice(events, start, count)]
    store = EventStore.open(url)
    started = time.perf_counter()
    for event in parsed:
        store.append(event)
    return {"seconds": time.perf_counter() - started, "count": len(parsed)}


def sqlite_floor(source: str, target: str, after_position: int) -> dict[str, Any]:
    """Insert the rows `dtl import` wrote into an identical new table with raw executemany; time only that."""
    from core import EventStore
    from core.schema import events

    EventStore.open(f"sqlite:///{target}", create=True).initialise()
    columns = [column.name for column in events.columns]
    names = ", ".join(f'"{name}"' for name in columns)
    insert = f"INSERT INTO events ({names}) VALUES ({', '.join('?' for _ in columns)})"
    reader = sqlite3.connect(source)
    rows = reader.execute(f"SELECT {names} FROM events WHERE position > ? ORDER BY position", (after_position,))
    writer = sqlite3.connect(target, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA synchronous=NORMAL")
    elapsed, count = 0.0, 0
    started = time.perf_counter()
    writer.execute("BEGIN IMMEDIATE")
    elapsed += time.perf_counter() - started
    while chunk := rows.fetchmany(1000):
        started = time.perf_counter()
        writer.executemany(insert, chunk)
        elapsed += time.perf_counter() - started
        count += len(chunk)
    started = time.perf_counter()
    writer.execute("COMMIT")
    elapsed += time.perf_counter() - started
    return {"seconds": elapsed, "count": count}


def peer_import(url: str, path: str, default_stream: str) -> dict[str, Any]:
    """Import a JSON Lines file with the eventsourcing library (see bench.peer)."""
    from bench import peer

    app = peer.application(url)
    started = time.perf_counter()
    count = peer.bulk_import(app, Path(path), default_stream)
    return {"seconds": time.perf_counter() - started, "count": count}


def peer_reconstruct(url: str, streams: list[str]) -> dict[str, Any]:
    """Reconstruct every stream's aggregate with the eventsourcing library."""
    from bench import peer

    app = peer.application(url)
    started = time.perf_counter()
    folded, summary = peer.reconstruct(app, streams)
    return {"seconds": time.perf_counter() - started, "folded": folded, "summary": summary, "max_rss_kb": _max_rss_kb()}


def peer_appends(url: str, events: str, start: int, count: int, stream: str) -> dict[str, Any]:
    """Append events one at a time with the eventsourcing library, saving the aggregate after each."""
    from bench import peer

    batch = _slice(events, start, count)
    app = peer.application(url)
    aggregate = peer.open_aggregate(app, stream)
    started = time.perf_counter()
    appended = peer.append_one_at_a_time(app, aggregate, batch)
    return {"seconds": time.perf_counter() - started, "count": appended}


TASKS: dict[str, Task] = {
    "prepare": prepare,
    "replay": replay,
    "as-of": as_of_query,
    "clear-snapshots": clear_snapshots,
    "replay-pages": replay_pages,
    "appends": appends,
    "sqlite-floor": sqlite_floor,
    "peer-import": peer_import,
    "peer-reconstruct": peer_reconstruct,
    "peer-appends": peer_appends,
}


def main(argv: list[str]) -> None:
    """Run the task named in argv[1] with the JSON object in argv[2]; print the result as one JSON line."""
    task, arguments = argv[1], json.loads(argv[2])
    result = TASKS[task](**arguments)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv)
