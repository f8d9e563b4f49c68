"""Pure folds over events: state as of a date, counts, timelines, diffs, audits."""

from __future__ import annotations

from projections.verification import QuoteChecker, QuoteStatus

__all__ = ["QuoteChecker", "QuoteStatus"]
