"""Checks each event before it is appended: its id, its sources and dates, an amendment's target and corrected data.

What the audit calls an error is refused here, at write time, with the field
that is wrong; nothing is written (the write transaction rolls back):

- an event that needs a source and cites none (every type but source.registered:
  corrections and retractions too) -> `sources`;
- a source never registered (or whose registration was retracted) -> `sources[i].source`;
- an `occurred` whose earliest day is after the publication of a source the event
  cites -> `occurred` (a correction or retraction is held to its own date and sources);
- a correction or retraction of an event the log does not hold -> `data.target`;
- a correction that would leave its target dated after a source it then cites ->
  `data.changes.occurred` or `data.changes.sources[i].source` (earlier corrections applied first);
- a correction of a source's registration that changes its id or sha256, or moves its
  publication before an event citing it; a retraction of a registration events cite;
- an ordinary event whose id starts `source:` (reserved for registrations) -> `id`.

Only a quote that is absent, or not found in its source's stored text, may be
accepted, with `unverified`; while a source's text is absent its quotes are not checked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, Protocol

from core.sources import REGISTRATION_PREFIX, registration_id
from errors import DuplicateIdError, InputError, Location, NotFound
from events import NewEvent, RecordedEvent, Source, SourceText, edtf_bounds, kind_of, quote_shortfall

__all__ = ["Batch", "checked", "checked_name"]

# The longest name of who recorded an event, or of a token.
MAX_NAME = 64

_AMENDMENTS = ("event.corrected", "event.retracted")
# What a correction of a source's registration may not change: the id quotes cite and the text they were checked in.
_FIXED_SOURCE_FIELDS = ("source_id", "sha256")


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
        """Return the registered sources by id as corrected, those staged in this transaction included."""
        ...

    def text_of(self, source: Source) -> SourceText | None:
        """Return a source's stored text, or None while it has none."""
        ...

    def type_of(self, event_id: str) -> str | None:
        """Return the type of the event with this id, staged or stored, or None."""
        ...

    def event_as_recorded(self, event_id: str) -> RecordedEvent | None:
        """Return the event with this id, staged or stored, as recorded (no amendment applied), or None."""
        ...

    def corrections_of(self, event_id: str) -> list[Mapping[str, Any]]:
        """Return the changes of every correction of an event, staged or stored, in the order they were recorded."""
        ...

    def is_retracted(self, event_id: str) -> bool:
        """Say whether a retraction of this event is staged or stored."""
        ...

    def citing(self, source_id: str) -> Iterator[RecordedEvent]:
        """Yield every event, staged or stored, whose body names this source, in position order (a scan: rare)."""
        ...


def checked(batch: Batch, event: NewEvent, location: Location, *, unverified: bool) -> NewEvent | None:
    """Return the event ready to stage (id assigned), or None if already present; raise on bad input."""
    event = _with_id(event, location)
    assert event.id is not None
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
    # an amendment's target first: without it, nothing else about the amendment matters
    target_type = _target_type(batch, event, location) if event.type in _AMENDMENTS else None
    if not event.sources and kind_of(event.type).needs_source:
        raise _field_error(
            f"this {event.type} cites no source; every event but a source's registration must cite one",
            location,
            "sources",
            hint="register the source that reports it, then cite it with its quote",
        )
    _check_sources(batch, event.sources, location, "sources", unverified=unverified)
    if target_type is None:
        # an amendment's own date is when the correction was made, after the article it rests on: its target's
        # corrected date is what must not come after the sources (checked below), as the audit reads it
        _check_dated_by_sources(batch, event.occurred, event.sources, location, "occurred", None, subject=event.type)
    else:
        event = _checked_amendment(batch, event, target_type, location, unverified=unverified)
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


def _with_id(event: NewEvent, location: Location) -> NewEvent:
    """Assign an id when there is none (a registration's is `source:` and its source id); refuse a reserved one."""
    if event.type == "source.registered":
        expected = registration_id(event.data["source_id"])
        if event.id is None:
            event = event._replace(id=expected)
        elif event.id.startswith(REGISTRATION_PREFIX) and event.id != expected:
            raise _field_error(
                f"the id {event.id!r} is reserved for the registration of another source; this one's is {expected!r}",
                location,
                "id",
            )
    elif event.id is None:
        return event._replace(id=str(uuid.uuid4()))
    elif event.id.startswith(REGISTRATION_PREFIX):
        raise _field_error(
            f"ids starting {REGISTRATION_PREFIX!r} are reserved for source registrations, "
            f"and {event.id!r} is a {event.type}",
            location,
            "id",
            hint="give the event another id, or none (one is generated)",
        )
    assert event.id is not None
    if "\x00" in event.id:  # PostgreSQL cannot store it in the event_id column; neither backend takes it
        raise _field_error("the id contains a NUL character", location, "id")
    return event


