"""The `mediator` command line, against real SQLite files in `tmp_path`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import mediator
from mediator import cli, config
from mediator.store.deferred import DeferredStore
from mediator.store.drafts import DraftBox
from mediator.store.sql import SqlStore
from tests.store.conftest import dispute_data
from tests.store.conftest import store_url as store_url  # the sqlite + postgres parametrisation
from tests.test_importer import example_lines, examples

REPO = Path(mediator.__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real home: the data directory is in tmp, no store or agent from env."""
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.delenv(config.ENV_STORE, raising=False)
    monkeypatch.delenv(config.ENV_AGENT, raising=False)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'm.db'}"


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A stand-in `mediator.app` that records what the console would have been opened on."""
    calls: list[dict[str, Any]] = []

    def count(store: SqlStore | DeferredStore) -> int:
        if isinstance(store, SqlStore):
            return store.count_disputes()
        # a SQLite store at the current schema opens after the console's first frame
        with SqlStore.open("sqlite:///" + store.label.removeprefix("sqlite:")) as real:
            return real.count_disputes()

    def run_console(
        store: SqlStore | DeferredStore,
        *,
        agent: str,
        lease: timedelta,
        drafts: DraftBox,
        **settings: Any,
    ) -> int:
        calls.append(
            {
                "label": store.label,
                "count": count(store),
                "agent": agent,
                "lease": lease,
                "drafts": drafts,
                "settings": settings,
            }
        )
        return 0

    fake = types.ModuleType("mediator.app")
    fake.run_console = run_console  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mediator.app", fake)
    return calls


@contextmanager
def opened(url: str) -> Iterator[SqlStore]:
    with SqlStore.open(url) as store:
        yield store


def count(url: str) -> int:
    with opened(url) as store:
        return store.count_disputes()


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def examples_file(tmp_path: Path) -> Path:
    return write(tmp_path / "examples.jsonl", example_lines())


# --- import --------------------------------------------------------------------------------


def test_import_the_examples(tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = examples_file(tmp_path)
    assert cli.main(["import", str(path), "--store", url]) == 0
    out = capsys.readouterr().out
    assert "5 inserted, 0 updated, 0 skipped" in out
    assert count(url) == 5


def test_revision_rules(tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", url]) == 0
    capsys.readouterr()

    data = examples()
    data[0].update(revision=2, status="awaiting_info")  # higher: updates
    data[1]["order"]["title"] = "changed, same revision"  # equal: skipped
    newer = write(tmp_path / "newer.jsonl", [json.dumps(d) for d in data[:2]])
    assert cli.main(["--store", url, "import", str(newer)]) == 0
    out = capsys.readouterr().out
    assert "0 inserted, 1 updated, 1 skipped" in out
    assert "skipped D-10002: stored revision 1 ≥ 1" in out

    data[0]["revision"] = 1  # lower than stored: skipped, data unchanged
    older = write(tmp_path / "older.jsonl", [json.dumps(data[0])])
    assert cli.main(["import", str(older), "--store", url]) == 0
    assert "0 inserted, 0 updated, 1 skipped" in capsys.readouterr().out
    with opened(url) as store:
        first = store.get_dispute_sync("D-10001").dispute
        second = store.get_dispute_sync("D-10002").dispute
    assert (first.revision, first.status) == (2, "awaiting_info")
    assert second.order.title == "Mechanical keyboard, 65%"


def test_all_or_nothing(tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", url]) == 0
    capsys.readouterr()
    data = examples()
    for d in data:
        d["revision"] = 5
        d["id"] = d["id"].replace("D-1", "D-7")  # three new disputes …
    data[3]["order"]["price"] = 15.0  # … and one broken line
    path = write(tmp_path / "mixed.jsonl", [json.dumps(d) for d in data[:4]])

    assert cli.main(["import", str(path), "--store", url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        '4:order.price: money must be a string such as "49.99", not the JSON number 15.0',
        f"nothing was imported: 1 error in {path}",
    ]
    assert count(url) == 5
    with opened(url) as store:
        assert store.get_dispute_sync("D-10001").dispute.revision == 1


def test_every_error_is_listed_up_to_a_cap(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [f'{{"id": "D-{i}", "oops"}}' for i in range(1, 61)]
    path = write(tmp_path / "bad.jsonl", lines)
    assert cli.main(["import", str(path), "--store", url]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == cli.MAX_ERRORS_SHOWN + 2
    assert err[0].startswith("1:$: not valid JSON")
    assert err[49].startswith("50:$: ")
    assert err[-2] == "… and 10 more"
    assert err[-1] == f"nothing was imported: 60 errors in {path}"
    assert count(url) == 0


def test_error_output_carries_no_escape_sequences(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = examples()[0]
    data["order"]["\x1b]52;c;SGVsbG8=\x07"] = "x"
    data["id"] = "D-\x1b[31m1"
    path = write(tmp_path / "hostile.jsonl", [json.dumps(data), json.dumps(data)])
    assert cli.main(["import", str(path), "--store", url]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "2:id: duplicate dispute id" in err


ALLOWED = "may hold only letters, digits, '.', '_', ':' and '-' (ASCII)"


def test_ids_outside_the_character_set_are_refused_with_line_and_field(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """IMPORT_FORMAT.md: ids are 1-64 of `A-Z a-z 0-9 . _ : -`; this one used to pass and show
    as "D-Q" with a live action in a modal's title. Exit 1, line and field named, nothing
    written."""
    data = examples()
    data[2]["id"] = "D-[@click=app.quit]Q[/]"
    data[2]["order"]["id"] = "O-[/]"
    path = write(tmp_path / "hostile-ids.jsonl", [json.dumps(d) for d in data])
    assert cli.main(["import", str(path), "--store", url]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"3:id: {ALLOWED}, not '[', '@', '=', ']', '/'",
        f"3:order.id: {ALLOWED}, not '[', '/', ']'",
        f"nothing was imported: 2 errors in {path}",
    ]
    assert count(url) == 0


def test_an_unknown_currency_is_refused(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = examples()
    data[1]["order"]["currency"] = "XYZ"
    path = write(tmp_path / "xyz.jsonl", [json.dumps(d) for d in data])
    assert cli.main(["import", str(path), "--store", url]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "2:order.currency: XYZ is not an ISO 4217 currency code",
        f"nothing was imported: 1 error in {path}",
    ]
    assert count(url) == 0


def test_a_message_id_on_two_lines_names_both(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to exit 2 with `UNIQUE constraint failed` and no line."""
    data = examples()
    data[3]["messages"][0]["id"] = "M-2"  # D-10001's second message, on line 1
    path = write(tmp_path / "twice.jsonl", [json.dumps(d) for d in data])
    assert cli.main(["import", str(path), "--store", url]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "4:messages[0].id: M-2 is already used on line 1 (D-10001)",
        f"nothing was imported: 1 error in {path}",
    ]
    assert count(url) == 0


