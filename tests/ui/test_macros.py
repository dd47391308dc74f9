"""Canned replies in the console (issue 19): `m` in the dispute screen, a searchable picker, a
prompt for a placeholder without a value, a preview, and a form filled as if typed, so that the
policy refuses an over-refund inline (P-REFUND-BOUNDS) and the decision names the macro version.
The real app on a real SQLite file."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList, RadioButton, Static, TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain import Actor, Outcome
from mediator.domain.macros import MacroBody
from mediator.domain.models import MacroRef
from mediator.domain.money import format_amount
from mediator.domain.timeline import decision_entry
from mediator.screens.dispute import DisputeScreen
from mediator.screens.macros import MacroPicker, MacroPreview, PlaceholderPrompt
from mediator.screens.modals import ConfirmDecision, InfoRequestScreen, NoteScreen
from mediator.screens.queue import QueueScreen
from mediator.store.drafts import DraftBox
from mediator.store.sql import SqlStore
from mediator.widgets.decisions import decided_text
from mediator.widgets.resolution_form import ResolutionForm

from .conftest import NOW, settle, told, until
from .test_flows import SIZE, open_most_urgent

PARTIAL = MacroBody(
    path="Refunds/Partial, keep item",
    message="Hello {buyer}: we refund {refund} (and {fee_refund} of the fee) for {order}.",
    rationale="Partial refund of {refund}; the buyer keeps the item.",
    outcome=Outcome.BUYER_PARTIAL_REFUND,
)


def team_macros(store: SqlStore) -> MacroRef:
    """A supervisor's macros: PARTIAL (edited once: version 2) and a note."""
    store.add_staff_sync("sup.sam", "supervisor", now=NOW)
    first = store.save_macro_sync(
        PARTIAL.model_copy(update={"rationale": "old"}), actor="sup.sam", now=NOW
    )
    edited = store.save_macro_sync(
        PARTIAL, macro_id=first.id, expected_version=1, actor="sup.sam", now=NOW
    )
    store.save_macro_sync(
        MacroBody(path="Notes/Carrier called", note="Called the carrier for {order}."),
        actor="sup.sam",
        now=NOW,
    )
    return edited.ref


async def type_refund_then_apply_partial(
    app: MediatorApp, pilot: Pilot[Any], screen: DisputeScreen, refund: str
) -> None:
    """Type `refund` into the form (its field shows once the outcome is a partial refund, 4),
    then pick and apply PARTIAL: its `{refund}` has a value, so the picker goes straight to the
    preview."""
    await pilot.press("f", "4")
    await settle(app, pilot)
    amount = screen.query_one(ResolutionForm).query_one("#refund_amount", Input)
    amount.focus()
    amount.value = ""
    await pilot.press(*refund, "escape", "m")
    await both_macros_listed(app, pilot)
    await pilot.press(*"partial", "enter")
    await until(pilot, lambda: isinstance(app.screen, MacroPreview), "straight to preview")
    await pilot.press("enter")
    await until(pilot, lambda: app.screen is screen, "applied")
    await settle(app, pilot)


async def both_macros_listed(app: MediatorApp, pilot: Pilot[Any]) -> Screen[Any]:
    """After `m`: the macro picker, once it lists both of `team_macros`."""
    await until(pilot, lambda: isinstance(app.screen, MacroPicker), "the picker opens")
    picker = app.screen
    await until(pilot, lambda: picker.query_one(OptionList).option_count == 2, "macros")
    return picker


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_a_macro_with_a_prompted_refund_is_checked_by_the_policy(
    app: MediatorApp, store: SqlStore
) -> None:
    ref = team_macros(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        record = screen.record
        assert record is not None
        order = record.dispute.order
        form = screen.query_one(ResolutionForm)
        assert form.refund_typed() is None  # the form has no refund yet
        await pilot.press("t", "m")
        picker = await both_macros_listed(app, pilot)
        await pilot.press(*"refunds part")
        await until(pilot, lambda: picker.query_one(OptionList).option_count == 1, "narrowed")
        await pilot.press("enter")
        # {refund} has no value on this dispute: asked, never left blank
        await until(pilot, lambda: isinstance(app.screen, PlaceholderPrompt), "the prompt")
        prompt = app.screen
        await pilot.press("enter")
        assert "never left blank" in text_of(prompt.query_one("#placeholder-error", Static))
        await pilot.press(*"lots", "enter")
        assert "is not an amount" in text_of(prompt.query_one("#placeholder-error", Static))
        assert app.screen is prompt
        too_much = order.price + 10
        prompt.query_one(Input).value = ""
        await pilot.press(*f"{too_much}", "enter")
        await until(pilot, lambda: isinstance(app.screen, MacroPreview), "the preview")
        preview = app.screen.query_one("#preview-body").query(Static)
        shown = "\n".join(text_of(s) for s in preview)
        over = format_amount(too_much, order.currency)
        assert f"Hello {record.dispute.buyer.name}: we refund {over}" in shown
        assert "{" not in shown
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen, "back on the dispute")
        await settle(app, pilot)
        # filled as if typed: the policy refuses the over-refund inline, as for typed input
        assert form.outcome is Outcome.BUYER_PARTIAL_REFUND
        assert form.query_one("#refund_amount", Input).value == f"{too_much}"
        assert "P-REFUND-BOUNDS" in text_of(form.query_one("#refund_amount-error", Static))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen), "an over-refund never reaches the confirm"
        assert told(app)[-1].title == "Decision not submitted"
        # the agent types a valid refund, and applies the macro again: no question this time
        await type_refund_then_apply_partial(app, pilot, screen, "20.00")
        twenty = format_amount(Decimal("20.00"), order.currency)
        assert form.query_one("#rationale", TextArea).text == (
            f"Partial refund of {twenty}; the buyer keeps the item."
        )
        assert f"we refund {twenty}" in form.query_one("#message_to_parties", TextArea).text
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDecision), "the confirm")
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
    stored = await store.get_dispute(record.id)
    (decision,) = stored.decisions
    assert decision.macro == ref and ref.version == 2
    assert decision.refund_amount == Decimal("20.00")
    # shown where the decision is shown: the timeline and the decided text
    assert f"agent.test · {decision.id} · macro {ref.id} v2\n" in decision_entry(decision).body
    assert f"with macro {ref.id} v2" in decided_text(stored, UTC).plain


