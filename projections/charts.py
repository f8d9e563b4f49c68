"""Turns effective events into what the report's charts draw: size claims with their bounds, the named floor, stances.

Pure functions over events in fold order (see `projections.replay.fold_order`);
the stances come from `CoalitionFold` and the claims from `count_series`, so a
chart never disagrees with `dtl state` or `dtl count`. A window [start, end]
keeps what counts by `end` and may have happened on or after `start`; the fold
always starts at the beginning of the log, so the state entering the window is
right.

Without a window asked for, a chart spans the days its events cover, except
days more than ten years from all the others (a mistyped year such as 0025 or
9999): drawn, they would squeeze the rest of the log into a sliver of axis. Such
an event is left out and named in `left_out`; asking for a window that holds it
draws it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from events import RecordedEvent, edtf_bounds
from projections.coalition import STANCE_ORDER, CoalitionFold
from projections.counts import count_series

__all__ = [
    "ClaimShape",
    "FloorStep",
    "LeftOut",
    "SizeChart",
    "SizeClaim",
    "StanceLanes",
    "StanceSegment",
    "claim_bounds",
    "drawn_window",
    "floor_steps",
    "size_chart",
    "stance_lanes",
]

ClaimShape = Literal["point", "band", "at_least", "at_most"]

# Days further apart than this split a log into bodies of days, of which a chart without a window draws the largest
# (ten years and a leap day or three: the gap after which the audit also calls an event's date suspicious)
OUTLYING_GAP = timedelta(days=3653)


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
class LeftOut:
    """An event a chart does not draw, or draws in part: dated more than ten years from the days it draws."""

    event: str
    occurred: str


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
    left_out: tuple[LeftOut, ...] = ()


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
    left_out: tuple[LeftOut, ...] = ()

    def lane(self, actor: str) -> tuple[StanceSegment, ...]:
        """Return one actor's segments, oldest first."""
        return tuple(segment for segment in self.segments if segment.actor == actor)


def drawn_window(
    events: Iterable[RecordedEvent], start: date | None = None, end: date | None = None
) -> tuple[date | None, date | None, tuple[LeftOut, ...]]:
    """Return the window a chart draws, and the events it leaves out.

    A side asked for stays as asked. A side not asked for closes on the largest
    body of days (by the events counting from it) when days lie more than
    OUTLYING_GAP beyond that body on that side; otherwise it stays open.
    """
    if start is not None and end is not None:
        return start, end, ()
    spans = [
        (event, earliest, latest)
        for event in events
        for earliest, latest in (edtf_bounds(event.occurred),)
        if (start is None or latest >= start) and (end is None or latest <= end)
    ]
    days = sorted({day for _, earliest, latest in spans for day in (earliest, latest)})
    bodies: list[list[date]] = []
    for day in days:
        if bodies and day - bodies[-1][-1] <= OUTLYING_GAP:
            bodies[-1].append(day)
        else:
            bodies.append([day])
    if len(bodies) < 2:
        return start, end, ()
    # the body where most events count from; of equals, the latest
    weights = [0] * len(bodies)
    firsts = [body[0] for body in bodies]
    for _, _, latest in spans:
        weights[bisect_right(firsts, latest) - 1] += 1
    main = max(range(len(bodies)), key=lambda index: (weights[index], index))
    closes_start, closes_end = start is None and main > 0, end is None and main < len(bodies) - 1
    first, last = bodies[main][0], bodies[main][-1]
    left_out = tuple(
        LeftOut(event.id, event.occurred)
        for event, earliest, latest in spans
        if (closes_start and earliest < first) or (closes_end and latest > last)
    )
    return first if closes_start else start, last if closes_end else end, left_out


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
    start, end, left_out = drawn_window(events, start, end)
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
    return SizeChart(subject, claims, steps, first, last, left_out)


def _touched(event: RecordedEvent) -> list[str]:
    """Return the actors an event can move: its actor and a convened meeting's participants."""
    codes = [event.actor] if event.actor is not None else []
    return codes + [code for code in event.data.get("participants", ()) if code not in codes]


def stance_lanes(events: Iterable[RecordedEvent], *, start: date | None = None, end: date | None = None) -> StanceLanes:
    """Return each actor's stances as segments over time, as of the end of each day, within [start, end]."""
    events = list(events)
    start, end, left_out = drawn_window(events, start, end)
    fold = CoalitionFold()
    current: dict[str, StanceSegment] = {}
    closed: list[StanceSegment] = []
    first_seen: dict[str, date] = {}
    last_day: date | None = None
    for day, group in _days(events, end):
        setters: dict[str, RecordedEvent] = {}  # per actor, the last event of the day that changed its stance
        for event in group:
            codes = _touched(event)
            before = {code: fold.stance(code) for code in codes}
            fold.apply(event)
            for code in codes:
                first_seen.setdefault(code, day)
                if fold.stance(code) != before[code]:
                    setters[code] = event
        for code, setter in setters.items():
            stance = fold.stance(code)
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
    return StanceLanes(tuple(actors), tuple(segments), first, last, left_out)


def _ended(segment: StanceSegment, day: date) -> StanceSegment:
    return StanceSegment(segment.actor, segment.stance, segment.start, day, segment.possible_from, segment.event)
