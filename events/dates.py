"""Parses the EDTF subset that dates events: days, months, years, closed intervals, ? and ~, in ASCII digits.

Every accepted value has an earliest and a latest possible day. The grammar is
deliberately the level-0/1 subset DESIGN.md names, so the standard library's
calendar checks it: the `edtf` package's full grammar costs about 12 ms per
value, which a log of a million events cannot afford. A property test keeps
this parser's bounds equal to that package's for every value of the subset.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date
from functools import lru_cache

from errors import InputError

__all__ = ["EdtfError", "edtf_bounds", "normalise_edtf", "parse_day"]

# ASCII digits only: \d would also take full-width and Arabic-Indic digits, which int() reads as numbers
_SINGLE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?(?P<qualifier>[?~%])?")


class EdtfError(InputError, ValueError):
    """A date that is not in the supported EDTF subset, or not a real day (a ValueError, as pydantic needs)."""


def _single_bounds(text: str) -> tuple[date, date]:
    match = _SINGLE.fullmatch(text)
    if match is None:
        raise EdtfError(
            f"{text!r} is not a supported EDTF date: use YYYY, YYYY-MM, YYYY-MM-DD "
            "or an interval START/END, each optionally followed by ? or ~"
        )
    year = int(match["year"])
    if year == 0:
        raise EdtfError(f"{text!r} is not a real calendar date")
    if match["month"] is None:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise EdtfError(f"{text!r} is not a real calendar date")
    last_day = calendar.monthrange(year, month)[1]
    if match["day"] is None:
        return date(year, month, 1), date(year, month, last_day)
    day = int(match["day"])
    if not 1 <= day <= last_day:
        raise EdtfError(f"{text!r} is not a real calendar date")
    return date(year, month, day), date(year, month, day)


def _refuse_other_digits(text: str) -> None:
    """Refuse a date written with digits other than ASCII 0-9 (full-width, Arabic-Indic...), saying how to write it."""
    if not any(char.isdigit() and not char.isascii() for char in text):
        return
    folded = "".join(
        str(unicodedata.decimal(char, "")) if char.isdigit() else char for char in unicodedata.normalize("NFKC", text)
    )
    suggestion = f": write {folded!r}" if folded.isascii() and _SINGLE.fullmatch(folded.split("/")[0]) else ""
    raise EdtfError(f"{text!r} is written with digits other than ASCII 0-9{suggestion}")


@lru_cache(maxsize=65536)
def edtf_bounds(text: str) -> tuple[date, date]:
    """Return the earliest and latest day an EDTF value can mean; raise EdtfError if invalid."""
    if not isinstance(text, str):
        raise EdtfError("a date must be a string such as 2025-03-10")
    text = text.strip()
    if len(text) == 10 and text[4] == text[7] == "-" and text.isascii() and text.replace("-", "").isdigit():
        # a plain day, the usual value: the standard library's parser checks it (a tenth of the time)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass  # not a real day (or year 0): the parser below says so in its words
        else:
            return day, day
    if not text.isascii():
        _refuse_other_digits(text)
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
