"""The EDTF subset parser agrees with the reference `edtf` package on every value of the subset."""

from __future__ import annotations

from datetime import date

import pytest
from edtf import parse_edtf
from hypothesis import given, settings
from hypothesis import strategies as st

from events import EdtfError, edtf_bounds

years = st.integers(1, 9999).map(lambda y: f"{y:04d}")
months = st.tuples(years, st.integers(0, 13)).map(lambda t: f"{t[0]}-{t[1]:02d}")
days = st.tuples(months, st.integers(0, 32)).map(lambda t: f"{t[0]}-{t[1]:02d}")
single = st.tuples(st.one_of(years, months, days), st.sampled_from(["", "?", "~", "%"])).map("".join)
values = st.one_of(single, st.tuples(single, single).map("/".join))


def reference_bounds(value: str) -> tuple[date, date] | None:
    """The reference package's strict bounds as real days, or None where it rejects the value.

    The reference does not check leap years (it accepts 2025-02-29) and allows year 0000;
    neither is a day the standard calendar has, so both count as rejected here.
    """
    try:
        parsed = parse_edtf(value)
        lower, upper = parsed.lower_strict(), parsed.upper_strict()
        return date(lower.tm_year, lower.tm_mon, lower.tm_mday), date(upper.tm_year, upper.tm_mon, upper.tm_mday)
    except Exception:
        return None


@settings(max_examples=300, deadline=None)
@given(values)
def test_bounds_match_the_reference_edtf_package(value: str) -> None:
    expected = reference_bounds(value)
    if expected is not None and expected[0] > expected[1]:
        expected = None  # the reference accepts reversed intervals; the log refuses them
    try:
        actual = edtf_bounds(value)
    except EdtfError:
        actual = None
    assert actual == expected


@pytest.mark.parametrize("value", ["2025-02-29", "2025-13", "0000", "2025-04-31/2025-05-01"])
def test_values_the_reference_rejects_are_rejected(value: str) -> None:
    assert reference_bounds(value) is None
    with pytest.raises(EdtfError):
        edtf_bounds(value)
