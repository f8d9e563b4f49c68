"""The error tree of `errors` worded for HTTP: one status per kind and one body, `{"error": {...}}`.

| error                                   | status |
| --------------------------------------- | ------ |
| InputError, no field or a parameter     | 400    |
| InputError naming a field of the body   | 422    |
| NotFound                                | 404    |
| DuplicateIdError, ConflictError         | 409    |
| a body over DTL_MAX_BODY                | 413    |
| StoreUnavailable (NotInitialised, busy) | 503    |
| anything else                           | 500    |  (web.app's middleware, see there)

Below the doors a field is named as in `sources[0].quote`; here it becomes a JSON
pointer into the request body (`/sources/0/quote`), while a query or path
parameter keeps its own name (`as_of`). A line of an NDJSON body is `line`.
Messages and hints have database passwords masked; no traceback ever leaves
the server (DTL_DEBUG=1 logs it on the server's side).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from errors import (
    ConflictError,
    DuplicateIdError,
    InputError,
    NotFound,
    StoreBusy,
    StoreUnavailable,
    TimelineError,
)
from service.words import mask_urls

__all__ = [
    "BodyTooLarge",
    "DoorError",
    "error_body",
    "install_error_handlers",
    "json_pointer",
]

# a field path's steps: a name, or an index in brackets
_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


class DoorError(Exception):
    """A refusal of the HTTP door itself (no token, a role too low, a body too large), with its status."""

    def __init__(
        self, status: int, message: str, *, hint: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint
        self.headers = dict(headers or {})


class BodyTooLarge(DoorError):
    """A request body past DTL_MAX_BODY: refused as soon as it grows past it, before anything is written."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body is larger than {limit:,} bytes, the most one request may hold",
            hint="send fewer events per request, or raise DTL_MAX_BODY on the server",
        )


def json_pointer(field: str) -> str:
    """Return the JSON pointer (RFC 6901) of a field path below the doors: `sources[0].quote` -> `/sources/0/quote`."""
    if field in ("", "(event)"):
        return ""
    steps = [index if index else name for index, name in _STEP.findall(field)]
    return "".join("/" + step.replace("~", "~0").replace("/", "~1") for step in steps)


def error_body(
    message: str, *, field: str | None = None, line: int | None = None, hint: str | None = None
) -> dict[str, Any]:
    """Return the error document every refusal carries, passwords masked."""
    return {
        "error": {
            "message": mask_urls(message),
            "field": field,
            "line": line,
            "hint": None if hint is None else mask_urls(hint),
        }
    }


def _respond(status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _parameters(request: Request) -> tuple[set[str], set[str]]:
    """Return the names of the request's path parameters and of the query parameters its route takes or was given."""
    path = set(request.path_params)
    query = set(request.query_params)
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is not None:
        query |= {parameter.alias for parameter in dependant.query_params}
    return path, query


def input_error_response(error: InputError, request: Request) -> JSONResponse:
    """Word an input error: its field as a parameter name or a JSON pointer, and the status that kind of field gets."""
    location = error.location
    field = location.field or None  # "" is no field: the whole input
    path_names, query_names = _parameters(request)
    head = field.split(".")[0].split("[")[0] if field else None
    if isinstance(error, DuplicateIdError):
        status = 409
    elif isinstance(error, NotFound):
        status = 404
    elif field is None or head in path_names | query_names:
        status = 400
    else:
        status = 422
    worded = field if field is None or head in path_names | query_names else json_pointer(field)
    return _respond(status, error_body(error.reason, field=worded, line=location.line, hint=error.hint))


def _validation_response(error: RequestValidationError) -> JSONResponse:
    """Reshape FastAPI's own validation error (a parameter of the wrong type) into the one error body."""
    problems: Iterable[Any] = error.errors()
    first: Mapping[str, Any] = next(iter(problems), {})
    where = [str(step) for step in first.get("loc", ())]
    kind = where[0] if where else ""
    message = str(first.get("msg", "invalid request"))
    if kind == "body":
        return _respond(422, error_body(message, field=json_pointer(".".join(where[1:]))))
    return _respond(400, error_body(message, field=where[1] if len(where) > 1 else None))


def install_error_handlers(app: FastAPI) -> None:
    """Map the error tree, the door's refusals and FastAPI's own errors onto statuses and the one error body."""

    @app.exception_handler(InputError)
    async def _input(request: Request, error: InputError) -> JSONResponse:
        return input_error_response(error, request)

    @app.exception_handler(DoorError)
    async def _door(_request: Request, error: DoorError) -> JSONResponse:
        return _respond(error.status, error_body(error.message, hint=error.hint), error.headers)

    @app.exception_handler(ConflictError)
    async def _conflict(_request: Request, error: ConflictError) -> JSONResponse:
        return _respond(409, error_body(str(error), hint=error.hint))

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(_request: Request, error: StoreUnavailable) -> JSONResponse:
        headers = {"Retry-After": "1"} if isinstance(error, StoreBusy) else {}
        return _respond(503, error_body(str(error), hint=error.hint), headers)

    @app.exception_handler(TimelineError)
    async def _other(_request: Request, error: TimelineError) -> JSONResponse:
        return _respond(500, error_body(str(error), hint=error.hint))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        return _validation_response(error)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException) -> JSONResponse:
        message = error.detail if isinstance(error.detail, str) else "the request was refused"
        return _respond(error.status_code, error_body(message), error.headers)
