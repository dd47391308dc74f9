"""The JSON Lines importer: every error as `LINE:FIELD: message`, all or nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import mediator
from mediator.domain import Dispute
from mediator.importer import (
    EmptyFile,
    InvalidFile,
    LineError,
    UnreadableFile,
    field_path,
    import_file,
    parse_file,
    parse_lines,
)
from mediator.store.base import IdClash, ImportClash, ImportReport

PACKAGED = Path(mediator.__file__).parent / "data" / "examples.jsonl"
SHARED = Path("/work/shared/examples/disputes.jsonl")


def example_lines() -> list[str]:
    return PACKAGED.read_text("utf-8").splitlines()


def examples() -> list[dict[str, Any]]:
    return [json.loads(line) for line in example_lines()]


def with_change(change: Callable[[dict[str, Any]], None], index: int = 0) -> list[str]:
    """The example lines, with example `index` changed by `change`."""
    data = examples()
    change(data[index])
    return [json.dumps(d) for d in data]


def errors_of(lines: Sequence[str | bytes]) -> list[str]:
    result = parse_lines(lines)
    assert not result.disputes or result.errors, "an invalid file yielded no errors"
    return [str(e) for e in result.errors]


def only_error(lines: Sequence[str | bytes]) -> str:
    errors = errors_of(lines)
    assert len(errors) == 1, errors
    return errors[0]


# --- valid input -----------------------------------------------------------------------------


def test_the_packaged_examples_are_valid() -> None:
    result = parse_lines(example_lines())
    assert result.errors == []
    assert [d.id for d in result.disputes] == [f"D-1000{i}" for i in range(1, 6)]
    assert result.lines == 5


@pytest.mark.skipif(not SHARED.exists(), reason="the shared examples are not here")
def test_the_packaged_examples_are_the_shared_ones() -> None:
    assert PACKAGED.read_bytes() == SHARED.read_bytes()


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    lines = example_lines()
    lines.insert(1, "")
    lines.insert(3, "   \t")
    lines[5] = lines[5].replace('"reason": "defective"', '"reason": "broken"')
    errors = errors_of(lines)
    assert len(errors) == 1
    assert errors[0].startswith("6:reason: 'broken' is not one of")


def test_bom_crlf_and_bytes_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(example_lines()).encode() + b"\r\n")
    result = parse_file(path)
    assert result.errors == []
    assert len(result.disputes) == 5


def test_extra_keeps_custom_data() -> None:
    lines = with_change(lambda d: d.update(extra={"colour": "red", "nested": {"a": [1, 2]}}))
    result = parse_lines(lines)
    assert result.errors == []
    assert result.disputes[0].extra == {"colour": "red", "nested": {"a": [1, 2]}}


# --- broken lines: exact LINE:FIELD prefixes ---------------------------------------------------


def test_bad_json() -> None:
    lines = example_lines()
    lines[1] = '{"id": "D-1", "revision": '
    assert only_error(lines).startswith("2:$: not valid JSON: ")


def test_a_json_array_line() -> None:
    lines = example_lines()
    lines[2] = "[1, 2, 3]"
    assert only_error(lines) == "3:$: a line must be one JSON object, not an array"


@pytest.mark.parametrize(
    ("line", "what"), [('"D-1"', "a string"), ("42", "a number"), ("null", "null")]
)
def test_other_json_values(line: str, what: str) -> None:
    assert only_error([line]) == f"1:$: a line must be one JSON object, not {what}"


def test_float_money() -> None:
    lines = with_change(lambda d: d["order"].update(price=49.99))
    assert only_error(lines) == (
        '1:order.price: money must be a string such as "49.99", not the JSON number 49.99'
    )


def test_naive_time() -> None:
    lines = with_change(lambda d: d["order"].update(placed_at="2026-11-18T09:00:00"))
    assert only_error(lines) == (
        "1:order.placed_at: a time needs an offset, e.g. 2026-11-20T10:00:00Z"
    )


def test_naive_time_in_a_message_names_its_index() -> None:
    lines = with_change(lambda d: d["messages"][3].update(sent_at="2026-11-20T21:40:00"))
    assert only_error(lines).startswith("1:messages[3].sent_at: a time needs an offset")


def test_unparseable_time() -> None:
    lines = with_change(lambda d: d.update(escalated_at="yesterday"), index=1)
    assert only_error(lines).startswith("2:escalated_at: not a time: 'yesterday'")


def test_unknown_field_at_the_top() -> None:
    lines = with_change(lambda d: d.update(colour="red"), index=2)
    assert only_error(lines) == '3:colour: unknown field (put custom data under "extra")'


def test_unknown_nested_field() -> None:
    lines = with_change(lambda d: d["order"].update(colour="red"))
    assert only_error(lines) == '1:order.colour: unknown field (put custom data under "extra")'


def test_missing_field() -> None:
    lines = with_change(lambda d: d.pop("reason"), index=4)
    assert only_error(lines) == "5:reason: required"


def test_duplicate_dispute_ids_name_the_first_line() -> None:
    lines = with_change(lambda d: d.update(id="D-10002"), index=3)
    assert only_error(lines) == "4:id: duplicate dispute id D-10002 (first on line 2)"


def test_duplicate_of_an_invalid_line_is_still_found() -> None:
    data = examples()
    data[0]["order"]["price"] = 1
    data[2]["id"] = data[0]["id"]
    errors = errors_of([json.dumps(d) for d in data])
    assert errors[0].startswith("1:order.price: ")
    assert errors[1] == "3:id: duplicate dispute id D-10001 (first on line 1)"


def test_opened_within_15_minutes_of_placing() -> None:
    def change(d: dict[str, Any]) -> None:
        d["order"]["placed_at"] = "2026-11-20T09:50:00Z"
        d["order"]["delivered_at"] = None

    assert only_error(with_change(change)) == (
        "1:opened_at: P-OPEN-15MIN: opened within 15 minutes of the order being placed"
    )


def test_paid_out_without_delivery() -> None:
    def change(d: dict[str, Any]) -> None:
        d["order"]["delivered_at"] = None
        d["order"]["confirmed_at"] = None

    error = only_error(with_change(change, index=3))
    assert error.startswith("4:order.paid_out_at: paid out, but never delivered")


def test_too_many_decimals_for_jpy() -> None:
    def change(d: dict[str, Any]) -> None:
        d["order"].update(currency="JPY", price="7499.50", service_fee="375")
        d["buyer_request_amount"] = "3000"

    assert only_error(with_change(change)) == (
        "1:order.price: 7499.50 has more decimals than JPY allows (0)"
    )


def test_too_many_decimals_for_usd() -> None:
    def change(d: dict[str, Any]) -> None:
        d["order"]["service_fee"] = "2.505"
        d["buyer_request_amount"] = "20.001"

    assert errors_of(with_change(change)) == [
        "1:order.service_fee: 2.505 has more decimals than USD allows (2)",
        "1:buyer_request_amount: 20.001 has more decimals than USD allows (2)",
    ]


def test_bad_id_prefixes() -> None:
    def change(d: dict[str, Any]) -> None:
        d["id"] = "X-10001"
        d["messages"][0]["id"] = "Q-1"
        d["seller"]["id"] = "S-200"

    assert errors_of(with_change(change)) == [
        "1:id: must start with 'D-', like D-1",
        "1:seller.id: must start with 'U-', like U-1",
        "1:messages[0].id: must start with 'M-', like M-1",
    ]


ALLOWED = "may hold only letters, digits, '.', '_', ':' and '-' (ASCII)"


def test_ids_outside_the_character_set_name_line_and_field() -> None:
    """IMPORT_FORMAT.md: ids are 1-64 of `A-Z a-z 0-9 . _ : -` (they end up in URLs, file
    names, logs and screen titles); markup, spaces, slashes and Unicode are refused."""

    def change(d: dict[str, Any]) -> None:
        d["id"] = "D-[@click=app.quit]Q[/]"
        d["order"]["id"] = "O-5001 "
        d["buyer"]["id"] = "U-мира"
        d["seller"]["id"] = "U-" + "2" * 63
        d["messages"][2]["id"] = "M-[/]"
        d["evidence"][0]["id"] = "E-../../etc/passwd"

    assert errors_of(with_change(change, index=2)) == [
        f"3:id: {ALLOWED}, not '[', '@', '=', ']', '/'",
        f"3:order.id: {ALLOWED}, not ' '",
        f"3:buyer.id: {ALLOWED}, not 'м', 'и', 'р', 'а'",
        "3:seller.id: is 65 characters long; at most 64 are allowed",
        f"3:messages[2].id: {ALLOWED}, not '[', '/', ']'",
        f"3:evidence[0].id: {ALLOWED}, not '/'",
    ]


def test_the_longest_id_is_64_characters() -> None:
    def change(d: dict[str, Any]) -> None:
        d["id"] = "D-" + "a.b_c:d-" * 7 + "123456"

    result = parse_lines(with_change(change))
    assert result.errors == []
    assert len(result.disputes[0].id) == 64


def test_unknown_currency_is_refused() -> None:
    """Currency is an ISO 4217 code (IMPORT_FORMAT.md): a well-formed but unlisted one is not."""
    assert only_error(with_change(lambda d: d["order"].update(currency="XYZ"), index=3)) == (
        "4:order.currency: XYZ is not an ISO 4217 currency code"
    )


@pytest.mark.parametrize("code", ["XAU", "XXX", "XDR"])
def test_currencies_without_minor_units_are_refused(code: str) -> None:
    """ISO 4217 gives gold, the test code and XDR no minor units ("N.A."): not money here."""
    assert only_error(with_change(lambda d: d["order"].update(currency=code))) == (
        f"1:order.currency: {code} has no minor units in ISO 4217 (a metal, fund or test code): "
        "not money"
    )


def test_three_decimals_for_kwd_are_exact() -> None:
    def change(d: dict[str, Any]) -> None:
        d["order"].update(currency="KWD", price="15.375", service_fee="0.769")
        d["buyer_request_amount"] = "6.150"

    result = parse_lines(with_change(change))
    assert result.errors == []
    order = result.disputes[0].order
    assert (str(order.price), str(order.service_fee)) == ("15.375", "0.769")


def test_four_decimals_for_kwd_are_refused() -> None:
    def change(d: dict[str, Any]) -> None:
        d["order"].update(currency="KWD", price="15.3751", service_fee="0.769")
        d["buyer_request_amount"] = None

    assert only_error(with_change(change)) == (
        "1:order.price: 15.3751 has more decimals than KWD allows (3)"
    )


def test_a_message_id_on_two_lines_names_both() -> None:
    """Ids are unique per kind across the file, not per dispute (IMPORT_FORMAT.md)."""
    data = examples()
    data[4]["messages"][2]["id"] = "M-1"  # M-1 is D-10001's, on line 1
    data[2]["evidence"][0]["id"] = "E-10"  # E-10 is D-10002's, on line 2
    lines = [json.dumps(d) for d in data]
    lines.insert(3, "")  # blank lines count: D-10004 is on line 5, D-10005 on line 6
    assert errors_of(lines) == [
        "3:evidence[0].id: E-10 is already used on line 2 (D-10002)",
        "6:messages[2].id: M-1 is already used on line 1 (D-10001)",
    ]


def test_a_repeated_id_inside_one_dispute_is_reported_once() -> None:
    lines = with_change(lambda d: d["messages"][3].update(id="M-2"))
    assert only_error(lines) == "1:messages[3].id: duplicate id 'M-2'"


def test_a_repeated_dispute_line_is_one_error() -> None:
    """The same dispute twice: its messages are not reported again as used on another line."""
    lines = [*example_lines(), example_lines()[1]]
    assert only_error(lines) == "6:id: duplicate dispute id D-10002 (first on line 2)"


def test_enum_and_range_messages() -> None:
    def change(d: dict[str, Any]) -> None:
        d["status"] = "pending"
        d["seller"]["trust_level"] = 9
        d["revision"] = "2"
        d["order"]["currency"] = "usd"

    errors = errors_of(with_change(change))
    assert errors[0] == "1:revision: must be a whole number, not '2'"
    assert errors[1].startswith("1:status: 'pending' is not one of 'open', 'escalated'")
    assert errors[2] == "1:order.currency: 'usd' is not an ISO 4217 code such as USD"
    assert errors[3] == "1:seller.trust_level: must be at most 5, not 9"


def test_invalid_utf8_is_a_whole_line_error() -> None:
    encoded = [line.encode() for line in example_lines()]
    encoded[1] = encoded[1].replace(b"tomas.b", b"tom\xe1s.b")
    lines: list[str | bytes] = list(encoded)
    error = only_error(lines)
    assert error.startswith("2:$: not valid UTF-8 (byte 0xe1 at offset ")


def test_every_error_is_reported() -> None:
    lines = ["{oops", *example_lines(), "[]", '{"id": "D-1"}']
    errors = parse_lines(lines).errors
    assert errors[0].line == 1
    assert errors[1].line == 7
    assert {e.line for e in errors[2:]} == {8}
    assert len(errors) > 10  # line 8 lacks every required field


def test_errors_never_carry_control_characters() -> None:
    hostile = "col\x1b]52;c;SGVsbG8=\x07our"
    lines = with_change(lambda d: d["order"].update({hostile: 1, "currency": "\x1b[31mUSD"}))
    for error in errors_of(lines):
        assert "\x1b" not in error
        assert "\x07" not in error


def test_line_error_text() -> None:
    assert str(LineError(12, "order.price", "required")) == "12:order.price: required"


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        ((), "$"),
        (("id",), "id"),
        (("order", "price"), "order.price"),
        (("messages", 3, "sent_at"), "messages[3].sent_at"),
    ],
)
def test_field_path(loc: tuple[int | str, ...], path: str) -> None:
    assert field_path(loc) == path


# --- files -----------------------------------------------------------------------------------


class RecordingSink:
    def __init__(self) -> None:
        self.calls: list[list[Dispute]] = []

    def import_disputes(
        self,
        disputes: Sequence[Dispute],
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        self.calls.append(list(disputes))
        if on_progress is not None:
            on_progress(len(disputes))
        return ImportReport(inserted=len(disputes))


def test_import_file_writes_everything_at_once(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text("\n".join(example_lines()) + "\n", "utf-8")
    sink = RecordingSink()
    read: list[int] = []
    report = import_file(path, sink, on_read=read.append)
    assert report == ImportReport(inserted=5)
    assert len(sink.calls) == 1 and len(sink.calls[0]) == 5
    assert read[-1] == path.stat().st_size


def test_import_file_writes_nothing_when_a_line_is_invalid(tmp_path: Path) -> None:
    lines = [*example_lines()[:3], lines_with_float_price()]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines), "utf-8")
    sink = RecordingSink()
    with pytest.raises(InvalidFile) as caught:
        import_file(path, sink)
    assert sink.calls == []
    assert [str(e).split(": ")[0] for e in caught.value.errors] == ["4:order.price"]
    assert str(caught.value) == f"nothing was imported: 1 error in {path}"


@pytest.mark.parametrize("content", ["", "\n", "\n   \n\t\r\n", "\ufeff"])
def test_an_empty_file_imports_nothing_and_says_so(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content, "utf-8")
    assert parse_file(path).empty
    sink = RecordingSink()
    with pytest.raises(EmptyFile) as caught:
        import_file(path, sink)
    assert str(caught.value) == f"{path} holds no disputes: nothing was imported"
    assert sink.calls == []


class ClashingSink(RecordingSink):
    """A store that already holds M-10 under D-77 and writes nothing (`ImportClash`)."""

    def import_disputes(
        self,
        disputes: Sequence[Dispute],
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        raise ImportClash((IdClash("D-10002", "messages[0].id", "M-10", "D-77"),))


def test_an_id_the_store_holds_elsewhere_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text("\n\n".join(example_lines()), "utf-8")  # D-10002 is on line 3
    with pytest.raises(InvalidFile) as caught:
        import_file(path, ClashingSink())
    assert [str(e) for e in caught.value.errors] == [
        "3:messages[0].id: M-10 is already stored under another dispute, D-77"
    ]


def lines_with_float_price() -> str:
    data = examples()[3]
    data["order"]["price"] = 15.0
    return json.dumps(data)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file"):
        parse_file(tmp_path / "missing.jsonl")
    with pytest.raises(UnreadableFile, match="is a directory"):
        parse_file(tmp_path)
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_text(example_lines()[0], "utf-16")
    with pytest.raises(UnreadableFile, match="not UTF-8 text"):
        parse_file(utf16)


def test_awaiting_review_is_not_an_import_status() -> None:
    # issue 16: the store sets it when a decision is proposed; the marketplace never sends it
    error = only_error(with_change(lambda d: d.update(status="awaiting_review")))
    assert error.startswith("1:status: awaiting_review is set here when a decision is proposed")
