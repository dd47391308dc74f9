"""`mediator show` and `mediator export decisions` (issue 17), on real SQLite files, on
PostgreSQL (`MEDIATOR_TEST_PG_URL`) and through a real API server.

The store holds five disputes in three currencies, with decisions written the way the console
writes them (`record_decision_sync`), one of them proposed under the review rule and approved
by a supervisor, one still waiting, and one dispute with hostile text. Exports are parsed back
(csv, json) and compared with the decisions written."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert

from mediator import cli, cli_export, config
from mediator.domain import Decision, DecisionDraft, Outcome
from mediator.domain.review import ReviewRule, ReviewVerdict
from mediator.importer import parse_lines
from mediator.store.sql import SqlStore, exports
from mediator.store.sql.engine import write_tx
from mediator.store.sql.rows import decision_values
from mediator.store.sql.schema import decisions as decisions_table
from tests.api.servers import RestartableServer
from tests.store.conftest import NOW, make_dispute
from tests.store.conftest import store_url as store_url  # the sqlite + postgres parametrisation
from tests.test_cli import REPO

HOUR = timedelta(hours=1)
#: Text from the public that must reach the terminal as plain, visible text.
HOSTILE_BODY = "pay me \x1b]52;c;SGVsbG8=\x07 [bold]now[/bold] \x1b[31mred\x9b2J [link=x]y[/link]"
HOSTILE_SELLER = "[red]Shop[/red]\x1b[2J"
#: An agent name no console accepts, as an older store may hold: a formula in a spreadsheet.
FORMULA_AGENT = "=HYPERLINK(1)"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real home: the data directory is in tmp, no store, agent or API from env."""
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    for name in (config.ENV_STORE, config.ENV_AGENT, config.ENV_API, config.ENV_TOKEN):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Seeded:
    url: str
    #: Every decision written, oldest first: (decision, the dispute's price).
    decided: list[tuple[Decision, Decimal]]


def draft(outcome: Outcome, refund: str | None = None) -> DecisionDraft:
    amount = None if refund is None else Decimal(refund)
    return DecisionDraft(outcome=outcome, rationale="Per the photos.", refund_amount=amount)


