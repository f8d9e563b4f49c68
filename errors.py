"""The project's one error tree: every layer raises these, each door words them its own way.

TimelineError                       CLI exit   HTTP
├── InputError                      2          400/422   bad input; names file, line and field
│   ├── events.EventValidationError                      an event that does not fit the vocabulary
│   ├── events.EdtfError                                 a date outside the EDTF subset, or no real day
│   ├── events.UnknownActorError                         neither a known country nor an organisation
│   ├── events.UnknownEventTypeError                     a type name not in the vocabulary
│   ├── NotFound                    2          404       an unknown event, source, actor or stream
│   ├── DuplicateIdError            2          409       an id already used for other content
│   └── TextMismatch                2          409       a source text whose sha256 is not the registered one
├── ConflictError                   1          409       the command ran and found a problem
│   ├── ConcurrencyError                                 a stream was not at the expected version
│   └── IntegrityViolation                               the hash chain or a stored row does not match
├── StoreUnavailable                3          503       the database cannot be reached or used
│   ├── NotInitialised                                   the schema is missing or behind
│   └── StoreBusy                                        the database stayed locked past the bounded wait
└── WorkerDied                      1          500       a worker process died before finishing its task

Below the doors a message names fields (`occurred`, `sources[0].quote`), never
a flag or a command: `Location.field` carries the field, and the CLI turns it
into a flag (`--occurred`), the HTTP API into a JSON pointer and a line.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ConcurrencyError",
    "ConflictError",
    "DuplicateIdError",
    "InputError",
    "IntegrityViolation",
    "Location",
    "NotFound",
    "NotInitialised",
    "StoreBusy",
    "StoreUnavailable",
    "TextMismatch",
    "TimelineError",
    "WorkerDied",
]


class TimelineError(Exception):
    """Root of every error the project raises on purpose."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class Location(NamedTuple):
    """Where bad input came from: a file (or a flag), a line and a field.

    A named tuple: an import makes one per line (in a fifth of a frozen dataclass's time).
    """

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)


class InputError(TimelineError):
    """Input that cannot be accepted; nothing was written."""

    def __init__(self, message: str, location: Location | None = None, *, hint: str | None = None) -> None:
        self.location = location or Location()
        self.reason = message
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)

    def at(self, file: str | None = None, line: int | None = None) -> InputError:
        """Return the same error placed at a file and line (keeping its field)."""
        where = self.location
        return self.placed(Location(file if file is not None else where.file, line or where.line, where.field))

    def placed(self, location: Location, *, hint: str | None = None) -> InputError:
        """Return the same error (same class and reason) at another location, with another hint if given."""
        moved = type(self).__new__(type(self))
        moved.__dict__.update(self.__dict__)
        InputError.__init__(moved, self.reason, location, hint=hint or self.hint)
        return moved


class NotFound(InputError):
    """An event, source, actor or stream that the log does not hold."""


class DuplicateIdError(InputError):
    """An event id that the log already holds with different content."""


class TextMismatch(InputError):
    """A source's text whose sha256 is not the one its registration holds; nothing was stored."""


class ConflictError(TimelineError):
    """The command ran and found a problem (exit 1)."""


class ConcurrencyError(ConflictError):
    """A stream was not at the version the writer expected; nothing was written."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        self.stream, self.expected, self.actual = stream, expected, actual
        super().__init__(
            f"stream {stream!r} is at version {actual}, not the expected version {expected}; nothing was written",
            hint="read the stream again and retry with the current version",
        )


class IntegrityViolation(ConflictError):
    """The stored log does not match its hash chain; `position` is the first bad row."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        super().__init__(message)


class StoreUnavailable(TimelineError):
    """The database could not be reached or used."""


class NotInitialised(StoreUnavailable):
    """The database has no schema, or an older one."""

    hint = "initialise the database: that creates the schema, or upgrades an older one"


class StoreBusy(StoreUnavailable):
    """Another writer held the database lock for longer than the bounded wait."""

    hint = "another process is writing; try again in a moment"


class WorkerDied(TimelineError):
    """A worker process died (killed, out of memory) before finishing its task; the command stopped."""

    hint = "something outside stopped the process, often the system running out of memory; try again"
