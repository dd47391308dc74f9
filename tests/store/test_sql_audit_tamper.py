"""The audit trail (issue 16) refuses changes, and shows the ones made behind its back: the
triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL); an attacker with the database
who drops them first, then edits, deletes, reorders, cuts or forges entries, is caught by
`audit_verify_sync` and `mediator audit verify`, which name the first entry that is wrong and
how. On a real SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from mediator import cli
from mediator.clock import FrozenClock
from mediator.domain.audit import chain_hash
from mediator.store.sql import SqlStore
from mediator.store.sql.engine import write_tx
from tests.store.conftest import NOW, make_dispute

LEASE = timedelta(minutes=3)
SQLITE_TRIGGERS = ("audit_trail_no_update", "audit_trail_no_delete", "audit_head_no_delete")


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    """A store with a trail of six entries:
    1 import, 2 ana claims D-1, 3 ana's note on D-1, 4 bo claims D-2, 5 bo's note on D-2,
    6 ana releases D-1."""
    store = SqlStore.open(store_url, clock=FrozenClock(NOW).now)
    store.import_disputes([make_dispute(n) for n in range(1, 4)])
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    store.add_note_sync("D-1", "first note", actor="ana", now=NOW)
    store.claim_sync("D-2", actor="bo", lease=LEASE)
    store.add_note_sync("D-2", "second note", actor="bo", now=NOW)
    store.release_sync("D-1", actor="ana")
    assert store.audit_verify_sync().count == 6
    yield store
    store.close_sync()


def is_sqlite(store: SqlStore) -> bool:
    return store.engine.dialect.name == "sqlite"


# --- the triggers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_trail SET actor = 'eve' WHERE seq = 3",
        "UPDATE audit_trail SET seq = seq + 100",
        "DELETE FROM audit_trail WHERE seq = 6",
        "DELETE FROM audit_trail",
        "DELETE FROM audit_head",
    ],
)
def test_the_triggers_refuse_changes(store: SqlStore, statement: str) -> None:
    with pytest.raises(DBAPIError, match="audit"), write_tx(store.engine) as conn:
        conn.execute(text(statement))
    assert store.audit_verify_sync().ok


@pytest.mark.parametrize("table", ["audit_trail", "audit_head"])
def test_postgresql_refuses_truncate(store: SqlStore, table: str) -> None:
    if is_sqlite(store):
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is refused above)")
    with pytest.raises(DBAPIError, match="TRUNCATE"), write_tx(store.engine) as conn:
        conn.execute(text(f"TRUNCATE {table}"))
    assert store.audit_verify_sync().count == 6


# --- tampering, with the triggers out of the way ------------------------------------------------


@contextmanager
def attacker(store: SqlStore) -> Iterator[Connection]:
    """A connection with the append-only triggers gone, as someone with the database can."""
    with write_tx(store.engine) as conn:
        if is_sqlite(store):
            for trigger in SQLITE_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER {trigger}"))
        else:
            conn.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
        yield conn


def body_of(conn: Connection, seq: int) -> tuple[str, str]:
    row = conn.execute(text("SELECT body, prev FROM audit_trail WHERE seq = :s"), {"s": seq})
    body, prev = row.one()
    return body, prev


def forge(conn: Connection, seq: int) -> None:
    """Change entry `seq` and give it the hash its new content has: it is whole on its own."""
    body, prev = body_of(conn, seq)
    forged = body.replace('"ana"', '"eve"')
    assert forged != body
    conn.execute(
        text("UPDATE audit_trail SET body = :b, actor = 'eve', hash = :h WHERE seq = :s"),
        {"b": forged, "h": chain_hash(prev, forged), "s": seq},
    )


def swap(conn: Connection, a: int, b: int) -> None:
    for old, new in ((a, -1), (b, a), (-1, b)):
        conn.execute(text("UPDATE audit_trail SET seq = :n WHERE seq = :o"), {"n": new, "o": old})


Tamper = Callable[[Connection], object]
SQL: dict[str, Tamper] = {
    "edit a body": lambda c: c.execute(
        text("UPDATE audit_trail SET body = replace(body, 'first note', 'kind note') WHERE seq=3")
    ),
    "edit the actor column": lambda c: c.execute(
        text("UPDATE audit_trail SET actor = 'eve' WHERE seq = 3")
    ),
    "edit the actor everywhere": lambda c: c.execute(
        text(
            "UPDATE audit_trail SET actor = 'eve', "
            'body = replace(body, \'"actor":"ana"\', \'"actor":"eve"\') WHERE seq = 3'
        )
    ),
    "delete a middle entry": lambda c: c.execute(text("DELETE FROM audit_trail WHERE seq = 3")),
    "delete two middle entries": lambda c: c.execute(
        text("DELETE FROM audit_trail WHERE seq IN (2, 3)")
    ),
    "reorder two entries": lambda c: swap(c, 3, 4),
    "cut the tail": lambda c: c.execute(text("DELETE FROM audit_trail WHERE seq >= 5")),
    "forge a hash": lambda c: forge(c, 3),
    "forge the last entry": lambda c: forge(c, 6),
    "delete the checkpoint": lambda c: c.execute(text("DELETE FROM audit_head")),
}
#: what was done → (the entry named, the words that say how)
FOUND: dict[str, tuple[int | None, str]] = {
    "edit a body": (3, "entry 3: its hash does not match its content (the entry was edited)"),
    "edit the actor column": (
        3,
        "entry 3: its actor column ('eve') differs from the actor it was hashed with",
    ),
    "edit the actor everywhere": (3, "entry 3: its hash does not match its content"),
    "delete a middle entry": (4, "entry 4: entry 3 is missing (deleted?)"),
    "delete two middle entries": (4, "entry 4: entries 2 to 3 are missing (deleted?)"),
    "reorder two entries": (3, "entry 3 does not follow entry 2"),
    "cut the tail": (
        None,
        "the trail ends at entry 4, but the checkpoint says 6 entries: the last 2 were cut",
    ),
    "forge a hash": (4, "entry 4 does not follow entry 3"),
    "forge the last entry": (6, "entry 6, the last, is not the one the checkpoint holds"),
    "delete the checkpoint": (None, "the checkpoint is missing (it was deleted)"),
}


@pytest.mark.parametrize("how", list(SQL))
def test_tampering_is_caught_and_named(
    store: SqlStore, store_url: str, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with attacker(store) as conn:
        SQL[how](conn)
    result = store.audit_verify_sync()
    seq, words = FOUND[how]
    assert not result.ok
    assert result.seq == seq, result.problem
    assert result.problem is not None and result.problem.startswith(words), result.problem
    # and so says the command line, with a non-zero exit
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--store", store_url]) == cli.EXIT_INVALID
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "is NOT whole: " + words in captured.err


def test_a_whole_trail_verifies_on_the_command_line(
    store: SqlStore, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    head = store.audit_verify_sync().head
    assert cli.main(["audit", "verify", "--store", store_url]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert out.rstrip().endswith(f"is whole: 6 entries, head {head}")


def test_an_empty_trail_is_whole(store_url: str) -> None:
    with SqlStore.open(store_url) as empty:
        result = empty.audit_verify_sync()
    assert (result.ok, result.count) == (True, 0)
