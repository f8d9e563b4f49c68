"""Relative dates at entry: the seed articles' phrases resolve by explicit rules; ambiguous ones are refused."""

from __future__ import annotations

from datetime import date

import pytest

from service.dates import UnresolvedPhrase, resolve
from tests.support import example_objects

FIRST = date(2025, 3, 10)  # Monday: publication of ft-2025-03-10
SECOND = date(2025, 3, 17)  # Monday: publication of ft-2025-03-17


@pytest.mark.parametrize(
    ("phrase", "anchor", "edtf"),
    [
        # the first article, published Monday 10 March
        ("on Monday", FIRST, "2025-03-10"),  # "Downing Street on Monday said": the anchor's own weekday
        ("on Sunday", FIRST, "2025-03-09"),  # "told the BBC on Sunday"
        ("on Saturday", FIRST, "2025-03-08"),  # the Saturday before: what is reported has happened
        ("at the weekend", FIRST, "2025-03-08/2025-03-09"),  # "The two leaders spoke at the weekend"
        ("last weekend", FIRST, "2025-03-08/2025-03-09"),  # "Jonathan Powell last weekend travelled to Kyiv"
        ("last week", FIRST, "2025-03-03/2025-03-09"),  # "British officials last week said"
        ("this week", FIRST, "2025-03-10/2025-03-16"),  # "the talks this week in Saudi Arabia"
        # the second article, published Monday 17 March
        ("on Monday", SECOND, "2025-03-17"),  # "Downing Street said on Monday"
        ("last week", SECOND, "2025-03-10/2025-03-16"),  # "A meeting of G7 foreign ministers last week"
        ("at the weekend", SECOND, "2025-03-15/2025-03-16"),  # "a private meeting ... at the weekend"
        ("earlier this month", SECOND, "2025-03-01/2025-03-17"),  # "a temporary US suspension ... earlier this month"
        # the other explicit rules
        ("yesterday", FIRST, "2025-03-09"),
        ("today", FIRST, "2025-03-10"),
        ("last Monday", FIRST, "2025-03-03"),
        ("earlier this week", date(2025, 3, 19), "2025-03-17/2025-03-19"),  # written on a Wednesday
        ("at the weekend", date(2025, 3, 16), "2025-03-15/2025-03-16"),  # written on a Sunday: this weekend
        ("last weekend", date(2025, 3, 16), "2025-03-08/2025-03-09"),
        ("about last week", FIRST, "2025-03-03~/2025-03-09~"),
        ("  On  SUNDAY. ", FIRST, "2025-03-09"),
        # absolute and other dates, read by dateparser
        ("15 March", SECOND, "2025-03-15"),
        ("15 March 2025", FIRST, "2025-03-15"),  # with its year, even after the anchor
        ("March 2025", FIRST, "2025-03"),
        ("2024", FIRST, "2024"),
        ("last month", FIRST, "2025-02"),
        ("3 days ago", FIRST, "2025-03-07"),
        ("two weeks ago", FIRST, "2025-02-24/2025-03-02"),
        ("2025-03-04", FIRST, "2025-03-04"),
    ],
)
def test_phrases_resolve_by_their_rule(phrase: str, anchor: date, edtf: str) -> None:
    assert resolve(phrase, anchor).edtf == edtf


def test_a_resolution_gives_its_days_and_the_rule_it_used() -> None:
    resolution = resolve("last week", FIRST)
    assert resolution.to_json() == {
        "phrase": "last week",
        "anchor": "2025-03-10",
        "edtf": "2025-03-03/2025-03-09",
        "earliest": "2025-03-03",
        "latest": "2025-03-09",
        "rule": "last week: the Monday-Sunday week before the anchor's",
    }


@pytest.mark.parametrize(
    ("phrase", "anchor", "advice"),
    [
        ("Saturday", FIRST, 'write "on Saturday" for the one on or before the anchor'),  # past or coming?
        ("soon", FIRST, None),
        ("recently", FIRST, None),
        ("earlier", FIRST, None),
        ("next week", FIRST, None),
        ("tomorrow", FIRST, None),
        ("in 2 days", FIRST, None),
        ("15 March", FIRST, "add the year"),  # this year's would be after the anchor, last year's is a guess
        ("the 15th", FIRST, "add the year"),
        ("03/04/2025", FIRST, "write it as YYYY-MM-DD"),  # 3 April or 4 March?
        ("mid-March", FIRST, None),
        ("", FIRST, 'give a phrase such as "last week"'),
    ],
)
def test_ambiguous_phrases_are_refused_rather_than_guessed(phrase: str, anchor: date, advice: str | None) -> None:
    with pytest.raises(UnresolvedPhrase) as refused:
        resolve(phrase, anchor)
    assert refused.value.advice == advice


def test_every_phrase_in_the_example_that_resolves_gives_the_date_the_example_stores() -> None:
    published = {"ft-2025-03-10": FIRST, "ft-2025-03-17": SECOND}
    resolved = 0
    for obj in example_objects():
        phrase = obj.get("occurred_text")
        if phrase is None or not obj.get("sources"):
            continue
        try:
            resolution = resolve(phrase, published[obj["sources"][0]["source"]])
        except UnresolvedPhrase:
            assert "undated" in phrase or "(publication)" in phrase, phrase  # the analysts' notes, not dates
            continue
        assert resolution.edtf == obj["occurred"], obj["id"]
        resolved += 1
    assert resolved == 8  # events dated "last week", "on Monday", "on Sunday" or "at the weekend"


@pytest.mark.parametrize(
    ("phrase", "anchor"),
    [("this week", date(9999, 12, 31)), ("yesterday", date(1, 1, 1)), ("last week", date(1, 1, 3)),
     ("last weekend", date(1, 1, 2)), ("at the weekend", date(1, 1, 1)), ("about last week", date(1, 1, 2))],
)  # fmt: skip
def test_a_phrase_reaching_past_the_calendar_is_refused_not_a_crash(phrase: str, anchor: date) -> None:
    """An OverflowError once escaped as "unexpected error" from `dtl date` and `append --occurred-text`."""
    with pytest.raises(UnresolvedPhrase, match="outside the years 1 to 9999"):
        resolve(phrase, anchor)
