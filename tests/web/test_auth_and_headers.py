"""Who may do what (tokens and roles), the headers every answer carries, health, metrics and the offline docs."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Served, bearer
from web.app import create_app
from web.settings import Settings

READ = ("GET", "/api/state?as_of=2025-03-17")
WRITE = ("POST", "/api/sources")
REGISTRATION = {"source_id": "auth-article", "publisher": "Web", "published": "2025-03-18", "sha256": "0" * 64}

# (role sending the request, read status, write status): a write by a writer or admin registers (201) or finds (200)
MATRIX = [(None, 401, 401), ("unknown", 401, 401), ("reader", 200, 403), ("writer", 200, 201), ("admin", 200, 200)]


@pytest.mark.parametrize(("role", "read", "write"), MATRIX)
def test_each_role_reads_and_writes_what_it_may(fresh: Served, role: str | None, read: int, write: int) -> None:
    client = fresh.client(None)
    headers = {} if role is None else bearer("not-a-token" if role == "unknown" else fresh.tokens[role])
    if role == "admin":  # the writer's registration is there already: the same one again is 200
        fresh.client("writer").post("/api/sources", json=REGISTRATION)
    assert client.get(READ[1], headers=headers).status_code == read
    written = client.post(WRITE[1], json=REGISTRATION, headers=headers)
    assert written.status_code == write, written.text
    if write in (401, 403):
        assert set(written.json()["error"]) == {"message", "field", "line", "hint"}


def test_an_unknown_token_and_no_token_are_refused_alike(served: Served) -> None:
    client = served.client(None)
    missing = client.get(READ[1])
    unknown = client.get(READ[1], headers=bearer("x" * 43))
    malformed = client.get(READ[1], headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert missing.json() == unknown.json() == malformed.json()
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")


def test_public_read_lets_anyone_read_but_not_write(served: Served) -> None:
    client = served.client(None, public_read=True)
    assert client.get(READ[1]).status_code == 200
    assert client.get("/api/events?limit=1").status_code == 200
    assert client.post("/api/sources", json=REGISTRATION).status_code == 401
    assert client.get(READ[1], headers=bearer("not-a-token")).status_code == 401


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"])
def test_health_metrics_and_docs_need_no_token(served: Served, path: str) -> None:
    assert served.client(None).get(path).status_code == 200


def test_every_answer_carries_the_security_headers(served: Served) -> None:
    client = served.client("reader")
    for answered in (client.get(READ[1]), client.get("/api/why/Atlantis"), client.get("/healthz"), client.get("/nope")):
        assert "default-src 'self'" in answered.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in answered.headers["Content-Security-Policy"]
        assert answered.headers["X-Content-Type-Options"] == "nosniff"
        assert answered.headers["Referrer-Policy"] == "no-referrer"


def test_cors_is_closed_unless_an_origin_is_given(served: Served) -> None:
    preflight = {"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET"}
    closed = served.client("reader").get(READ[1], headers={"Origin": "https://newsroom.example"})
    assert "access-control-allow-origin" not in closed.headers
    opened = served.client("reader", cors_origins=("https://newsroom.example",))
    allowed = opened.options(READ[1], headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://newsroom.example"
    other = opened.get(READ[1], headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_readyz_says_the_head_and_metrics_count_requests_by_route(served: Served) -> None:
    client = served.client("reader")
    assert client.get("/readyz").json()["status"] == "ready"
    client.get("/api/history/PL")
    metrics = client.get("/metrics").text
    assert 'dtl_http_requests_total{method="GET",route="/api/history/{actor}",status="200"} 1.0' in metrics
    assert "dtl_http_request_duration_seconds_bucket" in metrics
    assert "dtl_open_subscriptions 0.0" in metrics
    assert re.search(r"^dtl_log_head_position \d+\.0$", metrics, re.MULTILINE)
    assert "dtl_appended_events_total 0.0" in metrics


def test_an_unreachable_database_is_503_with_the_password_masked(tmp_path) -> None:
    url = "postgresql+psycopg://analyst:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2"
    with TestClient(create_app(Settings(url=url, public_read=True)), raise_server_exceptions=False) as client:
        for path in ("/readyz", "/api/state"):
            answered = client.get(path)
            assert answered.status_code == 503, answered.text
            assert "s3cret-pw" not in answered.text
            assert answered.json()["error"]["message"]
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_a_missing_database_is_503_saying_it_is_not_initialised(tmp_path) -> None:
    app = create_app(Settings(url=f"sqlite:///{tmp_path / 'none.db'}", public_read=True))
    with TestClient(app, raise_server_exceptions=False) as client:
        answered = client.get("/readyz")
        assert answered.status_code == 503
        assert "no database" in answered.json()["error"]["message"]


def test_a_bug_answers_500_with_the_error_body_and_no_traceback(served: Served) -> None:
    client = served.client("reader")

    def _broken() -> None:
        raise RuntimeError("a secret internal detail")

    client.app.add_api_route("/api/broken", _broken)  # type: ignore[attr-defined]
    answered = client.get("/api/broken")
    assert answered.status_code == 500
    assert "secret internal detail" not in answered.text
    assert "Traceback" not in answered.text
    assert answered.json()["error"]["message"] == "the server met an unexpected error"
    assert answered.headers["X-Content-Type-Options"] == "nosniff"


def test_a_bad_parameter_is_400_naming_it_and_an_unknown_thing_404(served: Served) -> None:
    client = served.client("reader")
    for path, status, field in [
        ("/api/state?as_of=2025-02-30", 400, "as_of"),
        ("/api/state?known_at=yesterday", 400, "known_at"),
        ("/api/count?subject=ships", 400, "subject"),
        ("/api/events?limit=many", 400, "limit"),
        ("/api/diff?from=2025-03-17", 400, "to"),
        ("/api/diff?from=2025-03-32&to=2025-03-17", 400, "from"),
        ("/api/timeline?from=2025-03-17&to=2025-03-10", 400, "to"),
        ("/api/state?stream=ukraine-coalitoin", 404, "stream"),
        ("/api/why/Atlantis", 404, "actor"),
        ("/api/events/no-such-event", 404, "event_id"),
        ("/api/sources/no-such-source", 404, "source_id"),
    ]:
        answered = client.get(path)
        assert answered.status_code == status, (path, answered.text)
        assert answered.json()["error"]["field"] == field, path


def test_the_openapi_description_is_3_1_and_names_every_route(served: Served) -> None:
    described = served.client(None).get("/openapi.json").json()
    assert described["openapi"].startswith("3.1")
    paths = described["paths"]
    routes = ["/api/state", "/api/count", "/api/diff", "/api/timeline", "/api/history/{actor}", "/api/why/{actor}"]
    routes += ["/api/audit", "/api/verify", "/api/events", "/api/events/{event_id}", "/api/sources"]
    routes += ["/api/sources/{source_id}", "/api/sources/{source_id}/text", "/api/report", "/healthz", "/readyz"]
    for path in routes:
        assert path in paths, path
    body = paths["/api/events"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "application/x-ndjson"}
    assert "InterchangeEvent" in described["components"]["schemas"]


def test_the_docs_page_loads_nothing_from_another_host(served: Served) -> None:
    client = served.client(None)
    page = client.get("/docs").text
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert loaded
    assert all(url.startswith("/docs/") for url in loaded)
    assert not re.search(r"https?://", page)
    start = client.get("/docs/start.js").text
    assert "validatorUrl: null" in start
    assert not re.search(r"https?://", start)
    for url in loaded:
        assert client.get(url).status_code == 200, url
    assert client.get("/docs/assets/index.html").status_code == 404
