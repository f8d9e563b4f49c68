"""What the doors need to word answers for people: names, orders, quote status, safe JSON, masked URLs."""

from __future__ import annotations

from events import STANCE_ORDER, actor_name
from render.documents import json_bytes, json_indented_parts, json_text
from render.wording import quote_found_at, quote_status_sentence

__all__ = [
    "STANCE_ORDER",
    "actor_name",
    "json_bytes",
    "json_indented_parts",
    "json_text",
    "mask_urls",
    "quote_found_at",
    "quote_status_sentence",
]


def mask_urls(text: str) -> str:
    """Replace every password in URLs within a text by *** (the log's configuration loads only when needed)."""
    from core.config import mask_urls as mask

    return mask(text)
