"""`mediator seed` and `mediator import` through worker processes (issue 18): the same store as
the one-process path (rows, search index, flags, decisions, audit), all or nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mediator import bulk, cli
from mediator.domain import Dispute
from mediator.importer import parse_lines
from mediator.seed import generate, generate_decided, generator
from mediator.store import StoreError
from mediator.store.sql import SqlStore
from mediator.store.sql.prepared import Prepared, prepare
from tests.store.test_sql_import_bulk import NEEDLES, check_index, matches

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
NOW_ARG = "2026-11-22T12:00:00Z"
#: Columns that differ by when the rows were written, not by what was written.
_WHEN = {"at", "hash", "prev_hash", "body", "seq"}


@pytest.fixture(autouse=True)
def workers_even_for_small_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below these sizes the commands stay in one process: here they use their workers."""
    monkeypatch.setattr(bulk, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(bulk, "SEED_PROCESS_MIN", 0)
    monkeypatch.setattr(bulk, "LINES_PER_TASK", 37)  # tasks that end mid-batch
    monkeypatch.setattr(bulk, "SEED_CHUNK", 41)
    monkeypatch.setattr(generator, "STREAM", 50)  # streams that end mid-chunk, and mid-batch


def contents(url: str) -> dict[str, object]:
    """Every row a seed or an import writes, and what the search index finds."""
    with SqlStore.open(url) as store:
        found: dict[str, object] = {"search": matches(store)}
        check_index(store)
        with store.engine.connect() as conn:
            for table in ("disputes", "messages", "evidence", "decisions"):
                found[table] = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id").all()
            audit = conn.exec_driver_sql("SELECT actor, action, body FROM audit_trail ORDER BY seq")
            found["audit"] = [
                (actor, action, {k: v for k, v in json.loads(body).items() if k not in _WHEN})
                for actor, action, body in audit
            ]
            found["changes"] = conn.exec_driver_sql(
                "SELECT kind, dispute_id FROM changes ORDER BY seq"
            ).all()
    return found


def test_a_seed_writes_what_the_one_process_path_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "SEED_BATCH", 100)  # three transactions, the last one short
    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    args = ["seed", "--disputes", "260", "--seed", "3", "--now", NOW_ARG, "--store", url]
    assert cli.main([*args, "--resolved-share", "0.3"]) == 0
    # the same disputes and decisions, written by `import_disputes` in this process
    pairs = list(generate_decided(260, seed=3, now=NOW, resolved_share=0.3))
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    with SqlStore.open(reference) as store:
        for start in range(0, 260, 100):
            chunk = pairs[start : start + 100]
            decisions = [r for _, r in chunk if r is not None]
            store.import_disputes([d for d, _ in chunk], actor="seed", decisions=decisions)
    got, want = contents(url), contents(reference)
    assert got == want
    assert len(got["audit"]) == 3  # type: ignore[arg-type]
    flagged = [row for row in got["disputes"] if row.flagged_count]  # type: ignore[attr-defined]
    assert flagged  # the flag scan ran (in the writer, for a seed)


def index_names(url: str) -> list[str]:
    with SqlStore.open(url) as store, store.engine.connect() as conn:
        query = "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
        return [name for (name,) in conn.exec_driver_sql(query)]


