"""How a database's refusal reads to the user: one wording, whichever driver reported it."""

from __future__ import annotations

from errors import NotInitialised, StoreBusy, StoreUnavailable, TimelineError

__all__ = ["SQLITE_HINT", "is_locked", "refusal"]

SQLITE_HINT = "check that the path in the database URL names a SQLite file you may read and write"
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires


def is_locked(message: str, sqlstate: str | None = None) -> bool:
    """Say whether a driver's error means another writer held the lock."""
    if sqlstate == _LOCK_NOT_AVAILABLE:
        return True
    lowered = message.lower()
    return "database is locked" in lowered or "database is busy" in lowered


def refusal(
    message: str,
    *,
    locked: bool,
    unreachable: bool,
    dialect: str,
    masked_url: str,
    lock_timeout: float,
    writable: bool,
) -> TimelineError:
    """Return the error the user sees for a driver's refusal (its message, its URLs masked).

    locked: another writer held the lock past the lock timeout; unreachable: the driver's
    operational error, which on PostgreSQL means the server could not be reached.
    """
    if locked:
        return StoreBusy(
            f"the database {masked_url} stayed locked by another writer for {lock_timeout:g} seconds",
            hint="another process is writing; try again in a moment, "
            f"or let writers wait longer with DTL_LOCK_TIMEOUT=SECONDS (now {lock_timeout:g})",
        )
    lowered = message.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return NotInitialised(f"the database {masked_url} has no timeline schema")
    if unreachable and dialect == "postgresql":
        return StoreUnavailable(
            f"cannot reach {masked_url}: {message}",
            hint="check that PostgreSQL is running and the database URL is right",
        )
    if dialect == "sqlite" and not writable:
        return StoreUnavailable(
            f"the database {masked_url} is read-only here: it can be read and verified, not written",
            hint="write to a copy on writable storage, or ask for write permission on the file and its folder",
        )
    hint = SQLITE_HINT if dialect == "sqlite" else None
    return StoreUnavailable(f"the database {masked_url} refused the operation: {message}", hint=hint)
