"""Runs migrations on the connection `core.migrate` hands over (never from alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection: Connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
