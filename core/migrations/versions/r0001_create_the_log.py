"""Create the events and source_texts tables, append-only by trigger on both backends.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY = ("events", "source_texts")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(128), nullable=False, unique=True),
        sa.Column("stream", sa.String(128), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("occurred", sa.String(64), nullable=False),
        sa.Column("occurred_earliest", sa.String(10), nullable=False),
        sa.Column("occurred_latest", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(16)),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("stream", "stream_version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_type", "events", ["type"])
    op.create_index("ix_events_actor", "events", ["actor"])
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_table(
        "source_texts",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("attached_at", sa.String(32), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION dtl_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'dtl: % on % is refused: the log is append-only', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        for table in _APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION dtl_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dtl_refuse_change()"
            )
    else:
        for table in _APPEND_ONLY:
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, 'dtl: {operation} on {table} is refused: the log is append-only'); END"
                )


def downgrade() -> None:
    raise NotImplementedError("the log is append-only: its tables are never dropped by a migration")
