"""The console's first page without SQLAlchemy (issue 18): `sql.peek` reads, with `sqlite3`,
exactly the page `SqlStore.queue_page` gives, and only from a store it is sure of."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from mediator.domain.queue import QueueQuery
from mediator.store.sql import SqlStore
from mediator.store.sql.peek import first_page, peekable
from mediator.store.sql.schema import sqlite_datetime
from tests.store.conftest import BASE, NOW, make_dispute

STATUSES = ["escalated", "awaiting_info", "resolved", "open", "escalated"]


@pytest.fixture
def seeded(sqlite_url: str) -> SqlStore:
    """60 disputes of every status, urgencies tied in pairs; three claimed: one held (until far
    ahead), one run out, one held by someone who handed it on."""
    with SqlStore.open(sqlite_url) as store:
        store.import_disputes(
            make_dispute(
                n,
                status=STATUSES[n % len(STATUSES)],
                urgency=BASE + timedelta(hours=(n * 7) % 30),
                price=f"{n}.{n % 100:02d}" if n % 3 else str(n * 10),
                fee="1.50" if n % 3 else "15",
                currency="JPY" if n % 3 == 0 else ["USD", "EUR"][n % 2],
            )
            for n in range(100, 160)
        )
    held, gone = sqlite_datetime(NOW + timedelta(days=3650)), sqlite_datetime(NOW)
    since = sqlite_datetime(NOW - timedelta(hours=1))
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE disputes SET claimed_by='ana', claimed_since=?, claimed_until=? "
            "WHERE id='D-100'",
            (since, held),
        )
        conn.execute(
            "UPDATE disputes SET claimed_by='bo', claimed_since=?, claimed_until=? "
            "WHERE id='D-101'",
            (since, gone),  # NOW is in the past: the claim ran out long ago
        )
        conn.execute(
            "UPDATE disputes SET claimed_by='cy', claimed_since=?, claimed_until=?, "
            "claimed_from='ana', returned_to='ana' WHERE id='D-104'",
            (since, held),
        )
    return SqlStore.open(sqlite_url)


@pytest.mark.parametrize("limit", [1, 7, 30, 35, 200])
def test_the_first_page_is_the_store_s_own(seeded: SqlStore, sqlite_url: str, limit: int) -> None:
    peek = peekable(sqlite_url)
    assert peek is not None
    assert peek.label == seeded.label
    page = first_page(peek, limit)
    assert page == seeded.queue_page_sync(QueueQuery(), limit=limit)
    assert page is not None and page.rows  # the comparison is not of two empty pages
    claimed = {r.id: r.claimed_by for r in page.rows if r.claimed_by}
    if limit >= 35:
        assert claimed == {"D-100": "ana", "D-104": "cy"}  # D-101's claim ran out


def test_a_relative_path_has_the_store_s_label(
    seeded: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    peek = peekable("sqlite:///mediator.db")
    assert peek is not None and peek.label == seeded.label


def test_only_a_store_it_is_sure_of(seeded: SqlStore, sqlite_url: str, tmp_path: Path) -> None:
    assert peekable(sqlite_url) is not None
    assert peekable(sqlite_url + "?mode=ro") is None  # options: the real store reads them
    assert peekable("sqlite://") is None
    assert peekable("sqlite:///:memory:") is None
    assert peekable(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert peekable("postgresql://u@localhost/x") is None
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    assert peekable(f"sqlite:///{tmp_path / 'junk.db'}") is None
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert peekable(f"sqlite:///{empty}") is None


def test_an_older_store_is_left_to_the_real_one_which_migrates_it(
    seeded: SqlStore, sqlite_url: str
) -> None:
    peek = peekable(sqlite_url)
    assert peek is not None
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'v8_review_audit'")
    assert peekable(sqlite_url) is None
    assert first_page(peek, 10) is None
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'v99_from_the_future'")
    assert first_page(peek, 10) is None
