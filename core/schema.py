"""The tables of the log, as SQLAlchemy Core metadata (created by the Alembic migrations)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from core.schema_facts import HEAD_REVISION, RARE_TYPES, RECORDED_THROUGH

__all__ = [
    "HEAD_REVISION",
    "RARE_TYPES",
    "RECORDED_THROUGH",
    "events",
    "metadata",
    "replay_pages",
    "snapshots",
    "source_texts",
    "streams",
    "tokens",
]


metadata = MetaData()

events = Table(
    "events",
    metadata,
    # on SQLite an INTEGER primary key is the rowid: the table is kept in position order, with no index beside it
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
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
    # who appended it (a token's name, or the analyst's at the command line); in the hashed body too.
    # Rows recorded before revision 0004 have none.
    Column("recorded_by", String(128)),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_stream_fold", "stream", "occurred_latest", "occurred_earliest", "position"),
    # partial: WHERE RARE_TYPES, as migration 0005 creates it. The metadata only names it (it creates no table):
    # a `postgresql_where` here would load SQLAlchemy's PostgreSQL dialect at every start, 20 ms of `dtl state`
    Index("ix_events_rare_types", "type", "position"),
)

# Each stream's version, kept by the writer under the write lock (migration 0008): a unique index on
# (stream, stream_version) cost every row of a bulk import one more B-tree. `through_position` is the
# head of the log when the row was written: rows past the greatest (written by other means, as a log
# copied in row by row) are read from the events themselves, and taken in by the next write.
streams = Table(
    "streams",
    metadata,
    Column("stream", String(128), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("through_position", BigInteger, nullable=False),
)

source_texts = Table(
    "source_texts",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("text", Text, nullable=False),
    Column("attached_at", String(32), nullable=False),
)

# Bearer tokens of the HTTP API: only a hash of each secret is kept. Revoking one sets revoked_at; a name
# may be given to a new token once the old one is revoked.
tokens = Table(
    "tokens",
    metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("secret_sha256", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Index("ix_tokens_name", "name"),
)

# A cache of fold states (see projections.engine); not part of the log, never hashed.
snapshots = Table(
    "snapshots",
    metadata,
    Column("snapshot_id", Integer, primary_key=True, autoincrement=True),
    Column("projection", String(64), nullable=False),
    Column("stream", String(128), nullable=False),
    Column("version", String(64), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("day", String(10), nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("ix_snapshots_lookup", "projection", "stream", "version", "day", "position"),
)

# A cache of the plain events in fold order, decoded (see core.pages); not part of the log, never hashed.
# Page 0 of a generation is written last: it says every other page of the generation is there.
replay_pages = Table(
    "replay_pages",
    metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("page", Integer, primary_key=True, autoincrement=False),
    Column("format", String(64), nullable=False),
    Column("through_position", BigInteger, nullable=False),
    Column("first_latest", String(10), nullable=False),
    Column("last_latest", String(10), nullable=False),
    Column("events", Integer, nullable=False),
    # before the body: SQLite reaches a column past a large value by walking that value's overflow pages
    Column("fold", LargeBinary, nullable=False),
    Column("body", LargeBinary, nullable=False),
)
