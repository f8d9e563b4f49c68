"""Turns effective events into what the report's charts draw: size claims with their bounds, the named floor, stances.

Pure functions over events in fold order (see `projections.replay.fold_order`);
the stances come from `CoalitionFold` and the claims from `count_series`, so a
chart never disagrees with `dtl state` or `dtl count`. A window [start, end]
keeps what counts by `end` and may have happened on or after `start`; the fold
always starts at the beginning of the log, so the state entering the window is
right.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from events import RecordedEvent, edtf_bounds
from projections.coalition import STANCE_ORDER, CoalitionFold
from projections.counts import count_series

__all__ = [
    "ClaimShape",
    "FloorStep",
    "SizeChart",
    "SizeClaim",
    "StanceLanes",
    "StanceSegment",
    "claim_bounds",
    "floor_steps",
    "size_chart",
    "stance_lanes",
]

ClaimShape = Literal["point", "band", "at_least", "at_most"]


def claim_bounds(comparator: str, amount: int) -> tuple[int | None, int | None]:
    """Return the least and most a claim allows (None: unbounded); "about" allows a fifth either way, as the audit."""
    return {
        "=": (amount, amount),
        "~": (-(-amount * 4 // 5), amount * 6 // 5),
        ">": (amount + 1, None),
        ">=": (amount, None),
        "<": (None, amount - 1),
        "<=": (None, amount),
    }[comparator]


@dataclass(frozen=True, slots=True)
class SizeClaim:
    """One claim about a quantity, placed on the day it counts from (its latest possible day)."""

    day: date
    earliest: date
    comparator: str
    amount: int
    lower: int | None
    upper: int | None
    attributed_to: str | None
    raw: str | None
    event: str
    sources: tuple[str, ...]

    @property
    def shape(self) -> ClaimShape:
        """How the claim is drawn: a point, a band ("about"), or an open bound up or down."""
        if self.upper is None:
            return "at_least"
        if self.lower is None:
            return "at_most"
        return "point" if self.lower == self.upper else "band"

    @classmethod
    def from_point(cls, point: dict[str, Any]) -> SizeClaim:
        """Return the claim one entry of `count_series` describes."""
        lower, upper = claim_bounds(point["comparator"], point["amount"])
        earliest, latest = edtf_bounds(point["occurred"])
        return cls(
            latest,
            earliest,
            point["comparator"],
            point["amount"],
            lower,
            upper,
            point["attributed_to"],
            point["raw"],
            point["event"],
            tuple(point["sources"]),
        )


@dataclass(frozen=True, slots=True)
class FloorStep:
    """From `day` on (until the next step), `floor` actors are named as supporting."""

    day: date
    floor: int


@dataclass(frozen=True, slots=True)
class SizeChart:
    """The claims about one subject in a window, and the named floor as a step series (participants only)."""

    subject: str
    claims: tuple[SizeClaim, ...]
    floor: tuple[FloorStep, ...]
    first_day: date | None
    last_day: date | None


@dataclass(frozen=True, slots=True)
class StanceSegment:
    """An actor's stance from `start` until `end` (exclusive; None: still held at the end of the chart).

    `possible_from` is the earliest day the event that set the stance may have
    happened: the stance certainly holds from `start`, and may have from then.
    """

    actor: str
    stance: str
    start: date
    end: date | None
    possible_from: date
    event: str


@dataclass(frozen=True, slots=True)
class StanceLanes:
    """One lane per actor, in the order drawn (most committed stance at the end first), and the days spanned."""

    actors: tuple[str, ...]
    segments: tuple[StanceSegment, ...]
    first_day: date | None
    last_day: date | None

    def lane(self, actor: str) -> tuple[StanceSegment, ...]:
        """Return one actor's segments, oldest first."""
        return tuple(segment for segment in self.segments if segment.actor == actor)


def _days(events: Iterable[RecordedEvent], until: date | None) -> Iterator[tuple[date, list[RecordedEvent]]]:
    """Yield each day with the events that count from it, in fold order, up to `until`."""
    day: date | None = None
    group: list[RecordedEvent] = []
    for event in events:
        latest = edtf_bounds(event.occurred)[1]
        if until is not None and latest > until:
            break
        if day is not None and latest != day:
            yield day, group
            group = []
        day = latest
        group.append(event)
    if day is not None:
        yield day, group