@pytest.fixture
def seeded(store_url: str) -> Seeded:
    """D-1 USD 30.00: partial refund 12.50 (ana, NOW); D-2 EUR 80.00: full refund (bo, NOW+1h);
    D-3 JPY 5000: partial refund 1000 (an agent named like a formula, NOW+1h, the same time as
    D-2); then the review rule (USD 100.00 and up); D-4 USD 200.00: 150.00 proposed by ana
    (NOW+2h) and approved by sam; D-5 USD 200.00: 120.00 proposed by bo (NOW+3h), waiting;
    D-6: hostile text, undecided."""
    disputes = [
        make_dispute(1, price="30.00", fee="1.50"),
        make_dispute(2, price="80.00", fee="4.00", currency="EUR", reason="defective"),
        make_dispute(3, price="5000", fee="250", currency="JPY"),
        make_dispute(4, price="200.00", fee="10.00", reason="not_as_described"),
        make_dispute(5, price="200.00", fee="10.00"),
        make_dispute(6, seller=HOSTILE_SELLER),
    ]
    six = disputes[5]
    hostile = six.messages[0].model_copy(update={"body": HOSTILE_BODY})
    disputes[5] = six.model_copy(update={"messages": (hostile, *six.messages[1:])})
    decided: list[tuple[Decision, Decimal]] = []
    with SqlStore.open(store_url) as store:
        store.import_disputes(disputes)
        store.add_staff_sync("sup.sam", "supervisor", now=NOW)

        def decide(n: int, d: DecisionDraft, actor: str, at: datetime) -> Decision:
            version = store.get_dispute_sync(f"D-{n}").version
            made = store.record_decision_sync(
                f"D-{n}", d, expected_version=version, actor=actor, now=at
            )
            decided.append((made, disputes[n - 1].order.price))
            return made

        decide(1, draft(Outcome.BUYER_PARTIAL_REFUND, "12.50"), "agent.ana", NOW)
        decide(2, draft(Outcome.BUYER_FULL_REFUND), "agent.bo", NOW + HOUR)
        decide(3, draft(Outcome.BUYER_PARTIAL_REFUND, "1000"), FORMULA_AGENT, NOW + HOUR)
        rule = ReviewRule(refund_at_least={"USD": Decimal("100.00")})
        store.set_review_rule_sync(rule, actor="sup.sam", now=NOW + HOUR)
        four = decide(4, draft(Outcome.BUYER_PARTIAL_REFUND, "150.00"), "agent.ana", NOW + 2 * HOUR)
        approved = store.review_sync(
            four.id,
            ReviewVerdict.APPROVE,
            note="",
            decision=None,
            actor="sup.sam",
            now=NOW + 2 * HOUR + HOUR / 2,
        )
        decided[-1] = (approved.proposal, decided[-1][1])
        decide(5, draft(Outcome.BUYER_PARTIAL_REFUND, "120.00"), "agent.bo", NOW + 3 * HOUR)
    decided.sort(key=lambda pair: (pair[0].decided_at, pair[0].id))
    return Seeded(store_url, decided)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def expected_row(decision: Decision, price: Decimal) -> dict[str, Any]:
    """What the export must say of `decision`, from the decision as the store wrote it and the
    dispute as it was imported (`make_dispute`: opened a day before it was escalated)."""
    n = int(decision.dispute_id.removeprefix("D-"))
    dispute = make_dispute(n)
    assert dispute.escalated_at is not None
    refund, fee = decision.refund_amount, decision.fee_refund
    return {
        "decision_id": decision.id,
        "dispute_id": decision.dispute_id,
        "reason": {2: "defective", 4: "not_as_described"}.get(n, "not_received"),
        "outcome": decision.outcome.value,
        "refund_amount": None if refund is None else str(refund),
        "fee_refund": None if fee is None else str(fee),
        "currency": decision.currency,
        "price": str(price),
        "decided_by": decision.decided_by,
        "decided_at": utc(decision.decided_at),
        "escalated_at": utc(dispute.escalated_at),
        "opened_at": utc(dispute.opened_at),
        "review_state": decision.review.get("state", "not_required"),
        "rule_ids": list(decision.findings),
        "macro": None if decision.macro is None else str(decision.macro),
    }


# --- export decisions ----------------------------------------------------------------------------


def test_jsonl_parses_back_to_the_decisions_written(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "export", "decisions", "--store", seeded.url, "--format", "jsonl")
    assert (code, err) == (0, "")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [expected_row(d, price) for d, price in seeded.decided]
    by_dispute = {row["dispute_id"]: row for row in rows}
    # amounts by hand: fee refund = fee × refund ÷ price, half-even to the minor unit
    assert [
        (by_dispute[f"D-{n}"]["refund_amount"], by_dispute[f"D-{n}"]["fee_refund"])
        for n in range(1, 6)
    ] == [
        ("12.50", "0.62"),
        ("80.00", "4.00"),
        ("1000", "50"),
        ("150.00", "7.50"),
        ("120.00", "6.00"),
    ]
    assert [by_dispute[f"D-{n}"]["currency"] for n in range(1, 6)] == [
        "USD",
        "EUR",
        "JPY",
        "USD",
        "USD",
    ]
    assert by_dispute["D-3"]["price"] == "5000"
    assert by_dispute["D-4"]["review_state"] == "approved"
    assert by_dispute["D-5"]["review_state"] == "pending"
    # the rules the policy cited: no order here was delivered; D-2 and D-4 are defective or not
    # as described
    assert {k: v["rule_ids"] for k, v in by_dispute.items()} == {
        "D-1": ["P-REFUND-UNDELIVERED", "P-REFUND-FEE"],
        "D-2": ["P-REFUND-DEFECTIVE", "P-REFUND-DEFECTIVE-UNRESOLVED", "P-REFUND-FEE"],
        "D-3": ["P-REFUND-UNDELIVERED", "P-REFUND-FEE"],
        "D-4": ["P-REFUND-UNDELIVERED", "P-REFUND-DEFECTIVE", "P-REFUND-FEE"],
        "D-5": ["P-REFUND-UNDELIVERED", "P-REFUND-FEE"],
    }
    # order: decided_at, then id (D-2 and D-3 were decided at the same time)
    keys = [(row["decided_at"], row["decision_id"]) for row in rows]
    assert keys == sorted(keys)


