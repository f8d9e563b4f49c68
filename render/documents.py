"""Serialises JSON documents as text that is safe to show: readable UTF-8, every control character escaped."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["json_bytes", "json_text"]

# what JSON leaves raw that a terminal would obey or cannot take: DEL, C1 controls, lone surrogates (C0 it escapes)
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f\ud800-\udfff]")
# the same in UTF-8: DEL, and C1 controls (U+0080..U+009F are C2 80..C2 9F); orjson refuses lone surrogates
_JSON_RAW_CONTROL_BYTES = re.compile(rb"\x7f|\xc2[\x80-\x9f]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(document: Any, *, indent: int | None = None) -> str:
    """Serialise JSON for output: readable UTF-8, with every control character escaped (the same JSON value).

    Indented by two, as every document a command prints, it is orjson's output (the bytes `json.dumps`
    would give, about five times sooner); on one line it keeps `json.dumps`'s spacing.
    """
    if indent == 2:
        try:
            dumped = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8")
        except (TypeError, orjson.JSONEncodeError):  # what orjson does not take (lone surrogates, huge integers)
            dumped = json.dumps(document, ensure_ascii=False, indent=indent)
    else:
        dumped = json.dumps(document, ensure_ascii=False, indent=indent)
    return _JSON_RAW_CONTROL.sub(_escaped, dumped)


def json_bytes(document: Any) -> bytes:
    """Serialise JSON compactly as UTF-8 bytes, control characters escaped: what the HTTP API answers."""
    try:
        dumped = orjson.dumps(document)
    except (TypeError, orjson.JSONEncodeError):
        return json_text(document).encode("utf-8")
    if _JSON_RAW_CONTROL_BYTES.search(dumped) is None:
        return dumped
    return json_text(document).encode("utf-8")
