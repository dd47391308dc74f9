"""The display and data rules: P-EVIDENCE (evidence in time order with the chat) and P-REASONS."""

from __future__ import annotations

from mediator.domain import Reason
from mediator.domain.timeline import EntryKind, build_timeline

from .builders import example


def test_p_evidence_is_shown_in_chronological_order_with_the_chat() -> None:
    record = example("D-10001")
    entries = build_timeline(record)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    kinds = {e.kind for e in entries}
    assert {EntryKind.EVIDENCE, EntryKind.MESSAGE, EntryKind.EVENT} <= kinds
    evidence = [e.ref for e in entries if e.kind is EntryKind.EVIDENCE]
    assert evidence == [e.id for e in sorted(record.dispute.evidence, key=lambda e: e.submitted_at)]


def test_p_reasons_are_the_reasons_of_the_policy() -> None:
    # POLICY.md P-REASONS, in its order, plus IMPORT_FORMAT.md's catch-all `other`.
    assert [r.value for r in Reason] == [
        "not_received",
        "not_as_described",
        "defective",
        "incomplete",
        "wrong_spec_or_quantity",
        "late_delivery",
        "account_access_not_transferred",
        "other",
    ]
    assert all(r.label and r.label != r.value for r in Reason)
