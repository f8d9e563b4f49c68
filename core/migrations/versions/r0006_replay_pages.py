"""Add the replay pages: the log's plain events in fold order, decoded, kept beside it as a cache.

A cache like the snapshots (core/pages.py): never hashed, never copied, safe to delete,
rebuilt from the bodies. Rows of one generation are written in several short
transactions; its page 0, written last, says the generation is whole.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replay_pages",
        sa.Column("generation", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("page", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("format", sa.String(64), nullable=False),
        sa.Column("through_position", sa.BigInteger, nullable=False),
        sa.Column("first_latest", sa.String(10), nullable=False),
        sa.Column("last_latest", sa.String(10), nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("replay_pages")