def test_csv_parses_back_and_opens_as_is_in_a_spreadsheet(
    seeded: Seeded, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert cli.main(["export", "decisions", "--store", seeded.url]) == 0
    raw, err = capsysbinary.readouterr()
    assert err == b""
    text = raw.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == ",".join(cli_export.FIELDS)  # the header row
    assert lines[-1] == "" and "\n" not in text.replace("\r\n", "")  # CRLF, RFC 4180
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    expected = []
    for decision, price in seeded.decided:
        row = expected_row(decision, price)
        row["rule_ids"] = ";".join(row["rule_ids"])
        if row["decided_by"] == FORMULA_AGENT:
            row["decided_by"] = "'" + FORMULA_AGENT  # shown as text, never run
        expected.append({k: "" if v is None else v for k, v in row.items()})
    assert rows == expected
    assert any(row["decided_by"] == "'=HYPERLINK(1)" for row in rows)
    # ids and amounts are never prefixed, even where they start with a sign-like character
    assert all(not row["refund_amount"].startswith("'") for row in rows)


def test_since_is_inclusive_and_takes_a_date_or_any_offset(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    def exported(since: str) -> list[str]:
        code, out, err = run(
            capsys,
            "export",
            "decisions",
            "--store",
            seeded.url,
            "--format",
            "jsonl",
            "--since",
            since,
        )
        assert (code, err) == (0, "")
        return [json.loads(line)["dispute_id"] for line in out.splitlines()]

    everything = [d.dispute_id for d, _ in seeded.decided]
    assert exported(utc(NOW)) == everything
    at_two = exported(utc(NOW + 2 * HOUR))  # D-4 was decided at exactly this time
    assert at_two == ["D-4", "D-5"]
    same_instant = (NOW + 2 * HOUR).astimezone(UTC).astimezone().isoformat()
    assert exported(same_instant) == at_two
    assert exported(utc(NOW + 2 * HOUR + timedelta(microseconds=1))) == ["D-5"]
    assert exported(NOW.date().isoformat()) == everything  # 00:00 UTC of that day
    assert exported((NOW + timedelta(days=1)).date().isoformat()) == []


@pytest.mark.parametrize(
    ("since", "says"),
    [
        ("yesterday", "not a time: 'yesterday' (ISO 8601 with an offset"),
        ("2026-11-22T12:00:00", "a time needs an offset"),
    ],
)
def test_a_bad_since_is_a_usage_error(
    tmp_path: Path, since: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    code, out, err = run(capsys, "export", "decisions", "--store", url, "--since", since)
    assert (code, out) == (cli.EXIT_ERROR, "")
    assert says in err


def test_an_empty_store_exports_a_header_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert run(capsys, "export", "decisions", "--store", url) == (
        0,
        ",".join(cli_export.FIELDS) + "\r\n",
        "",
    )
    assert run(capsys, "export", "decisions", "--store", url, "--format", "jsonl") == (0, "", "")
    code, _, err = run(capsys, "--api", "http://127.0.0.1:9", "export", "decisions")
    assert code == cli.EXIT_ERROR
    assert err == "mediator: error: export decisions reads a database store (--store), not an API\n"


def test_rule_ids_come_from_the_findings_and_the_rules_a_review_reason_names() -> None:
    review = json.dumps(
        {
            "state": "pending",
            "reasons": [
                "refund 120.00 USD is at or above 100.00 USD",
                "policy warnings acknowledged: P-OPEN-72H, P-INFO-7D",
                "names P-NOT-A-RULE and P-REFUND-FEE again",
            ],
        }
    )
    assert exports.cited('["P-REFUND-FEE"]', review) == (
        "pending",
        ("P-REFUND-FEE", "P-OPEN-72H", "P-INFO-7D"),
    )
    assert exports.cited("[]", "{}") == ("not_required", ())
    assert exports.cited("[]", '{"state": "from a newer mediator"}') == ("not_required", ())


# --- streaming -----------------------------------------------------------------------------------


def bulk(url: str, n: int) -> None:
    """`n` disputes, each with one decision (written as rows, as the store writes them)."""
    with SqlStore.open(url) as store:
        store.import_disputes([make_dispute(i, messages=0, evidence=0) for i in range(1, n + 1)])
        rows = [
            decision_values(
                Decision(
                    id=f"R-{i:06d}",
                    dispute_id=f"D-{i}",
                    outcome=Outcome.BUYER_PARTIAL_REFUND,
                    refund_amount=Decimal("10.00"),
                    fee_refund=Decimal("0.50"),
                    currency="USD",
                    return_required=False,
                    seller_keep_pct=None,
                    seller_error=None,
                    defective_or_misadvertised=True,
                    rationale="Bulk decision for the streaming test. " * 4,
                    message_to_parties="",
                    decided_by="agent.ana",
                    decided_at=NOW + timedelta(seconds=i),
                    findings=("P-REFUND-DEFECTIVE", "P-REFUND-FEE"),
                ),
                handled_s=float(i),
            )
            for i in range(1, n + 1)
        ]
        with write_tx(store.engine) as conn:
            conn.execute(insert(decisions_table), rows)


def test_the_export_streams(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exporting 3,000 decisions holds about one batch of rows at a time: its peak memory is a
    small part of what holding them all costs, and the query asks for a streamed result (on
    PostgreSQL: a server-side cursor, whose rows stay in the database until fetched)."""
    n = 3000
    bulk(store_url, n)
    monkeypatch.setattr(exports, "STREAM_BATCH", 100)
    with SqlStore.open(store_url) as store:
        executed: list[tuple[bool, str]] = []

        @event.listens_for(store.engine, "before_cursor_execute")
        def seen(
            conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
        ) -> None:
            if "FROM decisions JOIN disputes" in statement:
                streamed = bool(context.execution_options.get("stream_results"))
                executed.append((streamed, type(cursor).__name__))

        count = 0

        def discard(line: exports.DecisionLine) -> None:
            nonlocal count
            count += 1

        store.export_decisions_sync(discard)  # warm: imports, compiled statements, pool
        tracemalloc.start()
        try:
            count = 0
            tracemalloc.reset_peak()
            assert store.export_decisions_sync(discard) == n == count
            streamed = tracemalloc.get_traced_memory()[1]
            with store.engine.connect() as conn:
                tracemalloc.reset_peak()
                held = list(exports.stream(conn))
                assert len(held) == n
                materialised = tracemalloc.get_traced_memory()[1]
                del held
        finally:
            tracemalloc.stop()
    assert streamed < materialised / 5, (streamed, materialised)
    assert executed and all(stream for stream, _ in executed)
    if store_url.startswith("postgresql"):
        assert {cursor for _, cursor in executed} == {"ServerCursor"}


def test_a_closed_pipe_ends_the_export_quietly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    bulk(url, 2000)  # ~400 kB of CSV: more than a pipe holds
    env = {**os.environ, config.ENV_DATA_DIR: str(tmp_path / "data")}
    command = [sys.executable, "-m", "mediator", "export", "decisions", "--store", url]
    with subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as child:  # `| head -1`
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().startswith(b"decision_id,dispute_id,")
        child.stdout.close()
        err = child.stderr.read()
        code = child.wait(timeout=60)
    assert (code, err) == (cli_export.EXIT_CLOSED, b"")


def test_a_progress_bar_on_a_terminal_never_touches_stdout(tmp_path: Path) -> None:
    """stderr a terminal (a pty), stdout a pipe: the bar goes to the terminal, and stdout holds
    exactly what it holds without one."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    bulk(url, 1500)
    env = {**os.environ, config.ENV_DATA_DIR: str(tmp_path / "data"), "TERM": "xterm"}
    command = [sys.executable, "-m", "mediator", "export", "decisions", "--store", url]
    plain = subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=60)
    assert (plain.returncode, plain.stderr) == (0, b""), plain.stderr.decode()
    master, slave = os.openpty()
    try:
        with subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=slave
        ) as child:
            os.close(slave)
            out, _ = child.communicate(timeout=60)
            terminal = b""
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child's end is closed: all read
                    break
                if not chunk:
                    break
                terminal += chunk
    finally:
        os.close(master)
    assert child.returncode == 0
    assert out == plain.stdout
    assert b"exporting" in terminal and b"1500/1500" in terminal
    assert b"Traceback" not in terminal


# --- show ----------------------------------------------------------------------------------------


@pytest.fixture
def in_kolkata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reader's zone is UTC+05:30 (no summer time): times must be shown in it."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_show_prints_facts_timers_decision_timeline_and_history(
    seeded: Seeded, capsys: pytest.CaptureFixture[str], in_kolkata: None
) -> None:
    code, out, err = run(capsys, "show", "D-4", "--store", seeded.url)
    assert (code, err) == (0, "")
    four = make_dispute(4, price="200.00", fee="10.00", reason="not_as_described")
    decision = next(d for d, _ in seeded.decided if d.dispute_id == "D-4")
    for fact in (
        "D-4 · Not as described · resolved",
        "O-4 · goods · Item number 4 · quantity 1",
        "200.00 USD (service fee 10.00 USD)",
        "buyer4 (U-b4)",
        "seller4 (U-s4), trust level 2",
        "A party asked for staff (P-ESC-24H)",
        "full refund",
    ):
        assert fact in out, fact
    assert out.count("+05:30") > 5  # local times with their offset
    assert f"opened      {four.opened_at.astimezone().isoformat(' ', 'minutes')}" in out
    # timers: every deadline with its rule id, due time and state
    timers = out.split("Timers")[1].split("Decision")[0]
    assert "STAFF-48H" in timers and "P-ESC-STALE" in timers
    assert "stopped at" in timers or "met " in timers or "breached" in timers
    # the decision: the approved proposal, final
    assert f"Final: {decision.id} · Buyer favour: partial refund · refund 150.00 USD" in out
    assert "approved by sup.sam" in out
    # the timeline: messages by channel, evidence, the decision and the history
    timeline = out.split("\nTimeline\n")[1]
    for entry in (
        "dispute chat · buyer · M-4-0",
        "message 0 of dispute 4 (revision 1)",
        "dispute chat · seller · M-4-1",
        "Evidence: photo (E-4-0) · buyer",
        "photo 0",
        "Escalated to staff",
        "agent.ana proposed a decision",
        "sup.sam approved the proposal",
        "awaiting review",
    ):
        assert entry in timeline, entry
    assert timeline.index("agent.ana proposed") < timeline.index("sup.sam approved")


def test_show_marks_a_proposal_as_not_final(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "show", "D-5", "--store", seeded.url)
    assert code == 0
    decision = out.split("\nDecision\n")[1].split("\nTimeline\n")[0]
    assert decision.startswith("  PROPOSED, NOT FINAL (waiting for a supervisor's review): R-")
    assert "Final" not in decision
    assert "why review: refund 120.00 USD is at or above 100.00 USD" in decision
    code, out, _ = run(capsys, "show", "D-6", "--store", seeded.url)
    assert "Decision\n  none yet\n" in out


def test_show_prints_hostile_text_plainly(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "show", "D-6", "--store", seeded.url)
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "pay me ␛]52;c;SGVsbG8=␇ [bold]now[/bold] ␛[31mred⍰2J [link=x]y[/link]" in out
    assert "[red]Shop[/red]␛[2J (U-s6)" in out


def test_show_json_is_the_import_format_with_decisions_and_history(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "show", "D-4", "--store", seeded.url, "--format", "json")
    assert (code, err) == (0, "")
    assert out.count("\n") == 1  # one line
    shown = json.loads(out)
    with SqlStore.open(seeded.url) as store:
        record = store.get_dispute_sync("D-4")
        history = store.history_sync("D-4")
    parsed = parse_lines([json.dumps(shown["dispute"])])
    assert parsed.errors == []
    assert parsed.disputes == [record.dispute]  # round-trips through the importer
    assert shown["version"] == record.version
    decision = Decision.model_validate_json(json.dumps(shown["decision"]))
    assert decision == record.decisions[-1] and decision.review["state"] == "approved"
    assert shown["proposal"] is None
    assert [Decision.model_validate_json(json.dumps(d)) for d in shown["decisions"]] == list(
        record.decisions
    )
    assert [(e["seq"], e["action"], e["actor"]) for e in shown["history"]] == [
        (e.seq, e.action, e.actor) for e in history
    ]
    assert [e["action"] for e in shown["history"]][-2:] == [
        "decision_proposed",
        "decision_approved",
    ]
    assert {x["rule_id"] for x in shown["deadlines"]} >= {"STAFF-48H", "P-ESC-STALE"}
    # a resolved dispute's timers: stopped (at resolution), or met or breached before it
    assert {x["state"] for x in shown["deadlines"]} <= {"stopped", "met", "breached"}
    assert all(x["overdue"] is False for x in shown["deadlines"])
    # hostile text is data here: kept exactly, and escaped by JSON (no raw ESC on a terminal)
    code, out, _ = run(capsys, "show", "D-6", "--store", seeded.url, "--format", "json")
    assert "\x1b" not in out and "\x9b" not in out
    messages = json.loads(out)["dispute"]["messages"]
    assert next(m["body"] for m in messages if m["id"] == "M-6-0") == HOSTILE_BODY
    pending = json.loads(run(capsys, "show", "D-5", "--store", seeded.url, "--format", "json")[1])
    assert pending["decision"] is None and pending["proposal"]["review"]["state"] == "pending"


def test_show_an_unknown_dispute_is_one_line(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "show", "D-999", "--store", seeded.url)
    assert (code, out) == (cli.EXIT_ERROR, "")
    assert err.startswith("mediator: error: no dispute D-999 in ")
    assert err.count("\n") == 1
    code, _, err = run(capsys, "show", "D-\x1b[2J", "--store", seeded.url)
    assert code == cli.EXIT_ERROR and "\x1b" not in err and "no dispute D-␛[2J" in err


def test_show_through_the_api(seeded: Seeded, capsys: pytest.CaptureFixture[str]) -> None:
    with SqlStore.open(seeded.url) as store:
        token = store.add_staff_sync("agent.kim", "agent", now=NOW)
        server = RestartableServer(store, NOW)
        server.start()
        try:
            code, out, err = run(capsys, "show", "D-4", "--api", server.url, "--token", token)
            assert (code, err) == (0, "")
            assert "Final: R-" in out and "sup.sam approved the proposal" in out
            code, on_api, _ = run(
                capsys, "--api", server.url, "--token", token, "show", "D-4", "--format", "json"
            )
            on_store = run(capsys, "show", "D-4", "--store", seeded.url, "--format", "json")[1]
            assert code == 0
            mine, theirs = json.loads(on_api), json.loads(on_store)
            mine.pop("at"), theirs.pop("at")
            assert mine == theirs
            code, out, err = run(capsys, "show", "D-999", "--api", server.url, "--token", token)
            assert (code, out) == (cli.EXIT_ERROR, "")
            assert err == f"mediator: error: no dispute D-999 in api:{server.url}\n"
            code, _, err = run(capsys, "show", "D-4", "--api", server.url, "--store", seeded.url)
            assert code == cli.EXIT_ERROR and "give either --store or --api" in err
        finally:
            server.stop()
    code, _, err = run(capsys, "show", "D-4", "--api", "http://127.0.0.1:9")
    assert code == cli.EXIT_ERROR and "--api needs a token" in err
