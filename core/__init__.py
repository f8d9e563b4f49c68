"""The log: tables, migrations, append and read, the hash chain, sources, configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.config import DEFAULT_STREAM, DEFAULT_URL, mask_url, mask_urls, resolve_database_url
from core.database import Database
from core.store import (
    Appended,
    AppendResult,
    EventFilter,
    EventStore,
    Located,
    PreparedEvent,
    Source,
    VerifyReport,
    utc_timestamp,
)
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
    from core.interchange import read_jsonl

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


def __getattr__(name: str) -> Any:
    """Load the reader of interchange lines (and its worker processes) on first use: reads never need it (PEP 562)."""
    if name != "read_jsonl":
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    from core.interchange import read_jsonl

    return read_jsonl
