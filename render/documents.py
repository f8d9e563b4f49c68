"""Serialises JSON documents as text that is safe to show: readable UTF-8, every control character escaped."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["json_text"]

# what JSON leaves raw that a terminal would obey or cannot take: DEL, C1 controls, lone surrogates (C0 it escapes)
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f\ud800-\udfff]")


def json_text(document: Any, *, indent: int | None = None) -> str:
    """Serialise JSON for output: readable UTF-8, with every control character escaped (the same JSON value)."""
    dumped = json.dumps(document, ensure_ascii=False, indent=indent)
    return _JSON_RAW_CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", dumped)
