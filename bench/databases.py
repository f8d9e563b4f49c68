"""Hands out fresh databases for a run — SQLite files in a work directory, PostgreSQL schemas — and removes them."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Databases", "ensure_postgres", "libpq", "postgres_version", "sqlite_path"]


def libpq(url: str) -> str:
    """The URL psycopg itself takes (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def sqlite_path(url: str) -> Path:
    """The file of a sqlite:/// URL."""
    return Path(url.removeprefix("sqlite:///"))


def ensure_postgres(url: str) -> str | None:
    """Say why PostgreSQL at `url` cannot be used, or None when it can; create its database when missing."""
    import psycopg

    try:
        with psycopg.connect(libpq(url), connect_timeout=5):
            return None
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            return _first_line(error)
    parts = urlsplit(libpq(url))
    try:  # the benchmark's own database: created once through the server's maintenance database
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')
    except psycopg.Error as error:
        return _first_line(error)
    return None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def postgres_version(url: str) -> str:
    """The server's version string."""
    import psycopg

    with psycopg.connect(libpq(url), connect_timeout=5) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


class Databases:
    """Fresh databases for one benchmark run; `close` drops every one still there."""

    def __init__(self, workdir: Path, postgres: str | None) -> None:
        self.workdir = workdir
        self.postgres_url = postgres
        self._schemas: set[str] = set()

    def sqlite(self, name: str) -> str:
        """A URL for a new, empty SQLite file (an old one of that name is removed first)."""
        path = self.workdir / f"{name}.db"
        self._remove_sqlite(path)
        return f"sqlite:///{path}"

    def postgres(self) -> str:
        """A URL whose search_path is a new, empty schema."""
        import psycopg

        assert self.postgres_url is not None, "PostgreSQL is not in use in this run"
        schema = f"dtl_bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(libpq(self.postgres_url), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        self._schemas.add(schema)
        separator = "&" if "?" in self.postgres_url else "?"
        return f"{self.postgres_url}{separator}options=-csearch_path%3D{schema}"

    def drop(self, url: str) -> None:
        """Remove one database handed out earlier."""
        if url.startswith("sqlite:///"):
            self._remove_sqlite(sqlite_path(url))
            return
        schema = url.rpartition("search_path%3D")[2]
        if schema in self._schemas:
            self._drop_schema(schema)

    def close(self) -> None:
        """Drop every PostgreSQL schema of the run (SQLite files go with the work directory)."""
        for schema in sorted(self._schemas):
            self._drop_schema(schema)

    def _drop_schema(self, schema: str) -> None:
        import psycopg

        assert self.postgres_url is not None
        with psycopg.connect(libpq(self.postgres_url), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self._schemas.discard(schema)

    @staticmethod
    def _remove_sqlite(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
