"""Registers sources and attaches their texts; reads the registered sources, and keeps them between transactions."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from typing import TypeVar

from core.mapper import from_row
from core.recorder import Recorder, Transaction
from errors import DuplicateIdError, InputError, Location, NotFound
from events import NewEvent, Source, SourceText

__all__ = ["SourceCache", "StoreText", "attach_source_text", "read_sources", "register_source", "texts_by_source"]

_R = TypeVar("_R")

# Work to run inside the append's write transaction, given the transaction and its recorded_at.
StoreText = Callable[[Transaction, str], None]

# The envelope fields register_source fills from its own arguments: an error in one is an error in that argument.
_ARGUMENT_OF_ENVELOPE_FIELD = {"id": "source_id", "occurred": "published"}


class SourceCache:
    """The registered sources, read again only when a source.registered event was added since, and their texts.

    Texts are kept by sha256: a stored text never changes (verify checks that), so
    one found once is good for every later transaction.
    """

    def __init__(self) -> None:
        self._last_position = -1
        self._sources: dict[str, Source] = {}
        self.texts: dict[str, SourceText] = {}

    def sources(self, transaction: Transaction) -> dict[str, Source]:
        """Return the registered sources by id, as of this transaction."""
        last = transaction.last_registration()
        if last != self._last_position:
            self._sources = {source.id: source for source in read_sources(transaction)}
            self._last_position = last if last is not None else 0
        return self._sources


def read_sources(transaction: Transaction) -> Iterator[Source]:
    """Yield every registered source, in registration order, each marked with whether its text is stored."""
    texts = transaction.text_digests()
    for row in transaction.registration_rows():
        event = from_row(row)
        yield Source.registered_by(event.id, event.data, has_text=event.data.get("sha256") in texts)


def texts_by_source(transaction: Transaction) -> dict[str, str]:
    """Return the stored text of each registered source that has one, by source id."""
    texts = transaction.texts()
    return {
        source.id: texts[source.sha256]
        for source in read_sources(transaction)
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
    raw = {"id": f"source:{source_id}", "type": "source.registered", "stream": stream, "occurred": published}
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
    recorder: Recorder, source_id: str, text: str, *, recorded_at: Callable[[], str], file: str | None
) -> Source:
    """Store a registered source's text; refused unless it matches the registered sha256."""
    _check_text(text, Location(file=file, field="text"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    recorder.database.require_schema()
    attached_at = recorded_at()

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
            raise InputError(
                f"the file's sha256 is {digest}, but source {source_id!r} was registered with {source.sha256}",
                Location(file=file, field="text"),
                hint="attach the exact file that was registered",
            )
        transaction.store_text(digest, text, attached_at)
        return dataclasses.replace(source, has_text=True)

    return recorder.writing(_work)


def _check_text(text: str, location: Location) -> None:
    """Refuse a source text neither backend can store alike (PostgreSQL text holds no NUL character)."""
    if "\x00" in text:
        raise InputError(f"the text contains a NUL character (character {text.index(chr(0)) + 1:,})", location)
