"""Schema creation and upgrades by Alembic: the revisions, the bridge from the hand-written
migrations, the cheap start-up check, concurrent opening, and pg_trgm on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from mediator.store import QueueQuery, StoreUnavailable
from mediator.store.sql import SqlStore
from mediator.store.sql.engine import write_tx
from mediator.store.sql.migrations import alembic_config, include_name
from mediator.store.sql.schema import HEAD_REVISION, REVISIONS, SCHEMA_VERSION, TABLES, metadata
from tests.store.conftest import PG_URL_ENV, example_disputes, make_dispute

STORE_TABLES = {table.name for table in TABLES}


def state(conn: Connection) -> tuple[str | None, str | None]:
    """(alembic_version, meta.schema_version) of the database on `conn`."""
    revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    version = conn.scalar(text("SELECT value FROM meta WHERE key = 'schema_version'"))
    return revision, version


def open_error(url: str) -> str:
    with pytest.raises(StoreUnavailable) as info:
        SqlStore.open(url)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def test_head_revision_is_the_head_of_the_scripts() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD_REVISION]
    history = [rev.revision for rev in script.walk_revisions()]  # head first
    assert history[::-1] == list(REVISIONS.values())
    assert max(REVISIONS) == SCHEMA_VERSION


def test_a_new_store_is_at_head(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        assert state(conn) == (HEAD_REVISION, str(SCHEMA_VERSION))
        assert set(inspect(conn).get_table_names()) >= STORE_TABLES


# SQLite does not reflect the sort's expression indexes (v10), which `include_name` leaves out
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_schema_is_the_model(store: SqlStore) -> None:
    """The revisions build exactly the tables, columns and indexes of schema.py."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        assert compare_metadata(context, metadata) == []


def test_every_revision_down_and_up(store: SqlStore) -> None:
    """Each revision sets `meta.schema_version` to its version; downgrades run too."""
    with write_tx(store.engine) as conn:
        command.downgrade(alembic_config(conn), "base")
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        for version, revision in REVISIONS.items():
            command.upgrade(alembic_config(conn), revision)
            assert state(conn) == (revision, str(version))
    store.import_disputes(example_disputes())
    assert [r.id for r in store.queue_page_sync(QueueQuery(text="D-10")).rows]


