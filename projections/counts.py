"""Turns the claims about one quantity into a series, each beside the floor the named members set that day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from events import RecordedEvent, edtf_bounds
from projections.coalition import Claim, CoalitionFold, claim_of

__all__ = ["count_series"]


def count_series(events: Iterable[RecordedEvent], subject: str, *, as_of: date | None = None) -> list[dict[str, Any]]:
    """Return every claim about a subject in fold order, with the named floor as of the claim's latest day.

    The floor counts every event whose latest day is on or before that day, so
    events folded after the claim on the same day count too. Troop claims carry
    a null floor, as in the state document.
    """
    fold = CoalitionFold()
    series: list[dict[str, Any]] = []
    pending: list[Claim] = []
    pending_day = date.min

    def flush() -> None:
        floor = fold.named_floor if subject == "participants" else None
        series.extend({**claim.to_json(), "as_of": pending_day.isoformat(), "named_floor": floor} for claim in pending)
        pending.clear()

    for event in events:
        latest = edtf_bounds(event.occurred)[1]
        if as_of is not None and latest > as_of:
            break
        if pending and latest > pending_day:
            flush()
        fold.apply(event)
        if event.type == "count.reported" and event.data["subject"] == subject:
            pending.append(claim_of(event))
            pending_day = latest
    flush()
    return series
