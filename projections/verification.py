"""Says whether each quote an event cites is evidence found in its source's stored text (the rule: events.quotes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from events import RecordedEvent, SourceText, kind_of

__all__ = ["QuoteChecker", "QuoteStatus"]

QuoteStatus = Literal["verified", "not_found", "text_absent", "no_quote"]


class QuoteChecker:
    """Checks quotes against source texts given as a plain mapping of source id to text."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = {source_id: SourceText(text) for source_id, text in texts.items()}
        self._cache: dict[tuple[str, str], bool] = {}

    def quote_status(self, source_id: str, quote: str | None) -> QuoteStatus:
        """Return whether a quote is verified, not found (or too short to prove anything), or cannot be checked."""
        if quote is None:
            return "no_quote"
        text = self._texts.get(source_id)
        if text is None:
            return "text_absent"
        key = (source_id, quote)
        if key not in self._cache:
            self._cache[key] = text.contains(quote)
        return "verified" if self._cache[key] else "not_found"

    def event_verified(self, event: RecordedEvent) -> bool | None:
        """Return True when every cited quote is found, False otherwise, None where no source is needed."""
        if not event.sources:
            return None if not kind_of(event.type).needs_source else False
        return all(self.quote_status(source, quote) == "verified" for source, quote in event.sources)
