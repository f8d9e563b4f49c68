"""What reading an input hands the store: each event with where it came from, or runs of lines a worker prepared.

It imports neither SQLAlchemy nor the store, so that an import can start its workers parsing
while this process is still loading what it writes with (core.interchange).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from errors import Location
from events import NewEvent

__all__ = ["REGISTRATION_PREFIX", "Located", "PreparedEvent", "PreparedLines", "Reparse"]

# Ids starting with it are reserved: only a source's registration carries one, `source:` and its source id.
REGISTRATION_PREFIX = "source:"


class Located(NamedTuple):
    """An event together with where it came from, for error messages (a named tuple: one per imported line)."""

    event: NewEvent
    location: Location = Location()


# Parses one line (raw bytes, line number) again, in this process, into the event the full checks take,
# raising InputError as the reader would.
Reparse = Callable[[bytes, int], Located]


class PreparedEvent(NamedTuple):
    """How a worker lays out a line it parsed, validated and cut into its canonical body (core.fast_decoder.row_parts).

    The worker sends each as a plain tuple (they cross process boundaries cheaply); PreparedLines
    holds them as sent, and this names their fields.
    """

    line: int
    id: str
    type: str
    stream: str
    occurred: str
    earliest: str
    latest: str
    actor: str | None
    schema_version: int
    # (source id, whether a quote is given, the sha256 of the stored text the worker found the quote in, or None)
    sources: tuple[tuple[str, bool, str | None], ...]
    head: bytes
    middle: bytes
    tail: bytes


class PreparedLines:
    """Consecutive lines a worker process prepared, each a tuple laid out as PreparedEvent, with their raw bytes.

    Only an ordinary event (no registration, correction or retraction) with an id of its own is
    prepared. The store splices where each lands into its body, hashes and inserts it once the
    checks that depend on the log pass here cheaply, all of them in one loop rather than an object
    and a call per line (an import of 100k events into SQLite 1.83 s to 1.76 s, medians). A line
    they do not pass at once (an id seen before, a source unknown or published too late, a quote
    the worker did not find in the text it knew) is read again through `located` and goes through
    the full checks, which accept it or word the refusal.
    """

    __slots__ = ("_first", "_lines", "_reparse", "entries")

    def __init__(self, entries: list[tuple[Any, ...]], lines: Sequence[tuple[int, bytes]], reparse: Reparse) -> None:
        """entries: the prepared lines, in order; lines: (number, raw bytes) of consecutive lines holding them."""
        self.entries = entries
        self._lines, self._first, self._reparse = lines, lines[0][0], reparse

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[PreparedEvent]:
        return map(PreparedEvent._make, self.entries)

    def located(self, index: int) -> Located:
        """Return the event of the line at this index as the reader gives it, for the full checks."""
        line = self.entries[index][0]
        return self._reparse(self._lines[line - self._first][1], line)
