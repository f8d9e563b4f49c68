"""Fixtures for the HTTP API: the fixture log with a token of each role, and in-process clients on it.

Every fixture runs on SQLite and on PostgreSQL (the PostgreSQL half in a schema of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.timeline import Timeline
from tests.reliability.conftest import BACKENDS, fresh_database, load_fixture_log
from web.app import create_app
from web.settings import Settings

ROLES = ("reader", "writer", "admin")


def make_tokens(url: str) -> dict[str, str]:
    """Create one token per role (named after it) and return their secrets by role."""
    timeline = Timeline(url)
    try:
        return {role: timeline.create_token(role, role).secret for role in ROLES}
    finally:
        timeline.close()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class Served:
    """A log, its tokens, and how to open clients on it."""

    def __init__(self, url: str, tokens: dict[str, str], stack: ExitStack) -> None:
        self.url, self.tokens, self._stack = url, tokens, stack

    def client(self, role: str | None = "admin", **settings: Any) -> TestClient:
        """An in-process client (lifespan run) sending the role's token, on an app with these settings."""
        app = create_app(Settings(url=self.url, **settings))
        headers = bearer(self.tokens[role]) if role else {}
        client = TestClient(app, headers=headers, raise_server_exceptions=False)
        return self._stack.enter_context(client)


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The fixture log with a reader, a writer and an admin token, shared by a module's tests (left unchanged)."""
    with fresh_database(request.param, tmp_path_factory) as url, ExitStack() as stack:
        load_fixture_log(url)
        yield Served(url, make_tokens(url), stack)


@pytest.fixture
def fresh(database_url: str) -> Iterator[Served]:
    """A fixture log of a test's own (it may write), with the three tokens, on each backend."""
    with ExitStack() as stack:
        load_fixture_log(database_url)
        yield Served(database_url, make_tokens(database_url), stack)


ClientFactory = Callable[..., TestClient]
