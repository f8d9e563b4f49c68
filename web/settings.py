"""What the HTTP door reads from the environment `dtl serve` sets: the database, who may read, CORS, the body limit.

The doors may read the environment (DESIGN.md); `dtl serve` passes its flags to
each worker process this way, so `--workers N` needs no shared state.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_BODY", "Settings"]

# the most bytes one request body may hold unless DTL_MAX_BODY says otherwise
DEFAULT_MAX_BODY = 64 * 1024 * 1024
_TRUE = {"1", "true", "yes", "on"}


def _max_body(given: str | None) -> int:
    """Return the body limit spelled as bytes (such as 1048576, 512K or 64MiB), refusing anything else."""
    from service.queries import parse_byte_size

    return parse_byte_size(given, "DTL_MAX_BODY", DEFAULT_MAX_BODY, "one request body")


@dataclass(frozen=True)
class Settings:
    """How one server answers: its log, whether reads need a token, the origins CORS lets in, the body limit."""

    url: str | None = None
    public_read: bool = False
    cors_origins: tuple[str, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    debug: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read DTL_DATABASE_URL, DTL_PUBLIC_READ, DTL_CORS_ORIGINS (one per line), DTL_MAX_BODY and DTL_DEBUG."""
        environ = os.environ if environ is None else environ
        origins = tuple(line.strip() for line in environ.get("DTL_CORS_ORIGINS", "").splitlines() if line.strip())
        return cls(
            url=environ.get("DTL_DATABASE_URL") or None,
            public_read=environ.get("DTL_PUBLIC_READ", "").strip().lower() in _TRUE,
            cors_origins=origins,
            max_body=_max_body(environ.get("DTL_MAX_BODY")),
            debug=bool(environ.get("DTL_DEBUG")),
        )
