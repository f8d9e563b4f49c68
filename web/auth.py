"""Who is asking: `Authorization: Bearer TOKEN`, checked by the service, and the role each route needs.

Roles go reader < writer < admin. A missing or unknown token is 401, a role too
low is 403; neither message says whether a token exists. With `--public-read`
(DTL_PUBLIC_READ) the reads need no token; a token given anyway is still
checked, so a write always knows who sent it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from web.door import SharedTimeline
from web.errors import DoorError

__all__ = ["Caller", "require"]

# low to high, as service.ROLES orders them
ROLES = ("reader", "writer", "admin")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dtl"'}


@dataclass(frozen=True)
class Caller:
    """Who sent a request: a token's name and role, or nobody (a public read)."""

    name: str | None
    role: str | None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if not hmac.compare_digest(scheme.lower().encode(), b"bearer") or not token.strip():
        raise DoorError(401, "a valid bearer token is required", headers=_CHALLENGE)
    return token.strip()


def require(role: str, *, read: bool = False) -> Callable[[Request], Caller]:
    """Return a dependency admitting callers whose token's role is `role` or higher (anyone for a public read)."""
    needed = ROLES.index(role)

    def _caller(request: Request) -> Caller:
        token = _bearer(request)
        settings = request.app.state.settings
        if token is None:
            if read and settings.public_read:
                return Caller(None, None)
            raise DoorError(401, "a valid bearer token is required", headers=_CHALLENGE)
        shared: SharedTimeline = request.app.state.timeline
        principal = shared.run(lambda timeline: timeline.authenticate(token))
        if principal is None:
            raise DoorError(401, "a valid bearer token is required", headers=_CHALLENGE)
        if principal.role not in ROLES or ROLES.index(principal.role) < needed:
            raise DoorError(403, f"this needs the {role} role or higher")
        return Caller(principal.name, principal.role)

    return _caller
