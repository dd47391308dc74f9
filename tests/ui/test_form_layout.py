"""The resolution form as a new agent meets it (issue 22): Tab follows what is read and every
stop is named; the field with focus is marked; the form uses a wide terminal and keeps Submit
and the policy findings in view; a refused submit says why beside them; the "defective or
falsely advertised" box shows only where the policy counts it, saying what it changes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Label, Static, TextArea

from mediator.app import MediatorApp
from mediator.domain import Outcome
from mediator.domain.drafts import FormFields
from mediator.screens.dispute import DisputeScreen
from mediator.screens.modals import ConfirmDecision
from mediator.widgets.resolution_form import ResolutionForm

from .conftest import settle, told

#: D-10001: goods, delivered, not as described, nothing blocks a refund.
GOODS = "D-10001"


async def open_form(
    app: MediatorApp, pilot: Pilot[Any], dispute_id: str, outcome: str
) -> ResolutionForm:
    """Open `dispute_id` from the queue's search and pick `outcome` (its digit) in the form."""
    await settle(app, pilot)
    await pilot.press("slash", *dispute_id, "enter", "enter")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, DisputeScreen) and screen.dispute_id == dispute_id
    await pilot.press("f", outcome)
    await settle(app, pilot)
    return screen.query_one(ResolutionForm)


def text_of(widget: Widget) -> str:
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(widget.render())
    return " ".join(console.export_text().split())


def label_of(form: ResolutionForm, widget: Widget) -> str:
    """The words that name a Tab stop, as shown: a check box's or button's own label, else the
    label of the field it sits in, which must be on screen just above it."""
    if isinstance(widget, Checkbox | Button):
        return " ".join(str(widget.label).split())
    field = next(a for a in widget.ancestors if a.has_class("field"))
    label = field.query_one(".field-label", Label)
    assert label.display and label.region.height == 1, f"{widget.id}: its label is not shown"
    assert label.region.y < widget.region.y <= label.region.y + 1, f"{widget.id}: not beside it"
    return text_of(label)


def visible_at_its_place(app: MediatorApp, widget: Widget) -> bool:
    """`widget` is drawn whole on the screen and nothing covers it (neither scrolled out nor
    under another widget)."""
    region = widget.region
    if region.height < widget.outer_size.height or region.width < widget.outer_size.width:
        return False
    for x, y in ((region.x, region.y), (region.right - 1, region.bottom - 1)):
        found, _ = app.screen.get_widget_at(x, y)
        if found is not widget and widget not in found.ancestors:
            return False
    return True


async def tab_chain(app: MediatorApp, pilot: Pilot[Any], form: ResolutionForm) -> list[str]:
    """Tab from where the focus is, until it leaves the form: each stop's id and its label."""
    stops: list[str] = []
    while (focused := app.focused) is not None and form in focused.ancestors:
        stops.append(f"{focused.id}: {label_of(form, focused)}")
        await pilot.press("tab")
        await pilot.pause()
    return stops


async def test_tab_from_the_refund_amount_goes_in_reading_order_and_every_stop_is_named(
    app: MediatorApp,
) -> None:
    """The chain was refund → two check boxes → rationale → message → Submit → evidence →
    timeline → the form's scrolling body (a stop with no name) → outcome: the nameless stop
    is gone, and each stop is named beside it."""
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_form(app, pilot, GOODS, "4")  # partial refund
        form.query_one("#refund_amount").focus()
        await pilot.pause()
        assert await tab_chain(app, pilot, form) == [
            "refund_amount: Refund amount",
            "return_required: Return required",
            "defective_or_misadvertised: Defective or falsely advertised",
            "rationale: Rationale (required)",
            "message_to_parties: Message to the parties",
            "submit: Submit decision ctrl+s",
        ]
        assert app.focused is not None and app.focused.id == "evidence", "out of the form"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "timeline"
        await pilot.press("tab")
        assert app.focused is form.query_one("#outcome"), "then the form again, at its top"
        # with a return: the return's own fields come in where they are shown
        await pilot.click("#return_required")
        await pilot.pause()
        await pilot.click("#seller_agreed_return")  # else P-RETURN-CONSENT disables Submit
        await pilot.pause()
        form.query_one("#outcome").focus()
        await pilot.pause()
        assert [s.split(":")[0] for s in await tab_chain(app, pilot, form)] == [
            "outcome", "refund_amount", "return_required", "seller_agreed_return",
            "seller_keep_pct", "defective_or_misadvertised", "rationale", "message_to_parties",
            "submit",
        ]  # fmt: skip
        # and shift+tab walks it back
        form.query_one("#message_to_parties").focus()
        await pilot.press("shift+tab")
        assert app.focused is form.query_one("#rationale")
        await pilot.press("shift+tab")
        assert app.focused is form.query_one("#defective_or_misadvertised")


