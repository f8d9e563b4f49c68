"""Who appended each event (recorded_by), and the bearer tokens of the HTTP API.

`recorded_by` is a new nullable column: rows recorded before it have none, and
their hashed bodies (which have no such field) verify as before. Adding a
nullable column rewrites no row, so the append-only triggers are not involved.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("recorded_by", sa.String(128)))
    op.create_table(
        "tokens",
        sa.Column("token_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32)),
    )
    op.create_index("ix_tokens_name", "tokens", ["name"])


def downgrade() -> None:
    op.drop_index("ix_tokens_name", "tokens")
    op.drop_table("tokens")
    op.drop_column("events", "recorded_by")
