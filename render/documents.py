"""Serialises JSON documents as text that is safe to show: readable UTF-8, every control character escaped.

A document is plain JSON values, or as a projection hands it over ready for an encoder: dataclasses and
msgspec structs whose fields are the keys (in order; a dataclass field whose name starts with an underscore
is left out, as orjson does) and tuples for arrays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any

import msgspec
import orjson

__all__ = ["json_bytes", "json_indented", "json_indented_parts", "json_text"]

# what JSON leaves raw that a terminal would obey or cannot take: DEL, C1 controls, lone surrogates (C0 it escapes)
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f\ud800-\udfff]")
# the same in UTF-8: DEL, and C1 controls (U+0080..U+009F are C2 80..C2 9F); orjson refuses lone surrogates
_JSON_RAW_CONTROL_BYTES = re.compile(rb"\x7f|\xc2[\x80-\x9f]")


def _has_raw_control(dumped: bytes) -> bool:
    # two scans for a byte (memchr) settle most documents: a C1 control's UTF-8 starts with C2
    return (b"\x7f" in dumped or b"\xc2" in dumped) and _JSON_RAW_CONTROL_BYTES.search(dumped) is not None


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


# orjson's `default`, for msgspec structs (it writes dataclasses itself); anything else raises TypeError in it
_struct_fields = msgspec.structs.asdict


def _fields(value: Any) -> dict[str, Any]:
    """Return a struct or a dataclass as the object orjson makes of it (what `json.dumps` cannot take otherwise)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in fields(value) if not field.name.startswith("_")}
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json_dumps(document: Any, indent: int | None) -> str:
    dumped = json.dumps(document, ensure_ascii=False, indent=indent, default=_fields)
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
    return b"".join(json_indented_parts(document))


def json_indented_parts(document: Any, *, items: int = 4096) -> Iterator[bytes | memoryview]:
    """Yield `json_indented(document)` in parts, so a document of a hundred megabytes is never whole in memory.

    An array longer than `items` goes out `items` elements at a time, and the objects holding one key by
    key; everything else is encoded whole. Each part is encoded indented as where it sits (see
    `_indented`), and goes out as a view of its encoding, not a copy.
    """
    seen: dict[int, int] = {}
    _count_long(document, items, seen)
    # an array met twice (the state's participants claims) is encoded once, its parts shifted for another depth
    encoded: dict[int, list[tuple[bytes, bytes | memoryview]]] = {key: [] for key, count in seen.items() if count > 1}
    yield from _parts(document, b"", items, encoded)


def _parts(
    value: Any, indent: bytes, items: int, encoded: dict[int, list[tuple[bytes, bytes | memoryview]]]
) -> Iterator[bytes | memoryview]:
    inner = indent + b"  "
    if isinstance(value, list | tuple) and len(value) > items:
        kept = encoded.get(id(value))
        for number, start in enumerate(range(0, len(value), items)):
            if kept is not None and number < len(kept):
                at, part = kept[number]
                if at != indent:
                    part = _shifted(part, at, indent)
            else:
                part = _indented(list(value[start : start + items]), indent)  # [\n{inner}item,\n{inner}item\n{indent}]
                if kept is not None:
                    kept.append((indent, part))
            yield b"[" if start == 0 else b","
            yield memoryview(part)[1 : -len(indent) - 2]
        yield b"\n" + indent + b"]"
    elif isinstance(value, dict) and _is_long(value, items) and all(isinstance(key, str) for key in value):
        for number, (key, item) in enumerate(value.items()):
            yield (b"{\n" if number == 0 else b",\n") + inner + _indented(key, b"") + b": "
            yield from _parts(item, inner, items, encoded)
        yield b"\n" + indent + b"}"
    else:
        yield _indented(value, indent)


def _shifted(part: bytes | memoryview, at: bytes, indent: bytes) -> bytes:
    """Return a part encoded where lines start with `at` as if encoded where they start with `indent`.

    Every line break in it is followed by at least `at` (JSON holds no raw line break in a string).
    """
    if len(indent) >= len(at):  # one byte to look for (memchr), not two
        return bytes(part).replace(b"\n", b"\n" + indent[len(at) :])
    return bytes(part).replace(b"\n" + at[len(indent) :], b"\n")


def _is_long(value: Any, items: int) -> bool:
    if isinstance(value, list | tuple):
        return len(value) > items
    return isinstance(value, dict) and any(_is_long(item, items) for item in value.values())


def _count_long(value: Any, items: int, seen: dict[int, int]) -> None:
    """Count, by identity, the long arrays `_parts` will go through in parts."""
    if isinstance(value, list | tuple):
        if len(value) > items:
            seen[id(value)] = seen.get(id(value), 0) + 1
    elif isinstance(value, dict):
        for item in value.values():
            _count_long(item, items, seen)


def _indented(value: Any, indent: bytes) -> bytes | memoryview:
    """Encode one value indented by two, its lines shifted by `indent` (the first one starts where it sits).

    The encoder shifts the lines itself: the value goes in as the innermost of as many one-element
    arrays as `indent` holds levels, so it is written at that depth, and what wraps it is cut off
    (a view, not a copy). No line break is added after the encoding, and no byte copied to make room.
    """
    depth = len(indent) // 2
    wrapped = value
    for _ in range(depth):
        wrapped = [wrapped]
    try:
        dumped = orjson.dumps(wrapped, default=_struct_fields, option=orjson.OPT_INDENT_2)
    except (TypeError, orjson.JSONEncodeError):  # what orjson does not take (lone surrogates, huge integers)
        dumped = _json_dumps(wrapped, 2).encode("utf-8")
    else:
        if _has_raw_control(dumped):
            dumped = _JSON_RAW_CONTROL.sub(_escaped, dumped.decode("utf-8")).encode("utf-8")
    if not depth:
        return dumped
    # each wrapping array opens with "[\n" on a line at its depth and closes with "\n" and "]" at it
    return memoryview(dumped)[depth * depth + 3 * depth : len(dumped) - depth * depth - depth]


def json_bytes(document: Any) -> bytes:
    """Serialise JSON compactly as UTF-8 bytes, control characters escaped: what the HTTP API answers."""
    try:
        dumped = orjson.dumps(document, default=_struct_fields)
    except (TypeError, orjson.JSONEncodeError):
        return json_text(document).encode("utf-8")
    if not _has_raw_control(dumped):
        return dumped
    return json_text(document).encode("utf-8")
