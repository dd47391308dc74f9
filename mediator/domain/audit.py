"""The audit trail (issue 16): every action, chained so that tampering shows.

Each entry's `body` is the canonical JSON of what happened (`canonical_body`: the action, the
actor, the time, the dispute, the before and the after); its `hash` is the SHA-256 of the
previous entry's hash followed by that body (`chain_hash`; the first entry follows `GENESIS`).
The store keeps a checkpoint of the newest hash and the count, written in the same transaction,
so a cut tail shows as well as an edited, forged, reordered or deleted entry (`verify`).

An export (`mediator audit export`) is JSON Lines: one entry per line, each with its `prev`
hash, then a trailer line with the count and the head, so that a file can be checked offline
against nothing but itself (`verify_export`).

Pure data and pure functions: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from mediator.domain.models import StrictModel, UtcTime

#: What the first entry follows.
GENESIS = "0" * 64


class AuditAction(StrEnum):
    CLAIMED = "claimed"
    RELEASED = "released"
    TAKEN_OVER = "taken_over"
    BROKEN = "broken"
    HANDED_OVER = "handed_over"
    NOTE_ADDED = "note_added"
    INFO_REQUESTED = "info_requested"
    DECIDED = "decided"
    DECISION_PROPOSED = "decision_proposed"
    DECISION_APPROVED = "decision_approved"
    DECISION_OVERTURNED = "decision_overturned"
    DECISION_RETURNED = "decision_returned"
    ESCALATED = "escalated"
    IMPORTED = "imported"
    STAFF_ADDED = "staff_added"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"
    REVIEW_RULE_SET = "review_rule_set"
    MACRO_ADDED = "macro_added"
    MACRO_EDITED = "macro_edited"
    MACRO_RETIRED = "macro_retired"

    @property
    def words(self) -> str:
        return {
            AuditAction.CLAIMED: "claimed it",
            AuditAction.RELEASED: "released it",
            AuditAction.TAKEN_OVER: "took it over",
            AuditAction.BROKEN: "broke the claim",
            AuditAction.HANDED_OVER: "handed it over",
            AuditAction.NOTE_ADDED: "wrote a note",
            AuditAction.INFO_REQUESTED: "asked for information",
            AuditAction.DECIDED: "decided",
            AuditAction.DECISION_PROPOSED: "proposed a decision",
            AuditAction.DECISION_APPROVED: "approved the proposal",
            AuditAction.DECISION_OVERTURNED: "overturned the proposal",
            AuditAction.DECISION_RETURNED: "returned the proposal",
            AuditAction.ESCALATED: "escalated it",
            AuditAction.IMPORTED: "imported",
            AuditAction.STAFF_ADDED: "added staff",
            AuditAction.TOKEN_ISSUED: "issued a new token",
            AuditAction.TOKEN_REVOKED: "revoked a token",
            AuditAction.REVIEW_RULE_SET: "set the review rule",
            AuditAction.MACRO_ADDED: "added a macro",
            AuditAction.MACRO_EDITED: "edited a macro",
            AuditAction.MACRO_RETIRED: "retired a macro",
        }[self]


def utc_text(at: datetime) -> str:
    """A time as the trail writes it: UTC, microseconds, `Z`."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()} (a UTC offset is required)")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text as is (the bytes that are hashed)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_body(
    *,
    action: AuditAction | str,
    actor: str,
    at: datetime,
    dispute_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> str:
    return canonical(
        {
            "action": str(action),
            "actor": actor,
            "at": utc_text(at),
            "dispute_id": dispute_id,
            "before": before,
            "after": after,
        }
    )


def chain_hash(prev: str, body: str) -> str:
    """SHA-256 (hex) of the previous entry's hash followed by this entry's canonical body."""
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


class AuditEntry(StrictModel):
    """One entry of the trail, as a store holds it and an export writes it."""

    seq: int
    at: UtcTime
    actor: str
    action: str
    dispute_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev: str
    hash: str

    @property
    def body(self) -> str:
        return canonical_body(
            action=self.action,
            actor=self.actor,
            at=self.at,
            dispute_id=self.dispute_id,
            before=self.before,
            after=self.after,
        )

    @property
    def words(self) -> str:
        try:
            return AuditAction(self.action).words
        except ValueError:
            return self.action


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as the database holds it: the hashed `body` text and the columns kept beside it
    for searching (which must agree with the body)."""

    seq: int
    at: datetime
    actor: str
    action: str
    dispute_id: str | None
    body: str
    prev: str
    hash: str

    def entry(self) -> AuditEntry:
        data = json.loads(self.body)
        return AuditEntry(
            seq=self.seq,
            at=datetime.fromisoformat(data["at"]),
            actor=data["actor"],
            action=data["action"],
            dispute_id=data["dispute_id"],
            before=data["before"],
            after=data["after"],
            prev=self.prev,
            hash=self.hash,
        )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The store's record of the trail's length and newest hash."""

    count: int
    head: str


@dataclass(frozen=True, slots=True)
class Verified:
    """What a check of the trail found: `problem` is None when it is whole."""

    count: int
    head: str
    problem: str | None = None
    #: The sequence number of the first entry that is wrong (None: the checkpoint, or whole).
    seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _body_problem(row: StoredEntry) -> str | None:
    """Why the searchable columns or the body itself are not what was hashed, or None."""
    try:
        data = json.loads(row.body)
    except ValueError:
        return "its body is not JSON"
    if not isinstance(data, dict) or canonical(data) != row.body:
        return "its body is not canonical JSON"
    expected = {
        "action": row.action,
        "actor": row.actor,
        "at": utc_text(row.at),
        "dispute_id": row.dispute_id,
    }
    for key, value in expected.items():
        if data.get(key) != value:
            return f"its {key} column ({value!r}) differs from the {key} it was hashed with"
    return None


def verify(rows: Iterable[StoredEntry], checkpoint: Checkpoint | None) -> Verified:
    """Walk the whole trail in `seq` order and name the first entry that is wrong, and how.

    Caught: an edited entry (its hash no longer matches its body), a forged hash (the next entry
    does not follow it), a deleted entry (a gap in the numbers), a reordered pair (an entry
    that does not follow the one before it), and a cut tail (fewer entries, or another head,
    than the checkpoint says)."""
    prev, count = GENESIS, 0
    for row in rows:
        expected_seq = count + 1
        if row.seq != expected_seq:
            missing = (
                f"entries {expected_seq} to {row.seq - 1} are missing"
                if row.seq > expected_seq + 1
                else f"entry {expected_seq} is missing"
            )
            if row.seq < expected_seq:
                missing = f"entry {row.seq} appears again after entry {count}"
            return Verified(count, prev, f"entry {row.seq}: {missing} (deleted?)", row.seq)
        if row.prev != prev:
            what = "the start of the trail" if count == 0 else f"entry {count}"
            return Verified(
                count,
                prev,
                f"entry {row.seq} does not follow {what}: it says the previous hash is "
                f"{row.prev[:12]}…, but it is {prev[:12]}… (an entry before it was forged, "
                "replaced or moved)",
                row.seq,
            )
        problem = _body_problem(row)
        if problem is None and chain_hash(row.prev, row.body) != row.hash:
            problem = "its hash does not match its content (the entry was edited)"
        if problem is not None:
            return Verified(count, prev, f"entry {row.seq}: {problem}", row.seq)
        prev, count = row.hash, row.seq
    if checkpoint is None:
        if count:
            return Verified(count, prev, "the checkpoint is missing (it was deleted)")
        return Verified(0, GENESIS)
    if checkpoint.count != count or checkpoint.head != prev:
        if checkpoint.count > count:
            return Verified(
                count,
                prev,
                f"the trail ends at entry {count}, but the checkpoint says {checkpoint.count} "
                f"entries: the last {checkpoint.count - count} were cut",
            )
        if checkpoint.count == count and count:
            return Verified(
                count,
                prev,
                f"entry {count}, the last, is not the one the checkpoint holds (head "
                f"{checkpoint.head[:12]}…, the entry's hash {prev[:12]}…): it was forged or "
                "replaced",
                count,
            )
        return Verified(
            count,
            prev,
            f"the checkpoint (count {checkpoint.count}, head {checkpoint.head[:12]}…) does not "
            f"match the trail (count {count}, head {prev[:12]}…)",
        )
    return Verified(count, prev)


# --- export ------------------------------------------------------------------------------------


def export_line(entry: AuditEntry) -> str:
    return canonical(entry.model_dump(mode="json"))


def trailer_line(*, count: int, head: str, store_count: int, store_head: str) -> str:
    """The export's last line: the entries in the file and the hash of its last one, and the
    store's whole trail when the file was written (a filtered export is a part of it)."""
    return canonical(
        {
            "trailer": {
                "count": count,
                "head": head,
                "store_count": store_count,
                "store_head": store_head,
            }
        }
    )


def _first(exc: ValidationError) -> str:
    """The first problem pydantic found, as `field: message`."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "entry"
    return f"{where}: {error['msg']}"


def verify_export(lines: Iterator[str]) -> Verified:
    """Check an exported file against nothing but itself: each entry's hash matches its
    content, consecutive entries chain, and the trailer's count and head match the entries.
    A filtered export (`--since`, `--dispute`) has gaps: entries that are not consecutive are
    each checked on their own, and the first gap is named if the trailer then disagrees (a
    deleted line), or if the trailer says the file is the whole trail.

    What a file alone cannot show: a forger who rewrites every entry after the one they change,
    and the trailer, leaves a file that is whole. Compare its head with the store's
    (`mediator audit verify` on the store) or with a copy kept elsewhere."""
    last: AuditEntry | None = None
    count = 0
    head = GENESIS
    first_seq: int | None = None
    #: The first place where the numbers jump: (line, the entry before, the entry after).
    gap: tuple[int, int, int] | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            return Verified(count, head, f"line {number}: not JSON")
        if isinstance(data, dict) and "trailer" in data:
            trailer = data["trailer"]
            if not isinstance(trailer, dict):
                return Verified(count, head, f"line {number}: the trailer is not an object")
            if trailer.get("count") != count or trailer.get("head") != head:
                return Verified(
                    count,
                    head,
                    f"line {number}: the trailer says {trailer.get('count')} entries ending in "
                    f"{str(trailer.get('head'))[:12]}…, the file has {count} ending in "
                    f"{head[:12]}… (entries were cut or added{_gap_words(gap)})",
                    None if gap is None else gap[2],
                )
            whole = trailer.get("store_count") == count and trailer.get("store_head") == head
            if whole and (gap is not None or first_seq not in (None, 1)):
                missing = (gap[1] + 1, gap[2]) if gap is not None else (1, first_seq or 1)
                return Verified(
                    count,
                    head,
                    f"line {number}: the trailer says the file is the whole trail, but "
                    f"{_missing_words(*missing)} (deleted?)",
                    missing[1],
                )
            rest = next((x for x in lines if x.strip()), None)
            if rest is not None:
                return Verified(count, head, f"line {number + 1}: text after the trailer")
            return Verified(count, head)
        try:  # from the JSON text: strict models take times as ISO strings only there
            entry = AuditEntry.model_validate_json(line)
        except ValidationError as exc:
            return Verified(count, head, f"line {number}: not an audit entry ({_first(exc)})")
        if last is not None and entry.seq <= last.seq:
            return Verified(
                count,
                head,
                f"line {number}: entry {entry.seq} comes after entry {last.seq} (reordered)",
                entry.seq,
            )
        if last is not None and entry.seq == last.seq + 1 and entry.prev != last.hash:
            return Verified(
                count,
                head,
                f"line {number}: entry {entry.seq} does not follow entry {last.seq} (an entry "
                "was forged or replaced)",
                entry.seq,
            )
        if entry.seq == 1 and entry.prev != GENESIS:
            return Verified(
                count, head, f"line {number}: entry 1 does not start the trail", entry.seq
            )
        if chain_hash(entry.prev, entry.body) != entry.hash:
            return Verified(
                count,
                head,
                f"line {number}: entry {entry.seq}: its hash does not match its content "
                "(the entry was edited)",
                entry.seq,
            )
        if last is not None and entry.seq > last.seq + 1 and gap is None:
            gap = (number, last.seq, entry.seq)
        if first_seq is None:
            first_seq = entry.seq
        last, count, head = entry, count + 1, entry.hash
    return Verified(count, head, "the trailer is missing: the file was cut")


def _missing_words(first: int, after: int) -> str:
    """Which entries are not in the file: `first` up to the one before `after`."""
    if after - first == 1:
        return f"entry {first} is not in the file"
    return f"entries {first} to {after - 1} are not in the file"


def _gap_words(gap: tuple[int, int, int] | None) -> str:
    if gap is None:
        return ""
    line, before, after = gap
    return f"; {_missing_words(before + 1, after)}, before line {line}"
