"""Real `dtl serve` processes: concurrent writers, subscriptions across processes and servers, SIGKILL, SIGTERM.

Each test starts its servers with `python -m cli serve` on a free port of
127.0.0.1, its log output in a tmp file, and stops them whatever happens
(SIGKILL if still running at the end). Every test runs on SQLite and on
PostgreSQL, except the two-servers test (one PostgreSQL log shared), which
SQLite's polling makes no different.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from service.timeline import Timeline
from tests.reliability.conftest import FIXTURE_EVENTS, invoke, load_fixture_log, start_dtl
from tests.support import ROOT
from tests.web.test_subscribe import Frame, events_from, frames

# generous bounds so a loaded machine does not fail a test; the observed times are printed
DELIVERY_BOUND = 10.0
STOP_BOUND = 10.0
READ_TIMEOUT = 30.0
# the first key of the advisory lock a PostgreSQL write holds (core.database), "dtl"
_WRITE_LOCK_CLASS = 0x64746C


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running `dtl serve` process."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=httpx.Timeout(30.0, read=READ_TIMEOUT))


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@contextmanager
def serving(url: str, tmp: Path, *args: str, heartbeat: str = "1") -> Iterator[Server]:
    """Run `dtl serve` on the log until the block ends (then SIGKILL it if it still runs)."""
    port = _free_port()
    log = tmp / f"serve-{port}.log"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    environment["DTL_HEARTBEAT_SECONDS"] = heartbeat
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", url, "serve", "--port", str(port), *args],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, server.output()
            try:
                if httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 60 s\n" + server.output()
            time.sleep(0.1)
        yield server
    finally:
        _stop(process)


def _tokens(url: str, *names: str, role: str = "writer") -> dict[str, str]:
    timeline = Timeline(url)
    try:
        return {name: timeline.create_token(name, role).secret for name in names}
    finally:
        timeline.close()


def _event(name: str, actor: str = "NO") -> dict[str, Any]:
    return {
        "id": name,
        "type": "position.in_talks",
        "actor": actor,
        "occurred": "2025-03-12",
        "sources": [{"source": "nc-2025-03-17"}],
    }


def _logged(url: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(invoke(url, "log", "--json").stdout)["events"]
    return events


def _count(url: str) -> int:
    timeline = Timeline(url)
    try:
        return timeline.head_position()
    finally:
        timeline.close()


def _verified(url: str) -> None:
    result = invoke(url, "verify")
    assert result.exit_code == 0, result.output


def _first_event(stream: Iterator[Frame]) -> Frame:
    [frame] = events_from(stream, 1)
    return frame


# -- many writers -------------------------------------------------------------------------------


@pytest.mark.slow
def test_eight_concurrent_http_writers_append_800_events_gapless_each_recorded_by_its_token(
    database_url: str, tmp_path: Path
) -> None:
    load_fixture_log(database_url)
    names = [f"writer-{number}" for number in range(8)]
    tokens = _tokens(database_url, *names)
    refused: list[str] = []

    def _write(server: Server, name: str) -> None:
        with server.client(tokens[name]) as client:
            for index in range(100):
                answered = client.post(
                    "/api/events", json=_event(f"{name}-{index}", actor=("NO", "SE", "DK")[index % 3])
                )
                if answered.status_code != 201:
                    refused.append(f"{name}-{index}: {answered.status_code} {answered.text}")

    with serving(database_url, tmp_path) as server:
        writers = [threading.Thread(target=_write, args=(server, name)) for name in names]
        started = time.monotonic()
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(120)
        elapsed = time.monotonic() - started
        assert not any(writer.is_alive() for writer in writers), "a writer hung"
        assert "Traceback" not in server.output()
    print(f"\n8 HTTP writers x 100 appends: {elapsed:.1f} s ({800 / elapsed:.0f} appends/s)")
    assert refused == []
    logged = _logged(database_url)
    assert [event["position"] for event in logged] == list(range(1, FIXTURE_EVENTS + 801))
    appended = {event["id"]: event["recorded_by"] for event in logged[FIXTURE_EVENTS:]}
    assert appended == {f"{name}-{index}": name for name in names for index in range(100)}
    _verified(database_url)


# -- subscriptions across processes ---------------------------------------------------------------


def test_a_subscriber_receives_an_event_appended_by_dtl_append_in_another_process(
    database_url: str, tmp_path: Path
) -> None:
    load_fixture_log(database_url)
    with (
        serving(database_url, tmp_path, "--public-read") as server,
        server.client() as client,
        client.stream("GET", "/api/subscribe") as response,
    ):
        stream = frames(response)
        assert next(stream).comments == [f"subscribed after position {FIXTURE_EVENTS}"]
        appending = start_dtl(
            database_url, "append", "position.in_talks", "--id", "from-the-cli", "--actor", "NO",
            "--occurred", "2025-03-12", "--source", "nc-2025-03-17", env={"DTL_RECORDED_BY": "analyst"},
        )  # fmt: skip
        started = time.monotonic()
        try:
            _, stderr = appending.communicate(timeout=60)
        finally:
            _stop(appending)
        assert appending.returncode == 0, stderr.decode()
        frame = _first_event(stream)
        latency = time.monotonic() - started
    print(f"\ndelivered {latency:.2f} s after the append process started")
    assert frame.fields["id"] == str(FIXTURE_EVENTS + 1)
    assert frame.data["id"] == "from-the-cli"
    assert frame.data["recorded_by"] == "analyst"


@pytest.mark.postgres
def test_an_append_through_one_server_reaches_a_subscriber_of_another_on_the_same_postgresql_log(
    postgres_url: str, tmp_path: Path
) -> None:
    load_fixture_log(postgres_url)
    token = _tokens(postgres_url, "a-writer")["a-writer"]
    with ExitStack() as stack:
        first = stack.enter_context(serving(postgres_url, tmp_path, "--public-read"))
        second = stack.enter_context(serving(postgres_url, tmp_path, "--public-read"))
        subscriber = stack.enter_context(second.client())
        response = stack.enter_context(subscriber.stream("GET", "/api/subscribe"))
        stream = frames(response)
        assert next(stream).comments == [f"subscribed after position {FIXTURE_EVENTS}"]
        latencies = []
        with first.client(token) as writer:
            for index in range(3):
                started = time.monotonic()
                assert writer.post("/api/events", json=_event(f"through-a-{index}")).status_code == 201
                frame = _first_event(stream)
                latencies.append(time.monotonic() - started)
                assert frame.data["id"] == f"through-a-{index}"
                assert frame.data["recorded_by"] == "a-writer"
    print("\nappend through A to B's subscriber: " + ", ".join(f"{seconds * 1000:.0f} ms" for seconds in latencies))
    assert max(latencies) < DELIVERY_BOUND


# -- signals --------------------------------------------------------------------------------------


def test_sigterm_with_open_subscriptions_stops_the_server_within_seconds(database_url: str, tmp_path: Path) -> None:
    load_fixture_log(database_url)
    # a heartbeat slower than the bound: only the signal ending the subscriptions lets the server stop in time
    with ExitStack() as stack:
        server = stack.enter_context(serving(database_url, tmp_path, "--public-read", heartbeat="15"))
        streams = []
        for _ in range(2):
            client = stack.enter_context(server.client())
            response = stack.enter_context(client.stream("GET", "/api/subscribe"))
            streams.append(frames(response))
            next(streams[-1])
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        for stream in streams:
            assert all(not frame.fields for frame in stream)  # each stream ends, with no event
        server.process.wait(timeout=30)
        stopped = time.monotonic() - started
        output = server.output()
    print(f"\nstopped {stopped:.2f} s after SIGTERM")
    assert stopped < STOP_BOUND, output
    assert server.process.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    assert "Traceback" not in output


def _bulk(path: Path, count: int) -> bytes:
    lines = (json.dumps(_event(f"bulk-{index}", actor=("NO", "SE", "DK", "FI")[index % 4])) for index in range(count))
    body = ("\n".join(lines) + "\n").encode()
    path.write_bytes(body)
    return body


def _send_raw(base: str, token: str, body: bytes, sent: int) -> socket.socket:
    """Open a connection and send an NDJSON import's headers and the first `sent` bytes of its body."""
    host, _, port = base.removeprefix("http://").partition(":")
    connection = socket.create_connection((host, int(port)), timeout=30)
    head = (
        f"POST /api/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/x-ndjson\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection.sendall(head + body[:sent])
    return connection


@pytest.mark.slow
def test_sigkill_during_a_large_ndjson_import_leaves_none_or_all_of_it(database_url: str, tmp_path: Path) -> None:
    load_fixture_log(database_url)
    token = _tokens(database_url, "importer")["importer"]
    count = 50_000
    body = _bulk(tmp_path / "bulk.ndjson", count)

    # killed with half the body sent: nothing of it is written
    with serving(database_url, tmp_path) as server:
        connection = _send_raw(server.base, token, body, len(body) // 2)
        try:
            time.sleep(0.2)  # the server reads what it was sent (nothing to wait for: it cannot finish)
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=30)
        finally:
            connection.close()
    assert _count(database_url) == FIXTURE_EVENTS
    _verified(database_url)

    # killed once the whole body is sent, while it is spooled or inserted: none of it or all of it
    with serving(database_url, tmp_path) as server:
        connection = _send_raw(server.base, token, body, len(body))
        try:
            deadline = time.monotonic() + 60
            while _busy(database_url) is False and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=30)
        finally:
            connection.close()
    after_kill = _count(database_url)
    print(f"\nafter SIGKILL mid-import: {after_kill - FIXTURE_EVENTS} of {count} events")
    assert after_kill in (FIXTURE_EVENTS, FIXTURE_EVENTS + count)
    _verified(database_url)

    # a new server imports it whole
    with serving(database_url, tmp_path) as server, server.client(token) as client:
        answered = client.post("/api/events", content=body, headers={"Content-Type": "application/x-ndjson"})
        assert answered.status_code in (200, 201), answered.text
    assert _count(database_url) == FIXTURE_EVENTS + count
    _verified(database_url)


def _busy(url: str) -> bool | None:
    """Whether a write to this log is under way (PostgreSQL: its schema's write lock is held); None where unknown."""
    if not url.startswith("postgresql"):
        time.sleep(1.0)  # SQLite shows no one else's transaction: give the server a moment with the body
        return None
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    _, arguments = parsed.get_dialect()().create_connect_args(parsed)
    with psycopg.connect(**arguments, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s::oid AND objid = hashtext(current_schema())::oid",
            (_WRITE_LOCK_CLASS,),
        ).fetchone()
    return bool(row and row[0])
