"""Opening a database: the engine, SQLite connection settings, transactions, the schema check.

SQLite: WAL, `synchronous=FULL`, foreign keys on, 5 s busy timeout. The `sqlite3` driver's own
transaction handling is switched off and SQLAlchemy emits `BEGIN` itself, so a read transaction is
a real snapshot and a write transaction starts with `BEGIN IMMEDIATE` (taking the write lock up
front avoids the read→write upgrade deadlock of two deferred transactions). PostgreSQL writes lock
the dispute row with `SELECT … FOR UPDATE` instead (a no-op clause on SQLite).
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from mediator.domain.money import MoneyError
from mediator.domain.text import one_line as visible_line
from mediator.store.base import StoreError, StoreUnavailable

if TYPE_CHECKING:  # the async engine is `mediator serve`'s alone: not imported by the others
    from sqlalchemy.ext.asyncio import AsyncEngine
from mediator.store.sql.schema import HEAD_REVISION, REVISIONS, SCHEMA_VERSION, meta

#: Seconds a writer waits for another writer's lock before giving up (SQLite `busy_timeout`).
BUSY_TIMEOUT = 5.0

_WRITE = "mediator_write"
#: Connections kept open to a server database: the default executor's thread count.
POOL_SIZE = min(32, (os.cpu_count() or 1) + 4)
#: Connections kept open by an event-loop engine (`make_loop_engine`), whose concurrent requests
#: are not bounded by threads: all kept (no overflow connections opened and closed under load);
#: a request beyond them waits for one.
LOOP_POOL_SIZE = 16
#: Seconds a pooled server connection may sit unused before it is checked with a ping.
PING_IDLE_AFTER = 1.0
_LAST_USED = "mediator_last_used"
#: Alembic's record of the revision a database is at.
ALEMBIC_VERSION_TABLE = "alembic_version"


def redact(url: str) -> str:
    """`url` with any password replaced by `***` (for messages about URLs we could not parse)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def label_for(url: URL) -> str:
    """A short, password-free name: `sqlite:/abs/path.db`, `postgresql://user@host/db`."""
    if url.get_backend_name() == "sqlite":
        db = url.database or ":memory:"
        if db != ":memory:" and not db.startswith("file:"):
            db = str(Path(db).expanduser().absolute())
        return f"sqlite:{db}"
    bare = URL.create(
        url.get_backend_name(),
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
    )
    return bare.render_as_string(hide_password=False)


def one_line(exc: BaseException) -> str:
    """The first line of the driver's message (no SQL, no traceback, no background link)."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(inner).strip() or type(inner).__name__
    return text.splitlines()[0].strip()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, create_dirs: bool = False) -> tuple[Engine, str]:
    """The engine for `url` and its label; raises `StoreUnavailable` (one line) on any failure."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"cannot open {redact(url)!r}: not a database URL") from None
    label = label_for(parsed)
    try:
        if parsed.get_backend_name() == "sqlite":
            _check_sqlite_path(parsed, label, create_dirs=create_dirs)
            engine = create_engine(
                parsed,
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT},
            )
            _configure_sqlite(engine)
        else:
            connect_args: dict[str, Any] = {}
            if parsed.get_backend_name() == "postgresql":
                connect_args["connect_timeout"] = int(BUSY_TIMEOUT)
            # a pool as large as the threads that use it (asyncio.to_thread: min(32, CPUs + 4)),
            # so a busy server does not open and close sessions
            engine = create_engine(parsed, pool_size=POOL_SIZE, connect_args=connect_args)
            _ping_idle_connections(engine)
    except StoreUnavailable:
        raise
    except NoSuchModuleError:
        raise StoreUnavailable(
            f"cannot open {label}: unknown database driver {parsed.drivername!r}"
        ) from None
    except ImportError as exc:
        raise StoreUnavailable(
            f"cannot open {label}: the driver is not installed ({exc.name or exc})"
        ) from None
    except (SQLAlchemyError, ValueError, TypeError) as exc:
        raise StoreUnavailable(f"cannot open {label}: {one_line(exc)}") from None
    try:
        ensure_schema(engine)
    except StoreUnavailable as exc:
        engine.dispose()
        raise StoreUnavailable(f"cannot open {label}: {exc}") from None
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        engine.dispose()
        raise StoreUnavailable(f"cannot open {label}: {one_line(exc)}") from None
    return engine, label


def make_loop_engine(engine: Engine) -> AsyncEngine | None:
    """An engine over the same PostgreSQL database whose connections wait on the caller's
    asyncio event loop (psycopg's async connection), or None where there is none: SQLite, another
    driver, Windows (psycopg's async connection needs a selector event loop there).

    Its connections open when first used, inside `sqlalchemy.util.greenlet_spawn` (see
    `SqlStore.open(on_event_loop=True)`); the pool, the idle ping and the errors are the same as
    `make_engine`'s.
    """
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return None
    if sys.platform == "win32":
        return None
    from sqlalchemy.ext.asyncio import create_async_engine

    loop_engine = create_async_engine(
        engine.url,
        pool_size=LOOP_POOL_SIZE,
        max_overflow=0,
        connect_args={"connect_timeout": int(BUSY_TIMEOUT)},
    )
    _ping_idle_connections(loop_engine.sync_engine)
    return loop_engine


def _check_sqlite_path(url: URL, label: str, *, create_dirs: bool) -> None:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:") or url.query.get("mode") == "memory":
        return
    path = Path(db).expanduser()
    if path.is_dir():
        raise StoreUnavailable(f"cannot open {label}: it is a directory, not a database file")
    parent = path.absolute().parent
    if not parent.is_dir():
        if not create_dirs:
            raise StoreUnavailable(f"cannot open {label}: directory {parent} does not exist")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot open {label}: cannot create {parent} ({exc.strerror or exc})"
            ) from None


