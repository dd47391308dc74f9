"""`mediator report` and `GET /reports/summary` (issue 17): the same figures as the store's, on
a real SQLite file and through a real `mediator serve`; the CSV and the JSON parse back to them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import httpx
import pytest

from mediator import cli, config
from mediator.clock import local_timezone
from mediator.domain.report import Period, Summary
from mediator.domain.report_rows import HEADER, Row, summary_from_rows
from mediator.store.http import HttpStore
from mediator.store.sql import SqlStore
from tests.api.servers import RestartableServer
from tests.store.conftest import _postgres_url
from tests.store.test_sql_report import CASES, NOW, WEEK, _decide, _dispute, _draft, at


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    for name in (config.ENV_STORE, config.ENV_AGENT, config.ENV_API, config.ENV_TOKEN):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def shift(tmp_path: Path) -> Iterator[SqlStore]:
    """The hand-computed week of tests/store/test_sql_report.py, in a SQLite file, with a
    supervisor and an agent; an agent's name a spreadsheet would take for a formula."""
    with SqlStore.open(f"sqlite:///{tmp_path / 'm.db'}") as store:
        store.import_disputes([_dispute(c) for c in CASES])
        for c in CASES:
            if c.decided is not None:
                agent, when, outcome, refund = c.decided
                name = "=HYPERLINK(1)" if agent == "cy" else agent
                _decide(store, f"D-{c.n}", name, when, _draft(outcome, refund))
        yield store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(rows: list[list[str]]) -> list[Row]:
    assert all(len(r) == 4 for r in rows)
    return [(a, b, c, d) for a, b, c, d in rows]


def url_of(store: SqlStore) -> str:
    return store.label.replace("sqlite:", "sqlite:///", 1)


def test_csv_and_json_parse_back_to_the_stores_figures(
    shift: SqlStore, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = shift.summary_sync(
        Period.between(at(1).date(), at(6).date(), local_timezone()), now=NOW
    )
    args = ("report", "--store", url_of(shift), "--from", "2026-12-01", "--to", "2026-12-06")
    code, out, err = run(capsys, *args, "--now", "2026-12-07T12:00:00Z", "--format", "csv")
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert tuple(rows[0]) == HEADER
    assert summary_from_rows(tuple(r) for r in rows) == expected  # type: ignore[misc]
    # the formula-looking agent is defused for a spreadsheet, and read back as it is
    assert ["agents", "'=HYPERLINK(1)", "decisions", "1"] not in rows  # decided 11-30: not in
    code, out, _ = run(capsys, *args, "--now", "2026-12-07T12:00:00Z", "--format", "json")
    assert Summary.model_validate_json(out) == expected
    assert expected.decided == 3  # D-1, D-2, D-3 (D-7 on 11-30 is before the 1st)


def test_the_weeks_csv_defuses_formulas(
    shift: SqlStore, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "report", "--store", url_of(shift), "--period", "7d",
        "--now", "2026-12-07T12:00:00Z", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert ["agents", "'=HYPERLINK(1)", "decisions", "1"] in rows
    back = summary_from_rows(rows_of(rows))
    assert "=HYPERLINK(1)" in {a.name for a in back.agents}
    assert back == shift.summary_sync(WEEK, now=NOW)


def test_the_table_names_the_figures(shift: SqlStore, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "report",
        "--store",
        url_of(shift),
        "--period",
        "7d",
        "--now",
        "2026-12-07T12:00:00Z",
    )
    assert code == 0
    for words in ("Backlog now", "overdue", "Buyer favour: full refund", "35.00", "1.75",
                  "STAFF-48H", "ana", "=HYPERLINK(1)", "12h 00m", "D-5"):  # fmt: skip
        assert words in out, words


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--period", "7d", "--from", "2026-12-01", "--to", "2026-12-02"), "not both"),
        (("--from", "2026-12-01"), "--from and --to go together"),
        (("--from", "2026-12-05", "--to", "2026-12-01"), "ends (2026-12-01) before it starts"),
    ],
)
def test_a_bad_period_is_one_line(
    shift: SqlStore, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], says: str
) -> None:
    code, out, err = run(capsys, "report", "--store", url_of(shift), *args)
    assert (code, out) == (cli.EXIT_ERROR, "")
    assert says in err and len(err.splitlines()) == 1


