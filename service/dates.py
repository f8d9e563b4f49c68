"""Resolves the phrases sources date things by ("last week", "on Saturday") into EDTF, against an anchor day.

The anchor is the day the phrase was written: the source's publication date.
An event is reported after it happens, so a phrase is read backwards from the
anchor, and one that could as well mean a day after it, or means no day at
all, is refused rather than guessed. The rules, tried in this order:

    today, on the day                   the anchor
    yesterday                           the day before the anchor
    on <weekday>                        the latest such day on or before the anchor ("on Monday" said on a
                                        Monday is the anchor itself)
    last <weekday>                      the latest such day before the anchor
    at / over the weekend, this weekend the weekend holding the anchor when it is a Saturday or Sunday (up
                                        to the anchor), otherwise the Saturday and Sunday before it
    last weekend                        the last Saturday and Sunday wholly before the anchor
    last week                           the Monday-Sunday week before the anchor's week
    this week                           the anchor's Monday-Sunday week (a span that may run past the anchor)
    earlier this week / month / year    from the start of the anchor's week / month / year to the anchor
    about / around <phrase>             the phrase, marked approximate (~)
    anything else                       dateparser, in English, relative to the anchor: a day ("15 March",
                                        "3 days ago"), a month ("March 2025", "last month"), a year ("2024"),
                                        a week ("two weeks ago": that Monday-Sunday week); a date written
                                        without its year takes the anchor's year

Refused as ambiguous: vague words ("soon", "recently", "earlier"), anything
after the anchor ("tomorrow", "next week", "in 2 days", a year-less date that
would fall after it), a bare weekday ("Saturday": past or coming?), numeric
dates in day/month order ("03/04/2025"), and whatever dateparser cannot read.

dateparser takes a noticeable fraction of a second to load its language
data, so it is imported only when a phrase gets past the explicit rules.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

__all__ = ["Resolution", "UnresolvedPhrase", "resolve"]

_WEEKDAYS = tuple(name.lower() for name in calendar.day_name)  # monday ... sunday
_WEEKDAY = "|".join(_WEEKDAYS)


class UnresolvedPhrase(ValueError):
    """A phrase that names no day for certain: too vague, possibly after the anchor, or unreadable.

    `advice` says how to rephrase it, when a rephrasing would do; the command adds how to give the date instead.
    """

    def __init__(self, message: str, advice: str | None = None) -> None:
        super().__init__(message)
        self.advice = advice


@dataclass(frozen=True)
class Resolution:
    """What a phrase means as of an anchor: an EDTF value, its earliest and latest day, and the rule applied."""

    phrase: str
    anchor: date
    edtf: str
    earliest: date
    latest: date
    rule: str

    def to_json(self) -> dict[str, str]:
        """Return the resolution as JSON."""
        return {
            "phrase": self.phrase,
            "anchor": self.anchor.isoformat(),
            "edtf": self.edtf,
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "rule": self.rule,
        }


def _span(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _last_weekday(anchor: date, name: str) -> date:
    return anchor - timedelta(days=(anchor.weekday() - _WEEKDAYS.index(name)) % 7)


def _weekend(anchor: date) -> tuple[date, date]:
    if anchor.weekday() >= 5:  # a Saturday or Sunday: the weekend under way, up to the anchor
        return _last_weekday(anchor, "saturday"), anchor
    saturday = _last_weekday(anchor, "saturday")
    return saturday, saturday + timedelta(days=1)


def _last_weekend(anchor: date) -> tuple[date, date]:
    sunday = _last_weekday(anchor - timedelta(days=1), "sunday")
    return sunday - timedelta(days=1), sunday


# Each explicit rule: a pattern over the normalised phrase, what it means, and the days it gives.
_RULES: tuple[tuple[re.Pattern[str], str, Any], ...] = tuple(
    (re.compile(pattern), rule, days)
    for pattern, rule, days in (
        (r"today|on the day", "today: the anchor", lambda a, m: (a, a)),
        (r"yesterday", "yesterday: the day before the anchor", lambda a, m: (a - timedelta(1), a - timedelta(1))),
        (
            rf"on (?P<day>{_WEEKDAY})",
            "on <weekday>: the latest such day on or before the anchor",
            lambda a, m: (_last_weekday(a, m["day"]),) * 2,
        ),
        (
            rf"last (?P<day>{_WEEKDAY})",
            "last <weekday>: the latest such day before the anchor",
            lambda a, m: (_last_weekday(a - timedelta(1), m["day"]),) * 2,
        ),
        (
            r"(?:at|over) the weekend|this (?:past )?weekend",
            "at the weekend: the weekend holding the anchor, else the Saturday and Sunday before it",
            lambda a, m: _weekend(a),
        ),
        (
            r"last weekend",
            "last weekend: the last Saturday and Sunday wholly before the anchor",
            lambda a, m: _last_weekend(a),
        ),
        (
            r"last week",
            "last week: the Monday-Sunday week before the anchor's",
            lambda a, m: (_monday(a) - timedelta(7), _monday(a) - timedelta(1)),
        ),
        (
            r"this week",
            "this week: the anchor's Monday-Sunday week",
            lambda a, m: (_monday(a), _monday(a) + timedelta(6)),
        ),
        (
            r"earlier this week",
            "earlier this week: from the anchor's Monday to the anchor",
            lambda a, m: (_monday(a), a),
        ),
        (
            r"earlier this month",
            "earlier this month: from the first of the anchor's month to the anchor",
            lambda a, m: (a.replace(day=1), a),
        ),
        (
            r"earlier this year",
            "earlier this year: from 1 January of the anchor's year to the anchor",
            lambda a, m: (date(a.year, 1, 1), a),
        ),
    )
)

_VAGUE = re.compile(
    r"\b(soon|recent(ly)?|lately|shortly|earlier|later|previously|before long|the other day|some time"
    r"|a while|in the past|past few|few (days|weeks|months))\b"
)
_FUTURE = re.compile(r"\b(tomorrow|next|coming|upcoming|from now|hence|in \w+ (days?|weeks?|months?|years?))\b")
_BARE_WEEKDAY = re.compile(rf"(?:this )?(?:{_WEEKDAY})")
_SLASHED = re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
_APPROXIMATE = re.compile(r"(?:about|around|circa|c\.|approximately|roughly) (?P<rest>.+)")
_YEAR = re.compile(r"\b\d{4}\b")


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().replace("’", "'").split()).strip(" .,;")


def resolve(phrase: str, anchor: date) -> Resolution:
    """Return what a phrase means written on the anchor day, or raise UnresolvedPhrase rather than guess."""
    try:
        return _resolve(phrase, anchor)
    except OverflowError:  # "this week" written on 9999-12-31, "yesterday" on 0001-01-01
        raise UnresolvedPhrase(
            f"{phrase!r} written on {anchor.isoformat()} falls outside the years 1 to 9999"
        ) from None


def _resolve(phrase: str, anchor: date) -> Resolution:
    text = _normalise(phrase)
    if not text:
        raise UnresolvedPhrase("the phrase is empty", 'give a phrase such as "last week"')
    approximate = _APPROXIMATE.fullmatch(text)
    if approximate:
        inner = _resolve(approximate["rest"], anchor)
        edtf = "/".join(f"{end}~" for end in inner.edtf.split("/"))
        return Resolution(phrase, anchor, edtf, inner.earliest, inner.latest, f"about: {inner.rule}, approximate (~)")
    for pattern, rule, days in _RULES:
        match = pattern.fullmatch(text)
        if match:
            first, last = days(anchor, match)
            return Resolution(phrase, anchor, _span(first, last), first, last, rule)
    if _VAGUE.search(text):
        raise UnresolvedPhrase(f"{phrase!r} is too vague to name a day")
    if _FUTURE.search(text):
        raise UnresolvedPhrase(
            f"{phrase!r} lies after the anchor {anchor.isoformat()}; a source reports what has happened"
        )
    if _BARE_WEEKDAY.fullmatch(text):
        weekday = text.split()[-1].capitalize()
        raise UnresolvedPhrase(
            f"{phrase!r} may be the {weekday} before {anchor.isoformat()} or the one after",
            f'write "on {weekday}" for the one on or before the anchor',
        )
    if _SLASHED.search(text):
        raise UnresolvedPhrase(f"{phrase!r} may be read day-first or month-first", "write it as YYYY-MM-DD")
    return _parsed(phrase, text, anchor)


def _parsed(phrase: str, text: str, anchor: date) -> Resolution:
    """Resolve what the explicit rules do not cover with dateparser, refusing what falls after the anchor."""
    from dateparser.date import DateDataParser

    settings = {
        "RELATIVE_BASE": datetime.combine(anchor, datetime.min.time()),
        "PREFER_DATES_FROM": "current_period",
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
    }
    parsed = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    if parsed.date_obj is None:
        raise UnresolvedPhrase(f"cannot read {phrase!r} as a date")
    day, period = parsed.date_obj.date(), parsed.period or "day"
    if period == "year":
        first, last, edtf = date(day.year, 1, 1), date(day.year, 12, 31), f"{day.year:04d}"
    elif period == "month":
        last_day = calendar.monthrange(day.year, day.month)[1]
        first, last, edtf = day.replace(day=1), day.replace(day=last_day), f"{day.year:04d}-{day.month:02d}"
    elif period == "week":
        first, last = _monday(day), _monday(day) + timedelta(days=6)
        edtf = _span(first, last)
    else:
        first = last = day
        edtf = day.isoformat()
    if first > anchor and not _YEAR.search(text):
        raise UnresolvedPhrase(
            f"{phrase!r} read in the anchor's year is {edtf}, after the anchor {anchor.isoformat()}",
            "add the year",
        )
    return Resolution(phrase, anchor, edtf, first, last, f"dateparser: a {period}, relative to the anchor")
