"""Reads the values every question is asked with: days, known-at bounds, actors, windows, and today.

Each parser names the field it read (`as_of`, `known_at`, `from`, `to`, `actor`,
`anchor`) when a value is wrong; each door words the field its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from errors import InputError, Location

__all__ = [
    "DEFAULT_STREAM",
    "Query",
    "actor_code",
    "parse_anchor",
    "parse_byte_size",
    "parse_day",
    "parse_known_at",
    "parse_window",
    "today",
]

# the stream a question is about when none is named (core.config.DEFAULT_STREAM, which a test keeps equal:
# importing core here would load SQLAlchemy for commands that never open the log)
DEFAULT_STREAM = "ukraine-coalition"
_DAY_HINT = "such as 2025-03-17, 2025-03 or 2025"


def today() -> date:
    """Return today's date in UTC: the default as-of day."""
    return datetime.now(UTC).date()


def parse_byte_size(given: str | None, setting: str, default: int, what: str) -> int:
    """Return a door's setting spelled as bytes (4096, 64K, 16MiB), or the default when unset; else InputError."""
    from core.config import byte_size

    return byte_size(given, setting, default, what)


def parse_day(value: str, field: str, *, first: bool = False) -> date:
    """Return the last (or first) day an EDTF value means, or raise an input error naming the field."""
    from events import edtf_bounds

    try:
        earliest, latest = edtf_bounds(value)
    except ValueError as error:
        raise InputError(str(error), Location(field=field), hint=_DAY_HINT) from None
    return earliest if first else latest


def parse_anchor(value: str, field: str) -> date:
    """Return the day a YYYY-MM-DD anchor names, or raise an input error naming the field."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{value!r} is not a day", Location(field=field), hint="give it as YYYY-MM-DD, such as 2025-03-10"
        ) from None


def parse_known_at(value: str | int | None) -> int | str | None:
    """Return a log position (an integer) or a recorded_at bound (a UTC timestamp) for a known-at value."""
    if value is None or isinstance(value, int):
        return value
    from core import utc_timestamp

    if value.isascii() and value.isdigit():  # not "²" or full-width digits: str.isdigit takes those too
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{value!r} is neither a log position nor an ISO date or timestamp",
            Location(field="known_at"),
            hint="give a position such as 42, a date such as 2025-03-20 or a timestamp such as 2025-03-20T12:00Z",
        ) from None
    if len(value) == 10:  # a bare date: everything recorded by the end of that day (UTC)
        moment = datetime.combine(moment.date(), time.max, tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_timestamp(moment)


def parse_json_object(text: str, field: str) -> Any:
    """Return the JSON value a door received as text (an event's data), or raise an input error naming the field."""
    from core.interchange import parse_json

    return parse_json(text, Location(field=field))


def parse_window(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """Return the first day of `start` and the last of `end` (either may be absent); refuse a reversed window."""
    first = parse_day(start, "from", first=True) if start else None
    last = parse_day(end, "to") if end else None
    if first is not None and last is not None and last < first:
        raise InputError(
            f"the window ends on {end} before it begins on {start}", Location(field="to"), hint="swap the two dates"
        )
    return first, last


def actor_code(value: str, field: str = "actor") -> str:
    """Return the canonical code of an actor, or raise an input error naming the field."""
    from events import UnknownActorError, normalise_actor

    try:
        return normalise_actor(value)
    except UnknownActorError as error:
        raise InputError(
            error.reason,
            Location(field=field),
            hint="give a country name or ISO code (Poland, PL, POL) or an organisation code (EU, NATO, G7)",
        ) from None


@dataclass(frozen=True)
class Query:
    """A question about one stream: as of a day (valid time), known at a position or moment (transaction time).

    `known_at` is the bound as parsed (a position or a UTC timestamp); `asked_known_at`
    keeps the words it was asked with, for people.
    """

    stream: str
    as_of: date
    known_at: int | str | None = None
    asked_known_at: str | None = None

    @classmethod
    def parse(cls, stream: str, as_of: str | date | None = None, known_at: str | int | None = None) -> Query:
        """Read a question's values as a door received them; absent as-of means today."""
        day = as_of if isinstance(as_of, date) else parse_day(as_of, "as_of") if as_of else today()
        asked = None if known_at is None else str(known_at)
        return cls(stream, day, parse_known_at(known_at), asked or None)