async def test_no_container_of_the_form_is_a_tab_stop(app: MediatorApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot, GOODS, "2")
        assert app.screen is not None
        stops = [w for w in app.screen.focus_chain if form in w.ancestors]
        assert [w.id for w in stops] == [
            "outcome", "refund_amount", "return_required", "defective_or_misadvertised",
            "rationale", "message_to_parties", "submit",
        ]  # fmt: skip


async def test_the_field_with_focus_is_marked_beside_it(app: MediatorApp) -> None:
    """A bar down the left of the focused field and its label in the accent colour; the other
    fields unmarked (the footer is not where an agent looks)."""
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_form(app, pilot, GOODS, "4")
        muted = form.query_one("#outcome-field .field-label")  # focus is never there below
        for focus, field in (
            ("#refund_amount", "#refund-field"),
            ("#rationale", "#rationale-field"),
            ("#message_to_parties", "#message-field"),
            ("#return_required", "#return-field"),
        ):
            form.query_one(focus).focus()
            await pilot.pause()
            marked = [
                f"#{f.id}"
                for f in form.query(".field")
                if f.display and f.styles.border_left[0] == "thick"
            ]
            assert marked == [field], f"focus on {focus}"
            for label in form.query_one(field).query(".field-label"):
                assert label.styles.text_style.bold and label.styles.color != muted.styles.color
        assert not muted.styles.text_style.bold


async def test_the_form_grows_with_the_terminal_and_keeps_submit_and_findings_in_view(
    app: MediatorApp,
) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_form(app, pilot, GOODS, "4")  # partial refund: the refund fields open
        assert form.query_one("#refund-row").display
        assert form.findings, "the policy has something to say here (P-REFUND-DEFECTIVE)"
        for where in ("#refund_amount", "#message_to_parties", "#outcome"):
            form.query_one(where).focus()  # wherever the agent is in the form
            await pilot.pause()
            for selector in ("#submit", "#findings", "#findings-label"):
                widget = form.query_one(selector)
                assert visible_at_its_place(app, widget), f"{selector} with focus on {where}"
        assert form.size.width > 55, "wider than the 42 it always was"
        await pilot.resize_terminal(240, 60)
        await settle(app, pilot)
        assert form.size.width >= 100
        assert form.has_class("-columns"), "two columns: the decision, then the words"
        rationale, outcome = form.query_one("#rationale"), form.query_one("#outcome")
        assert rationale.region.x > outcome.region.right, "the words beside the decision"
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        assert form.size.width == 42 and not form.has_class("-columns"), "as before at 120"
        assert visible_at_its_place(app, form.query_one("#submit"))


async def test_a_refused_submit_says_why_beside_the_findings_and_submit(app: MediatorApp) -> None:
    """D-10004 was paid out: a full refund is blocked (P-REFUND-PAIDOUT), two warnings wait for
    ctrl+g and no rationale is written. ctrl+s says so in the form's foot, over the findings and
    Submit, and keeps saying what is left as the agent fixes it."""
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_form(app, pilot, "D-10004", "3")
        why = form.query_one("#submit-why", Static)
        assert not why.display, "nothing said before a submit"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert why.display and visible_at_its_place(app, why)
        said = text_of(why)
        assert said.startswith("Not submitted:")
        assert "✖ rationale: a rationale is required" in said
        assert "■ blocked by P-REFUND-PAIDOUT" in said
        assert "▲ acknowledge P-OPEN-72H, P-OPEN-CONFIRMED with ctrl+g" in said
        foot = form.query_one("#form-foot")
        assert why.parent is foot and foot.query_one("#submit").region.y > why.region.bottom
        assert foot.query_one("#findings").region.y > why.region.bottom, "then the findings"
        notice = told(app)[-1]
        assert notice.title == "Decision not submitted"
        assert notice.message == (
            "To fix: rationale; P-REFUND-PAIDOUT; acknowledge P-OPEN-72H, P-OPEN-CONFIRMED "
            "(ctrl+g). Each is said in the form, under the fields."
        )
        # the agent fixes things: the line keeps up
        assert app.focused is form.query_one("#rationale", TextArea)
        await pilot.press(*"Cracked cases, see M-30.")
        await pilot.pause()
        assert "rationale" not in text_of(why) and "P-REFUND-PAIDOUT" in text_of(why)
        form.query_one("#outcome").focus()
        await pilot.press("5")  # seller favour: nothing to block
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert not why.display, "nothing left to say"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDecision)


