"""EDTF in ASCII digits only: full-width, Arabic-Indic and other digits are refused with the ASCII spelling to use."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import EdtfError, EventValidationError, edtf_bounds, parse_event


@pytest.mark.parametrize(
    ("value", "ascii"),
    [
        ("\uff12\uff10\uff12\uff15-\uff10\uff13-\uff11\uff10", "2025-03-10"),  # full-width
        ("\u0662\u0660\u0662\u0665-\u0660\u0663-\u0661\u0660", "2025-03-10"),  # Arabic-Indic
        ("\u06f2\u06f0\u06f2\u06f5-\u06f0\u06f3-\u06f1\u06f0", "2025-03-10"),  # Eastern Arabic-Indic (Persian)
        ("\u0968\u0966\u0968\u096b-\u0966\u0969", "2025-03"),  # Devanagari
        ("\uff12\uff10\uff12\uff15\uff0d\uff10\uff13", "2025-03"),  # full-width hyphen too
        ("\u00b2\u2070\u00b2\u2075", "2025"),  # superscripts
        ("2025-03-10/2025-03-1\uff12", "2025-03-10/2025-03-12"),  # one digit in an interval's end
    ],
)
def test_dates_in_other_digits_are_refused_with_the_ascii_spelling(value: str, ascii: str) -> None:
    with pytest.raises(EdtfError) as raised:
        edtf_bounds(value)
    assert str(raised.value) == f"{value!r} is written with digits other than ASCII 0-9: write {ascii!r}"


def test_the_refusal_names_the_field() -> None:
    raw = {"type": "position.in_talks", "occurred": "\u0662\u0660\u0662\u0665-\u0660\u0663-\u0661\u0660", "actor": "GB"}
    with pytest.raises(EventValidationError) as raised:
        parse_event(raw, "s")
    assert [problem.field for problem in raised.value.problems] == ["occurred"]
    assert "digits other than ASCII 0-9" in raised.value.problems[0].message


def test_a_line_break_inside_an_interval_is_refused() -> None:
    with pytest.raises(EdtfError):
        edtf_bounds("2025-03-10\n/2025-03-12")


@pytest.mark.parametrize(
    ("value", "bounds"),
    [
        ("0025-03-10", (date(25, 3, 10), date(25, 3, 10))),  # a year 25: valid EDTF; the audit judges it
        ("0001-01-01", (date(1, 1, 1), date(1, 1, 1))),
        ("9999-12-31", (date(9999, 12, 31), date(9999, 12, 31))),
        (" 2025-03~ ", (date(2025, 3, 1), date(2025, 3, 31))),
    ],
)
def test_ascii_dates_over_the_whole_calendar_stay_valid(value: str, bounds: tuple[date, date]) -> None:
    assert edtf_bounds(value) == bounds


_ASCII_EDTF = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?[?~%]?(/[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?[?~%]?)?")
_CHARACTERS = st.sampled_from(
    [*"0123456789-/?~%", " ", "\n", "\t", "\uff12", "\u0662", "\u00b2", "\u0968", "\uff0d", "\u2212", "\u00a0"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_CHARACTERS, max_size=24).map("".join))
def test_every_accepted_date_is_ascii_edtf_once_stripped(value: str) -> None:
    try:
        edtf_bounds(value)
    except EdtfError:
        return
    assert _ASCII_EDTF.fullmatch(value.strip()), repr(value)