def test_an_id_stored_under_another_dispute_names_the_line(
    tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """On SQLite and PostgreSQL: the file is valid on its own, but line 2 reuses an evidence
    id the store holds under D-10001. Exit 1, the line, field and other dispute named, and
    nothing of the file written."""
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", store_url]) == 0
    capsys.readouterr()
    first, second = dispute_data(1), dispute_data(2)
    second["evidence"][0]["id"] = "E-1"
    path = write(tmp_path / "clash.jsonl", [json.dumps(first), json.dumps(second)])
    assert cli.main(["import", str(path), "--store", store_url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "2:evidence[0].id: E-1 is already stored under another dispute, D-10001",
        f"nothing was imported: 1 error in {path}",
    ]
    assert count(store_url) == 5


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_an_empty_file_imports_nothing_and_says_so(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content, "utf-8")
    assert cli.main(["import", str(path), "--store", url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"{path} holds no disputes: nothing was imported\n"
    assert count(url) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "no such file"),
        ("folder", "dir", "is a directory"),
        ("utf16.jsonl", "utf-16", "not UTF-8 text"),
    ],
)
def test_unreadable_files_are_one_line_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_text(example_lines()[0], content)
    assert cli.main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mediator: error: ") and message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "data").exists()  # the default store was not created for nothing


def test_invalid_utf8_lines_are_listed(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes("\n".join(example_lines()).encode().replace(b"mira_k", b"m\xefra_k"))
    assert cli.main(["import", str(path), "--store", url]) == 1
    assert capsys.readouterr().err.startswith("1:$: not valid UTF-8 (byte 0xef at offset ")


def test_corrupt_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"this is not a database" * 100)
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mediator: error: cannot open sqlite:")
    assert len(err.splitlines()) == 1


def test_store_in_a_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "dir" / "m.db"
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not target.parent.exists()


def test_the_default_store_is_created_in_the_data_dir(tmp_path: Path) -> None:
    assert cli.main(["import", str(examples_file(tmp_path))]) == 0
    assert count(config.sqlite_url(tmp_path / "data" / "mediator.db")) == 5


def test_the_store_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env = tmp_path / "env.db"
    monkeypatch.setenv(config.ENV_STORE, str(from_env))
    assert cli.main(["import", str(examples_file(tmp_path))]) == 0
    assert count(config.sqlite_url(from_env)) == 5
    option = tmp_path / "option.db"
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", str(option)]) == 0
    assert count(config.sqlite_url(option)) == 5


class ExplodingProgress:
    """A progress display whose update raises Ctrl-C on one task."""

    def __init__(self, explode_on: str) -> None:
        self.explode_on = explode_on

    def add_task(self, description: str, **_: Any) -> str:
        return description

    def update(self, task: str, **_: Any) -> None:
        if task == self.explode_on:
            raise KeyboardInterrupt


@pytest.mark.parametrize("phase", ["importing"])  # lines are checked while they are written
def test_ctrl_c_writes_nothing(
    tmp_path: Path,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    phase: str,
) -> None:
    @contextmanager
    def progress(**_: Any) -> Iterator[ExplodingProgress]:
        yield ExplodingProgress(phase)

    monkeypatch.setattr(cli, "_progress", progress)
    monkeypatch.setattr("mediator.importer.PROGRESS_EVERY", 1)
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", url]) == 130
    assert "interrupted, nothing was imported" in capsys.readouterr().err
    assert count(url) == 0


# --- seed ----------------------------------------------------------------------------------


def test_seed(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "SEED_BATCH", 25)  # three transactions
    now = "2026-11-22T12:00:00Z"
    assert cli.main(["seed", "--disputes", "60", "--seed", "3", "--now", now, "--store", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("seeded 60 disputes (seed 3) into sqlite:")
    assert out.rstrip().endswith(
        "60 inserted, 0 updated, 0 skipped; 8 resolved, each with its decision"
    )
    assert count(url) == 60
    # the same run again: same ids, same revisions → all skipped
    assert cli.main(["seed", "--disputes", "60", "--seed", "3", "--now", now, "--store", url]) == 0
    assert "0 inserted, 0 updated, 60 skipped" in capsys.readouterr().out
    assert count(url) == 60


def planner_statistics(url: str) -> list[str]:
    """The indexes of `disputes` SQLite's planner has statistics for (`ANALYZE`)."""
    with opened(url) as store, store.engine.connect() as conn:
        has_table = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first()
        if has_table is None:
            return []
        query = "SELECT idx FROM sqlite_stat1 WHERE tbl = 'disputes' ORDER BY idx"
        return [idx for (idx,) in conn.exec_driver_sql(query)]


def test_a_big_seed_leaves_the_planner_its_statistics(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: without statistics SQLite read the queue's first page at 1M through issue 22's
    status-first index and sorted every queued dispute (90 ms; the last page ~1 s). A seed of
    `ANALYZE_AFTER` disputes or more refreshes them once, at its end, whatever its batches."""
    from mediator.store.sql import bulk_load

    monkeypatch.setattr(cli, "SEED_BATCH", 25)
    monkeypatch.setattr(bulk_load, "ANALYZE_AFTER", 60)
    now = "2026-11-22T12:00:00Z"
    assert cli.main(["seed", "--disputes", "59", "--seed", "3", "--now", now, "--store", url]) == 0
    assert planner_statistics(url) == []  # small: left as it was
    assert cli.main(["seed", "--disputes", "60", "--seed", "4", "--now", now, "--store", url]) == 0
    indexes = planner_statistics(url)
    assert "ix_disputes_urgency" in indexes and "ix_disputes_status_urgency" in indexes


def test_seeding_again_with_another_seed_updates_in_place(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Message and evidence ids belong to their dispute, so a newer revision never collides."""
    assert cli.main(["seed", "--disputes", "200", "--seed", "1", "--store", url]) == 0
    assert cli.main(["seed", "--disputes", "200", "--seed", "2", "--store", url]) == 0
    out = capsys.readouterr().out.splitlines()
    second = [line for line in out if line.startswith("seeded 200 disputes (seed 2)")]
    assert len(second) == 1 and ", 0 updated" not in second[0]
    assert count(url) == 200


@pytest.mark.parametrize(
    "args",
    [
        ["seed"],
        ["seed", "--disputes", "-1"],
        ["seed", "--disputes", "x"],
        ["seed", "--disputes", "3", "--now", "2026-11-22T12:00:00"],
        ["bogus"],
    ],
)
def test_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(args) == 2
    assert "error:" in capsys.readouterr().err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "import" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mediator {mediator.__version__}"


# --- console and demo ------------------------------------------------------------------------


def test_console_opens_the_store_as_the_agent(
    url: str, console: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.main(["--store", url, "--agent", "agent.ana"]) == 0
    monkeypatch.setenv(config.ENV_AGENT, "agent.env")
    assert cli.main(["--store", url]) == 0
    assert [c["agent"] for c in console] == ["agent.ana", "agent.env"]
    assert console[0]["label"].endswith("m.db")


def test_lease_and_drafts_are_given_to_the_console(
    url: str, console: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """`--lease SECONDS` (issue 15) within 10 s to 1 h; drafts are kept per store and agent."""
    assert cli.main(["--store", url, "--agent", "agent.ana", "--lease", "60"]) == 0
    assert cli.main(["--store", url, "--agent", "agent.bo"]) == 0
    assert [c["lease"] for c in console] == [timedelta(seconds=60), timedelta(minutes=3)]
    ana, bo = (c["drafts"] for c in console)
    assert ana.directory != bo.directory
    assert ana.directory.parent == config.drafts_dir()
    assert cli.main(["--store", url, "--lease", "5"]) == 2
    assert "a lease lasts from 10 seconds to 60 minutes" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["[@click=app.quit]ana[/]", "ana smith", "ana@example.com", "-ana", "a" * 65, "ána"]
)
def test_an_agent_name_outside_the_character_set_is_a_usage_error(
    url: str,
    console: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    """The agent's name is shown in titles and recorded as `decided_by`: the id character
    set, 1-64, starting with a letter or digit, whichever way it is given."""
    assert cli.main(["--store", url, f"--agent={name}"]) == 2
    assert capsys.readouterr().err.startswith(f"mediator: error: --agent: {name!r} is not an ")
    monkeypatch.setenv(config.ENV_AGENT, name)
    assert cli.main(["demo"]) == 2
    assert capsys.readouterr().err.startswith(f"mediator: error: $MEDIATOR_AGENT: {name!r} ")
    monkeypatch.delenv(config.ENV_AGENT)
    monkeypatch.setattr("getpass.getuser", lambda: "DOMAIN\\josé")  # agent.DOMAIN\josé
    assert cli.main(["--store", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mediator: error: agent.LOGIN (give --agent NAME or $MEDIATOR_AGENT)")
    assert console == []


def test_staff_names_outside_the_character_set_are_refused(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("agent.ana@example.com", "[b]kim[/b]", "kim\x1b[31m", "-kim"):
        assert cli.main(["staff", "add", "--role", "agent", "--store", url, "--", name]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"mediator: error: {name!r} is not a staff name: "), err
        assert "\x1b" not in err
    assert cli.main(["staff", "add", "agent.kim:2", "--role", "agent", "--store", url]) == 0
    capsys.readouterr()
    assert cli.main(["staff", "list", "--store", url]) == 0
    assert capsys.readouterr().out == "agent.kim:2\tagent\n"


def test_demo_is_created_once_and_reset(
    tmp_path: Path, console: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "data" / "demo.db"
    assert cli.main(["demo"]) == 0
    assert capsys.readouterr().out == f"demo store: {demo} (created, 305 disputes)\n"
    assert console[-1]["count"] == 305
    assert console[-1]["agent"].startswith("agent.")
    with opened(f"sqlite:///{demo}") as store:  # the generated resolved disputes are decided
        resolved = [store.get_dispute_sync(f"D-{100_001 + i}") for i in range(cli.DEMO_DISPUTES)]
        resolved = [r for r in resolved if r.dispute.status == "resolved"]
        assert len(resolved) > 10
        assert all(len(r.decisions) == 1 for r in resolved)

    extra = examples()[0]
    extra["id"] = "D-999"
    for item in (*extra["messages"], *extra["evidence"]):
        item["id"] = item["id"].replace("-", "-999")  # ids are unique per kind, store-wide
    path = write(tmp_path / "one.jsonl", [json.dumps(extra)])
    assert cli.main(["import", str(path), "--store", str(demo)]) == 0
    capsys.readouterr()
    assert cli.main(["demo", "--agent", "agent.bo"]) == 0
    assert capsys.readouterr().out.startswith(f"demo store: {demo} (306 disputes;")
    assert console[-1] == {**console[-1], "count": 306, "agent": "agent.bo"}

    assert cli.main(["demo", "--reset"]) == 0
    assert "created, 305 disputes" in capsys.readouterr().out
    assert console[-1]["count"] == 305


def test_demo_refuses_another_store(
    url: str, console: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--store", url, "demo"]) == 2
    assert "demo uses its own store" in capsys.readouterr().err
    assert console == []


# --- config ----------------------------------------------------------------------------------


def test_config_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert config.store_url() == f"sqlite:///{tmp_path / 'data' / 'mediator.db'}"
    assert config.store_url("rel.db") == f"sqlite:///{tmp_path / 'rel.db'}"
    monkeypatch.setenv(config.ENV_STORE, "postgresql://u@h/db")
    assert config.store_url() == "postgresql://u@h/db"
    assert config.store_url("sqlite:///x.db") == "sqlite:///x.db"
    assert config.demo_store_path() == tmp_path / "data" / "demo.db"
    with pytest.raises(ValueError):
        config.normalise_store("  ")


def test_agent_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "ana")
    assert config.agent_name() == "agent.ana"
    monkeypatch.setenv(config.ENV_AGENT, "agent.env")
    assert config.agent_name() == "agent.env"
    assert config.agent_name(" agent.opt ") == "agent.opt"


def test_data_dir_defaults_to_platformdirs() -> None:
    import platformdirs

    assert config.data_dir({}) == Path(platformdirs.user_data_dir("mediator"))


# --- a real process ---------------------------------------------------------------------------


def run(*args: str, cwd: Path, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), config.ENV_DATA_DIR: str(data)}
    env.pop(config.ENV_STORE, None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_m_mediator_import(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok = run("-m", "mediator", "import", str(examples_file(tmp_path)), cwd=tmp_path, data=data)
    assert (ok.returncode, ok.stderr) == (0, "")
    assert "5 inserted" in ok.stdout

    broken = write(tmp_path / "broken.jsonl", ["[]", "{"])
    bad = run("-m", "mediator", "import", str(broken), cwd=tmp_path, data=data)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[-1] == f"nothing was imported: 2 errors in {broken}"

    (tmp_path / "corrupt.db").write_bytes(b"\x00garbage" * 512)
    store = ["--store", str(tmp_path / "corrupt.db")]
    corrupt = run("-m", "mediator", "import", str(broken), *store, cwd=tmp_path, data=data)
    assert corrupt.returncode == 2
    assert "Traceback" not in corrupt.stderr
    assert corrupt.stderr.startswith("mediator: error: cannot open")


def test_import_and_seed_do_not_load_textual(tmp_path: Path) -> None:
    code = (
        "import sys; from mediator.cli import main; "
        f"assert main(['import', {str(examples_file(tmp_path))!r}]) == 0; "
        "assert main(['seed', '--disputes', '5']) == 0; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = run("-c", code, cwd=tmp_path, data=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_escalate_for_cron(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.store.conftest import make_dispute

    url = f"sqlite:///{tmp_path / 'cron.db'}"
    silent = make_dispute(1, status="open", messages=1)  # the buyer's message only
    silent = silent.model_copy(update={"escalated_at": None, "escalation_cause": None})
    with SqlStore.open(url) as store:
        store.import_disputes([silent])
    due = (silent.opened_at + timedelta(hours=24)).isoformat()
    assert cli.main(["escalate", "--store", url, "--now", due]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "escalated D-1 (seller_silent)",
        f"1 disputes escalated in sqlite:{tmp_path / 'cron.db'}",
    ]
    assert cli.main(["escalate", "--store", url, "--now", due]) == 0  # idempotent
    assert capsys.readouterr().out.startswith("0 disputes escalated")
