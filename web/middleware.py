"""What every response gets: security headers, a count in the metrics, and no traceback when something breaks.

A pure ASGI middleware (not Starlette's BaseHTTPMiddleware): it wraps `send`, so
streamed bodies pass through untouched, and it sits inside Starlette's error
middleware, so even an unexpected error's answer carries the headers.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import BodyTooLarge, error_body
from web.metrics import Metrics

__all__ = ["DoorMiddleware"]

_log = logging.getLogger("dtl.web")

# pages of our own only; the docs page needs the data: images of its stylesheet
_CSP = b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
_DOCS_CSP = b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
_SECURITY = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class DoorMiddleware:
    """Add the security headers, refuse a declared body over the limit, count and time every request."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body: int, debug: bool) -> None:
        self.app, self.metrics, self.max_body, self.debug = app, metrics, max_body, debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request through the application, adding the headers and counting it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False
        csp = _DOCS_CSP if scope["path"].startswith("/docs") else _CSP

        async def _send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(b"content-security-policy", csp), *_SECURITY]
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in names)]
            await send(message)

        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body:
                refusal = BodyTooLarge(self.max_body)
                await _answer(_send, 413, error_body(refusal.message, hint=refusal.hint))
            else:
                await self.app(scope, receive, _send)
        except Exception as error:
            if self.debug:
                _log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            else:
                _log.error("unexpected %s answering %s %s", type(error).__name__, scope["method"], scope["path"])
            if response_started:
                raise
            body = error_body(
                "the server met an unexpected error",
                hint="this is a bug in dtl; the server's log says more with DTL_DEBUG=1",
            )
            await _answer(_send, 500, body)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