def _check_sources(
    batch: Batch,
    references: Iterable[tuple[str, str | None]],
    location: Location,
    field_prefix: str,
    *,
    unverified: bool,
) -> None:
    """Refuse a source never registered, and (unless unverified) a quote not in its source's stored text."""
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
            shortfall = quote_shortfall(quote)
            raise _field_error(
                shortfall or f"the quote is not in the text of source {source_id!r}: {quote[:80]!r}",
                location,
                f"{field_prefix}[{index}].quote",
                hint="quote the source at greater length, or record it as unverified"
                if shortfall
                else ("copy the quote verbatim from the source, or record it as unverified"),
            )


def _check_dated_by_sources(
    batch: Batch,
    occurred: str,
    references: Iterable[tuple[str, str | None]],
    location: Location,
    field: str,
    sources_field: str | None,
    *,
    subject: str,
) -> None:
    """Refuse an `occurred` whose earliest day is after the publication of a source cited: no report precedes it.

    The field named is `field` (the date), or `sources_field[i].source` when given (the sources are what changed).
    """
    earliest = edtf_bounds(occurred)[0]
    known = batch.known_sources()
    for index, (source_id, _) in enumerate(references):
        source = known.get(source_id)
        if source is None:  # refused by _check_sources for what is appended; an old event may cite anything
            continue
        published = date.fromisoformat(source.published)
        if earliest > published:
            raise _field_error(
                f"this {subject} occurred {occurred}, after source {source_id!r} was published on {source.published}: "
                "a source cannot report what had not happened yet",
                location,
                field if sources_field is None else f"{sources_field}[{index}].source",
                hint="check the date (its earliest possible day counts), or cite the source that reported it",
            )


def _target_type(batch: Batch, event: NewEvent, location: Location) -> str:
    """Return the type of the event an amendment amends; refuse one the log does not hold, or an amendment."""
    target = event.data["target"]
    target_type = batch.type_of(target)
    if target_type is None:
        raise _field_error(f"no event with id {target!r} to amend", location, "data.target")
    if target_type in _AMENDMENTS:
        raise _field_error(
            f"{target!r} is itself a correction or retraction; amend the original event",
            location,
            "data.target",
        )
    return target_type


def _checked_amendment(
    batch: Batch, event: NewEvent, target_type: str, location: Location, *, unverified: bool
) -> NewEvent:
    target = event.data["target"]
    if target_type == "source.registered":
        return _checked_source_amendment(batch, event, location)
    if event.type == "event.retracted":
        return event
    changes = event.data["changes"]
    if "sources" in changes:
        references = [(ref["source"], ref.get("quote")) for ref in changes["sources"]]
        _check_sources(batch, references, location, "data.changes.sources", unverified=unverified)
    if "data" in changes:
        corrected = _corrected_data(target_type, changes, location)
        event = event._replace(data={**event.data, "changes": {**changes, "data": corrected}})
    if "occurred" in changes or "sources" in changes:
        _check_corrected_target(batch, target, changes, location)
    return event


def _corrected_data(target_type: str, changes: Mapping[str, Any], location: Location) -> dict[str, Any]:
    """Return a correction's new data validated for its target's type (normalised: actors as codes).

    The fast decoder first (what it accepts, the models accept alike: tests/unit/test_fast_decoder.py),
    so an import of corrections need not load pydantic (about 60 ms); the models judge and explain the rest.
    """
    from core.fast_decoder import decode_payload  # msgspec's structs, loaded by writes alone

    fast = decode_payload(target_type, changes["data"])
    if fast is not None:
        return fast
    from events import EventValidationError, validate_payload  # validation (pydantic) only where writing

    try:
        return validate_payload(target_type, changes["data"], prefix="data.changes.data")
    except EventValidationError as error:
        raise _field_error(error.problems[0].message, location, error.field) from None


def _check_corrected_target(batch: Batch, target: str, changes: Mapping[str, Any], location: Location) -> None:
    """Refuse a correction after which its target (earlier corrections applied too) is dated after a source it cites.

    The field named is the changed date when the correction changes it, else the changed source.
    """
    recorded = batch.event_as_recorded(target)
    assert recorded is not None  # its type was found
    occurred, sources = _as_corrected(recorded, [*batch.corrections_of(target), changes])
    if "occurred" in changes:
        field, sources_field = "data.changes.occurred", None
    else:
        field, sources_field = "data.changes.sources", "data.changes.sources"
    subject = f"{recorded.type} {target!r}, as corrected,"
    _check_dated_by_sources(batch, occurred, sources, location, field, sources_field, subject=subject)


