"""GET /api/subscribe: Server-Sent Events from a position, filtered, resumed, with heartbeats, cleaned up.

An in-process test client collects a whole response before it returns one, and a
subscription never ends by itself: so these tests serve the application with
uvicorn in a thread of the test process (its state in reach) and read the
stream with httpx, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.reliability.conftest import FIXTURE_EVENTS, invoke, load_fixture_log
from tests.web.conftest import Served, bearer
from web.app import create_app
from web.settings import Settings

# long enough for a loaded machine; a subscription that delivers nothing fails instead of hanging
READ_TIMEOUT = 20.0


@dataclass
class Frame:
    """One Server-Sent Events message: its fields, or the comments of a message without any."""

    fields: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    @property
    def data(self) -> Any:
        return json.loads(self.fields["data"])


def frames(response: httpx.Response) -> Iterator[Frame]:
    """Parse a Server-Sent Events stream as it arrives."""
    current = Frame()
    for line in response.iter_lines():
        if not line:
            yield current
            current = Frame()
        elif line.startswith(":"):
            current.comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            assert name not in current.fields, f"{name} twice in one message"
            current.fields[name] = value.removeprefix(" ")


def events_from(stream: Iterator[Frame], count: int) -> list[Frame]:
    """Read until `count` events (messages with an id) arrived."""
    received: list[Frame] = []
    for frame in stream:
        if "id" in frame.fields:
            received.append(frame)
            if len(received) == count:
                break
    return received


@dataclass
class Live:
    """An application served by uvicorn in a thread of the test process."""

    app: FastAPI
    base: str
    tokens: dict[str, str]

    def client(self, role: str | None = "reader") -> httpx.Client:
        headers = bearer(self.tokens[role]) if role else {}
        timeout = httpx.Timeout(10.0, read=READ_TIMEOUT)
        return httpx.Client(base_url=self.base, headers=headers, timeout=timeout)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve `app` on a free port of 127.0.0.1 until the block ends; yield its base URL."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "the server did not start"
            assert time.monotonic() < deadline, "the server did not start within 30 s"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        listening.close()
        assert not thread.is_alive(), "the server did not stop"


@pytest.fixture
def live(fresh: Served) -> Iterator[Live]:
    """The fixture log, served for real, with a heartbeat every 0.2 s."""
    app = create_app(Settings(url=fresh.url))
    app.state.subscriptions.heartbeat_seconds = 0.2
    with serving(app) as base:
        yield Live(app, base, fresh.tokens)


def _logged(url: str, *args: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(invoke(url, "log", "--json", *args).stdout)["events"]
    return events


def _event(index: int, **fields: object) -> dict[str, object]:
    return {
        "id": f"live-{index}",
        "type": "position.in_talks",
        "actor": "NO",
        "occurred": "2025-03-12",
        "sources": [{"source": "nc-2025-03-17"}],
    } | fields


def _wait_until(condition: Any, what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_after_zero_replays_every_event_in_order_as_the_log_lists_it(live: Live, fresh: Served) -> None:
    expected = _logged(fresh.url)
    with live.client() as client, client.stream("GET", "/api/subscribe", params={"after": 0}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        received = events_from(frames(response), FIXTURE_EVENTS)
    assert [frame.fields["id"] for frame in received] == [str(event["position"]) for event in expected]
    assert [frame.fields["event"] for frame in received] == [event["type"] for event in expected]
    assert [frame.data for frame in received] == expected


def test_stream_and_type_filters_give_only_matching_events(live: Live, fresh: Served) -> None:
    expected = _logged(fresh.url, "--type", "count.reported")
    assert 0 < len(expected) < FIXTURE_EVENTS
    query: dict[str, str | int] = {"after": 0, "type": "count.reported", "stream": "ukraine-coalition"}
    with live.client() as client, client.stream("GET", "/api/subscribe", params=query) as response:
        stream = frames(response)
        received = events_from(stream, len(expected))
        assert [frame.data for frame in received] == expected
        # nothing else follows: the next message is a heartbeat, not an event
        following = next(stream)
    assert following.comments == ["heartbeat"]
    assert not following.fields


def test_last_event_id_resumes_after_it_and_wins_over_after(live: Live, fresh: Served) -> None:
    expected = _logged(fresh.url)[10:]
    headers = {"Last-Event-ID": "10"}
    with live.client() as client, client.stream("GET", "/api/subscribe?after=0", headers=headers) as response:
        received = events_from(frames(response), len(expected))
    assert [frame.data for frame in received] == expected


def test_without_after_only_new_events_arrive_and_each_append_is_delivered(live: Live, fresh: Served) -> None:
    with (
        live.client() as reader,
        live.client("writer") as writer,
        reader.stream("GET", "/api/subscribe") as response,
    ):
        stream = frames(response)
        assert next(stream).comments == [f"subscribed after position {FIXTURE_EVENTS}"]
        assert writer.post("/api/events", json=_event(1)).status_code == 201
        [frame] = events_from(stream, 1)
    assert frame.fields["id"] == str(FIXTURE_EVENTS + 1)
    assert frame.fields["event"] == "position.in_talks"
    assert frame.data == _logged(fresh.url)[-1]
    assert frame.data["recorded_by"] == "writer"


def test_after_a_time_starts_after_what_was_recorded_by_then(live: Live) -> None:
    with live.client() as client:
        with client.stream("GET", "/api/subscribe", params={"after": "2000-01-01"}) as response:
            assert next(frames(response)).comments == ["subscribed after position 0"]
        with client.stream("GET", "/api/subscribe", params={"after": "2999-12-31T00:00Z"}) as response:
            assert next(frames(response)).comments == [f"subscribed after position {FIXTURE_EVENTS}"]


def test_an_idle_subscription_gets_heartbeats(live: Live) -> None:
    with live.client() as client, client.stream("GET", "/api/subscribe") as response:
        stream = frames(response)
        next(stream)  # the opening comment
        assert next(stream).comments == ["heartbeat"]
        assert next(stream).comments == ["heartbeat"]


@pytest.mark.parametrize(
    ("query", "headers", "field"),
    [
        ({"after": "yesterday"}, {}, "after"),
        ({"after": "-1"}, {}, "after"),
        ({"type": "no.such_type"}, {}, "type"),
        ({}, {"Last-Event-ID": "abc"}, None),
    ],
)
def test_bad_starts_and_filters_are_400_with_the_error_body(
    live: Live, query: dict[str, str], headers: dict[str, str], field: str | None
) -> None:
    with live.client() as client:
        answered = client.get("/api/subscribe", params=query, headers=headers)
    assert answered.status_code == 400, answered.text
    assert answered.json()["error"]["field"] == field


def test_no_token_is_401_and_public_read_lets_anyone_subscribe(live: Live, fresh: Served) -> None:
    with live.client(role=None) as client:
        answered = client.get("/api/subscribe")
    assert answered.status_code == 401
    assert answered.json()["error"]["message"]
    app = create_app(Settings(url=fresh.url, public_read=True))
    with (
        serving(app) as base,
        httpx.Client(base_url=base, timeout=READ_TIMEOUT) as client,
        client.stream("GET", "/api/subscribe") as response,
    ):
        assert response.status_code == 200
        assert next(frames(response)).comments == [f"subscribed after position {FIXTURE_EVENTS}"]


def _gauge(live: Live) -> float:
    with live.client() as client:
        text = client.get("/metrics").text
    [line] = [line for line in text.splitlines() if line.startswith("dtl_open_subscriptions ")]
    return float(line.split()[1])


def test_the_open_subscriptions_gauge_goes_up_and_back_down_when_clients_leave(live: Live) -> None:
    assert _gauge(live) == 0
    clients = [live.client() for _ in range(3)]
    try:
        responses = [client.send(client.build_request("GET", "/api/subscribe"), stream=True) for client in clients]
        # kept: a frame reader dropped would close its response's connection
        streams = [frames(response) for response in responses]
        for stream in streams:
            next(stream)
        assert _gauge(live) == 3
        assert live.app.state.subscriptions.open == 3
    finally:
        for client in clients:
            client.close()  # drops the connections without reading on
    _wait_until(lambda: live.app.state.subscriptions.open == 0, "the subscriptions stayed open")
    assert _gauge(live) == 0


def test_stopping_the_application_ends_its_subscriptions_and_its_watcher(fresh: Served) -> None:
    app = create_app(Settings(url=fresh.url, public_read=True))
    with (
        serving(app) as base,
        httpx.Client(base_url=base, timeout=READ_TIMEOUT) as client,
        client.stream("GET", "/api/subscribe") as response,
    ):
        stream = frames(response)
        next(stream)
        watcher = app.state.subscriptions.watcher()
        assert watcher.running
        app.state.subscriptions.close_all()
        rest = list(stream)  # the stream ends: no heartbeat ever comes
    assert all(not frame.fields for frame in rest)
    assert not watcher.running
    assert app.state.subscriptions.open == 0


def _notify(url: str, payload: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    _, arguments = parsed.get_dialect()().create_connect_args(parsed)
    with psycopg.connect(**arguments, autocommit=True) as connection:
        connection.execute("SELECT pg_notify('dtl_appended', %s)", (payload,))


@pytest.mark.postgres
def test_a_watcher_on_postgresql_listens_and_hears_only_its_own_schema(postgres_url: str) -> None:
    from service.subscriptions import watch

    invoke(postgres_url, "init")
    schema = postgres_url.rpartition("%3D")[2]
    watcher = watch(postgres_url)
    try:
        _wait_until(lambda: watcher.listening, "the watcher never listened")
        _notify(postgres_url, "some_other_schema 99")
        _notify(postgres_url, f"{schema} 7")  # delivered after the first: once seen, the first was handled
        assert watcher.wait_beyond(0, READ_TIMEOUT) == 7
    finally:
        watcher.stop()
    assert not watcher.running


def test_a_watcher_on_sqlite_polls_the_head_and_sees_an_append_made_elsewhere(sqlite_url: str) -> None:
    from service.subscriptions import watch

    load_fixture_log(sqlite_url)
    watcher = watch(sqlite_url)
    try:
        assert watcher.wait_beyond(0, READ_TIMEOUT) == FIXTURE_EVENTS
        result = invoke(sqlite_url, "import", "-", input=json.dumps(_event(1)) + "\n")
        assert result.exit_code == 0, result.output
        assert watcher.wait_beyond(FIXTURE_EVENTS, READ_TIMEOUT) == FIXTURE_EVENTS + 1
        assert not watcher.listening
    finally:
        watcher.stop()
    assert not watcher.running


@pytest.mark.postgres
def test_a_watcher_whose_connection_is_cut_polls_meanwhile_and_listens_again(postgres_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from service.subscriptions import watch

    load_fixture_log(postgres_url)
    schema = postgres_url.rpartition("%3D")[2]
    watcher = watch(postgres_url)
    try:
        _wait_until(lambda: watcher.backend_pid is not None, "the watcher never listened")
        cut = watcher.backend_pid
        parsed = make_url(postgres_url)
        _, arguments = parsed.get_dialect()().create_connect_args(parsed)
        with psycopg.connect(**arguments, autocommit=True) as connection:
            connection.execute("SELECT pg_terminate_backend(%s)", (cut,))
        result = invoke(postgres_url, "import", "-", input=json.dumps(_event(1)) + "\n")
        assert result.exit_code == 0, result.output
        assert watcher.wait_beyond(FIXTURE_EVENTS, READ_TIMEOUT) == FIXTURE_EVENTS + 1
        _wait_until(lambda: watcher.backend_pid not in (None, cut), "the watcher never listened again")
        _notify(postgres_url, f"{schema} 1000")  # only a listener hears this: the head read says 31
        assert watcher.wait_beyond(FIXTURE_EVENTS + 1, READ_TIMEOUT) == 1000
    finally:
        watcher.stop()


def test_a_subscription_to_a_stream_with_no_events_yet_gets_its_first_one(live: Live) -> None:
    with (
        live.client() as reader,
        live.client("writer") as writer,
        reader.stream("GET", "/api/subscribe", params={"stream": "new-talks", "after": 0}) as response,
    ):
        stream = frames(response)
        assert next(stream).comments == ["subscribed after position 0"]
        assert next(stream).comments == ["heartbeat"]  # read, found nothing, waited
        assert writer.post("/api/events", json=_event(1, stream="new-talks")).status_code == 201
        [frame] = events_from(stream, 1)
    assert frame.data["stream"] == "new-talks"
    assert frame.fields["id"] == str(FIXTURE_EVENTS + 1)
