"""Pure folds over events: state as of a date, counts, timelines, diffs, audits."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from projections.native import prefer_fresh

prefer_fresh("projections.coalition")  # its mypyc build, unless the source has changed since (projections/native.py)

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

if TYPE_CHECKING:
    from projections.changes import diff, event_document, history, timeline, touches
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


# Loaded on first use (PEP 562): a replay needs the fold alone, not the diffs, the series or the quote checks
# (about 7 ms of every `dtl state`'s start).
_LAZY = {
    **dict.fromkeys(("diff", "event_document", "history", "timeline", "touches"), "projections.changes"),
    "count_series": "projections.counts",
    "QuoteChecker": "projections.verification",
    "QuoteStatus": "projections.verification",
}


def __getattr__(name: str) -> Any:
    """Load a name of the changes, the counts or the quote checks from its module when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'projections' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
