"""The log: tables, migrations, append and read, the hash chain, sources, configuration."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from core.config import DEFAULT_STREAM, DEFAULT_URL, mask_url, mask_urls, resolve_database_url
from errors import (
    ConcurrencyError,
    ConflictError,
    DuplicateIdError,
    InputError,
    IntegrityViolation,
    Location,
    NotInitialised,
    StoreBusy,
    StoreUnavailable,
    TimelineError,
)

if TYPE_CHECKING:
    from core.database import Database
    from core.interchange import read_jsonl
    from core.store import (
        Appended,
        AppendResult,
        EventFilter,
        EventStore,
        Located,
        PreparedEvent,
        PreparedLines,
        Source,
        VerifyReport,
        utc_timestamp,
    )

__all__ = [
    "DEFAULT_STREAM",
    "DEFAULT_URL",
    "AppendResult",
    "Appended",
    "ConcurrencyError",
    "ConflictError",
    "Database",
    "DuplicateIdError",
    "EventFilter",
    "EventStore",
    "InputError",
    "IntegrityViolation",
    "Located",
    "Location",
    "NotInitialised",
    "PreparedEvent",
    "PreparedLines",
    "Source",
    "StoreBusy",
    "StoreUnavailable",
    "TimelineError",
    "VerifyReport",
    "mask_url",
    "mask_urls",
    "read_jsonl",
    "resolve_database_url",
    "utc_timestamp",
]


# Loaded on first use (PEP 562): the store and its database bring SQLAlchemy (130 ms), which a replay of a
# SQLite log never needs (core.sqlite_reads); the reader of interchange lines brings its worker processes.
_LAZY = {
    "Database": "core.database",
    "read_jsonl": "core.interchange",
    **dict.fromkeys(
        (
            "Appended",
            "AppendResult",
            "EventFilter",
            "EventStore",
            "Located",
            "PreparedEvent",
            "PreparedLines",
            "Source",
            "VerifyReport",
            "utc_timestamp",
        ),
        "core.store",
    ),
}


def __getattr__(name: str) -> Any:
    """Load a name of the store, its database or the interchange reader from its module when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
