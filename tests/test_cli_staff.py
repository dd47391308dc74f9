"""`mediator staff token` and `mediator staff revoke` (issue 20: a revoked token ends its browser
sessions; here, that the store and the API stop accepting it)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mediator import cli
from mediator.domain.audit import AuditAction
from mediator.store.sql import SqlStore


def test_a_new_token_replaces_the_old_and_a_revoked_one_works_nowhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert cli.main(["staff", "add", "agent.ana", "--role", "agent", "--store", url]) == 0
    first = capsys.readouterr().out.strip()
    assert cli.main(["staff", "token", "agent.ana", "--store", url]) == 0
    out, err = capsys.readouterr()
    second = out.strip()
    assert second.startswith("mdt_") and second != first
    assert "the old one no longer works" in err
    with SqlStore.open(url) as store:
        assert store.staff_for_token_sync(first) is None
        member = store.staff_for_token_sync(second)
        assert member is not None and member.name == "agent.ana"
    assert cli.main(["staff", "revoke", "agent.ana", "--store", url]) == 0
    assert "revoked the token of agent.ana" in capsys.readouterr().err
    with SqlStore.open(url) as store:
        assert store.staff_for_token_sync(second) is None
        assert store.staff_member_sync("agent.ana") is not None  # still on staff, no token
        trail = io.StringIO()
        store.audit_export_sync(trail)
        assert store.audit_verify_sync().ok  # the new entries chain like every other
    actions = [json.loads(line).get("action") for line in trail.getvalue().splitlines()]
    assert AuditAction.TOKEN_ISSUED.value in actions
    assert AuditAction.TOKEN_REVOKED.value in actions
    assert cli.main(["staff", "token", "agent.ana", "--store", url]) == 0  # a way back
    assert capsys.readouterr().out.startswith("mdt_")


def test_an_unknown_member_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    for action in ("token", "revoke"):
        assert cli.main(["staff", action, "agent.nobody", "--store", url]) == 2
        assert capsys.readouterr().err == (
            "mediator: error: no staff member 'agent.nobody' (mediator staff list)\n"
        )
