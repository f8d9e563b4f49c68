"""Requests generated from /openapi.json against the in-process app: no 5xx ever, every 4xx with the error body.

schemathesis reads the description the app serves and sends each operation a bounded, derandomized set of
requests (valid ones and ones that break the schema), with a writer's token, on a SQLite log holding the fixture
log in a tmp dir; a second pass sends no token at all. POST routes write to that tmp log, which is fine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.reliability.conftest import load_fixture_log
from tests.web.conftest import bearer, make_tokens
from web.app import create_app
from web.settings import Settings


def error_body_on_4xx(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    """Every refusal (4xx) carries `{"error": {"message": ...}}`, the one error body of the API."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict), f"{response.status_code} without a JSON object: {response.text[:200]!r}"
    error = body.get("error")
    assert isinstance(error, dict), f"{response.status_code} without an error object: {body!r}"
    assert isinstance(error.get("message"), str), f"{response.status_code} without an error message: {body!r}"
    assert error["message"], f"{response.status_code} with an empty error message: {body!r}"


CHECKS = [not_a_server_error, response_schema_conformance, error_body_on_4xx]

# a few examples per operation, the same ones every run: the whole file takes seconds
BOUNDED = settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
)


class Door:
    """The app on a tmp log and a writer's token."""

    def __init__(self, app: FastAPI, writer: str) -> None:
        self.app, self.writer = app, writer


@pytest.fixture(scope="module")
def door(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('log')) / 'timeline.db'}"
    load_fixture_log(url)
    tokens = make_tokens(url)
    app = create_app(Settings(url=url))
    try:
        yield Door(app, tokens["writer"])
    finally:
        app.state.timeline.close()


# The description is read when the module loads, from an app never asked a question (it opens no database);
# each request goes to the app of the `door` fixture, on the tmp log. (A schema loaded from a fixture,
# schemathesis.pytest.from_fixture, needs a private attribute pytest 9 no longer has.)
schema = schemathesis.openapi.from_dict(create_app(Settings(url="sqlite://")).openapi())
# With a token, GET /api/subscribe is left out: a request it accepts is answered by a Server-Sent Events stream
# that stays open until the client leaves, so the generated request would wait for events that never come (the
# real-server tests of subscriptions cover it). Without a token it is refused at once, so that pass keeps it.
authorised = schema.exclude(path="/api/subscribe")
# an NDJSON body is described as a string (its lines): sent as that text, raw
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@authorised.parametrize()
@BOUNDED
def test_every_operation_with_a_writer_token(case: schemathesis.Case[Any], door: Door) -> None:
    case.call_and_validate(app=door.app, headers=bearer(door.writer), checks=CHECKS)


@schema.parametrize()
@settings(BOUNDED, max_examples=5)  # the token is checked before anything else: a few suffice
def test_every_operation_without_a_token(case: schemathesis.Case[Any], door: Door) -> None:
    case.call_and_validate(app=door.app, checks=CHECKS)


def test_the_error_body_check_refuses_a_bare_4xx() -> None:
    bare = FastAPI()

    @bare.get("/bare")
    def refuse() -> PlainTextResponse:
        return PlainTextResponse("no", status_code=404)

    operation = schemathesis.openapi.from_dict(bare.openapi())["/bare"]["GET"]
    case = operation.Case()
    response = case.call(app=bare)
    with pytest.raises(AssertionError, match="without a JSON object"):
        error_body_on_4xx(None, response, case)  # type: ignore[arg-type]  # the check reads no context