def floor_steps(events: Iterable[RecordedEvent], *, until: date | None = None) -> tuple[FloorStep, ...]:
    """Return the named floor each time it changes: the number of actors supporting at the end of that day."""
    fold = CoalitionFold()
    steps: list[FloorStep] = []
    for day, group in _days(events, until):
        for event in group:
            fold.apply(event)
        floor = fold.named_floor
        if not steps or steps[-1].floor != floor:
            steps.append(FloorStep(day, floor))
    return tuple(steps)


def _clip_steps(steps: tuple[FloorStep, ...], start: date | None) -> tuple[FloorStep, ...]:
    """Keep the steps from `start` on, the one in force on `start` moved onto it."""
    if start is None:
        return steps
    before = [step for step in steps if step.day < start]
    after = tuple(step for step in steps if step.day >= start)
    if before and (not after or after[0].day > start):
        return (FloorStep(start, before[-1].floor), *after)
    return after


def size_chart(
    events: Iterable[RecordedEvent],
    subject: str = "participants",
    *,
    start: date | None = None,
    end: date | None = None,
) -> SizeChart:
    """Return the claims about a subject counted by `end` from `start` on, with the named floor beside them."""
    events = list(events)
    claims = tuple(
        claim
        for claim in map(SizeClaim.from_point, count_series(events, subject, as_of=end))
        if start is None or claim.day >= start
    )
    steps = _clip_steps(floor_steps(events, until=end), start) if subject == "participants" else ()
    days = [claim.earliest for claim in claims] + [claim.day for claim in claims] + [step.day for step in steps]
    if start is not None:
        days = [max(day, start) for day in days]
    first = start if start is not None else min(days, default=None)
    last = end if end is not None else max(days, default=None)
    return SizeChart(subject, claims, steps, first, last)


def _touched(event: RecordedEvent) -> list[str]:
    """Return the actors an event can move: its actor and a convened meeting's participants."""
    codes = [event.actor] if event.actor is not None else []
    return codes + [code for code in event.data.get("participants", ()) if code not in codes]


def stance_lanes(events: Iterable[RecordedEvent], *, start: date | None = None, end: date | None = None) -> StanceLanes:
    """Return each actor's stances as segments over time, as of the end of each day, within [start, end]."""
    fold = CoalitionFold()
    current: dict[str, StanceSegment] = {}
    closed: list[StanceSegment] = []
    first_seen: dict[str, date] = {}
    last_day: date | None = None
    for day, group in _days(events, end):
        setters: dict[str, RecordedEvent] = {}  # per actor, the last event of the day that changed its stance
        for event in group:
            codes = _touched(event)
            before = {code: _stance(fold, code) for code in codes}
            fold.apply(event)
            for code in codes:
                first_seen.setdefault(code, day)
                if _stance(fold, code) != before[code]:
                    setters[code] = event
        for code, setter in setters.items():
            stance = _stance(fold, code)
            held = current.get(code)
            if held is not None and held.stance == stance:
                continue
            if held is not None:
                closed.append(_ended(held, day))
                del current[code]
            if stance is not None:
                possible_from = edtf_bounds(setter.occurred)[0]
                current[code] = StanceSegment(code, stance, day, None, possible_from, setter.id)
        last_day = day
    segments = [
        segment
        for segment in (*closed, *current.values())
        if start is None or segment.end is None or segment.end > start
    ]
    final = {code: segment.stance for code, segment in current.items()}
    actors = sorted(
        {segment.actor for segment in segments},
        key=lambda code: (
            STANCE_ORDER.index(final[code]) if code in final else len(STANCE_ORDER),
            first_seen[code],
            code,
        ),
    )
    rank = {code: index for index, code in enumerate(actors)}
    segments.sort(key=lambda segment: (rank[segment.actor], segment.start))
    first = start if start is not None else min((s.possible_from for s in segments), default=None)
    if end is not None:
        last: date | None = end
    else:  # the stances held at the last event still hold at a later start
        last = None if last_day is None else max(last_day, start or last_day)
    return StanceLanes(tuple(actors), tuple(segments), first, last)


def _stance(fold: CoalitionFold, code: str) -> str | None:
    member = fold.member(code)
    return None if member is None else member.stance


def _ended(segment: StanceSegment, day: date) -> StanceSegment:
    return StanceSegment(segment.actor, segment.stance, segment.start, day, segment.possible_from, segment.event)
