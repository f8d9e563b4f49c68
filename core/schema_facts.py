"""What code reading the log without SQLAlchemy must know of its schema too (core.schema builds the tables)."""

from __future__ import annotations

__all__ = ["HEAD_REVISION", "RARE_TYPES"]

# The Alembic revision the code expects; a test checks it is the migrations' head.
HEAD_REVISION = "0008"

# The only types looked up by type; a partial index keeps them cheap to find and cheap to insert.
# Queries repeat this exact text so SQLite knows the partial index applies. Comparisons, not an IN list:
# SQLite builds a temporary B-tree for an IN list of three constants at each execution of an INSERT,
# once per row of a bulk import (migration 0005).
RARE_TYPES = "(type = 'source.registered' OR type = 'event.corrected' OR type = 'event.retracted')"
