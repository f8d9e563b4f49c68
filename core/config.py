"""Finds the database URL and masks credentials in anything shown to people."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

__all__ = ["DEFAULT_STREAM", "DEFAULT_URL", "mask_url", "mask_urls", "resolve_database_url"]

DEFAULT_URL = "sqlite:///timeline.db"
DEFAULT_STREAM = "ukraine-coalition"
_ENV_VAR = "DTL_DATABASE_URL"

_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*)(?::(?P<password>[^@/\s]*))?@")
_PASSWORD_PARAM = re.compile(r"(?i)(password=)[^&\s]*")


def resolve_database_url(given: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Return the URL from `--db`, else DTL_DATABASE_URL, else ./timeline.db; plain postgres URLs get psycopg."""
    environ = os.environ if environ is None else environ
    url = given or environ.get(_ENV_VAR) or DEFAULT_URL
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url.removeprefix(plain)
    return url


def mask_url(url: str) -> str:
    """Return a URL with its password replaced by ***."""
    return mask_urls(url)


def mask_urls(text: str) -> str:
    """Replace every password in URLs or password= parameters within a text by ***."""

    def _mask(match: re.Match[str]) -> str:
        if match.group("password") is None:
            return match.group(0)
        return f"{match.group('scheme')}{match.group('user')}:***@"

    return _PASSWORD_PARAM.sub(r"\1***", _CREDENTIALS.sub(_mask, text))