def make_pre_alembic(store_url: str, version: int) -> None:
    """Turn the (current) store at `store_url` into one the hand-written migrations left at
    `version` 3 or 4: no alembic_version, no PostgreSQL search index, no claims (v6), no change
    feed (v7), no reviews (v8), no figures' columns and indexes (v9), no macros (v10), no sort
    indexes (v11), no bulk jobs (v12), no decided columns (v13); v3
    without v4's tables."""
    with SqlStore.open(store_url) as store, write_tx(store.engine) as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("DROP INDEX IF EXISTS ix_disputes_search"))
        # v10 (canned replies)
        conn.execute(text("DROP TABLE macro_versions"))
        conn.execute(text("DROP TABLE macros"))
        conn.execute(text("ALTER TABLE decisions DROP COLUMN macro_id"))
        conn.execute(text("ALTER TABLE decisions DROP COLUMN macro_version"))
        # v11 (the queue's sort orders)
        for index in ("ix_disputes_reason_urgency", "ix_disputes_amount_urgency",
                      "ix_disputes_evidence_urgency", "ix_disputes_flags_urgency",
                      "ix_disputes_sort_buyer", "ix_disputes_sort_seller",
                      "ix_disputes_sort_title"):  # fmt: skip
            conn.execute(text(f"DROP INDEX {index}"))
        # v13 (the resolved list: who decided, when)
        conn.execute(text("DROP INDEX ix_disputes_sort_decided"))
        conn.execute(text("ALTER TABLE disputes DROP COLUMN decided_at"))
        conn.execute(text("ALTER TABLE disputes DROP COLUMN decided_by"))
        # v12 (bulk actions)
        conn.execute(text("DROP TABLE bulk_items"))
        conn.execute(text("DROP TABLE bulk_jobs"))
        # v9 (the shift's figures)
        for index in ("ix_disputes_escalated", "ix_disputes_first_decided",
                      "ix_disputes_opened_at", "ix_disputes_cause_opened",
                      "ix_info_requests_asked_at",
                      "ix_decisions_period", "ix_disputes_flagged"):  # fmt: skip
            conn.execute(text(f"DROP INDEX {index}"))
        conn.execute(text("ALTER TABLE disputes DROP COLUMN first_decided_at"))
        conn.execute(text("ALTER TABLE decisions DROP COLUMN handled_s"))
        # v6 (claims), v7 (the change feed) and v8 (reviews, the audit trail) came after Alembic
        conn.execute(text("DROP TABLE audit_trail"))
        conn.execute(text("DROP TABLE audit_head"))
        conn.execute(text("DROP INDEX ix_decisions_decided_by"))
        conn.execute(text("ALTER TABLE disputes DROP COLUMN returned_to"))
        conn.execute(text("DROP TABLE changes"))
        conn.execute(text("DROP TABLE claim_events"))
        conn.execute(text("DROP INDEX ix_disputes_claimed_by"))
        for column in ("claimed_by", "claimed_since", "claimed_until", "claimed_from"):
            conn.execute(text(f"ALTER TABLE disputes DROP COLUMN {column}"))
        if version == 3:
            conn.execute(text("DROP TABLE idempotency_keys"))
            conn.execute(text("DROP TABLE staff"))
        conn.execute(text(f"UPDATE meta SET value = '{version}' WHERE key = 'schema_version'"))


@pytest.mark.parametrize("version", [3, 4])
def test_a_store_from_before_alembic_is_upgraded(store_url: str, version: int) -> None:
    with SqlStore.open(store_url) as store:
        store.import_disputes([make_dispute(n, title=f"Lamp model {n}") for n in range(1, 4)])
    make_pre_alembic(store_url, version)
    with SqlStore.open(store_url) as store:
        with store.engine.connect() as conn:
            assert state(conn) == (HEAD_REVISION, str(SCHEMA_VERSION))
            assert set(inspect(conn).get_table_names()) >= STORE_TABLES
            if conn.dialect.name == "postgresql":
                indexes = {ix["name"] for ix in inspect(conn).get_indexes("disputes")}
                assert "ix_disputes_search" in indexes
        assert store.count_disputes() == 3
        assert [r.id for r in store.queue_page_sync(QueueQuery(text="model 2")).rows] == ["D-2"]
        assert store.list_staff_sync() == []


