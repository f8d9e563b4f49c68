"""Passwords in database URLs are masked whole, whatever characters they hold, in a URL alone or within a text."""

from __future__ import annotations

import pytest

from core.config import mask_url, mask_urls

PASSWORDS = [
    "s3cret",
    "pa/ss",
    "p@ss",
    "p:a:ss",
    "pa/ss@x",
    "@/:@",
    "a//b@@c",
    "with?query",
    "with#hash",
    "per%2Fcent",
    "~!$&'()*+,;=",
    "ends-with-@",
    "/leading",
]
URLS = [
    "postgresql+psycopg://analyst:{}@db.example.org:5432/timeline",
    "postgresql://analyst:{}@127.0.0.1/timeline?connect_timeout=2",
    "postgres://:{}@host/db",
    "mysql://analyst:{}@host/db",
]


def _secret_parts(password: str) -> list[str]:
    """The pieces of a password that must not show (the whole, and each run between separators, if long enough)."""
    pieces = [password, *password.replace("@", "/").replace(":", "/").split("/")]
    return [piece for piece in pieces if len(piece) >= 2]


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("shape", URLS)
def test_a_url_alone_shows_no_part_of_its_password(shape: str, password: str) -> None:
    masked = mask_url(shape.format(password))
    assert masked == shape.format("***")
    for piece in _secret_parts(password):
        assert piece not in masked.replace("***", "")


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("shape", URLS)
def test_a_url_within_a_message_shows_no_part_of_its_password(shape: str, password: str) -> None:
    url = shape.format(password)
    message = f"cannot reach {url}: connection refused\nhint: check {url} again"
    masked = mask_urls(message)
    shown = shape.format("***")
    assert masked == f"cannot reach {shown}: connection refused\nhint: check {shown} again"


def test_a_password_with_spaces_is_masked_in_a_url_alone() -> None:
    assert mask_url("postgresql://u:two words@host/db") == "postgresql://u:***@host/db"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///timeline.db",
        "sqlite:////home/me@work/timeline.db",
        "sqlite:////srv/a:b@c/timeline.db",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg://127.0.0.1:5432/test",
        "postgresql+psycopg://user@host/db?options=a:b@c",
    ],
)
def test_a_url_without_a_password_is_shown_unchanged(url: str) -> None:
    assert mask_url(url) == url
    assert mask_urls(f"at {url}.") == f"at {url}."


@pytest.mark.parametrize("text", ["password=p@ss/w:rd", "PASSWORD=p@ss/w:rd&sslmode=require"])
def test_a_password_parameter_is_masked(text: str) -> None:
    masked = mask_urls(f"postgresql://host/db?user=u&{text}")
    assert "p@ss" not in masked
    assert "w:rd" not in masked
    assert mask_url(f"postgresql://host/db?user=u&{text}") == masked