def _wal(cursor: Any) -> None:
    """Switch to WAL (persistent: a no-op once the file is in WAL mode). On a brand-new file
    that another connection is creating, SQLite answers "database is locked" at once, without
    waiting on `busy_timeout`; so wait here, up to `BUSY_TIMEOUT`."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use if it has been idle for `PING_IDLE_AFTER` seconds:
    a database restart or an idle timeout is then noticed without failing a request, and a busy
    server does not pay a ping (three round trips with psycopg) on every checkout, as
    `pool_pre_ping` would. A connection that dies while busy fails its one request (503, which
    the HTTP store retries); the pool then drops every connection opened before."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        if last is None or time.monotonic() - last < PING_IDLE_AFTER:
            return  # new, or used a moment ago
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # any failure: the pool replaces the connection and retries
            raise DisconnectionError(f"stale pooled connection: {one_line(exc)}") from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; `_on_begin` emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            _wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction (one consistent snapshot)."""
    with engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction: `BEGIN IMMEDIATE` on SQLite; committed on exit, rolled back on error."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def decision_tx(engine: Engine) -> Iterator[Connection]:
    """Where `deciding.record_decision` runs: a write transaction on SQLite; autocommit on a
    server database, whose conditional write is one statement (no BEGIN/COMMIT round trips)."""
    if is_sqlite(engine):
        with write_tx(engine) as conn:
            yield conn
        return
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


@dataclass(frozen=True)
class SchemaState:
    """What a database says about its schema, read with plain SQL (no Alembic import)."""

    tables: frozenset[str]
    #: `alembic_version.version_num`; None before Alembic (or in an empty database).
    revision: str | None
    #: `meta.schema_version`; None without a `meta` table, 0 when the row is missing.
    version: int | None


def read_schema_state(conn: Connection) -> SchemaState:
    """The tables, Alembic revision and `meta.schema_version` of the database on `conn`."""
    tables = frozenset(inspect(conn).get_table_names())
    revision = None
    if ALEMBIC_VERSION_TABLE in tables:
        revisions = conn.scalars(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}")).all()
        if len(revisions) > 1:
            raise StoreUnavailable(f"several schema revisions at once ({', '.join(revisions)})")
        revision = revisions[0] if revisions else None
    version = None
    if meta.name in tables:
        stored = conn.scalar(select(meta.c.value).where(meta.c.key == "schema_version"))
        try:
            version = int(stored) if stored is not None else 0
        except ValueError:
            raise StoreUnavailable(f"unreadable schema version {stored!r}") from None
    return SchemaState(tables, revision, version)


def needs_upgrade(state: SchemaState) -> bool:
    """Whether the store must be created or migrated; raises `StoreUnavailable` (one line) for
    a database that is not a mediator store, or one newer than this code."""
    if not state.tables:
        return True
    if state.version is None:
        raise StoreUnavailable("not a mediator database (it has tables, but no schema version)")
    if state.version > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"schema version {state.version} is newer than this mediator understands "
            f"({SCHEMA_VERSION}); upgrade mediator"
        )
    if state.revision is None:
        if not 1 <= state.version <= SCHEMA_VERSION:
            raise StoreUnavailable(
                f"schema version {state.version} is older than {SCHEMA_VERSION} "
                "and has no migration"
            )
        return True
    if state.revision not in REVISIONS.values():
        raise StoreUnavailable(
            f"schema revision {state.revision!r} is unknown to this mediator (newest known: "
            f"{HEAD_REVISION!r}); upgrade mediator"
        )
    return state.revision != HEAD_REVISION


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database, or migrate an older one; refuse a foreign or newer
    one (`needs_upgrade`).

    A store at `HEAD_REVISION` costs one read transaction and a few catalog reads; Alembic is
    imported only to migrate. Migrating happens in one write transaction (SQLite: `BEGIN
    IMMEDIATE`) that first takes the schema lock (PostgreSQL: a transaction-level advisory lock
    per schema) and reads the state again, so of two consoles opening an old store at once one
    migrates and the other then finds it current.
    """
    with read_tx(engine) as conn:
        if not needs_upgrade(read_schema_state(conn)):
            return
    with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT pg_advisory_xact_lock(hashtext(:key || coalesce(current_schema(), '')))"
                ),
                {"key": "mediator schema "},
            )
        state = read_schema_state(conn)
        if not needs_upgrade(state):
            return
        from mediator.store.sql.migrations import upgrade

        upgrade(conn, state.revision, state.version, HEAD_REVISION)


#: What reading a store can fail with: the database, or a stored value that today's models refuse
#: (written by an earlier mediator: an id or a currency the import no longer takes).
FAILURES = (SQLAlchemyError, ValidationError, MoneyError)


def _first_problem(exc: ValidationError | MoneyError) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "value"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        return visible_line(f"{where}: {message}", 200)
    return visible_line(str(exc), 200)


def store_error(
    exc: SQLAlchemyError | ValidationError | MoneyError, label: str, action: str
) -> StoreError:
    """One-line `StoreError` for a database failure during `action`, or for stored data that
    no longer passes the rules (never a raw `ValidationError` out of a store)."""
    if isinstance(exc, ValidationError | MoneyError):
        return StoreError(
            f"{action} failed on {label}: a stored value does not pass today's rules "
            f"({_first_problem(exc)}); it was stored by an earlier mediator: correct it in the "
            "source and import the dispute again"
        )
    unavailable = (
        OperationalError | InterfaceError | PoolTimeout
    )  # PoolTimeout: every connection busy
    cls = StoreUnavailable if isinstance(exc, unavailable) else StoreError
    return cls(f"{action} failed on {label}: {one_line(exc)}")