async def test_a_refused_submit_names_the_field_to_fix(app: MediatorApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot, GOODS, "4")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        why = form.query_one("#submit-why", Static)
        said = text_of(why)
        assert "✖ refund amount: a partial refund needs an amount" in said
        assert "■" not in said and "▲" not in said
        assert visible_at_its_place(app, why)
        assert visible_at_its_place(app, form.query_one("#submit"))


@pytest.mark.parametrize(
    ("dispute_id", "outcome", "shown"),
    [
        ("D-10003", "3", False),  # an account: handed over, not made
        ("D-10005", "3", False),  # a service: a seller error counts instead (P-REFUND-SERVICE)
        ("D-10002", "3", False),  # goods never delivered: nothing to be defective
        (GOODS, "1", False),  # seller resolution: nothing refunded, no return
        (GOODS, "5", False),  # seller favour
        (GOODS, "2", True),
        (GOODS, "3", True),
        (GOODS, "4", True),
    ],
)
async def test_the_defective_box_shows_where_the_policy_counts_it(
    app: MediatorApp, dispute_id: str, outcome: str, shown: bool
) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_form(app, pilot, dispute_id, outcome)
        # the outcome's fields are mounted once an outcome needs them (issue 18)
        found = form.query("#defective_or_misadvertised")
        box = found.first(Checkbox) if found else None
        assert (box is not None and form._shown(box)) is shown
        assert (box is not None and box in app.screen.focus_chain) is shown
        if not shown:
            return
        note = form.query_one("#defective-note", Static)
        assert visible_at_its_place(app, note) or note.region.height > 0
        said = text_of(note)
        assert said.startswith("Ticked:") and "P-RETURN-KEEP-50" in said
        assert "seller keeps 0%" in said


async def test_the_defective_note_says_what_ticking_changes_for_this_decision(
    app: MediatorApp,
) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_form(app, pilot, GOODS, "3")  # full refund, no return yet
        note = form.query_one("#defective-note", Static)
        assert "the full refund is due once the item is returned" in text_of(note)
        assert "P-REFUND-DEFECTIVE-UNRESOLVED" in text_of(note)
        await pilot.click("#return_required")
        await pilot.pause()
        assert text_of(note) == (
            "Ticked: the seller keeps 0% on this return, not up to 50% (P-RETURN-KEEP-50)."
        )
        # what it says is what the policy does: 10% kept on a defective item is refused
        await pilot.click("#seller_agreed_return")
        form.query_one("#seller_keep_pct").focus()
        await pilot.press(*"10")
        await pilot.click("#defective_or_misadvertised")
        await pilot.pause()
        assert "P-RETURN-KEEP-50" in [f.rule_id for f in form.findings]


async def test_a_flag_kept_where_the_box_is_hidden_is_not_sent(app: MediatorApp) -> None:
    """A draft restored with the box ticked, on an account dispute: the box is hidden, and the
    decision does not carry the flag (the policy would ignore it anyway: `defect_applies`)."""
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_form(app, pilot, "D-10003", "3")
        form.restore(FormFields(outcome=Outcome.BUYER_FULL_REFUND, defective_or_misadvertised=True))
        await pilot.pause()
        assert not form._shown(form.query_one("#defective_or_misadvertised"))
        draft = form.policy_draft()
        assert draft is not None and draft.defective_or_misadvertised is None
        assert form.fields().defective_or_misadvertised, "kept in the draft as typed"
