"""Bearer tokens of the HTTP API: created with a role, shown once, kept only as a hash, revoked by name.

A secret is 32 random bytes (`secrets`), URL-safe, prefixed `dtl_` so that a
leaked one is recognisable in a scan. The log keeps its sha256 only: a secret
is high-entropy, so a plain hash cannot be reversed, and looking it up by hash
needs no per-token work. The final comparison is `hmac.compare_digest`, in
constant time. At most one live token has a given name (the name is what an
append records as `recorded_by`); a revoked token's name may be given again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from core.checks import checked_name
from core.database import Database
from core.schema import tokens
from errors import DuplicateIdError, InputError, Location, NotFound

__all__ = ["ROLES", "IssuedToken", "Token", "authenticate", "create_token", "list_tokens", "revoke_token"]

# From the least to the most allowed: a reader reads; a writer also appends, imports and registers sources;
# an admin also manages tokens.
ROLES = ("reader", "writer", "admin")
_PREFIX = "dtl_"
# a secret longer than this is not one of ours: refused before hashing whatever a client sent
_MAX_SECRET = 128


@dataclass(frozen=True)
class Token:
    """A token as listed: never its secret."""

    name: str
    role: str
    created_at: str
    revoked_at: str | None = None

    def allows(self, role: str) -> bool:
        """Whether this token's role is `role` or above."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class IssuedToken:
    """A token just created, with its secret: the only time the secret is known."""

    token: Token
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token(row: object) -> Token:
    return Token(row.name, row.role, row.created_at, row.revoked_at)  # type: ignore[attr-defined]


def _live_by_name(connection: Connection, name: str) -> object | None:
    query = select(tokens).where(tokens.c.name == name, tokens.c.revoked_at.is_(None))
    return connection.execute(query).first()


def create_token(database: Database, name: str, role: str, *, now: Callable[[], str]) -> IssuedToken:
    """Create a token; raise InputError for a bad name or role, DuplicateIdError when the name is live."""
    checked = checked_name(name, "name")
    assert checked is not None
    if role not in ROLES:
        raise InputError(f"{role!r} is not a role", Location(field="role"), hint=f"one of {', '.join(ROLES)}")
    secret = _PREFIX + secrets.token_urlsafe(32)
    database.require_schema()

    def _work(connection: Connection) -> IssuedToken:
        if _live_by_name(connection, checked) is not None:
            raise DuplicateIdError(
                f"a token named {checked!r} is live already",
                Location(field="name"),
                hint="revoke it first, or choose another name",
            )
        created_at = now()
        connection.execute(
            insert(tokens).values(name=checked, role=role, secret_sha256=_digest(secret), created_at=created_at)
        )
        return IssuedToken(Token(checked, role, created_at), secret)

    return database.writing(_work)


def list_tokens(database: Database) -> list[Token]:
    """Return every token, live and revoked, oldest first."""
    database.require_schema()
    with database.reading() as connection:
        return [_token(row) for row in connection.execute(select(tokens).order_by(tokens.c.token_id))]


def revoke_token(database: Database, name: str, *, now: Callable[[], str]) -> Token:
    """Revoke the live token of this name; raise NotFound when there is none."""
    database.require_schema()

    def _work(connection: Connection) -> Token:
        row = _live_by_name(connection, name)
        if row is None:
            raise NotFound(f"no live token is named {name!r}", Location(field="name"))
        revoked_at = now()
        connection.execute(
            update(tokens).where(tokens.c.token_id == row.token_id).values(revoked_at=revoked_at)  # type: ignore[attr-defined]
        )
        return Token(row.name, row.role, row.created_at, revoked_at)  # type: ignore[attr-defined]

    return database.writing(_work)


def authenticate(database: Database, secret: str) -> Token | None:
    """Return the live token whose secret this is, or None (whatever is wrong with it)."""
    if not secret.startswith(_PREFIX) or len(secret) > _MAX_SECRET:
        return None
    digest = _digest(secret)
    database.require_schema()
    with database.reading() as connection:
        row = connection.execute(
            select(tokens).where(tokens.c.secret_sha256 == digest, tokens.c.revoked_at.is_(None))
        ).first()
    if row is None or not hmac.compare_digest(row.secret_sha256, digest):
        return None
    return _token(row)
