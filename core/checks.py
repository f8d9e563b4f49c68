"""Checks each event before it is appended: its id, its sources and quotes, an amendment's target and corrected data.

What the audit would call an error is refused here, at write time, with the
field that is wrong; nothing is written (the write transaction rolls back).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Protocol

from errors import DuplicateIdError, InputError, Location, NotFound
from events import NewEvent, RecordedEvent, Source, SourceText

__all__ = ["Batch", "checked"]


class Batch(Protocol):
    """What the checks ask of the write transaction they run in (the store's write batch)."""

    @property
    def staged(self) -> Mapping[str, str]:
        """The type of each event staged earlier in this transaction, by id."""
        ...

    @property
    def existing(self) -> Mapping[str, RecordedEvent]:
        """The stored events whose ids the current chunk of input reuses."""
        ...

    def staged_event(self, event_id: str) -> RecordedEvent:
        """Return an event staged earlier in this transaction, as stored."""
        ...

    def known_sources(self) -> Mapping[str, Source]:
        """Return the registered sources by id, those staged in this transaction included."""
        ...

    def text_of(self, source: Source) -> SourceText | None:
        """Return a source's stored text, or None while it has none."""
        ...

    def type_of(self, event_id: str) -> str | None:
        """Return the type of the event with this id, staged or stored, or None."""
        ...


def checked(batch: Batch, event: NewEvent, location: Location, *, unverified: bool) -> NewEvent | None:
    """Return the event ready to stage (id assigned), or None if already present; raise on bad input."""
    if event.id is None:
        event = event._replace(id=str(uuid.uuid4()))
    assert event.id is not None
    if "\x00" in event.id:  # PostgreSQL cannot store it in the event_id column; neither backend takes it
        raise InputError("the id contains a NUL character", Location(location.file, location.line, "id"))
    if event.id in batch.staged:
        if batch.staged_event(event.id).envelope() == event.content():
            return None
        raise DuplicateIdError(
            f"id {event.id!r} is used twice in this input with different content",
            Location(location.file, location.line, "id"),
        )
    stored = batch.existing.get(event.id)
    if stored is not None:
        if stored.envelope() == event.content():
            return None
        raise DuplicateIdError(
            f"id {event.id!r} is already in the log at position {stored.position} with different content",
            Location(location.file, location.line, "id"),
            hint="give the new event another id, or record a correction (event.corrected) of the old one",
        )
    _check_sources(batch, event.sources, location, "sources", unverified=unverified)
    if event.type in ("event.corrected", "event.retracted"):
        event = _checked_amendment(batch, event, location, unverified=unverified)
    if event.type == "source.registered":
        source_id = event.data["source_id"]
        existing = batch.known_sources().get(source_id)
        if existing is not None:
            raise _field_error(
                f"source {source_id!r} is already registered (by event {existing.event_id!r})",
                location,
                "data.source_id",
            )
    return event


def _check_sources(
    batch: Batch,
    references: Iterable[tuple[str, str | None]],
    location: Location,
    field_prefix: str,
    *,
    unverified: bool,
) -> None:
    known = batch.known_sources()
    for index, (source_id, quote) in enumerate(references):
        source = known.get(source_id)
        if source is None:
            raise NotFound(
                f"unknown source {source_id!r}",
                Location(location.file, location.line, f"{field_prefix}[{index}].source"),
                hint="register the source first",
            )
        text = batch.text_of(source)
        if text is None or quote is None or unverified:
            continue
        if not text.contains(quote):
            raise _field_error(
                f"the quote is not in the text of source {source_id!r}: {quote[:80]!r}",
                location,
                f"{field_prefix}[{index}].quote",
                hint="copy the quote verbatim from the source, or record it as unverified",
            )


def _checked_amendment(batch: Batch, event: NewEvent, location: Location, *, unverified: bool) -> NewEvent:
    target = event.data["target"]
    target_type = batch.type_of(target)
    if target_type is None:
        raise _field_error(f"no event with id {target!r} to amend", location, "data.target")
    if target_type in ("event.corrected", "event.retracted"):
        raise _field_error(
            f"{target!r} is itself a correction or retraction; amend the original event",
            location,
            "data.target",
        )
    changes = event.data.get("changes", {})
    if "sources" in changes:
        references = [(ref["source"], ref.get("quote")) for ref in changes["sources"]]
        _check_sources(batch, references, location, "data.changes.sources", unverified=unverified)
    if event.type == "event.corrected" and "data" in changes:
        from events import EventValidationError, validate_payload  # validation (pydantic) only where writing

        try:
            corrected = validate_payload(target_type, event.data["changes"]["data"], prefix="data.changes.data")
        except EventValidationError as error:
            raise _field_error(str(error.problems[0].message), location, error.field) from None
        data = {**event.data, "changes": {**event.data["changes"], "data": corrected}}
        event = event._replace(data=data)
    return event


def _field_error(message: str, location: Location, field_path: str, *, hint: str | None = None) -> InputError:
    return InputError(message, Location(location.file, location.line, field_path), hint=hint)
