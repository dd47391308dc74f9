"""`mediator macro add|list|show|edit|rm` (issue 19) on a real SQLite file, as the supervisor
named by `--agent` / `$MEDIATOR_AGENT`, and through a real `mediator serve` app with a token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediator import cli, config
from mediator.domain.macros import Macro
from mediator.store.sql import SqlStore
from tests.api.servers import RestartableServer
from tests.store.conftest import NOW


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real home: the data directory is in tmp, no store, agent or API from env."""
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    for name in (config.ENV_STORE, config.ENV_AGENT, config.ENV_API, config.ENV_TOKEN):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """A SQLite store with a supervisor (sup.sam) and an agent (agent.ana)."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with SqlStore.open(url) as store:
        store.add_staff_sync("sup.sam", "supervisor", now=NOW)
        store.add_staff_sync("agent.ana", "agent", now=NOW)
    yield url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stored(url: str) -> list[Macro]:
    with SqlStore.open(url) as store:
        return store.macros_sync(retired=True)


def test_add_list_edit_rm_on_a_database_store(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "macro", "add", "Refunds/Partial, keep item", "--store", url,
        "--agent", "sup.sam", "--message", "Hello {buyer}, {refund} back.",
        "--rationale", "Partial refund; the buyer keeps the item.",
        "--outcome", "buyer_partial_refund",
    )  # fmt: skip
    assert code == 0, err
    [macro] = stored(url)
    assert out == f"added {macro.id} v1 Refunds/Partial, keep item\n"
    assert macro.outcome is not None and macro.outcome.value == "buyer_partial_refund"
    # from a TOML file, with a flag that wins over it
    toml = tmp_path / "ask.toml"
    toml.write_text(
        'path = "Information/Photo"\ninfo_party = "buyer"\n'
        'info_text = "Please send a photo, {buyer}."\nnote = "asked for a photo"\n',
        "utf-8",
    )
    code, _, err = run(
        capsys, "macro", "add", "--file", str(toml), "--note", "photo asked",
        "--store", url, "--agent", "sup.sam",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, "macro", "list", "--store", url)
    ask = next(m for m in stored(url) if m.path == "Information/Photo")
    assert ask.note == "photo asked"
    assert out == (f"Information/Photo\tv1\t{ask.id}\nRefunds/Partial, keep item\tv1\t{macro.id}\n")
    # edit: the next version, made on the one read; --clear empties a field
    code, out, err = run(
        capsys, "macro", "edit", macro.id, "--refund", "10.00", "--clear", "rationale",
        "--store", url, "--agent", "sup.sam",
    )  # fmt: skip
    assert code == 0, err
    assert out == f"edited {macro.id}: now v2 Refunds/Partial, keep item\n"
    code, _, err = run(
        capsys, "macro", "edit", macro.id, "--version", "1", "--note", "late",
        "--store", url, "--agent", "sup.sam",
    )  # fmt: skip
    assert code == cli.EXIT_ERROR
    assert f"{macro.id} changed since version 1" in err
    code, out, _ = run(capsys, "macro", "show", macro.id, "--store", url, "--json")
    shown = json.loads(out)
    assert (shown["version"], shown["refund"], shown["rationale"]) == (2, "10.00", None)
    code, out, _ = run(capsys, "macro", "show", macro.id, "--version", "1", "--store", url)
    assert "rationale: Partial refund; the buyer keeps the item." in out
    # rm retires it: gone from the list, kept for old decisions
    code, out, err = run(capsys, "macro", "rm", macro.id, "--store", url, "--agent", "sup.sam")
    assert code == 0, err
    code, out, _ = run(capsys, "macro", "list", "--store", url, "--json")
    assert [m["id"] for m in json.loads(out)["macros"]] == [ask.id]
    code, out, _ = run(capsys, "macro", "list", "--store", url, "--retired", "--search", "ref")
    assert out == f"Refunds/Partial, keep item\tv2\t{macro.id}  (retired)\n"


def test_agents_and_bad_macros_are_refused_in_one_line(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "macro", "add", "A/B", "--message", "hi", "--store", url, "--agent", "agent.ana"
    )
    assert code == cli.EXIT_ERROR
    assert err == "mediator: error: agent.ana is an agent: only a supervisor may add a macro\n"
    code, _, err = run(
        capsys, "macro", "add", "A/B", "--message", "Dear {byuer}", "--store", url,
        "--agent", "sup.sam",
    )  # fmt: skip
    assert code == cli.EXIT_ERROR
    assert "message: unknown placeholder {byuer}: did you mean {buyer}?" in err
    code, _, err = run(capsys, "macro", "add", "A/B", "--store", url, "--agent", "sup.sam")
    assert code == cli.EXIT_ERROR and "an empty macro" in err
    code, _, err = run(
        capsys, "macro", "add", "A/B", "--refund", "lots", "--store", url, "--agent", "sup.sam"
    )
    assert code == cli.EXIT_ERROR and "refund" in err and "'lots' is not a decimal amount" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"path": "A", "mesage": "x"}', "utf-8")
    code, _, err = run(
        capsys, "macro", "add", "--file", str(bad), "--store", url, "--agent", "sup.sam"
    )
    assert code == cli.EXIT_ERROR and "mesage: unknown field" in err
    code, _, err = run(capsys, "macro", "rm", "MAC-nope", "--store", url, "--agent", "sup.sam")
    assert code == cli.EXIT_ERROR and "no macro 'MAC-nope'" in err
    assert stored(url) == []


def test_through_the_api_as_the_tokens_owner(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with SqlStore.open(url) as store:
        sam = store.add_staff_sync("sup.kim", "supervisor", now=NOW)
        bo = store.add_staff_sync("agent.bo", "agent", now=NOW)
        server = RestartableServer(store, NOW)
        server.start()
        try:
            code, out, err = run(
                capsys, "macro", "add", "Greeting/Hello", "--message", "Hello {buyer}",
                "--api", server.url, "--token", sam,
            )  # fmt: skip
            assert code == 0, err
            [macro] = store.macros_sync()
            assert macro.updated_by == "sup.kim"
            code, out, err = run(
                capsys, "macro", "edit", macro.id, "--note", "x", "--api", server.url,
                "--token", bo,
            )  # fmt: skip
            assert code == cli.EXIT_ERROR and "agent.bo" in err
            code, out, _ = run(capsys, "macro", "list", "--api", server.url, "--token", bo)
            assert out == f"Greeting/Hello\tv1\t{macro.id}\n"
        finally:
            server.stop()
