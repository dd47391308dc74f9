"""`domain.audit` on hand-built trails: the chain, `verify` against a checkpoint, and an
export checked against nothing but itself (`verify_export`)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mediator.domain.audit import (
    GENESIS,
    AuditAction,
    AuditEntry,
    Checkpoint,
    StoredEntry,
    canonical_body,
    chain_hash,
    export_line,
    trailer_line,
    verify,
    verify_export,
)

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def trail(n: int, *, dispute: str = "D-1") -> list[StoredEntry]:
    """`n` entries, each chained to the one before, as a store holds them."""
    rows: list[StoredEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        at = AT + timedelta(minutes=seq)
        body = canonical_body(
            action=AuditAction.NOTE_ADDED,
            actor="ana",
            at=at,
            dispute_id=dispute,
            before=None,
            after={"message_id": f"M-{seq}", "body": f"note {seq} — ünï"},
        )
        digest = chain_hash(prev, body)
        rows.append(StoredEntry(seq, at, "ana", "note_added", dispute, body, prev, digest))
        prev = digest
    return rows


def whole(rows: list[StoredEntry]) -> Checkpoint:
    return Checkpoint(len(rows), rows[-1].hash if rows else GENESIS)


def test_the_hash_is_sha256_of_the_previous_hash_and_the_body() -> None:
    body = '{"a":1}'
    assert chain_hash(GENESIS, body) == hashlib.sha256((GENESIS + body).encode()).hexdigest()


def test_the_body_is_canonical_and_needs_an_aware_time() -> None:
    body = canonical_body(
        action=AuditAction.CLAIMED,
        actor="ana",
        at=AT,
        dispute_id="D-1",
        before={"holder": None},
        after={"holder": "ana", "until": "x"},
    )
    assert body == (
        '{"action":"claimed","actor":"ana","after":{"holder":"ana","until":"x"},'
        '"at":"2026-11-22T12:00:00.000000Z","before":{"holder":null},"dispute_id":"D-1"}'
    )
    with pytest.raises(ValueError, match="naive"):
        canonical_body(
            action="x", actor="a", at=AT.replace(tzinfo=None), dispute_id=None, before=None,
            after=None,
        )  # fmt: skip


def test_a_whole_trail_verifies() -> None:
    rows = trail(3)
    result = verify(rows, whole(rows))
    assert (result.ok, result.count, result.head, result.seq) == (True, 3, rows[-1].hash, None)
    empty = verify([], None)
    assert (empty.ok, empty.count, empty.head) == (True, 0, GENESIS)
    assert verify([], Checkpoint(0, GENESIS)).ok


@pytest.mark.parametrize(
    ("change", "seq", "words"),
    [
        ({"body": "not json"}, 2, "entry 2: its body is not JSON"),
        ({"body": "[1]"}, 2, "entry 2: its body is not canonical JSON"),
        ({"at": AT}, 2, "entry 2: its at column ('2026-11-22T12:00:00.000000Z') differs"),
        ({"dispute_id": "D-9"}, 2, "entry 2: its dispute_id column ('D-9') differs"),
        ({"action": "claimed"}, 2, "entry 2: its action column ('claimed') differs"),
        ({"hash": "f" * 64}, 2, "entry 2: its hash does not match its content"),
        ({"prev": "e" * 64}, 2, "entry 2 does not follow entry 1"),
    ],
)
def test_an_edited_row_is_named(change: dict[str, object], seq: int, words: str) -> None:
    rows = trail(3)
    checkpoint = whole(rows)
    rows[1] = replace(rows[1], **change)  # type: ignore[arg-type]
    result = verify(rows, checkpoint)
    assert (result.ok, result.seq) == (False, seq)
    assert result.problem is not None and result.problem.startswith(words), result.problem


def test_a_body_edited_with_its_spacing_kept_canonical_is_caught_by_the_hash() -> None:
    rows = trail(3)
    edited = replace(rows[1], body=rows[1].body.replace("note 2", "note X"))
    result = verify([rows[0], edited, rows[2]], whole(rows))
    assert result.problem == "entry 2: its hash does not match its content (the entry was edited)"


def test_deleted_repeated_and_cut_entries() -> None:
    rows = trail(5)
    checkpoint = whole(rows)
    gone = verify([rows[0], rows[3], rows[4]], checkpoint)
    assert (gone.seq, gone.problem) == (4, "entry 4: entries 2 to 3 are missing (deleted?)")
    again = verify([rows[0], rows[1], rows[1]], checkpoint)
    assert again.problem == "entry 2: entry 2 appears again after entry 2 (deleted?)"
    cut = verify(rows[:3], checkpoint)
    assert (cut.seq, cut.count, cut.head) == (None, 3, rows[2].hash)
    assert cut.problem == (
        "the trail ends at entry 3, but the checkpoint says 5 entries: the last 2 were cut"
    )
    first = verify(rows[1:], checkpoint)
    assert (first.seq, first.problem) == (2, "entry 2: entry 1 is missing (deleted?)")


def test_the_checkpoint_must_match() -> None:
    rows = trail(3)
    assert verify(rows, None).problem == "the checkpoint is missing (it was deleted)"
    behind = verify(rows, Checkpoint(2, rows[1].hash))
    assert behind.problem is not None and behind.problem.startswith("the checkpoint (count 2")
    other = verify(rows, Checkpoint(3, "a" * 64))
    assert other.seq == 3
    assert other.problem is not None
    assert other.problem.startswith("entry 3, the last, is not the one the checkpoint holds")


# --- exports -------------------------------------------------------------------------------------


def exported(rows: list[StoredEntry], *, store: list[StoredEntry] | None = None) -> list[str]:
    whole_trail = store if store is not None else rows
    lines = [export_line(row.entry()) for row in rows]
    head = rows[-1].hash if rows else GENESIS
    store_head = whole_trail[-1].hash if whole_trail else GENESIS
    trailer = trailer_line(
        count=len(rows), head=head, store_count=len(whole_trail), store_head=store_head
    )
    return [*lines, trailer]


def test_an_export_round_trips_and_verifies() -> None:
    rows = trail(3)
    lines = exported(rows)
    assert AuditEntry.model_validate_json(lines[0]) == rows[0].entry()
    result = verify_export(iter(lines))
    assert (result.ok, result.count, result.head) == (True, 3, rows[-1].hash)
    assert verify_export(iter(["", *lines, "  "])).ok  # blank lines are no entries


def test_an_empty_export_verifies_and_a_missing_trailer_does_not() -> None:
    assert verify_export(iter(exported([]))).ok
    assert verify_export(iter([])).problem == "the trailer is missing: the file was cut"


def test_a_filtered_export_has_gaps_and_verifies() -> None:
    rows = trail(6)
    part = [rows[1], rows[2], rows[5]]
    assert verify_export(iter(exported(part, store=rows))).ok


def test_an_export_that_claims_the_whole_trail_must_start_at_1() -> None:
    rows = trail(4)
    lines = exported(rows[1:], store=rows[1:])  # the trailer says: the whole trail
    result = verify_export(iter(lines))
    assert result.problem == (
        "line 4: the trailer says the file is the whole trail, but entry 1 is not in the file "
        "(deleted?)"
    )


def test_a_first_entry_that_does_not_start_the_trail() -> None:
    rows = trail(2)
    lines = exported(rows)
    entry = rows[0].entry().model_copy(update={"prev": "b" * 64})
    lines[0] = export_line(entry)
    assert verify_export(iter(lines)).problem == "line 1: entry 1 does not start the trail"


def test_a_trailer_that_is_not_an_object() -> None:
    rows = trail(1)
    lines = [*exported(rows)[:-1], '{"trailer": 7}']
    assert verify_export(iter(lines)).problem == "line 2: the trailer is not an object"
