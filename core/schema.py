"""The tables of the log, as SQLAlchemy Core metadata (created by the Alembic migrations)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

__all__ = ["HEAD_REVISION", "events", "metadata", "source_texts"]

# The Alembic revision the code expects; a test checks it is the migrations' head.
HEAD_REVISION = "0001"

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("stream", String(128), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred", String(64), nullable=False),
    Column("occurred_earliest", String(10), nullable=False),
    Column("occurred_latest", String(10), nullable=False),
    Column("actor", String(16)),
    Column("recorded_at", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream", "stream_version", name="uq_events_stream_version"),
    Index("ix_events_type", "type"),
    Index("ix_events_actor", "actor"),
    Index("ix_events_recorded_at", "recorded_at"),
)

source_texts = Table(
    "source_texts",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("text", Text, nullable=False),
    Column("attached_at", String(32), nullable=False),
)
