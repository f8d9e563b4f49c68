"""A registered source as a plain value: who published what, when, and whether its text is stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Source"]


@dataclass(frozen=True)
class Source:
    """A registered source: its metadata, the event that registered it, and whether its text is stored."""

    id: str
    publisher: str
    published: str
    title: str | None
    url: str | None
    sha256: str | None
    event_id: str
    has_text: bool = False

    @classmethod
    def registered_by(cls, event_id: str, data: Mapping[str, Any], *, has_text: bool = False) -> Source:
        """Return the source a source.registered event (its id and data) registered."""
        return cls(
            id=data["source_id"],
            publisher=data["publisher"],
            published=data["published"],
            title=data.get("title"),
            url=data.get("url"),
            sha256=data.get("sha256"),
            event_id=event_id,
            has_text=has_text,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the source's metadata as JSON."""
        return {
            "id": self.id,
            "publisher": self.publisher,
            "published": self.published,
            "title": self.title,
            "url": self.url,
            "sha256": self.sha256,
        }
