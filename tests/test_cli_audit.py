"""`mediator audit export` and `mediator audit verify FILE` (issue 16), and who the command
line's writes are recorded as; on real SQLite files and on PostgreSQL.

An export is JSON Lines with a trailer; `verify FILE` checks it against nothing but itself, so
each way of tampering with the file (an edited, deleted, moved or forged line, a cut tail or
trailer) is caught and named."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from mediator import cli, config
from mediator.clock import FrozenClock
from mediator.domain.audit import AuditEntry, chain_hash, export_line, utc_text
from mediator.store.sql import SqlStore
from mediator.store.sql.audit import stored_entries
from mediator.store.sql.engine import read_tx
from tests.store.conftest import NOW, make_dispute
from tests.store.conftest import store_url as store_url  # the sqlite + postgres parametrisation
from tests.test_cli import examples_file

LEASE = timedelta(minutes=10)  # ana still holds D-1 when she releases it
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real home: the data directory is in tmp, no store or agent from env."""
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.delenv(config.ENV_STORE, raising=False)
    monkeypatch.delenv(config.ENV_AGENT, raising=False)


@pytest.fixture
def url(store_url: str) -> str:
    """A store whose trail has six entries, a minute apart (entry k at NOW + k-1 minutes):
    1 import, 2 ana claims D-1, 3 ana's note on D-1, 4 bo claims D-2, 5 bo's note on D-2,
    6 ana releases D-1."""
    clock = FrozenClock(NOW)
    with SqlStore.open(store_url, clock=clock.now) as store:
        store.import_disputes([make_dispute(n) for n in range(1, 4)])
        clock.advance(MINUTE)
        store.claim_sync("D-1", actor="ana", lease=LEASE)
        clock.advance(MINUTE)
        store.add_note_sync("D-1", "first note", actor="ana", now=clock.now())
        clock.advance(MINUTE)
        store.claim_sync("D-2", actor="bo", lease=LEASE)
        clock.advance(MINUTE)
        store.add_note_sync("D-2", "second note", actor="bo", now=clock.now())
        clock.advance(MINUTE)
        store.release_sync("D-1", actor="ana")
    return store_url


def head_of(url: str) -> str:
    with SqlStore.open(url) as store:
        return store.audit_verify_sync().head


def export(url: str, tmp_path: Path, *options: str) -> Path:
    out = tmp_path / "trail.jsonl"
    assert cli.main(["audit", "export", "--store", url, "-o", str(out), *options]) == 0
    return out


def verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["audit", "verify", str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- export, then verify offline ----------------------------------------------------------------


def test_an_export_verifies_offline(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(url, tmp_path)
    head = head_of(url)
    err = capsys.readouterr().err
    assert err.startswith("exported 6 audit entries from ")
    assert err.rstrip().endswith(f"to {path} (head {head})")
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == 7
    assert [json.loads(line)["seq"] for line in lines[:6]] == [1, 2, 3, 4, 5, 6]
    assert json.loads(lines[6]) == {
        "trailer": {"count": 6, "head": head, "store_count": 6, "store_head": head}
    }
    assert not list(tmp_path.glob("*.partial"))
    assert verify(path, capsys) == (0, f"{path} is whole: 6 entries, head {head}\n", "")


def test_an_export_to_stdout(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", "export", "--store", url]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 7 and "trailer" in json.loads(lines[-1])
    assert "to stdout" in captured.err


def test_a_disputes_export_verifies(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(url, tmp_path, "--dispute", "D-1")
    entries = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert [(e["seq"], e["action"]) for e in entries[:-1]] == [
        (2, "claimed"),
        (3, "note_added"),
        (6, "released"),
    ]
    assert entries[-1]["trailer"]["count"] == 3
    assert entries[-1]["trailer"]["store_count"] == 6
    code, out, _ = verify(path, capsys)
    assert (code, out) == (0, f"{path} is whole: 3 entries, head {entries[-2]['hash']}\n")


def test_an_export_since_a_time(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    since = utc_text(NOW + 4 * MINUTE)  # entries 5 and 6
    path = export(url, tmp_path, "--since", since)
    seqs = [json.loads(line).get("seq") for line in path.read_text("utf-8").splitlines()]
    assert seqs == [5, 6, None]
    assert verify(path, capsys)[0] == 0
    # with an offset other than UTC: the same instant
    path = export(url, tmp_path, "--since", (NOW + 4 * MINUTE).astimezone().isoformat())
    assert [json.loads(line).get("seq") for line in path.read_text("utf-8").splitlines()] == seqs


@pytest.mark.parametrize(
    ("since", "says"),
    [
        ("yesterday", "not a time: 'yesterday' (ISO 8601 with an offset"),
        ("2026-11-22T12:00:00", "a time needs an offset, e.g. 2026-11-20T10:00:00Z"),
    ],
)
def test_a_bad_since_is_a_usage_error(
    url: str, since: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", "export", "--store", url, "--since", since]) == cli.EXIT_ERROR
    assert says in capsys.readouterr().err


# --- a tampered file -----------------------------------------------------------------------------


def forged(line: str) -> str:
    """`line`'s entry with the actor changed and the hash its new content has."""
    entry = AuditEntry.model_validate_json(line).model_copy(update={"actor": "eve"})
    return export_line(entry.model_copy(update={"hash": chain_hash(entry.prev, entry.body)}))


def rewrite_trailer(lines: list[str], count: int) -> list[str]:
    """What a careful forger does after deleting lines: a trailer that matches again."""
    head = json.loads(lines[-2])["hash"]
    trailer = {"count": count, "head": head, "store_count": count, "store_head": head}
    return [*lines[:-1], json.dumps({"trailer": trailer})]


#: what is done to the file's lines (0-based; line k+1 holds entry k+1, line 7 the trailer)
EDITS: dict[str, Callable[[list[str]], list[str]]] = {
    "edit a line": lambda ls: [ls[0], ls[1], ls[2].replace("first note", "kind note"), *ls[3:]],
    "delete a line": lambda ls: [*ls[:2], *ls[3:]],
    "swap two lines": lambda ls: [*ls[:2], ls[3], ls[2], *ls[4:]],
    "cut the trailer": lambda ls: ls[:-1],
    "cut the tail": lambda ls: [*ls[:4], ls[-1]],
    "cut everything": lambda ls: [],
    "forge a line": lambda ls: [*ls[:2], forged(ls[2]), *ls[3:]],
    "delete a line and fix the trailer": lambda ls: rewrite_trailer([*ls[:2], *ls[3:]], 5),
    "not JSON": lambda ls: [*ls[:3], "{oops", *ls[3:]],
    "not an entry": lambda ls: [*ls[:3], '{"seq": "three"}', *ls[3:]],
    "text after the trailer": lambda ls: [*ls, "{}"],
}
FOUND = {
    "edit a line": "line 3: entry 3: its hash does not match its content (the entry was edited)",
    "delete a line": "line 6: the trailer says 6 entries ending in",
    "swap two lines": "line 4: entry 3 comes after entry 4 (reordered)",
    "cut the trailer": "the trailer is missing: the file was cut",
    "cut the tail": "line 5: the trailer says 6 entries ending in",
    "cut everything": "the trailer is missing: the file was cut",
    "forge a line": "line 4: entry 4 does not follow entry 3 (an entry was forged or replaced)",
    "delete a line and fix the trailer": (
        "line 6: the trailer says the file is the whole trail, but entry 3 is not in the file"
    ),
    "not JSON": "line 4: not JSON",
    "not an entry": "line 4: not an audit entry (seq: ",
    "text after the trailer": "line 8: text after the trailer",
}


@pytest.mark.parametrize("how", list(EDITS))
def test_a_tampered_export_is_caught_and_named(
    url: str, tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(url, tmp_path)
    lines = path.read_text("utf-8").splitlines()
    path.write_text("".join(line + "\n" for line in EDITS[how](lines)), "utf-8")
    code, out, err = verify(path, capsys)
    assert (code, out) == (cli.EXIT_INVALID, "")
    assert f"mediator: {path} is NOT whole: {FOUND[how]}" in err, err


def test_the_deleted_line_is_named(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(url, tmp_path)
    lines = path.read_text("utf-8").splitlines()
    path.write_text("".join(line + "\n" for line in [*lines[:2], *lines[3:]]), "utf-8")
    err = verify(path, capsys)[2]
    assert "the file has 5 ending in" in err
    assert "entry 3 is not in the file, before line 3" in err


def test_verify_file_errors(tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    assert cli.main(["audit", "verify", str(missing)]) == cli.EXIT_ERROR
    assert capsys.readouterr().err.startswith(f"mediator: error: cannot read {missing}: ")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage\n")
    assert cli.main(["audit", "verify", str(binary)]) == cli.EXIT_INVALID
    assert "not UTF-8" in capsys.readouterr().err
    path = export(url, tmp_path)
    assert cli.main(["audit", "verify", str(path), "--store", url]) == cli.EXIT_ERROR
    assert "checks the file alone" in capsys.readouterr().err


# --- who the command line's writes are recorded as -----------------------------------------------


def trail(url: str) -> list[tuple[str, str, dict[str, object] | None]]:
    with SqlStore.open(url) as store, read_tx(store.engine) as conn:
        return [(r.action, r.actor, r.entry().after) for r in stored_entries(conn)]


def test_import_seed_and_staff_add_are_recorded(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = store_url
    assert cli.main(["import", str(examples_file(tmp_path)), "--store", empty]) == 0
    monkeypatch.setattr(cli, "SEED_BATCH", 25)  # three transactions: three entries
    assert cli.main(["seed", "--disputes", "60", "--store", empty]) == 0
    assert cli.main(["staff", "add", "sup.kim", "--role", "supervisor", "--store", empty]) == 0
    assert trail(empty) == [
        ("imported", "cli", {"inserted": 5, "updated": 0, "skipped": 0}),
        # each batch's resolved disputes come with their decisions (issue 17)
        ("imported", "seed", {"inserted": 25, "updated": 0, "skipped": 0, "decisions": 3}),
        ("imported", "seed", {"inserted": 25, "updated": 0, "skipped": 0, "decisions": 4}),
        ("imported", "seed", {"inserted": 10, "updated": 0, "skipped": 0, "decisions": 0}),
        ("staff_added", "cli", {"name": "sup.kim", "role": "supervisor"}),
    ]
    assert cli.main(["audit", "verify", "--store", empty]) == 0
