"""Opening a database: the engine, SQLite connection settings, transactions, the schema check.

SQLite: WAL, `synchronous=FULL`, foreign keys on, 5 s busy timeout. The `sqlite3` driver's own
transaction handling is switched off and SQLAlchemy emits `BEGIN` itself, so a read transaction is
a real snapshot and a write transaction starts with `BEGIN IMMEDIATE` (taking the write lock up
front avoids the read→write upgrade deadlock of two deferred transactions). PostgreSQL writes lock
the dispute row with `SELECT … FOR UPDATE` instead (a no-op clause on SQLite).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from mediator.store.base import StoreError, StoreUnavailable
from mediator.store.sql.schema import SCHEMA_VERSION, TABLES, meta, metadata
from mediator.store.sql.search import create_search_index

#: Seconds a writer waits for another writer's lock before giving up (SQLite `busy_timeout`).
BUSY_TIMEOUT = 5.0

_WRITE = "mediator_write"


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
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
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


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; `_on_begin` emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
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


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse a foreign or newer one."""
    with write_tx(engine) as conn:
        names = set(inspect(conn).get_table_names())
        if meta.name not in names:
            if names:
                raise StoreUnavailable(
                    "not a mediator database (it has tables, but no schema version)"
                )
            metadata.create_all(conn, tables=list(TABLES))
            create_search_index(conn)
            conn.execute(insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
            return
        stored = conn.scalar(select(meta.c.value).where(meta.c.key == "schema_version"))
        try:
            version = int(stored) if stored is not None else 0
        except ValueError:
            raise StoreUnavailable(f"unreadable schema version {stored!r}") from None
    if version > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"schema version {version} is newer than this mediator understands "
            f"({SCHEMA_VERSION}); upgrade mediator"
        )
    if version < SCHEMA_VERSION:
        from mediator.store.sql.migrations import STEPS, migrate

        if any(step not in STEPS for step in range(version, SCHEMA_VERSION)):
            raise StoreUnavailable(
                f"schema version {version} is older than {SCHEMA_VERSION} and has no migration"
            )
        with write_tx(engine) as conn:  # re-read under a lock: another console may be migrating
            stored = conn.scalar(
                select(meta.c.value).where(meta.c.key == "schema_version").with_for_update()
            )
            if stored is not None and int(stored) < SCHEMA_VERSION:
                migrate(conn, int(stored), SCHEMA_VERSION)


def store_error(exc: SQLAlchemyError, label: str, action: str) -> StoreError:
    """One-line `StoreError` for a database failure during `action`."""
    cls = StoreUnavailable if isinstance(exc, OperationalError | InterfaceError) else StoreError
    return cls(f"{action} failed on {label}: {one_line(exc)}")
