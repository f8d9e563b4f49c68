"""Pure folds over events: state as of a date, counts, timelines, diffs, audits."""

from __future__ import annotations

from projections.native import prefer_fresh

prefer_fresh("projections.coalition")  # its mypyc build, unless the source has changed since (projections/native.py)

from projections.changes import diff, event_document, history, timeline, touches
from projections.coalition import (
    STANCE_ORDER,
    Claim,
    CoalitionFold,
    CoalitionState,
    Meeting,
    Member,
    ReportedSize,
    coalition_state,
    state_document,
    state_view,
)
from projections.counts import count_series
from projections.verification import QuoteChecker, QuoteStatus

__all__ = [
    "STANCE_ORDER",
    "Claim",
    "CoalitionFold",
    "CoalitionState",
    "Meeting",
    "Member",
    "QuoteChecker",
    "QuoteStatus",
    "ReportedSize",
    "coalition_state",
    "count_series",
    "diff",
    "event_document",
    "history",
    "state_document",
    "state_view",
    "timeline",
    "touches",
]
