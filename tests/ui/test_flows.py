"""Keys pressed → what the store holds. The real app, a real SQLite file, a frozen clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, Static, TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.domain import Actor, Outcome, Status
from mediator.domain.timeline import EntryKind
from mediator.screens.dispute import DisputeScreen
from mediator.screens.modals import ConfirmDecision
from mediator.screens.queue import QueueScreen
from mediator.store.base import QueueQuery
from mediator.store.sql import SqlStore
from mediator.widgets.queue_table import QueueTable
from mediator.widgets.resolution_form import ResolutionForm
from mediator.widgets.transcript import Transcript

from .conftest import NOW, settle, told

SIZE = (140, 45)


async def open_most_urgent(app: MediatorApp, pilot: Pilot[Any]) -> DisputeScreen:
    await settle(app, pilot)
    assert isinstance(app.screen, QueueScreen)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, DisputeScreen)
    return app.screen


async def test_queue_is_ordered_by_the_next_deadline(app: MediatorApp, store: SqlStore) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        expected = await store.queue_page(QueueQuery(), limit=5)
        assert [r.id for r in table.rows[:5]] == [r.id for r in expected.rows]
        dues = [r.urgency_at for r in table.rows]
        assert dues == sorted(dues), "the next deadline first"
        assert {r.deadline_rule for r in table.rows} <= {"P-INFO-7D", "STAFF-48H"}
        assert all(r.status in (Status.ESCALATED, Status.AWAITING_INFO) for r in table.rows)


async def test_live_search_filters_the_queue(app: MediatorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"earbuds")
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        found = [r.id for r in table.rows]
        assert "D-10001" in found
        assert all("earbuds" in r.order_title.lower() for r in table.rows)
        await pilot.press("escape", "x")
        await settle(app, pilot)
        assert len(table.rows) > len(found)


async def test_an_exact_id_lands_the_cursor_on_it(app: MediatorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"d-10001", "enter")
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        assert len(table.rows) > 1, "D-10001 is also a prefix of generated ids"
        assert table.current is not None and table.current.id == "D-10001"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen) and app.screen.dispute_id == "D-10001"


OUTCOME_CASES = [
    (Outcome.SELLER_RESOLUTION, None, None, None),
    (Outcome.COMPROMISE, "12.34", Decimal("12.34"), None),
    (Outcome.BUYER_FULL_REFUND, None, "price", "fee"),
    (Outcome.BUYER_PARTIAL_REFUND, "20.00", Decimal("20.00"), None),
    (Outcome.SELLER_FAVOUR, None, None, None),
]


@pytest.mark.parametrize(("outcome", "typed", "refund", "fee"), OUTCOME_CASES)
async def test_decide_each_outcome_with_the_keyboard(
    app: MediatorApp,
    store: SqlStore,
    outcome: Outcome,
    typed: str | None,
    refund: object,
    fee: object,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        record = screen.record
        assert record is not None
        dispute_id = record.id
        key = str(list(Outcome).index(outcome) + 1)
        await pilot.press("f", key)  # the outcome list: its digits pick the outcome
        form = screen.query_one(ResolutionForm)
        assert form.outcome is outcome
        if typed is not None:
            form.query_one("#refund_amount", Input).focus()
            await pilot.press(*typed)
        form.query_one("#rationale", TextArea).focus()
        await pilot.press(*"Per E-1 and M-3.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDecision)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(QueueTable)
        assert dispute_id not in [r.id for r in table.rows]

    stored = await store.get_dispute(dispute_id)
    assert stored.dispute.status is Status.RESOLVED
    assert stored.version == record.version + 1
    (decision,) = stored.decisions
    order = stored.dispute.order
    assert decision.outcome is outcome
    assert decision.rationale == "Per E-1 and M-3."
    assert decision.decided_by == "agent.test"
    assert decision.decided_at == NOW
    expected_refund = order.price if refund == "price" else refund
    assert decision.refund_amount == expected_refund
    if fee == "fee":
        assert decision.fee_refund == order.service_fee


async def test_bad_refund_is_refused_inline_and_nothing_is_written(
    app: MediatorApp, store: SqlStore
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        dispute_id, version = screen.record.id, screen.record.version
        price = screen.record.dispute.order.price
        await pilot.press("f", "4")
        form = screen.query_one(ResolutionForm)
        amount = form.query_one("#refund_amount", Input)
        amount.focus()
        for typed, message in [
            ("abc", "is not a number"),
            ("0", "more than 0"),
            (str(price), "use a full refund"),
        ]:
            amount.value = ""
            await pilot.press(*typed)
            await pilot.pause()
            assert message in str(form.query_one("#refund_amount-error").render())
        form.query_one("#rationale", TextArea).focus()
        await pilot.press(*"reason")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen), "submit must not reach the confirm modal"
    stored = await store.get_dispute(dispute_id)
    assert (stored.version, stored.decisions) == (version, ())


async def test_empty_rationale_blocks_submit(app: MediatorApp, store: SqlStore) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        await pilot.press("f", "5", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        error = str(screen.query_one("#rationale-error").render())
        assert "rationale is required" in error
        assert app.focused is screen.query_one("#rationale")
    assert (await store.get_dispute(screen.record.id)).decisions == ()


async def test_cancelling_the_confirmation_writes_nothing(
    app: MediatorApp, store: SqlStore
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        await pilot.press("f", "5")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"ok", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDecision)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert screen.query_one("#rationale", TextArea).text == "ok"
    assert (await store.get_dispute(screen.record.id)).decisions == ()


async def test_a_conflicting_decision_is_refused_and_reloaded(
    app: MediatorApp, store: SqlStore
) -> None:
    from mediator.domain import DecisionDraft

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        record = screen.record
        assert record is not None
        # Another agent takes the dispute over (issue 15: deciding needs the claim) and
        # decides it while this one is typing.
        await store.claim(record.id, actor="agent.other", take_over=True)
        await store.record_decision(
            record.id,
            DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="first"),
            expected_version=record.version,
            actor="agent.other",
            now=NOW,
        )
        await pilot.press("f", "3")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"second", "ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert screen.record is not None and screen.record.version == record.version + 1
        assert not screen.query(ResolutionForm), "a decided dispute shows the decision, not a form"
        notices = [n.message for n in told(app) if n.title == "Someone else got there first"]
        assert notices == [
            f"{record.id} was decided by agent.other at 22 Nov 12:00 (Seller favour). Your "
            "decision (Buyer favour: full refund) was not written; your draft is not saved "
            "(drafts are off)."
        ]
    stored = await store.get_dispute(record.id)
    assert [d.decided_by for d in stored.decisions] == ["agent.other"]


async def test_staff_note_is_saved_and_shown(app: MediatorApp, store: SqlStore) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        await pilot.press("t", "n", *"Called the carrier [ref 42]", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        # the last message (history entries, issue 16, may sort after it by the store's clock)
        messages = [e for e in screen.query_one(Transcript).entries if e.kind is EntryKind.MESSAGE]
        last = messages[-1]
        assert last.body == "Called the carrier [ref 42]"
        assert last.author_name == "agent.test"
    stored = await store.get_dispute(screen.record.id)
    note = stored.dispute.messages[-1]
    assert (note.channel.value, note.author_name, note.sent_at) == ("staff_note", "agent.test", NOW)


async def test_decision_shows_in_the_timeline_after_restart(
    app: MediatorApp, store: SqlStore, clock: object
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        dispute_id = screen.record.id
        await pilot.press("f", "1")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"fixed", "ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
    again = MediatorApp(store, clock=clock, agent="agent.test", every=MANUAL)  # type: ignore[arg-type]
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        await pilot.press("s", "end", "enter")  # status filter: "Every status"
        await settle(again, pilot)
        assert again.screen.query_one("#status").value == "all"  # type: ignore[attr-defined]
        await pilot.press("slash", *dispute_id, "enter")
        await settle(again, pilot)
        assert [r.id for r in again.screen.query_one(QueueTable).rows] == [dispute_id]
        again.screen.query_one(QueueTable).action_select()
        await settle(again, pilot)
        reopened = again.screen
        assert isinstance(reopened, DisputeScreen) and reopened.record is not None
        assert reopened.record.id == dispute_id
        titles = [e.title for e in reopened.query_one(Transcript).entries]
        assert "Decided: Seller resolution" in titles


async def test_every_key_is_in_the_palette_and_help(app: MediatorApp) -> None:
    from mediator.commands import binding_commands, screen_keys

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        titles = {c.title for c in binding_commands(app, app.screen)}
        assert {"Open the selected dispute", "Filter by reason", "Show every key"} <= titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        screen = await open_most_urgent(app, pilot)
        keys = {k.description for k in screen_keys(app, screen)}
        assert "Submit the decision (asks for confirmation)" in keys
        assert "Add a staff note" in keys


async def test_ask_the_seller_for_information(app: MediatorApp, store: SqlStore) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        dispute_id, version = screen.record.id, screen.record.version
        await pilot.press("t", "i")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "InfoRequestScreen"
        app.screen.query_one("#info-seller", RadioButton).value = True
        await pilot.press(*"Please send the tracking number.", "ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert screen.record is not None and screen.record.version == version + 1
        console = Console(width=80, record=True)
        console.print(screen.query_one("#timers", Static).content)
        facts = console.export_text()
        assert "in 7d 00h" in facts and "P-INFO-7D" in facts
    stored = await store.get_dispute(dispute_id)
    assert stored.dispute.status is Status.AWAITING_INFO
    assert stored.info_request is not None
    assert (stored.info_request.party, stored.info_request.asked_at) == (Actor.SELLER, NOW)
    assert stored.dispute.messages[-1].body == "Please send the tracking number."


async def test_the_console_auto_escalates_a_silent_seller(
    app: MediatorApp, store: SqlStore
) -> None:
    from .conftest import example_disputes

    base = example_disputes()[0]
    opened = NOW - timedelta(hours=30)
    silent = base.model_copy(
        update={
            "id": "D-77777",
            "status": Status.OPEN,
            "opened_at": opened,
            "escalated_at": None,
            "escalation_cause": None,
            "order": base.order.model_copy(update={"placed_at": opened - timedelta(days=2)}),
            "messages": tuple(
                m.model_copy(update={"id": f"M-7777{i}", "sent_at": opened + timedelta(minutes=i)})
                for i, m in enumerate(base.messages)
                if m.author is Actor.BUYER
            ),
            "evidence": (),
        }
    )
    store.import_disputes([silent])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await settle(app, pilot)
        ids = [r.id for r in app.screen.query_one(QueueTable).rows]
        assert "D-77777" in ids
    stored = await store.get_dispute("D-77777")
    assert (stored.dispute.status, stored.dispute.escalation_cause) == (
        Status.ESCALATED,
        "seller_silent",
    )
    assert stored.dispute.escalated_at == NOW


async def open_dispute(app: MediatorApp, pilot: Pilot[Any], dispute_id: str) -> DisputeScreen:
    await settle(app, pilot)
    await pilot.press("slash", *dispute_id, "enter", "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, DisputeScreen) and app.screen.dispute_id == dispute_id
    return app.screen


def findings_text(screen: DisputeScreen) -> str:
    console = Console(width=200, record=True)
    console.print(screen.query_one("#findings", Static).content)
    return console.export_text()


async def test_a_paid_out_order_cannot_be_refunded_p_refund_paidout(
    app: MediatorApp, store: SqlStore
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dispute(app, pilot, "D-10004")  # delivered, confirmed, paid out
        await pilot.press("f", "3")
        await pilot.pause()
        assert "P-REFUND-PAIDOUT: order O-5004 was paid out" in findings_text(screen)
        assert screen.query_one("#submit").disabled
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"refund anyway", "ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen, "a block never reaches the confirm modal"
    assert (await store.get_dispute("D-10004")).decisions == ()


async def test_warnings_must_be_acknowledged_and_are_stored(
    app: MediatorApp, store: SqlStore
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dispute(app, pilot, "D-10004")  # opened after confirmation
        await pilot.press("f", "5")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"Delivered and confirmed.", "ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen, "unacknowledged warnings block the confirm modal"
        shown = findings_text(screen)
        assert "P-OPEN-CONFIRMED" in shown and "ctrl+g acknowledges" in shown
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert "✔ acknowledged" in findings_text(screen)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDecision)
        assert "P-OPEN-CONFIRMED" in [f.rule_id for f in app.screen.findings]
        await pilot.press("ctrl+y")
        await settle(app, pilot)
    (decision,) = (await store.get_dispute("D-10004")).decisions
    assert "P-OPEN-CONFIRMED" in decision.findings


async def test_flagged_messages_are_badged_and_filterable(
    app: MediatorApp, store: SqlStore
) -> None:
    from .conftest import example_disputes

    base = example_disputes()[0]
    message = base.messages[0].model_copy(
        update={"id": "M-88888", "body": "Let's talk on Telegram instead: @earbuds_deals"}
    )
    store.import_disputes(
        [base.model_copy(update={"revision": base.revision + 1, "messages": (message,)})]
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("exclamation_mark")
        await settle(app, pilot)
        rows = app.screen.query_one(QueueTable).rows
        assert base.id in [r.id for r in rows]
        assert all(r.flagged_count > 0 for r in rows)
        screen = await open_dispute(app, pilot, base.id)
        (entry,) = [e for e in screen.query_one(Transcript).entries if e.ref == "M-88888"]
        assert [f.rule_id for f in entry.flags] == ["P-COMM-ONPLATFORM"]
        assert "P-COMM-ONPLATFORM" in await screen.fired_rules()
        # Issue 21: the reason shows in the header, and the words it rests on are highlighted.
        transcript = screen.query_one(Transcript)
        head, body = transcript._render_entry(entry, 160, 4)[:2]
        assert "⚑ mentions Telegram: 'telegram'" in head.text
        flagged = transcript._style("flagged")
        assert [s.text for s in body if s.style and s.style.bgcolor == flagged.bgcolor] == [
            "Telegram"
        ]


async def test_a_fast_typist_cannot_change_the_decision_or_lose_it_by_accident(
    app: MediatorApp, store: SqlStore
) -> None:
    """Issue 14: a whole decision typed in one go, mistakes included. Letters and digits typed
    where the agent did not mean to never open a dialog, change the outcome or write."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        dispute_id, version = screen.record.id, screen.record.version
        form = screen.query_one(ResolutionForm)
        await pilot.press("f", "4")  # the outcome list: 4 is partial refund
        assert form.outcome is Outcome.BUYER_PARTIAL_REFUND
        # Submitting now is blocked (no amount, no rationale): focus goes to a text box, never
        # to the outcome list, and the agent's next words land in it.
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert app.focused is form.query_one("#refund_amount", Input)
        await pilot.press(*"1o", "backspace", *"0.00")  # a typo, corrected
        form.query_one("#rationale", TextArea).focus()
        await pilot.press(*"Per photo E-1 nip 2 3 5; ", "tab")  # letters, digits, a stray tab
        await pilot.press(*"i p n 1 2")  # on a checkbox or button now: nothing may fire
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen), "no dialog opened"
        assert form.outcome is Outcome.BUYER_PARTIAL_REFUND, "a digit changed the outcome"
        await pilot.press("ctrl+s")  # confirmation: opens on Back; letters and enter go back
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDecision)
        await pilot.press(*"yes", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert (await store.get_dispute(dispute_id)).version == version, "nothing was written"
        await pilot.press("escape", "escape")  # out of the form, then leave: it asks first
        await settle(app, pilot)
        from mediator.screens.discard import DiscardWork

        assert isinstance(app.screen, DiscardWork)
        await pilot.press(*"q", "enter")  # keep editing: the draft is all there
        await settle(app, pilot)
        assert app.screen is screen
        assert form.query_one("#refund_amount", Input).value == "10.00"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
    (decision,) = (await store.get_dispute(dispute_id)).decisions
    assert decision.outcome is Outcome.BUYER_PARTIAL_REFUND
    assert str(decision.refund_amount) == "10.00"
    assert decision.rationale == "Per photo E-1 nip 2 3 5;"  # stored trimmed


async def test_ctrl_s_before_a_writing_dialog_is_built_is_ignored(app: MediatorApp) -> None:
    """`i` or `n` then ctrl+s at once (a fast typist, found in tmux): the send arrives before
    the dialog has composed its text box; it is ignored, not a crash."""
    from mediator.domain import Actor
    from mediator.screens.modals import InfoRequestScreen, NoteScreen

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for dialog in (
            NoteScreen("D-10001", text="kept"),
            InfoRequestScreen("D-10001", buyer="b", seller="s", party=Actor.BUYER, text=""),
        ):
            dialog.action_send()  # not yet mounted: nothing to send, nothing raised
            assert dialog.unsaved_work() == (
                "your note on D-10001" if isinstance(dialog, NoteScreen) else None
            )
            await app.push_screen(dialog)
            await settle(app, pilot)
            assert app.screen is dialog
            dialog.dismiss(None)
            await settle(app, pilot)
