"""Registers sources and attaches their texts; reads the registered sources as corrected, and keeps them.

A source's metadata is corrected by an event.corrected whose target is its
registration (`source:ID`): every reader gets the corrected publisher,
publication date, title and url (never another id or sha256). A retracted
registration registers nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from core.lines import REGISTRATION_PREFIX
from core.mapper import from_body, from_row
from core.recorder import Recorder, Transaction
from errors import DuplicateIdError, InputError, Location, NotFound, TextMismatch
from events import NewEvent, Source, SourceText

__all__ = [
    "REGISTRATION_PREFIX",
    "SourceCache",
    "StoreText",
    "attach_source_text",
    "corrected_source",
    "read_sources",
    "register_source",
    "registration_id",
    "texts_by_source",
]

_R = TypeVar("_R")

# Work to run inside the append's write transaction, given the transaction and its recorded_at.
StoreText = Callable[[Transaction, str], None]

# How a correction or retraction of a `source:` registration starts in a stored body (canonical JSON, no spaces).
_SOURCE_TARGET = f'"target":"{REGISTRATION_PREFIX}'

# The envelope fields register_source fills from its own arguments: an error in one is an error in that argument.
_ARGUMENT_OF_ENVELOPE_FIELD = {"id": "source_id", "occurred": "published"}


def registration_id(source_id: str) -> str:
    """Return the id of the event that registers a source."""
    return REGISTRATION_PREFIX + source_id


def corrected_source(source: Source, data: Mapping[str, Any]) -> Source:
    """Return a source with a correction's data applied: publisher, published, title, url; its id and sha256 stay.

    The data replaces the registration's as a correction replaces any event's data:
    a title or url it leaves out is gone.
    """
    return dataclasses.replace(
        source,
        publisher=data.get("publisher", source.publisher),
        published=data.get("published", source.published),
        title=data.get("title"),
        url=data.get("url"),
    )


class SourceCache:
    """The registered sources as corrected, read again only when a registration or amendment was added since.

    Texts are kept by sha256: a stored text never changes (verify checks that), so
    one found once is good for every later transaction.
    """

    def __init__(self) -> None:
        self._last_position = -1
        self._sources: dict[str, Source] = {}
        self.texts: dict[str, SourceText] = {}

    def sources(self, transaction: Transaction) -> dict[str, Source]:
        """Return the registered sources by id, as of this transaction."""
        last = transaction.last_rare_event()
        if last != self._last_position:
            self._sources = {source.id: source for source in read_sources(transaction)}
            self._last_position = last if last is not None else 0
        return self._sources


def read_sources(transaction: Transaction, *, until: int | None = None) -> list[Source]:
    """Return every registered source, in registration order, corrected and each marked with whether its text is stored.

    With `until` (a position), only what the log held then: the registrations, corrections and retractions so far.
    """
    texts = transaction.text_digests()
    registered: dict[str, Source] = {}  # by the id of the registration event
    for row in transaction.registration_rows(until=until):
        event = from_row(row)
        registered[event.id] = Source.registered_by(event.id, event.data, has_text=event.data.get("sha256") in texts)
    if not registered:
        return []
    # registrations all under `source:` ids (as every one appended now is): only amendments of those are read
    prefixed = all(event_id.startswith(REGISTRATION_PREFIX) for event_id in registered)
    for body in transaction.amendment_bodies(containing=_SOURCE_TARGET if prefixed else None, until=until):
        amendment = from_body(body)
        target = amendment.data["target"]
        source = registered.get(target)
        if source is None:
            continue
        if amendment.type == "event.retracted":
            del registered[target]
        elif "data" in amendment.data["changes"]:
            registered[target] = corrected_source(source, amendment.data["changes"]["data"])
    return list(registered.values())


def texts_by_source(transaction: Transaction, *, until: int | None = None) -> dict[str, str]:
    """Return the stored text of each registered source that has one, by source id."""
    texts = transaction.texts()
    return {
        source.id: texts[source.sha256]
        for source in read_sources(transaction, until=until)
        if source.sha256 is not None and source.sha256 in texts
    }


def register_source(
    append: Callable[[NewEvent, Location, StoreText], _R],
    *,
    source_id: str,
    publisher: str,
    published: str,
    title: str | None,
    url: str | None,
    sha256: str | None,
    text: str | None,
    stream: str,
    file: str | None,
) -> _R:
    """Register a source as a source.registered event, with `append`, storing its text in the same transaction.

    `append(event, location, also)` appends one event in one write transaction and
    runs `also(transaction, recorded_at)` in it; errors name the arguments' fields.
    """
    if text is not None:
        _check_text(text, Location(file=file, field="text"))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if sha256 is not None and sha256 != digest:
            raise InputError(f"the file's sha256 is {digest}, not the given {sha256}", Location(field="sha256"))
        sha256 = digest
    data = {"source_id": source_id, "publisher": publisher, "published": published}
    data.update({k: v for k, v in (("title", title), ("url", url), ("sha256", sha256)) if v is not None})
    raw = {"id": registration_id(source_id), "type": "source.registered", "stream": stream, "occurred": published}
    from events import EventValidationError, parse_event  # validation (pydantic) only where writing

    try:
        event = parse_event({**raw, "data": data}, stream)
    except EventValidationError as error:
        field = _ARGUMENT_OF_ENVELOPE_FIELD.get(error.field, error.field.removeprefix("data."))
        raise InputError(error.problems[0].message, Location(field=field)) from None

    def _store(transaction: Transaction, recorded_at: str) -> None:
        if text is not None and sha256 is not None:
            transaction.store_text(sha256, text, recorded_at)

    try:
        return append(event, Location(field="source_id"), _store)
    except DuplicateIdError:
        raise DuplicateIdError(
            f"source {source_id!r} is already registered with other metadata", Location(field="source_id")
        ) from None


def attach_source_text(
    recorder: Recorder, source_id: str, text: str, *, recorded_at: Callable[[Transaction], str], file: str | None
) -> Source:
    """Store a registered source's text; refused unless it matches the registered sha256.

    `recorded_at(transaction)` gives the time the text is attached at, from the write transaction.
    """
    _check_text(text, Location(file=file, field="text"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    recorder.database.require_schema()

    def _work(transaction: Transaction) -> Source:
        sources = {source.id: source for source in read_sources(transaction)}
        source = sources.get(source_id)
        if source is None:
            raise NotFound(
                f"unknown source {source_id!r}", Location(field="source_id"), hint="see the registered sources"
            )
        if source.sha256 is None:
            raise InputError(
                f"source {source_id!r} was registered without a sha256, so no text can be checked against it",
                Location(field="source_id"),
                hint="register the article again under a new id, with its text",
            )
        if source.sha256 != digest:
            raise TextMismatch(
                f"the file's sha256 is {digest}, but source {source_id!r} was registered with {source.sha256}",
                Location(file=file, field="text"),
                hint="attach the exact file that was registered",
            )
        transaction.store_text(digest, text, recorded_at(transaction))
        return dataclasses.replace(source, has_text=True)

    return recorder.writing(_work)


def _check_text(text: str, location: Location) -> None:
    """Refuse a source text neither backend can store alike (PostgreSQL text holds no NUL character)."""
    if "\x00" in text:
        raise InputError(f"the text contains a NUL character (character {text.index(chr(0)) + 1:,})", location)