def test_a_current_store_opens_without_alembic(sqlite_url: str) -> None:
    SqlStore.open(sqlite_url).close_sync()
    code = (
        "import sys; from mediator.store.sql import SqlStore; "
        f"SqlStore.open({sqlite_url!r}).close_sync(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_revision_is_refused(store_url: str) -> None:
    with SqlStore.open(store_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'v9_from_the_future'"))
    message = open_error(store_url)
    assert "schema revision 'v9_from_the_future' is unknown to this mediator" in message
    assert message.endswith("upgrade mediator")


#: Opens the store at argv[1] as soon as the file argv[3] exists (after touching argv[2]).
OPENER = """
import sys, time
from pathlib import Path
from mediator.store.sql import SqlStore
import mediator.store.sql.migrations  # imported up front: the race is on the database
Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.002)
SqlStore.open(sys.argv[1]).close_sync()
"""


@pytest.mark.parametrize("old", [None, 3], ids=["new", "v3-before-alembic"])
def test_consoles_opening_a_store_at_once_migrate_it_once(
    store_url: str, old: int | None, tmp_path: Path
) -> None:
    """Consoles (processes) opening a new or old database at once: one migrates, all open."""
    if old is not None:
        with SqlStore.open(store_url) as store:
            store.import_disputes([make_dispute(1)])
        make_pre_alembic(store_url, old)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, store_url, str(tmp_path / f"ready-{i}"), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    try:
        while not all((tmp_path / f"ready-{i}").exists() for i in range(3)):
            assert all(p.poll() is None for p in procs), [p.communicate()[1] for p in procs]
            time.sleep(0.01)
        go.touch()
        errors = [p.communicate(timeout=60)[1] for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with SqlStore.open(store_url) as store, store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        assert state(conn) == (HEAD_REVISION, str(SCHEMA_VERSION))


def test_threads_opening_a_new_store_at_once(store_url: str) -> None:
    """Alembic's proxies are global: migrations in one process run one at a time."""
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            SqlStore.open(store_url).close_sync()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with SqlStore.open(store_url) as store, store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        assert state(conn) == (HEAD_REVISION, str(SCHEMA_VERSION))


# -- PostgreSQL: pg_trgm --------------------------------------------------------------------


@pytest.fixture
def pg_without_privilege() -> Iterator[str]:
    """A new database with no pg_trgm, and the URL of a role that may create tables in it but
    not extensions (no CREATE on the database)."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        pytest.skip(f"set {PG_URL_ENV} to run the store tests on PostgreSQL")
    suffix = uuid.uuid4().hex[:12]
    database, role = f"tdb_{suffix}", f"trole_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        inside = create_engine(make_url(base).set(database=database), isolation_level="AUTOCOMMIT")
        with inside.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA store AUTHORIZATION "{role}"'))
        inside.dispose()
        url = make_url(base).set(username=role, database=database)
        url = url.update_query_dict({"options": "-csearch_path=store"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@pytest.mark.postgres
def test_without_pg_trgm_and_the_privilege_to_create_it_opening_fails(
    pg_without_privilege: str,
) -> None:
    message = open_error(pg_without_privilege)
    assert "cannot create the PostgreSQL extension pg_trgm" in message
    assert "permission denied" in message
    engine = create_engine(pg_without_privilege)
    try:
        with engine.connect() as conn:  # all or nothing: no half-made store is left behind
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_alembic_scripts_are_in_the_package() -> None:
    from mediator.store.sql.migrations import SCRIPT_LOCATION

    package = Path(__file__).parents[2] / "mediator"
    assert SCRIPT_LOCATION.is_relative_to(package)
    assert (SCRIPT_LOCATION / "env.py").is_file()
    assert (SCRIPT_LOCATION / "script.py.mako").is_file()


def test_v13_fills_who_decided_from_the_decisions(store: SqlStore) -> None:
    """Issue 22: a store from before v13 gets each dispute's standing decision (its time and
    its author) from `decisions`; a proposal still waiting for review is not one."""
    from datetime import UTC, datetime

    from mediator.domain import DecisionDraft, Outcome, Status

    store.import_disputes([make_dispute(1), make_dispute(2)])
    queue = store.queue_page_sync(QueueQuery(), limit=3).rows
    at = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
    draft = DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="Tracking shows delivery.")
    decided = queue[0]
    store.record_decision_sync(
        decided.id, draft, expected_version=decided.version, actor="agent.bo", now=at
    )
    with write_tx(store.engine) as conn:
        command.downgrade(alembic_config(conn), "v12_bulk_jobs")
        command.upgrade(alembic_config(conn), "head")
        assert state(conn) == (HEAD_REVISION, str(SCHEMA_VERSION))
    resolved = QueueQuery(statuses=frozenset({Status.RESOLVED}), text=decided.id)
    (row,) = store.queue_page_sync(resolved).rows
    assert (row.decided_at, row.decided_by) == (at, "agent.bo")
    (other,) = store.queue_page_sync(QueueQuery(text=queue[1].id)).rows
    assert (other.decided_at, other.decided_by) == (None, None)
