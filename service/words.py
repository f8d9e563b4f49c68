"""What the doors need to word answers for people: names, orders, quote status, safe JSON, masked URLs.

Each name is loaded from its home on first use, so a door's start pays only for what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers see them
    from core.config import mask_urls
    from events import STANCE_ORDER, actor_name
    from render.documents import json_text
    from render.wording import quote_found_at, quote_status_sentence

__all__ = [
    "STANCE_ORDER",
    "actor_name",
    "json_text",
    "mask_urls",
    "quote_found_at",
    "quote_status_sentence",
]

_HOMES = {
    "STANCE_ORDER": "events",
    "actor_name": "events",
    "json_text": "render.documents",
    "mask_urls": "core.config",
    "quote_found_at": "render.wording",
    "quote_status_sentence": "render.wording",
}


def __getattr__(name: str) -> Any:
    """Load a name from its home on first use (PEP 562)."""
    import importlib

    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'service.words' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
