"""Parses the EDTF subset that dates events: days, months, years, closed intervals, ? and ~.

Every accepted value has an earliest and a latest possible day. The grammar is
deliberately the level-0/1 subset DESIGN.md names; the calendar itself (leap
years, month lengths) is checked by the `edtf` library.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

__all__ = ["EdtfError", "edtf_bounds", "normalise_edtf", "parse_day"]

_SINGLE = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?P<qualifier>[?~%])?$")


class EdtfError(ValueError):
    """A date that is not in the supported EDTF subset, or not a real day."""


def _single_bounds(text: str) -> tuple[date, date]:
    match = _SINGLE.match(text)
    if match is None:
        raise EdtfError(
            f"{text!r} is not a supported EDTF date: use YYYY, YYYY-MM, YYYY-MM-DD "
            "or an interval START/END, each optionally followed by ? or ~"
        )
    from edtf import parse_edtf  # a maintained EDTF parser validates the calendar
    from edtf.parser.edtf_exceptions import EDTFParseException

    bare = text.rstrip("?~%")
    try:
        parsed = parse_edtf(bare)
    except EDTFParseException:
        raise EdtfError(f"{text!r} is not a real calendar date") from None
    lower, upper = parsed.lower_strict(), parsed.upper_strict()
    return date(lower.tm_year, lower.tm_mon, lower.tm_mday), date(upper.tm_year, upper.tm_mon, upper.tm_mday)


@lru_cache(maxsize=65536)
def edtf_bounds(text: str) -> tuple[date, date]:
    """Return the earliest and latest day an EDTF value can mean; raise EdtfError if invalid."""
    if not isinstance(text, str):
        raise EdtfError("a date must be a string such as 2025-03-10")
    text = text.strip()
    if "/" in text:
        start, _, end = text.partition("/")
        if not start or not end or start == ".." or end == "..":
            raise EdtfError(f"{text!r}: open-ended intervals are not supported; give both ends")
        earliest, _ = _single_bounds(start)
        _, latest = _single_bounds(end)
        if latest < earliest:
            raise EdtfError(f"{text!r}: the interval ends before it starts")
        return earliest, latest
    return _single_bounds(text)


def normalise_edtf(text: str) -> str:
    """Validate an EDTF value and return it stripped of surrounding white space."""
    edtf_bounds(text)
    return text.strip()


def parse_day(text: str) -> date:
    """Return the single day a date means: for a coarser value, its latest day.

    Used for `--as-of`: "as of 2025-03" means as of the end of March.
    """
    return edtf_bounds(text)[1]
