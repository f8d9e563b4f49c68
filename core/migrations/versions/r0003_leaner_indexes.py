"""Keep only the indexes queries use, so bulk imports stay close to what the storage can do.

The type index becomes a partial index over the few rare types looked up by
type (sources, corrections, retractions); the actor index and the all-streams
valid-time index go (a filtered `dtl log` and an all-streams replay scan instead).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_RARE_TYPES = "type IN ('source.registered', 'event.corrected', 'event.retracted')"


def upgrade() -> None:
    op.drop_index("ix_events_type", "events")
    op.drop_index("ix_events_actor", "events")
    op.drop_index("ix_events_fold", "events")
    op.create_index(
        "ix_events_rare_types",
        "events",
        ["type", "position"],
        sqlite_where=sa.text(_RARE_TYPES),
        postgresql_where=sa.text(_RARE_TYPES),
    )


def downgrade() -> None:
    op.drop_index("ix_events_rare_types", "events")
    op.create_index("ix_events_fold", "events", ["occurred_latest", "occurred_earliest", "position"])
    op.create_index("ix_events_actor", "events", ["actor"])
    op.create_index("ix_events_type", "events", ["type"])
