"""What a replay page holds and how it is encoded: the part of core.pages that needs no SQL.

A replay of a SQLite log reads its pages without SQLAlchemy (core.sqlite_reads), so this part loads alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, TypedDict

import msgspec

from events import CAPABILITIES, COMPARATORS, KINDS, SUBJECTS, RecordedEvent, edtf_bounds

__all__ = ["FOLD_DATA", "FOLD_SOURCES", "FORMAT", "PAGE_EVENTS", "PageWindow", "header_row", "page_batches", "page_row"]

PAGE_EVENTS = 4096


# What the coalition fold (projections.coalition.CoalitionFold) reads of an event's data, by type: the fold
# column keeps these keys alone, and no data of a type the fold passes over. The free text it never reads
# (reasons, descriptions) and the sources of all but a claim (which cites them) cost a replay a sixth of its
# time to decode and free (a full replay of 1M events: 6.94 s with them, 5.78 s without).
# tests/unit/test_page_format.py records every key the fold asks of random events and holds it to this
# table, and folds events whole and trimmed to the same state.
FOLD_DATA: dict[str, tuple[str, ...]] = {
    "pledge.made": ("offers", "ruled_out", "firmness", "conditions"),
    "pledge.withdrawn": ("offers",),
    "position.declined": ("scope",),
    "position.considering": ("conditions",),
    "condition.stated": ("condition",),
    "meeting.convened": ("meeting_id", "participants", "external", "scheduled_for", "format", "location", "topic"),
    "meeting.scheduled": ("meeting_id", "participants", "scheduled_for", "format", "location", "topic"),
    "count.reported": ("subject", "comparator", "amount", "attributed_to", "raw"),
}
# the types whose sources the fold reads (a claim keeps the ids of the sources it cites)
FOLD_SOURCES = frozenset({"count.reported"})
# The fold column's words from closed sets, decoded as the one string each word is (see _fold_decoder);
# actor codes (an event's actor, a meeting's participants) are the ones page 0 of the generation lists.
_WORDS: dict[str, Any] = {
    "offers": list[Literal[CAPABILITIES]] | None,  # type: ignore[valid-type]
    "ruled_out": list[Literal[CAPABILITIES]] | None,  # type: ignore[valid-type]
    "firmness": Literal["firm", "tentative"] | None,
    "scope": Literal[("participation", *CAPABILITIES)] | None,
    "format": Literal["virtual", "in_person"] | None,
    "subject": Literal[SUBJECTS] | None,
    "comparator": Literal[COMPARATORS] | None,
}


def _format() -> str:
    """Return a fingerprint of what a page holds: RecordedEvent's fields, the schema versions, the fold column's keys.

    Pages written by code that kept other fields for the fold are never read: they are rebuilt.
    """
    versions = sorted(f"{name}={kind.schema_version}" for name, kind in KINDS.items())
    kept = [f"{name}: {' '.join(keys)}" for name, keys in sorted(FOLD_DATA.items())]
    described = [
        "replay-pages/5 effective, fold column, actors in page 0",
        *RecordedEvent._fields,
        *versions,
        *kept,
    ]
    described += sorted(FOLD_SOURCES)
    return hashlib.sha256("\n".join(described).encode()).hexdigest()[:16]


FORMAT = _format()

_encoder = msgspec.msgpack.Encoder()
_decode_page = msgspec.msgpack.Decoder(list[RecordedEvent]).decode


@dataclass(frozen=True)
class PageWindow:
    """Which events of the pages a replay wants (the engine's ReplayWindow, days as ISO text)."""

    stream: str | None
    after_day: str | None
    until_day: str | None
    excluded: Collection[str]
    fold_fields_only: bool = False  # the fold column: see _fold_fields


def page_batches(
    rows: Iterable[Any], window: PageWindow, header: bytes | memoryview = b""
) -> Iterator[list[RecordedEvent]]:
    """Yield each page's events the window wants, a list per page, in fold order.

    header: what page 0 of the generation holds in the column read (the fold column: its actor codes).
    """
    decode = _fold_decoder(bytes(header)) if window.fold_fields_only else _decode_page  # a driver's buffer, as bytes
    for first_latest, last_latest, body in rows:
        events = decode(body)
        within_days = (window.after_day is None or first_latest > window.after_day) and (
            window.until_day is None or last_latest <= window.until_day
        )
        if within_days and window.stream is None and not window.excluded:
            yield events  # the usual case of a whole-log replay: every event of the page
        elif kept := _kept(events, window, within_days):
            yield kept


def _kept(events: list[RecordedEvent], window: PageWindow, within_days: bool) -> list[RecordedEvent]:
    stream, excluded = window.stream, window.excluded
    if excluded:
        kept = [event for event in events if (stream is None or event.stream == stream) and event.id not in excluded]
    elif stream is not None:  # the usual case of a question: one stream, nothing left out (a third sooner)
        kept = [event for event in events if event.stream == stream]
    else:
        kept = events
    if within_days:
        return kept
    after, until = window.after_day, window.until_day
    return [
        event
        for event in kept
        if (after is None or _latest_text(event.occurred) > after)
        and (until is None or _latest_text(event.occurred) <= until)
    ]


def _latest_text(occurred: str) -> str:
    return edtf_bounds(occurred)[1].isoformat()


def header_row(number: int, through_position: int, actors: Collection[str] = ()) -> dict[str, Any]:
    """Return page 0 of a generation: it holds no events, and says the generation is whole.

    actors: every actor code its pages' fold column holds (page_row collects them), kept in page 0's fold column.
    """
    return {
        "generation": number,
        "page": 0,
        "format": FORMAT,
        "through_position": through_position,
        "first_latest": "",
        "last_latest": "",
        "events": 0,
        "body": b"",
        "fold": _encoder.encode(sorted(actors)),
    }


def page_row(page: int, through_position: int, chunk: list[RecordedEvent], actors: set[str]) -> dict[str, Any]:
    """Return the row of one page of a generation: its events whole, and the fields a fold reads.

    Adds to `actors` the actor codes the page's fold column holds, for page 0 (header_row).
    """
    for event in chunk:
        if event.actor is not None:
            actors.add(event.actor)
        if event.type in _MEETINGS:
            actors.update(event.data.get("participants") or ())
    return {
        "page": page,
        "format": FORMAT,
        "through_position": through_position,
        "first_latest": _latest_text(chunk[0].occurred),
        "last_latest": _latest_text(chunk[-1].occurred),
        "events": len(chunk),
        "body": _encoder.encode([event._replace(prev_hash="", hash="") if event.hash else event for event in chunk]),
        "fold": _encoder.encode([_fold_fields(event) for event in chunk]),
    }


def _fold_fields(event: RecordedEvent) -> tuple[Any, ...]:
    """Return the leading fields of an event a fold reads, to be decoded as a `RecordedEvent` all the same.

    Up to its data (only the keys FOLD_DATA names) and its source ids (for the types of
    FOLD_SOURCES; quotes left out), and an empty recorded_at, the fields after it taking
    their defaults (see FOLD_DATA for what leaving the rest out saves).
    A fold reads nothing after `sources` (mypyc reads a named tuple's fields by index,
    so the order is the class's own).
    """
    data = event.data
    kept = {key: data[key] for key in FOLD_DATA.get(event.type, ()) if key in data}
    sources = tuple((source, None) for source, _ in event.sources) if event.type in FOLD_SOURCES else ()
    return (*event[:_DATA], kept, sources, "")


_DATA = RecordedEvent._fields.index("data")
assert RecordedEvent._fields[_DATA + 1] == "sources", "the fold column ends with data, sources and recorded_at"
_MEETINGS = frozenset(kind for kind, keys in FOLD_DATA.items() if "participants" in keys)
_FOLD_KEYS = sorted({key for keys in FOLD_DATA.values() for key in keys})  # every data key the fold column keeps
assert set(_WORDS) <= set(_FOLD_KEYS), "a word the fold column never keeps"


@lru_cache(maxsize=8)
def _fold_decoder(header: bytes) -> Callable[[bytes], list[RecordedEvent]]:
    """Return how to decode a page of the fold column, given what page 0 of its generation holds (its actor codes).

    The event types, the fold's words from closed sets and the generation's actor codes are
    decoded as Literal values: msgspec hands out the one string of each word rather than a new
    string per event, which the fold's dict lookups then find by identity (a cold `dtl state` of
    100k events in one stream: 1.15 s to 0.96 s, medians of 10 alternating runs on a loaded host).
    A page holding anything else (no page this code writes) is decoded as it is: the same events.
    """
    actors = msgspec.msgpack.decode(header, type=list[str]) if header else []
    actor: Any = Literal[tuple(actors)] if actors else str
    # every key the fold column keeps, so that none is dropped: the words typed, the rest as they come
    words = {**_WORDS, "participants": list[actor] | None}
    data = TypedDict("_FoldData", {key: words.get(key, Any) for key in _FOLD_KEYS}, total=False)  # type: ignore[misc]

    class _FoldEvent(RecordedEvent):
        """A RecordedEvent (of the fold column), its fields read as the words they are."""

        __slots__ = ()
        __annotations__ = {"type": Literal[tuple(KINDS)], "actor": actor | None, "data": data}

    typed = msgspec.msgpack.Decoder(list[_FoldEvent]).decode

    def decode(body: bytes) -> list[RecordedEvent]:
        try:
            return typed(body)  # type: ignore[return-value]
        except msgspec.ValidationError:
            return _decode_page(body)

    return decode
