"""The rows an import writes (issue 18): made faster, still the same rows.

`prepared.message_row` and `evidence_row` build the SQLite driver's tuples directly, `rows.
is_flagged` remembers long bodies too, and `bulk_load` defers an empty store's indexes: the
store an import leaves is held here to the rows the code before these changes wrote (a digest
taken with commit cafe26a), and to what the domain says of every dispute read back.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from string import ascii_lowercase
from typing import Any

import pytest

from mediator import bulk, cli
from mediator.domain import Dispute, DisputeRecord
from mediator.domain.flags import flag_message
from mediator.seed import generate
from mediator.store.sql import SqlStore, rows
from mediator.store.sql.prepared import (
    EVIDENCE_ROW,
    MESSAGE_ROW,
    driver_row,
    evidence_row,
    message_row,
    sqlite_insert,
)
from mediator.store.sql.schema import evidence, messages
from tests.store.conftest import EXAMPLES, example_disputes

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
#: sha256 of the rows of disputes, messages and evidence after importing `lines()` with
#: `mediator import`, as commit cafe26a (before issue 18's writer work) wrote them.
ROWS_BEFORE = "cda74514bea3f0f4b3eb8f8b68a0e925a445b42a91f6eaf329d474de8fe9d056"


def lines() -> list[str]:
    """The examples and 300 generated disputes (long machine-written messages among them)."""
    examples = [line for line in EXAMPLES.read_text("utf-8").splitlines() if line.strip()]
    return [*examples, *(d.model_dump_json() for d in generate(300, seed=4, now=NOW))]


def digest(url: str) -> str:
    """sha256 of every row of the tables an import writes, in id order."""
    found = hashlib.sha256()
    with SqlStore.open(url) as store, store.engine.connect() as conn:
        for table in ("disputes", "messages", "evidence"):
            for row in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id"):
                found.update(json.dumps(list(row)).encode())
    return found.hexdigest()


def imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """`lines()` imported by `mediator import` through its worker processes; the store's URL."""
    monkeypatch.setattr(bulk, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(bulk, "LINES_PER_TASK", 37)
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines()) + "\n", "utf-8")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert cli.main(["import", str(path), "--store", url]) == 0
    return url


def test_an_import_writes_the_rows_it_wrote_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert digest(imported(tmp_path, monkeypatch)) == ROWS_BEFORE


def by_id(d: Dispute) -> dict[str, Any]:
    """`d` as data, its messages and evidence in id order (the store reads them by time)."""
    data = d.model_dump()
    for key in ("messages", "evidence"):
        data[key] = sorted(data[key], key=lambda item: item["id"])
    return data


def test_every_dispute_reads_back_as_the_line_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read through the store (not the rows): each dispute equals its line, and the derived
    columns (the queue's deadline, the flag count) are the domain's."""
    url = imported(tmp_path, monkeypatch)
    disputes = [Dispute.model_validate_json(line) for line in lines()]
    with SqlStore.open(url) as store:
        assert store.count_disputes() == len(disputes)
        for d in disputes:
            assert by_id(store.get_dispute_sync(d.id).dispute) == by_id(d)
        with store.engine.connect() as conn:
            derived = {
                id_: (urgency_at, rule, flagged)
                for id_, urgency_at, rule, flagged in conn.exec_driver_sql(
                    "SELECT id, urgency_at, deadline_rule, flagged_count FROM disputes"
                )
            }
    for d in disputes:
        want = rows.deadline_values(DisputeRecord(dispute=d, version=1))
        at = want["urgency_at"].astimezone(UTC).replace(tzinfo=None)
        flagged = sum(
            1 for m in d.messages if m.channel.value != "staff_note" and flag_message(m.body)
        )
        assert derived[d.id] == (at.isoformat(" ", "microseconds"), want["deadline_rule"], flagged)


def test_message_and_evidence_rows_are_the_driver_rows_of_the_core_values() -> None:
    assert sqlite_insert(messages)[3] == MESSAGE_ROW
    assert sqlite_insert(evidence)[3] == EVIDENCE_ROW
    disputes = [*example_disputes(), *generate(200, seed=8, now=NOW)]
    named = disputes[0].messages[0].model_copy(update={"author_name": "Ana (support)"})
    disputes.append(disputes[0].model_copy(update={"messages": (named,)}))
    assert any(e.sha256 for d in disputes for e in d.evidence)
    for d in disputes:
        for m in d.messages:
            assert message_row(d.id, m) == driver_row(messages, rows.message_values(d.id, m))
        for e in d.evidence:
            assert evidence_row(d.id, e) == driver_row(evidence, rows.evidence_values(d.id, e))


def test_long_bodies_are_remembered_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "_FLAGGED", {})
    monkeypatch.setattr(rows, "_memo_chars", 0)
    monkeypatch.setattr(rows, "_MEMO_CHARS", 12_000)
    letters = random.Random(3)
    words = ("".join(letters.choices(ascii_lowercase, k=letters.randint(3, 9))) for _ in range(250))
    plain = " ".join(words)  # 1,716 characters, nothing to flag
    contact = plain + " Message me on telegram @deal_maker, cheaper there."
    notice = "Please read carefully. " * 400  # 9,200 characters of machine-written spam
    huge = "x" * (rows._MEMO_BODY_CHARS + 1)
    for body in (plain, contact, huge):
        assert rows.is_flagged(body) == bool(flag_message(body))
        assert rows.is_flagged(body) == bool(flag_message(body))  # remembered, same verdict
    assert rows.is_flagged(contact) and not rows.is_flagged(plain)
    assert set(rows._FLAGGED) == {plain, contact}  # `huge` is too long to keep
    assert rows.is_flagged(notice)  # over the character budget: the memo starts again
    assert set(rows._FLAGGED) == {notice}
    assert rows._memo_chars == len(notice)