def _as_corrected(
    event: RecordedEvent, corrections: Iterable[Mapping[str, Any]]
) -> tuple[str, tuple[tuple[str, str | None], ...]]:
    """Return an event's `occurred` and sources once these corrections' changes are applied in turn."""
    occurred, sources = event.occurred, event.sources
    for changes in corrections:
        occurred = changes.get("occurred", occurred)
        if "sources" in changes:
            sources = tuple((ref["source"], ref.get("quote")) for ref in changes["sources"])
    return occurred, sources


def _checked_source_amendment(batch: Batch, event: NewEvent, location: Location) -> NewEvent:
    """Check a correction or retraction of a source's registration.

    A correction changes its data only (publisher, published, title, url; the id and sha256 stay),
    and may not move the publication before an event citing the source; a retraction is refused
    while any event cites the source.
    """
    target = event.data["target"]
    registration = batch.event_as_recorded(target)
    assert registration is not None  # its type was found
    source_id = registration.data["source_id"]
    source = batch.known_sources().get(source_id)
    if source is None or source.event_id != target:
        message = f"the registration {target!r} of source {source_id!r} was retracted"
        raise _field_error(message, location, "data.target")
    if event.type == "event.retracted":
        for citing in _events_citing(batch, source_id):
            raise _field_error(
                f"source {source_id!r} is cited by {citing.id!r}: a registration is not retracted while events cite it",
                location,
                "data.target",
                hint="retract or correct the events that cite it first, or correct the registration instead",
            )
        return event
    changes = event.data["changes"]
    for key in ("occurred", "actor", "sources"):
        if key in changes:
            raise _field_error(
                f"a source's registration is corrected in its data (publisher, published, title, url), not its {key}",
                location,
                f"data.changes.{key}",
            )
    if "data" not in changes:
        raise _field_error(
            "a correction of a source's registration gives its data (publisher, published, title, url)",
            location,
            "data.changes.data",
        )
    corrected = _corrected_data("source.registered", changes, location)
    for key in _FIXED_SOURCE_FIELDS:
        registered = registration.data.get(key)
        if corrected.get(key) != registered:
            raise _field_error(
                f"a correction cannot change a source's {key} (registered as {registered!r}): quotes cite that "
                "source and were checked against that text",
                location,
                f"data.changes.data.{key}",
                hint=f"give the {key} as registered, or register the other article as a new source",
            )
    published = date.fromisoformat(corrected["published"])
    if published < date.fromisoformat(source.published):
        for citing in _events_citing(batch, source_id):
            if edtf_bounds(citing.occurred)[0] > published:
                raise _field_error(
                    f"{citing.id!r} occurred {citing.occurred} and cites {source_id!r}, which would then have been "
                    f"published before it, on {corrected['published']}",
                    location,
                    "data.changes.data.published",
                    hint="check the publication date, or first correct the events that cite the source",
                )
    return event._replace(data={**event.data, "changes": {**changes, "data": corrected}})


def _events_citing(batch: Batch, source_id: str) -> Iterator[RecordedEvent]:
    """Yield each event that cites a source as it now stands, with its current `occurred` and sources.

    An event counts as corrected and unless retracted; a correction or retraction counts for
    what it cites itself, and a correction whose new sources cite it counts for its target.
    """
    seen: set[str] = set()
    for event in batch.citing(source_id):
        candidates: list[RecordedEvent] = []
        if event.type == "source.registered":
            continue
        if event.type in _AMENDMENTS:
            if source_id in event.source_ids:
                candidates.append(event)
            new_sources = event.data.get("changes", {}).get("sources", ())
            cited_by_changes = any(ref["source"] == source_id for ref in new_sources)
            target = batch.event_as_recorded(event.data["target"]) if cited_by_changes else None
            if target is not None:
                candidates.append(target)
        else:
            candidates.append(event)
        for candidate in candidates:
            if candidate.id in seen:
                continue
            seen.add(candidate.id)
            if candidate.type not in _AMENDMENTS:
                if batch.is_retracted(candidate.id):
                    continue
                occurred, sources = _as_corrected(candidate, batch.corrections_of(candidate.id))
                candidate = candidate._replace(occurred=occurred, sources=sources)
            if source_id in candidate.source_ids:
                yield candidate


def _field_error(message: str, location: Location, field_path: str, *, hint: str | None = None) -> InputError:
    return InputError(message, Location(location.file, location.line, field_path), hint=hint)


def checked_name(name: str | None, field: str) -> str | None:
    """Return a person's or a token's name stripped, or raise InputError: 1-64 printable characters, or None."""
    if name is None:
        return None
    stripped = name.strip()
    if not stripped or len(stripped) > MAX_NAME or not stripped.isprintable():
        raise InputError(
            f"{name!r} is not a name: give 1 to {MAX_NAME} printable characters",
            Location(field=field),
            hint="letters, digits, spaces and punctuation; no control characters",
        )
    return stripped
