"""Connects to SQLite or PostgreSQL, serialises writers, migrates, and translates driver errors.

Writers are serialised per database: SQLite by `BEGIN IMMEDIATE` (one writer
holds the reserved lock), PostgreSQL by a transaction-scoped advisory lock.
Either way positions are assigned as max + 1 under the lock, so they are
gapless and in commit order and the hash chain never forks. A writer waits for
the lock at most the lock timeout (DTL_LOCK_TIMEOUT seconds, 60 by default),
then gives up with StoreBusy; the driver's "database is locked" never reaches
the user.

A long import from the command line (`writing(..., alone=True)`) into a SQLite log that no other
connection has open runs under a rollback journal instead of the write-ahead log: its new pages
are written once, into the file, rather than twice (into the WAL, then by the checkpoint, 3-4 s
of an import of a million events). Whoever opens the log meanwhile waits for the import,
as a writer always does, instead of reading the log as it was; the log is in WAL mode again once
the import ends, and a log held open elsewhere (a server) is imported into through the WAL as ever.

Reads of a SQLite log go through connections opened read-only (`mode=ro`), so a
read cannot write by mistake and a log on read-only media (an archive, a
read-only mount) can still be read and verified in place: where SQLite cannot
create its shared-memory file beside the log, the file is opened as immutable,
which is what read-only media are.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import QueuePool

from core.config import mask_url, mask_urls, resolve_lock_timeout
from core.failures import SQLITE_HINT, is_locked, refusal
from core.schema_facts import HEAD_REVISION
from core.sqlite_reads import connect_read_only, writable
from errors import InputError, Location, NotInitialised, StoreUnavailable, TimelineError

__all__ = ["Database"]

_T = TypeVar("_T")
_ADVISORY_LOCK_CLASS = 0x64746C  # "dtl"; the second key is the schema's, so each log in a database has its own lock


_URL_FORMS = (
    "name the log as sqlite:///path/to/timeline.db or postgresql+psycopg://user@host/db"
    " (postgresql:// is read as postgresql+psycopg://)"
)
_SHIPPED_DRIVERS = {"sqlite": ("sqlite", "sqlite+pysqlite"), "postgresql": ("postgresql+psycopg",)}


def _parse(url: str, masked: str) -> URL:
    """Parse a database URL; refuse one that is no URL, names no file, or asks for a driver not supported."""
    field = Location(field="database_url")
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        raise InputError(f"{masked!r} is not a database URL", field, hint=_URL_FORMS) from None
    shipped = _SHIPPED_DRIVERS.get(parsed.get_backend_name())
    if shipped is not None and parsed.drivername not in shipped:
        raise InputError(
            f"{masked} asks for the {parsed.get_driver_name()} driver, which is not supported", field, hint=_URL_FORMS
        )
    if parsed.get_backend_name() == "sqlite" and (
        not parsed.database or parsed.database == ":memory:" or parsed.query.get("mode") == "memory"
    ):
        raise InputError(
            f"{masked} is a database in memory, empty again at every command: it names no file", field, hint=_URL_FORMS
        )
    return parsed


def _begin_explicitly(engine: Engine) -> None:
    """Make a SQLite engine begin its transactions itself: BEGIN IMMEDIATE for writers, so they queue for the lock."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("dtl_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _wait_for_locks(driver: sqlite3.Connection, seconds: float) -> None:
    """Set how long a SQLite connection's statements wait for a lock another connection holds (0: not at all)."""
    milliseconds = max(1, round(seconds * 1000)) if seconds > 0 else 0
    driver.execute(f"PRAGMA busy_timeout = {milliseconds}")


def _driver(connection: Connection) -> sqlite3.Connection:
    """Return the sqlite3 connection under a SQLite one: its statements begin no transaction, as SQLAlchemy's would."""
    return connection.connection.driver_connection  # type: ignore[return-value]


@contextmanager
def _locks_not_waited_for(driver: sqlite3.Connection, seconds: float) -> Iterator[None]:
    """Let a SQLite connection's statements fail at once on a lock held elsewhere, then wait `seconds` again."""
    _wait_for_locks(driver, 0)
    try:
        yield
    finally:
        _wait_for_locks(driver, seconds)


def _is_locked(error: exc.DBAPIError) -> bool:
    return is_locked(str(error.orig if error.orig is not None else error), getattr(error.orig, "sqlstate", None))


