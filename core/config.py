"""Finds the database URL, the lock timeout and the longest input line; masks credentials in what people see."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping

from errors import InputError, Location

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_MAX_LINE",
    "DEFAULT_STREAM",
    "DEFAULT_URL",
    "mask_url",
    "mask_urls",
    "resolve_database_url",
    "resolve_lock_timeout",
    "resolve_max_line",
]

DEFAULT_URL = "sqlite:///timeline.db"
DEFAULT_STREAM = "ukraine-coalition"
_ENV_VAR = "DTL_DATABASE_URL"
_LOCK_TIMEOUT_VAR = "DTL_LOCK_TIMEOUT"
# how long a writer waits for another to finish before giving up with StoreBusy, in seconds
DEFAULT_LOCK_TIMEOUT = 60.0
_MAX_LINE_VAR = "DTL_MAX_LINE"
# the most bytes one input line may hold: a reader holds at most this much of a line, however long it runs
DEFAULT_MAX_LINE = 16 * 1024 * 1024
_BYTES = re.compile(r"(?i)\s*(?P<number>[0-9]+)\s*(?P<unit>[KMG](?:iB)?)?\s*")
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}

_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
# in free text a URL ends at white space; its password runs from `user:` to the last @ before then (so a password
# holding /, @ or : is masked whole: the host never holds an @, and masking too much hides nothing secret)
_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>\S*)@")
_PASSWORD_PARAM = re.compile(r"(?i)(password=)[^&\s]*")


def resolve_database_url(given: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Return the URL given, else DTL_DATABASE_URL, else ./timeline.db; plain postgres URLs get psycopg."""
    environ = os.environ if environ is None else environ
    url = given or environ.get(_ENV_VAR) or DEFAULT_URL
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url.removeprefix(plain)
    return url


def resolve_lock_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Return how many seconds to wait for the write lock: DTL_LOCK_TIMEOUT, else 60."""
    environ = os.environ if environ is None else environ
    given = environ.get(_LOCK_TIMEOUT_VAR)
    if given is None or not given.strip():
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(
            f"{given!r} is not a number of seconds, 0 or more",
            Location(field=_LOCK_TIMEOUT_VAR),
            hint=f"set {_LOCK_TIMEOUT_VAR} to how long a writer may wait for another, such as 60",
        )
    return seconds


def resolve_max_line(environ: Mapping[str, str] | None = None) -> int:
    """Return the most bytes one input line may hold: DTL_MAX_LINE (such as 4096, 64K or 16MiB), else 16 MiB."""
    environ = os.environ if environ is None else environ
    return byte_size(environ.get(_MAX_LINE_VAR), _MAX_LINE_VAR, DEFAULT_MAX_LINE, "one input line")


def byte_size(given: str | None, setting: str, default: int, what: str) -> int:
    """Return a setting spelled as bytes (4096, 64K, 16MiB; K, M, G are powers of 1024), or the default when unset.

    Anything else is an InputError naming the setting; `what` says what it bounds ("one input line").
    """
    if given is None or not given.strip():
        return default
    spelled = _BYTES.fullmatch(given)
    limit = int(spelled["number"]) * _UNITS[(spelled["unit"] or "")[:1].upper()] if spelled is not None else 0
    if limit < 1:
        default_spelled = f"{default // 1024**2}MiB" if default % 1024**2 == 0 else str(default)
        raise InputError(
            f"{given!r} is not a number of bytes, 1 or more",
            Location(field=setting),
            hint=f"set {setting} to the most bytes {what} may hold, such as {default_spelled} (the default)",
        )
    return limit


def mask_url(url: str) -> str:
    """Return a URL with its password replaced by ***, parsing it: the password may hold /, @, : or spaces."""
    scheme = _SCHEME.match(url)
    if scheme is not None:
        rest = url[scheme.end() :]
        at = rest.rfind("@")  # the user information ends at the last @: a host never holds one
        user, colon, _password = rest[: max(at, 0)].partition(":")
        if at >= 0 and colon and not any(mark in user for mark in "/?#"):  # else the @ is in a path or query
            url = f"{scheme.group()}{user}:***@{rest[at + 1 :]}"
    return _PASSWORD_PARAM.sub(r"\1***", url)


def mask_urls(text: str) -> str:
    """Replace every password in URLs or password= parameters within a text by ***."""
    return _PASSWORD_PARAM.sub(r"\1***", _CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", text))
