"""The log: tables, migrations, append and read, the hash chain, sources, configuration."""

from __future__ import annotations

from core.config import DEFAULT_STREAM, DEFAULT_URL, mask_url, mask_urls, resolve_database_url
from core.database import Database
from core.interchange import read_jsonl
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