class Database:
    """One database: its engine, its dialect's way to lock writers, and its migrations."""

    def __init__(self, url: str, *, create: bool = False, lock_timeout: float | None = None) -> None:
        self.url = url
        self.masked_url = mask_url(url)
        self.lock_timeout = resolve_lock_timeout() if lock_timeout is None else lock_timeout
        self._schema_current = False
        parsed = _parse(url, self.masked_url)
        self.dialect = parsed.get_backend_name()
        self._path: Path | None = None
        if self.dialect == "sqlite":
            self.engine = self._sqlite_engine(parsed.database, create=create)
            self._reader = self._sqlite_reader() if self._path is not None else self.engine
        elif self.dialect == "postgresql":
            # a small pool: a long-lived process (the API, a server) reuses its connections
            self.engine = create_engine(url, pool_size=2, max_overflow=4, connect_args={"connect_timeout": 10})
            self._reader = self.engine
        else:
            raise StoreUnavailable(
                f"unsupported database {self.masked_url}", hint="use sqlite:///FILE or postgresql+psycopg://…"
            )

    def _sqlite_engine(self, database: str | None, *, create: bool) -> Engine:
        if database and database != ":memory:" and not database.startswith("file:"):
            path = self._path = Path(database)
            if not path.exists():
                if not create:
                    raise NotInitialised(f"no database at {path}")
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    # a new log is readable by its owner only
                    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                except OSError as error:
                    raise StoreUnavailable(
                        f"cannot create the database file {path}: {error.strerror}", hint=SQLITE_HINT
                    ) from None
        # the driver's busy handler waits for the lock up to the lock timeout (readers too, rarely)
        engine = create_engine(
            self.url, pool_size=2, max_overflow=4, connect_args={"timeout": self.lock_timeout, "isolation_level": None}
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # 8 KiB pages hold twice the rows of the default 4 KiB (bodies are about 1 KB): imports insert about
            # a tenth faster; only a new database takes it (before WAL), an existing one keeps its page size
            cursor.execute("PRAGMA page_size=8192")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: index pages of large imports stay in memory
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        _begin_explicitly(engine)
        return engine

    def _sqlite_reader(self) -> Engine:
        """Return an engine whose connections open the SQLite file read-only (immutable on read-only media)."""
        path, timeout = self._path, self.lock_timeout
        assert path is not None
        engine = create_engine(
            "sqlite://",
            creator=lambda: connect_read_only(path, timeout),
            poolclass=QueuePool,
            pool_size=2,
            max_overflow=4,
        )
        _begin_explicitly(engine)
        return engine

    @property
    def writable(self) -> bool:
        """Whether this process may write the log (a SQLite file on read-only media or without permission may not)."""
        return self._path is None or writable(self._path)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Yield a connection in a read transaction."""
        with self._translated(), self._reader.connect() as connection, connection.begin():
            yield connection

    def writing(self, work: Callable[[Connection], _T], *, wait: float | None = None, alone: bool = False) -> _T:
        """Run `work` once, in one serialised write transaction; nothing it wrote survives if it raises.

        Only taking the lock is retried, never `work`: it may consume an iterator (a file being
        imported) that a second run would find half read. `wait` shortens the lock timeout (for
        writes that may be skipped, such as caching a snapshot). `alone`: a long write by a process
        that is the log's only user (an import from the command line), run under a rollback
        journal when no other connection has the SQLite file open (see the module's docstring).
        """
        lock_timeout = self.lock_timeout if wait is None else wait
        with self._translated(), self._write_transaction(lock_timeout, alone=alone) as connection:
            return work(connection)

    @contextmanager
    def _write_transaction(self, lock_timeout: float, *, alone: bool = False) -> Iterator[Connection]:
        """Yield a connection in a transaction that holds the write lock, waiting at most lock_timeout for it."""
        deadline = time.monotonic() + lock_timeout
        delay = 0.01
        while True:
            connection = self.engine.connect().execution_options(dtl_write=True)
            held = ExitStack()  # what the transaction leaves behind when it ends: the connection, the journal mode
            held.callback(connection.close)
            try:
                if self.dialect == "sqlite" and lock_timeout != self.lock_timeout:
                    _wait_for_locks(_driver(connection), lock_timeout)
                if alone and self._path is not None:
                    held.enter_context(self._rollback_journal(connection, lock_timeout))
                transaction = connection.begin()  # SQLite: BEGIN IMMEDIATE, which waits in the busy handler
                if self.dialect == "postgresql":
                    timeout = f"{max(1, round(lock_timeout * 1000))}ms"
                    connection.execute(text("SELECT set_config('lock_timeout', :timeout, true)"), {"timeout": timeout})
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(current_schema()))"),
                        {"lock_class": _ADVISORY_LOCK_CLASS},
                    )
            except exc.OperationalError as error:
                held.close()
                # SQLite may report "locked" without waiting (a snapshot or recovery in progress): try again
                if self.dialect == "sqlite" and _is_locked(error) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
                    continue
                raise
            except BaseException:
                held.close()
                raise
            break
        with held:
            try:
                with transaction:  # commits when the block ends, rolls back when it raises
                    yield connection
            finally:
                if self.dialect == "sqlite" and lock_timeout != self.lock_timeout:
                    _wait_for_locks(_driver(connection), self.lock_timeout)  # pooled: the next one waits the usual time

    @contextmanager
    def _rollback_journal(self, connection: Connection, lock_timeout: float) -> Iterator[None]:
        """Put the SQLite log under a rollback journal for one transaction, if no other connection has it open.

        Leaving WAL mode needs the file to itself: this process's idle connections are closed
        first, and where another process holds the file open the log stays in WAL mode (at
        once: nobody is waited for). Rows are durable at the commit (synchronous FULL, which a
        rollback journal needs for that); WAL mode comes back when the transaction ends, or
        else with the next connection opened (each asks for it).
        """
        if self._reader is not self.engine:
            self._reader.dispose()
        self.engine.dispose()  # the idle connections: the one given here stays open
        driver = _driver(connection)
        with _locks_not_waited_for(driver, lock_timeout):
            try:
                mode = driver.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            except sqlite3.OperationalError:  # another connection has the file open
                mode = None
        if mode != "delete":
            yield
            return
        driver.execute("PRAGMA synchronous=FULL")
        try:
            yield
        finally:
            driver.execute("PRAGMA synchronous=NORMAL")
            with _locks_not_waited_for(driver, lock_timeout), suppress(sqlite3.OperationalError):
                driver.execute("PRAGMA journal_mode=WAL")

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except TimelineError:
            raise
        except exc.DBAPIError as error:
            raise self._translate(error) from error

    def _translate(self, error: exc.DBAPIError) -> TimelineError:
        message = mask_urls(str(error.orig) if error.orig is not None else str(error)).strip().splitlines()[0]
        return refusal(
            message,
            locked=_is_locked(error),
            unreachable=isinstance(error, exc.OperationalError),
            dialect=self.dialect,
            masked_url=self.masked_url,
            lock_timeout=self.lock_timeout,
            writable=self.writable,
        )

    def revision(self) -> str | None:
        """Return the schema revision the database is at, or None when it has none."""
        try:
            with self.reading() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        except NotInitialised:
            return None
        except StoreUnavailable as error:
            if "alembic_version" in str(error):
                return None
            raise

    def require_schema(self) -> None:
        """Raise NotInitialised unless the schema is at the revision this code expects (checked once)."""
        if self._schema_current:
            return
        revision = self.revision()
        if revision != HEAD_REVISION:
            state = "has no timeline schema" if revision is None else f"is at schema {revision}, not {HEAD_REVISION}"
            raise NotInitialised(f"the database {self.masked_url} {state}")
        self._schema_current = True

    def migrate(self, revision: str = "head", *, down: bool = False) -> tuple[str | None, str]:
        """Bring the schema to head (or up to `revision`; with `down`, back to it) with Alembic.

        Returns the revisions before and after. The rows stay: each migration carries them over.
        """
        from alembic import command
        from alembic.config import Config

        before = self.revision()
        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        step = command.downgrade if down else command.upgrade

        def _migrate(connection: Connection) -> None:
            # one serialised transaction: two migrations at once cannot both create the tables
            config.attributes["connection"] = connection
            step(config, revision)

        self.writing(_migrate)
        return before, HEAD_REVISION if revision == "head" else revision

    def dispose(self) -> None:
        """Close every pooled connection, the readers first.

        On SQLite the last connection to close checkpoints the write-ahead log into the file and removes
        it, but only if it may write: closed last, a read-only reader would leave the log whole, and the
        next process to open the file would read all of it again to rebuild its index (half a second
        after an import of a million events) before its first query.
        """
        if self._reader is not self.engine:
            self._reader.dispose()
        self.engine.dispose()
