"""What the explorer's server side answers, asked over HTTP without a browser: the page, its files, its reads."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest

from tests.browser.conftest import Server
from web.explorer import ASSETS, STATIC


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=30) as opened:
        yield opened


def test_the_page_allows_only_its_own_files_and_blob_images_and_holds_no_inline_script_or_style(
    client: httpx.Client,
) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert policy.startswith("default-src 'self'; img-src 'self' blob:;")
    assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy
    html = answer.text
    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html  # every script is a file
    assert "http://" not in html
    assert "https://" not in html


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_each_file_of_the_page_is_served_with_its_media_type_and_ships_in_the_package(
    client: httpx.Client, name: str
) -> None:
    answer = client.get(f"/static/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == ASSETS[name].split(";")[0]
    assert answer.content == (STATIC / name).read_bytes()
    assert b"http://" not in answer.content.replace(b"http://www.w3.org/2000/svg", b"")
    assert b"https://" not in answer.content


def test_a_file_the_page_does_not_use_is_not_served(client: httpx.Client) -> None:
    for name in ("explorer.html", "..%2Fexplorer.py", "nothing.js"):
        answer = client.get(f"/static/{name}")
        assert answer.status_code == 404
        assert answer.json()["error"]["message"]


def test_streams_lists_the_streams_that_hold_events_and_the_default(client: httpx.Client) -> None:
    assert client.get("/api/streams").json() == {
        "streams": ["sources", "ukraine-coalition"],
        "default": "ukraine-coalition",
    }


def test_names_gives_readable_names_and_the_code_itself_when_unknown(client: httpx.Client) -> None:
    answer = client.get("/api/names", params=[("code", "PL"), ("code", "GB"), ("code", "EU"), ("code", "<b>")])
    assert answer.json() == {"names": {"PL": "Poland", "GB": "United Kingdom", "EU": "EU", "<b>": "<b>"}}


def test_a_chart_is_svg_tagged_by_the_log_and_asked_again_is_304(client: httpx.Client) -> None:
    for kind in ("size", "stances"):
        answer = client.get(f"/api/chart/{kind}.svg", params={"to": "2025-03-17"})
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/svg+xml"
        assert b"<svg" in answer.content
        assert answer.headers["x-log-position"] == "49"
        again = client.get(
            f"/api/chart/{kind}.svg", params={"to": "2025-03-17"}, headers={"If-None-Match": answer.headers["etag"]}
        )
        assert again.status_code == 304


def test_a_chart_of_an_unknown_stream_or_kind_is_refused_with_the_error_body(client: httpx.Client) -> None:
    unknown = client.get("/api/chart/size.svg", params={"stream": "nowhere"})
    assert unknown.status_code == 404
    assert "nowhere" in unknown.json()["error"]["message"]
    assert client.get("/api/chart/pie.svg").status_code in (400, 422)
    assert client.get("/api/chart/size.svg", params={"to": "2025-02-30"}).status_code in (400, 422)