def test_a_big_seed_into_an_empty_store_is_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`SEED_WHOLE` disputes or more into an empty store: one transaction (one audit entry, the
    queue's indexes built once at its end), the same rows as the seed in batches; into a store
    that holds disputes, batches again."""
    monkeypatch.setattr(cli, "SEED_BATCH", 100)
    monkeypatch.setattr(cli, "SEED_WHOLE", 200)
    args = ["--disputes", "260", "--seed", "3", "--now", NOW_ARG, "--resolved-share", "0.3"]
    batched = f"sqlite:///{tmp_path / 'batched.db'}"
    monkeypatch.setattr(cli, "SEED_WHOLE", 10_000)
    assert cli.main(["seed", *args, "--store", batched]) == 0
    monkeypatch.setattr(cli, "SEED_WHOLE", 200)
    whole = f"sqlite:///{tmp_path / 'whole.db'}"
    assert cli.main(["seed", *args, "--store", whole]) == 0
    got, want = contents(whole), contents(batched)
    assert len(got["audit"]) == 1 and len(want["audit"]) == 3  # type: ignore[arg-type]
    for table in ("disputes", "messages", "evidence", "decisions", "search"):
        assert got[table] == want[table], table
    assert index_names(whole) == index_names(batched)
    # the same seed again into the store that now holds them: batches (three entries more)
    assert cli.main(["seed", *args, "--store", whole]) == 0
    assert len(contents(whole)["audit"]) == 4  # type: ignore[arg-type]


def seed(url: str, *args: str) -> int:
    return cli.main(["seed", "--disputes", "260", "--seed", "3", "--now", NOW_ARG, "--store", url,
                     *args])  # fmt: skip


def test_a_seed_is_the_same_whatever_the_number_of_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six streams (the last one short) from one, two and four generating processes, and from
    this process alone: the same rows, byte for byte."""
    monkeypatch.setattr(cli, "SEED_BATCH", 100)
    urls = []
    for processes in (1, 2, 4, 0):
        monkeypatch.setattr(bulk, "workers", lambda k=processes: k)
        if processes == 0:  # below SEED_PROCESS_MIN: generated in this process
            monkeypatch.setattr(bulk, "SEED_PROCESS_MIN", 10_000)
        urls.append(f"sqlite:///{tmp_path / f'{processes}.db'}")
        assert seed(urls[-1], "--resolved-share", "0.3") == 0
    first, *others = (contents(url) for url in urls)
    assert len(first["disputes"]) == 260  # type: ignore[arg-type]
    assert len(first["decisions"]) > 50  # type: ignore[arg-type]
    for other in others:
        assert other == first


def test_the_feed_gives_the_streams_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """`SeedFeed.pairs` from three processes is `generate_decided`'s disputes made ready."""
    monkeypatch.setattr(generator, "STREAM", 7)
    want = [(prepare(d, sqlite=True), r) for d, r in generate_decided(95, seed=2, now=NOW)]
    feed = bulk.SeedFeed(95, seed=2, now=NOW, resolved_share=None, sqlite=True, processes=3)
    with feed:
        got = list(feed.pairs())
    assert got == want


def test_a_generating_process_that_dies_fails_the_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generating process killed mid-way (here: it exits): the writer says so instead of
    waiting for it, and the transaction is rolled back."""

    def prepare_or_die(d: Dispute, **kwargs: Any) -> Prepared:
        if d.id == "D-100151":  # stream 3: the second process's
            os._exit(3)
        return prepare(d, **kwargs)

    monkeypatch.setattr(bulk, "prepare", prepare_or_die)  # before the processes are forked
    monkeypatch.setattr(bulk, "workers", lambda: 2)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with pytest.raises(RuntimeError, match=r"ended unexpectedly \(exit code 3\)"):
        seed(url)
    with SqlStore.open(url) as store:
        assert store.count_disputes() == 0


def test_an_error_in_a_generating_process_fails_the_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def prepare_or_refuse(d: Dispute, **kwargs: Any) -> Prepared:
        if d.id == "D-100201":
            raise StoreError(f"{d.id}: refused")
        return prepare(d, **kwargs)

    monkeypatch.setattr(bulk, "prepare", prepare_or_refuse)
    monkeypatch.setattr(bulk, "workers", lambda: 2)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert seed(url) == cli.EXIT_ERROR
    assert "nothing was written: D-100201: refused" in capsys.readouterr().err
    with SqlStore.open(url) as store:
        assert store.count_disputes() == 0


def test_an_import_writes_what_the_one_process_path_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [d.model_dump_json() for d in generate(300, seed=4, now=NOW)]
    path = tmp_path / "disputes.jsonl"
    path.write_text("\n".join(lines[:150]) + "\n\n" + "\n".join(lines[150:]) + "\n", "utf-8")
    url = f"sqlite:///{tmp_path / 'imported.db'}"
    assert cli.main(["import", str(path), "--store", url]) == 0
    assert "300 inserted, 0 updated, 0 skipped" in capsys.readouterr().out
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    with SqlStore.open(reference) as store:
        store.import_disputes(parse_lines(lines).disputes, actor=cli.CLI_ACTOR)
    got = contents(url)
    assert got == contents(reference)
    assert got["search"] != {needle: [] for needle in NEEDLES}


def test_a_bad_line_anywhere_in_a_big_file_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """20,000 lines, three bad ones near the end and a repeated id: every error is named by its
    line, as the one-process parser names them, and nothing is written."""
    base = [d.model_dump_json() for d in generate(400, seed=9, now=NOW)]
    lines: list[str] = []
    for copy in range(50):  # the same 400 disputes under new ids
        for text in base:
            data = json.loads(text)
            number = 1 + len(lines)
            data["id"] = f"D-{number}"
            for kind, prefix in (("messages", "M"), ("evidence", "E")):
                for i, item in enumerate(data[kind]):
                    item["id"] = f"{prefix}-{number}-{i}"
            lines.append(json.dumps(data))
        del copy
    lines[19_990] = lines[19_990].replace('"revision":', '"revision":"x","was":', 1)
    lines[19_995] = "{not json"
    lines[19_998] = lines[5]  # D-6 again
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert cli.main(["import", str(path), "--store", url]) == cli.EXIT_INVALID
    err = capsys.readouterr().err
    want = [str(e) for e in parse_lines(lines).errors]
    assert len(want) >= 4
    assert [line for line in err.splitlines() if line[:1].isdigit()] == want
    assert "19999:id: duplicate dispute id D-6 (first on line 6)" in want
    with SqlStore.open(url) as store:
        assert store.count_disputes() == 0


def test_a_dispute_a_worker_could_not_make_ready_fails_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prepare` refused it in a worker (the parser lets through nothing it refuses today, but
    the store has the last word): the import fails naming it, as the one-process path does,
    and nothing is written, although the disputes before it were."""
    lines = [d.model_dump_json() for d in generate(200, seed=2, now=NOW)]
    refused = json.loads(lines[150])["id"]

    def prepare_or_refuse(d: Dispute, **kwargs: Any) -> Prepared:
        if d.id == refused:
            raise StoreError(f"{d.id}: 10.005 is not a whole number of USD")
        return prepare(d, **kwargs)

    monkeypatch.setattr(bulk, "prepare", prepare_or_refuse)  # before the workers are forked
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert cli.main(["import", str(path), "--store", url]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith(f"mediator: error: import failed, nothing was written: {refused}: ")
    with SqlStore.open(url) as store:
        assert store.count_disputes() == 0


def test_a_clash_with_the_store_is_reported_after_the_lines_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch written early clashes with the store; a line near the end is invalid: the line's
    error is what the import reports, as when the whole file was checked before writing."""
    lines = [d.model_dump_json() for d in generate(300, seed=6, now=NOW)]
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with SqlStore.open(url) as store:
        first = generate(1, seed=6, now=NOW)
        store.import_disputes(
            [d.model_copy(update={"id": "D-1"}) for d in first]
        )  # holds the first dispute's message ids
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([*lines[:-1], "{oops"]) + "\n", "utf-8")
    assert cli.main(["import", str(path), "--store", url]) == cli.EXIT_INVALID
    err = capsys.readouterr().err
    assert "300:$: not valid JSON" in err and "already stored" not in err
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert cli.main(["import", str(path), "--store", url]) == cli.EXIT_INVALID
    assert "1:messages[0].id: M-" in capsys.readouterr().err
    with SqlStore.open(url) as store:
        assert store.count_disputes() == 1


def test_ctrl_c_during_a_whole_seed_writes_nothing_and_after_it_keeps_the_disputes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C in the one transaction of a whole seed: nothing written, and said so; Ctrl-C in
    the statistics after it: every dispute is in, and the message says what was not done."""
    from mediator.store.sql import bulk_load

    monkeypatch.setattr(cli, "SEED_WHOLE", 200)
    monkeypatch.setattr(bulk_load, "ANALYZE_AFTER", 200)
    real = bulk.gathering

    def interrupted(*args: object, **kwargs: object) -> Iterator[object]:
        for i, item in enumerate(real(*args, **kwargs)):  # type: ignore[arg-type]
            if i == 150:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(bulk, "gathering", interrupted)
    url = f"sqlite:///{tmp_path / 'cut.db'}"
    assert seed(url) == cli.EXIT_INTERRUPTED
    assert "interrupted; nothing was written" in capsys.readouterr().err
    with SqlStore.open(url) as store:
        assert store.count_disputes() == 0

    monkeypatch.setattr(bulk, "gathering", real)

    def stop(_self: SqlStore) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(SqlStore, "refresh_statistics", stop)
    assert seed(url) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "all 260 disputes were written; the planner's statistics were not" in err
    with SqlStore.open(url) as store:
        assert store.count_disputes() == 260
