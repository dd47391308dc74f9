"""Opening a SQL store: settings, schema creation and every way opening can fail (one line each)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from mediator.store import Store, StoreUnavailable
from mediator.store.sql import SqlStore
from mediator.store.sql.schema import SCHEMA_VERSION, meta
from tests.store.conftest import example_disputes


def open_error(url: str, **kwargs: Any) -> str:
    with pytest.raises(StoreUnavailable) as info:
        SqlStore.open(url, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    assert "Traceback" not in message
    return message


def test_new_database_gets_the_schema(store: SqlStore) -> None:
    assert isinstance(store, Store)
    assert store.count_disputes() == 0
    with store.engine.connect() as conn:
        version = conn.scalar(text("SELECT value FROM meta WHERE key = 'schema_version'"))
    assert version == str(SCHEMA_VERSION)


def test_reopening_keeps_the_data(store_url: str) -> None:
    with SqlStore.open(store_url) as first:
        first.import_disputes(example_disputes())
    with SqlStore.open(store_url) as second:
        assert second.count_disputes() == 5


def test_sqlite_settings(sqlite_url: str, tmp_path: Path) -> None:
    with SqlStore.open(sqlite_url) as store:
        assert store.label == f"sqlite:{tmp_path / 'mediator.db'}"
        with store.engine.connect() as conn:

            def pragma(name: str) -> object:
                return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2  # FULL
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 5000


def test_label_never_shows_a_password() -> None:
    message = open_error("postgresql+psycopg://agent:hunter2@127.0.0.1:1/mediator")
    assert "hunter2" not in message
    assert message.startswith("cannot open postgresql://agent@127.0.0.1:1/mediator: ")


def test_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database, just some bytes\x00\xff" * 100)
    message = open_error(f"sqlite:///{path}")
    assert message == f"cannot open sqlite:{path}: file is not a database"


def test_missing_directory_is_not_created_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "dir" / "m.db"
    message = open_error(f"sqlite:///{path}")
    assert message == f"cannot open sqlite:{path}: directory {path.parent} does not exist"
    assert not path.parent.exists()
    with SqlStore.open(f"sqlite:///{path}", create_dirs=True) as store:
        assert store.count_disputes() == 0
    assert path.is_file()


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert "is a directory" in open_error(f"sqlite:///{tmp_path}")


def test_unknown_driver() -> None:
    assert open_error("nosuchdriver://x") == (
        "cannot open nosuchdriver://x: unknown database driver 'nosuchdriver'"
    )


def test_not_a_url() -> None:
    assert open_error("just some words") == "cannot open 'just some words': not a database URL"


def test_newer_schema_is_refused(store_url: str) -> None:
    with SqlStore.open(store_url) as store, store.engine.begin() as conn:
        conn.execute(update(meta).values(value=str(SCHEMA_VERSION + 1)))
    message = open_error(store_url)
    assert f"schema version {SCHEMA_VERSION + 1} is newer" in message
    assert "upgrade mediator" in message


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    conn.close()
    assert "not a mediator database" in open_error(f"sqlite:///{path}")


def test_empty_file_is_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with SqlStore.open(f"sqlite:///{path}") as store:
        assert store.count_disputes() == 0


def test_store_never_imports_textual() -> None:
    code = "import sys, mediator.store.sql; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