async def test_a_note_macro_opens_the_note_dialog_prefilled(
    app: MediatorApp, store: SqlStore
) -> None:
    team_macros(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        title = screen.record.dispute.order.title
        await pilot.press("t", "m")
        await both_macros_listed(app, pilot)
        await pilot.press(*"carrier", "enter")
        await until(pilot, lambda: isinstance(app.screen, MacroPreview), "the preview")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen), "the note dialog")
        assert app.screen.query_one(TextArea).text == f"Called the carrier for {title}."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen, "the note saved")
        await settle(app, pilot)
    stored = await store.get_dispute(screen.record.id)
    assert stored.dispute.messages[-1].body == f"Called the carrier for {title}."


HOSTILE_PATH = "Evil/[@click=app.quit]Quit[/] \x1b]52;c;cHduZWQ=\x07"
HOSTILE_TEXT = "[bold red]Refund[/] {buyer} \x1b[2J\u202egnp.exe"


async def test_a_hostile_macro_is_shown_as_text(app: MediatorApp, store: SqlStore) -> None:
    """Macros are written by staff, and shown as plain text: markup stays visible, control
    characters are made visible (no ESC reaches the terminal), nothing is run."""
    store.add_staff_sync("sup.sam", "supervisor", now=NOW)
    store.save_macro_sync(
        MacroBody(path=HOSTILE_PATH, rationale=HOSTILE_TEXT), actor="sup.sam", now=NOW
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        buyer = screen.record.dispute.buyer.name
        await pilot.press("t", "m")
        await until(pilot, lambda: isinstance(app.screen, MacroPicker), "the picker opens")
        picker = app.screen
        options = picker.query_one(OptionList)
        await until(pilot, lambda: options.option_count == 1, "the macro is listed")
        listed = str(options.get_option_at_index(0).prompt)
        # the folder is what comes before the last "/" (here the one in "[/]"), shown as text
        assert listed == "Evil/[@click=app.quit]Quit[ / ] ␛]52;c;cHduZWQ=␇"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MacroPreview), "the preview")
        shown = "\n".join(text_of(s) for s in app.screen.query_one("#preview-body").query(Static))
        assert f"[bold red]Refund[/] {buyer} ␛[2J⟦U+202E⟧gnp.exe" in shown
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen, "applied")
        await settle(app, pilot)
        rationale = screen.query_one(ResolutionForm).query_one("#rationale", TextArea).text
        assert rationale == HOSTILE_TEXT.replace("{buyer}", buyer)  # stored verbatim
        assert app.is_running


async def test_an_information_macro_opens_the_request_prefilled(
    app: MediatorApp, store: SqlStore
) -> None:
    store.add_staff_sync("sup.sam", "supervisor", now=NOW)
    store.save_macro_sync(
        MacroBody(
            path="Information/Tracking",
            info_party=Actor.SELLER,
            info_text="Please send the tracking number for {order}, {seller}.",
        ),
        actor="sup.sam",
        now=NOW,
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        assert screen.record is not None
        d = screen.record.dispute
        wanted = f"Please send the tracking number for {d.order.title}, {d.seller.name}."
        await pilot.press("t", "m")
        await until(pilot, lambda: isinstance(app.screen, MacroPicker), "the picker opens")
        picker = app.screen
        await until(pilot, lambda: picker.query_one(OptionList).option_count == 1, "listed")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MacroPreview), "the preview")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InfoRequestScreen), "the request")
        dialog = app.screen
        assert dialog.query_one(TextArea).text == wanted
        assert dialog.query_one("#info-seller", RadioButton).value
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen, "the request sent")
        await settle(app, pilot)
    stored = await store.get_dispute(d.id)
    assert stored.info_request is not None
    assert (stored.info_request.party, stored.info_request.message) == (Actor.SELLER, wanted)


async def test_a_decision_from_a_restored_draft_names_its_macro(
    store: SqlStore, tmp_path: Path
) -> None:
    """The macro travels with the draft: applied in one console, which is closed, and sent from
    the draft restored in the next one, the decision still names macro version 2."""
    ref = team_macros(store)

    def console() -> MediatorApp:
        box = DraftBox(tmp_path / "drafts", scope=f"{store.label} agent.test")
        return MediatorApp(
            store, clock=FrozenClock(NOW), agent="agent.test", tz=UTC, every=MANUAL, drafts=box
        )

    first = console()
    async with first.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(first, pilot)
        form = screen.query_one(ResolutionForm)
        await type_refund_then_apply_partial(first, pilot, screen, "20.00")
        assert form.macro == ref
        dispute_id = screen.dispute_id
    second = console()
    async with second.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(second, pilot)
        assert screen.dispute_id == dispute_id
        form = screen.query_one(ResolutionForm)
        assert form.query_one("#refund_amount", Input).value == "20.00", "the draft is back"
        assert form.macro == ref
        await pilot.press("f", "ctrl+s")
        await until(pilot, lambda: isinstance(second.screen, ConfirmDecision), "the confirm")
        await pilot.press("ctrl+y")
        await settle(second, pilot)
    (decision,) = (await store.get_dispute(dispute_id)).decisions
    assert decision.macro == ref