def test_the_api_serves_the_figures_to_supervisors_only(
    shift: SqlStore, capsys: pytest.CaptureFixture[str]
) -> None:
    sam = shift.add_staff_sync("sam", "supervisor", now=NOW)
    ana = shift.add_staff_sync("ana", "agent", now=NOW)
    server = RestartableServer(shift, NOW)
    server.start()
    try:
        expected = shift.summary_sync(WEEK, now=NOW)
        code, out, err = run(
            capsys, "report", "--api", server.url, "--token", sam, "--period", "7d",
            "--now", "2026-12-07T12:00:00Z", "--format", "json",
        )  # fmt: skip
        assert (code, err) == (0, ""), err
        assert Summary.model_validate_json(out) == expected
        params = {"start": "2026-11-30T12:00:00Z", "end": "2026-12-07T12:00:00Z"}
        refused = httpx.get(
            f"{server.url}/reports/summary",
            params=params,
            headers={"Authorization": f"Bearer {ana}"},
        )
        assert refused.status_code == 403 and "ana is an agent" in refused.json()["detail"]
        backwards = httpx.get(
            f"{server.url}/reports/summary",
            params={"start": params["end"], "end": params["start"]},
            headers={"Authorization": f"Bearer {sam}"},
        )
        assert backwards.status_code == 422 and "before it starts" in backwards.json()["detail"]
        naive = httpx.get(
            f"{server.url}/reports/summary",
            params={"start": "2026-11-30T12:00:00", "end": params["end"]},
            headers={"Authorization": f"Bearer {sam}"},
        )
        assert naive.status_code == 422
        code, _, err = run(capsys, "report", "--api", server.url, "--token", ana)
        assert code == cli.EXIT_ERROR and "agent" in err
    finally:
        server.stop()


async def test_the_http_store_reads_the_same_summary(shift: SqlStore) -> None:
    sam = shift.add_staff_sync("sam", "supervisor", now=NOW)
    server = RestartableServer(shift, NOW)
    server.start()
    try:
        api = HttpStore(server.url, sam)
        try:
            assert await api.summary(WEEK) == shift.summary_sync(WEEK, now=NOW)
        finally:
            await api.close()
    finally:
        server.stop()


async def test_the_api_queue_drills_down_like_the_store(shift: SqlStore) -> None:
    from mediator.domain import Outcome, Status
    from mediator.domain.queue import QueueQuery
    from mediator.domain.report import DeadlineFilter, DecidedFilter, Tally

    sam = shift.add_staff_sync("sam", "supervisor", now=NOW)
    every = frozenset(Status)
    queries = [
        QueueQuery(statuses=every, decided=DecidedFilter(WEEK.start, WEEK.end, by="ana")),
        QueueQuery(
            statuses=every,
            decided=DecidedFilter(WEEK.start, WEEK.end, currency="USD", refunded=True),
        ),
        QueueQuery(
            statuses=every,
            decided=DecidedFilter(WEEK.start, WEEK.end, outcome=Outcome.SELLER_FAVOUR),
        ),
        QueueQuery(
            statuses=every,
            deadline=DeadlineFilter("STAFF-48H", Tally.BREACHED, WEEK.start, WEEK.end, NOW),
        ),
        QueueQuery(overdue_at=NOW),
    ]
    server = RestartableServer(shift, NOW)
    server.start()
    try:
        api = HttpStore(server.url, sam)
        try:
            for query in queries:
                over_http = await api.queue_page(query, limit=50)
                direct = shift.queue_page_sync(query, limit=50)
                assert over_http.rows == direct.rows, query
                assert direct.rows, query
        finally:
            await api.close()
        bad = httpx.get(
            f"{server.url}/queue",
            params={"decided": '{"by": 3}'},
            headers={"Authorization": f"Bearer {sam}"},
        )
        assert bad.status_code == 422 and "decided" in bad.json()["detail"]
        unknown = httpx.get(
            f"{server.url}/queue",
            params={"deadline": '{"rule": "P-NOPE"}'},
            headers={"Authorization": f"Bearer {sam}"},
        )
        assert unknown.status_code == 422 and "deadline" in unknown.json()["detail"]
    finally:
        server.stop()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _postgres_url(request)


@pytest.mark.postgres
def test_mediator_serve_on_postgresql_answers_the_summary(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve` runs its PostgreSQL store on the event loop, where a store may be used only
    from its own greenlet: the summary must not read from another thread there (schemathesis
    found it)."""
    from tests.api.servers import ServeProcess

    with SqlStore.open(postgres_url) as store:
        store.import_disputes([_dispute(c) for c in CASES])
        for c in CASES:
            if c.decided is not None:
                agent, when, outcome, refund = c.decided
                _decide(store, f"D-{c.n}", agent, when, _draft(outcome, refund))
        sam = store.add_staff_sync("sam", "supervisor", now=NOW)
        expected = store.summary_sync(Period.between(at(1).date(), at(6).date(), UTC), now=NOW)
    server = ServeProcess(postgres_url, tmp_path / "serve.log")
    server.start()
    try:
        answer = httpx.get(
            f"{server.base_url}/reports/summary",
            params={"start": "2026-12-01T00:00:00Z", "end": "2026-12-07T00:00:00Z"},
            headers={"Authorization": f"Bearer {sam}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        got = Summary.model_validate_json(answer.text)
        # the server judges by its own clock: the decided figures do not depend on it
        assert (got.outcomes, got.money, got.handling) == (
            expected.outcomes,
            expected.money,
            expected.handling,
        )
    finally:
        server.kill()
