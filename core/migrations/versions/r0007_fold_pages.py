"""Replay pages gain a fold column: each page's events again, only the fields a fold reads.

The pages are a cache (core/pages.py), so the table is emptied and made again with
the new column; the next answer that finds enough events missing rebuilds them. A
fold reads ids, types, streams, dates, actors, data and source ids: without the
quotes and the recording details a page decodes in about three quarters of the time.
The fold column comes before the body: SQLite reaches a column that follows a large
value only by walking that value's overflow pages (measured on a cold `dtl state` over
100k events: reading the pages took 178 ms with the fold column after the body).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _pages(*bodies: sa.Column) -> None:
    op.create_table(
        "replay_pages",
        sa.Column("generation", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("page", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("format", sa.String(64), nullable=False),
        sa.Column("through_position", sa.BigInteger, nullable=False),
        sa.Column("first_latest", sa.String(10), nullable=False),
        sa.Column("last_latest", sa.String(10), nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        *bodies,
    )


def upgrade() -> None:
    op.drop_table("replay_pages")
    # fold first: SQLite reaches a column past a large value by walking that value's overflow pages
    _pages(sa.Column("fold", sa.LargeBinary, nullable=False), sa.Column("body", sa.LargeBinary, nullable=False))


def downgrade() -> None:
    op.drop_table("replay_pages")
    _pages(sa.Column("body", sa.LargeBinary, nullable=False))
