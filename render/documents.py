"""Serialises JSON documents as text that is safe to show: readable UTF-8, every control character escaped.

A document is plain JSON values, or as a projection hands it over ready for an encoder: frozen dataclasses
whose fields are the keys (in order; orjson skips a field whose name starts with an underscore, and so does
the fallback here) and tuples for arrays.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields, is_dataclass
from typing import Any

import orjson

__all__ = ["json_bytes", "json_indented", "json_text"]

# what JSON leaves raw that a terminal would obey or cannot take: DEL, C1 controls, lone surrogates (C0 it escapes)
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f\ud800-\udfff]")
# the same in UTF-8: DEL, and C1 controls (U+0080..U+009F are C2 80..C2 9F); orjson refuses lone surrogates
_JSON_RAW_CONTROL_BYTES = re.compile(rb"\x7f|\xc2[\x80-\x9f]")


def _has_raw_control(dumped: bytes) -> bool:
    # two scans for a byte (memchr) settle most documents: a C1 control's UTF-8 starts with C2
    return (b"\x7f" in dumped or b"\xc2" in dumped) and _JSON_RAW_CONTROL_BYTES.search(dumped) is not None


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _dataclass_fields(value: Any) -> dict[str, Any]:
    """Return a dataclass as the object orjson makes of it (what `json.dumps` cannot take otherwise)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in fields(value) if not field.name.startswith("_")}
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json_dumps(document: Any, indent: int | None) -> str:
    dumped = json.dumps(document, ensure_ascii=False, indent=indent, default=_dataclass_fields)
    return _JSON_RAW_CONTROL.sub(_escaped, dumped)


def json_text(document: Any, *, indent: int | None = None) -> str:
    """Serialise JSON for output: readable UTF-8, with every control character escaped (the same JSON value).

    Indented by two, as every document a command prints, it is orjson's output (the bytes `json.dumps`
    would give, about five times sooner); on one line it keeps `json.dumps`'s spacing.
    """
    if indent == 2:
        return json_indented(document).decode("utf-8")
    return _json_dumps(document, indent)


def json_indented(document: Any) -> bytes:
    """Serialise JSON indented by two as UTF-8 bytes, control characters escaped: what a command prints."""
    try:
        dumped = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    except (TypeError, orjson.JSONEncodeError):  # what orjson does not take (lone surrogates, huge integers)
        return _json_dumps(document, 2).encode("utf-8")
    if not _has_raw_control(dumped):
        return dumped
    return _JSON_RAW_CONTROL.sub(_escaped, dumped.decode("utf-8")).encode("utf-8")


def json_bytes(document: Any) -> bytes:
    """Serialise JSON compactly as UTF-8 bytes, control characters escaped: what the HTTP API answers."""
    try:
        dumped = orjson.dumps(document)
    except (TypeError, orjson.JSONEncodeError):
        return json_text(document).encode("utf-8")
    if not _has_raw_control(dumped):
        return dumped
    return json_text(document).encode("utf-8")
