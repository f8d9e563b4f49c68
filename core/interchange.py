"""Reads JSON Lines of events into validated events, naming file, line and field on bad input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from core.errors import InputError, Location
from core.store import Located
from events import EventValidationError, parse_event

__all__ = ["MAX_LINE_BYTES", "event_from_object", "read_jsonl"]

MAX_LINE_BYTES = 1_000_000
_MAX_DEPTH = 32


def _depth(value: object, limit: int) -> int:
    """Return how deeply a JSON value nests, stopping once past `limit`."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(item, limit - 1) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item, limit - 1) for item in value), default=0)
    return 0


def _parse_line(raw: bytes, file: str, number: int, default_stream: str) -> Located | None:
    location = Location(file, number)
    if len(raw) > MAX_LINE_BYTES:
        raise InputError(f"the line is {len(raw):,} bytes long; at most {MAX_LINE_BYTES:,} are accepted", location)
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark, as some editors write
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not valid UTF-8 (byte {error.start + 1})", location) from None
    if not line.strip():
        return None
    if "\x00" in line:
        raise InputError("the line contains a NUL character", location)
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise InputError(f"malformed JSON: {error.msg} (column {error.colno})", location) from None
    # only a line with that many brackets can nest that deep: skip the walk for the rest
    if line.count("{") + line.count("[") > _MAX_DEPTH and _depth(obj, _MAX_DEPTH) > _MAX_DEPTH:
        raise InputError(f"the JSON nests more than {_MAX_DEPTH} levels deep", location)
    return event_from_object(obj, location, default_stream)


def event_from_object(obj: object, location: Location, default_stream: str) -> Located:
    """Validate one interchange JSON object; raise InputError naming its first bad field."""
    try:
        event = parse_event(obj, default_stream)
    except EventValidationError as error:
        problem = error.problems[0]
        raise InputError(problem.message, Location(location.file, location.line, problem.field)) from None
    return Located(event, location)


def read_jsonl(stream: Iterable[bytes], file: str, default_stream: str) -> Iterator[Located]:
    """Yield each line's event with its location; raise InputError at the first bad line."""
    for number, raw in enumerate(stream, start=1):
        located = _parse_line(raw.rstrip(b"\r\n"), file, number, default_stream)
        if located is not None:
            yield located
