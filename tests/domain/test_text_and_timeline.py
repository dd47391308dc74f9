from pathlib import Path

from mediator.domain import Dispute, DisputeRecord
from mediator.domain.text import one_line, visible
from mediator.domain.timeline import EntryKind, build_timeline

SHARED = Path(__file__).resolve().parents[3] / "shared" / "examples" / "disputes.jsonl"
EXAMPLES = Path(__file__).resolve().parents[2] / "mediator" / "data" / "examples.jsonl"


def test_visible_removes_every_terminal_control() -> None:
    hostile = "a\x1b[31mred\x1b]52;c;SGVsbG8=\x07 \x9b2J \x7f \x00 \u202eevil\u202c ok\r\n"
    shown = visible(hostile)
    assert not any(c in shown for c in "\x1b\x9b\x07\x7f\x00\u202e\u202c\r")
    assert "␛[31mred" in shown
    assert "⟦U+202E⟧evil" in shown
    assert shown.endswith("ok\n")


def test_visible_keeps_plain_text_and_markup_like_brackets_verbatim() -> None:
    for text in ["Order [A1] refunded", "[bold red]x[/]", "مرحبا 👩‍👩‍👧", "tab\there"]:
        assert visible(text) == text


def test_one_line_is_bounded() -> None:
    assert one_line("a\nb") == "a ⏎ b"
    long = one_line("x" * 1_000_000, limit=50)
    assert len(long) == 50 and long.endswith("…")


def test_timeline_is_chronological_and_complete() -> None:
    source = EXAMPLES if EXAMPLES.exists() else SHARED
    dispute = Dispute.model_validate_json(source.read_text().splitlines()[0])
    entries = build_timeline(DisputeRecord(dispute=dispute, version=1))
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    kinds = [e.kind for e in entries]
    assert kinds.count(EntryKind.MESSAGE) == len(dispute.messages)
    assert kinds.count(EntryKind.EVIDENCE) == len(dispute.evidence)
    titles = [e.title for e in entries if e.kind is EntryKind.EVENT]
    assert titles == [
        "Order placed and paid", "Order marked delivered", "Dispute opened", "Escalated to staff"
    ]  # fmt: skip
