"""Add the snapshots cache and indexes that read events in valid-time order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a cache, not part of the log: rows may be deleted and are rebuilt on demand
    op.create_table(
        "snapshots",
        sa.Column("snapshot_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("projection", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(128), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_snapshots_lookup", "snapshots", ["projection", "stream", "version", "day", "position"])
    op.create_index("ix_events_fold", "events", ["occurred_latest", "occurred_earliest", "position"])
    op.create_index("ix_events_stream_fold", "events", ["stream", "occurred_latest", "occurred_earliest", "position"])


def downgrade() -> None:
    op.drop_index("ix_events_stream_fold", "events")
    op.drop_index("ix_events_fold", "events")
    op.drop_index("ix_snapshots_lookup", "snapshots")
    op.drop_table("snapshots")
