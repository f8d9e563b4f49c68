"""What code reading the log without SQLAlchemy must know of its schema too (core.schema builds the tables)."""

from __future__ import annotations

__all__ = ["HEAD_REVISION", "RARE_TYPES", "RECORDED_THROUGH"]

# The Alembic revision the code expects; a test checks it is the migrations' head.
HEAD_REVISION = "0009"

# The only types looked up by type; a partial index keeps them cheap to find and cheap to insert.
# Queries repeat this exact text so SQLite knows the partial index applies. Comparisons, not an IN list:
# SQLite builds a temporary B-tree for an IN list of three constants at each execution of an INSERT,
# once per row of a bulk import (migration 0005).
RARE_TYPES = "(type = 'source.registered' OR type = 'event.corrected' OR type = 'event.retracted')"

# The last position recorded at or before a timestamp (the one parameter, :recorded_at; 0 when none was), by a
# binary search over the positions: they are gapless and recorded_at never goes back along them, so what was
# recorded by a time is a prefix of the log (migration 0009 dropped the index on recorded_at). Each step keeps
# lo <= the answer <= hi, halving hi - lo; about 2·log2(n) rows are read by position. Where a position is missing
# (only tampering leaves one; `dtl verify` says where) the search ends without an answer and a scan gives it:
# SQLite and PostgreSQL both evaluate COALESCE's arguments only as far as needed, so the scan runs only then.
RECORDED_THROUGH = """
WITH RECURSIVE search(lo, hi) AS (
    SELECT CAST(0 AS BIGINT), (SELECT coalesce(max(position), 0) FROM events)
    UNION ALL
    SELECT
        CASE WHEN probe.recorded_at <= :recorded_at THEN probe.position ELSE search.lo END,
        CASE WHEN probe.recorded_at <= :recorded_at THEN search.hi ELSE probe.position - 1 END
    FROM search
    JOIN events AS probe ON probe.position = (search.lo + search.hi + 1) / 2
    WHERE search.lo < search.hi
)
SELECT coalesce(
    (SELECT lo FROM search WHERE lo = hi),
    (SELECT max(position) FROM events WHERE recorded_at <= :recorded_at),
    0
)
"""
