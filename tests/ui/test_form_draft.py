"""The resolution form as a draft: every change the agent makes is told (`Edited`) with the
fields as typed, and `restore` puts a draft back exactly, quietly."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Static, TextArea

from mediator.clock import FrozenClock
from mediator.domain import Dispute, Outcome
from mediator.domain.drafts import FormFields
from mediator.widgets.resolution_form import ResolutionForm

from .conftest import NOW, example_disputes

SIZE = (100, 80)  # tall enough that every field can be clicked without scrolling


def dispute(dispute_id: str) -> Dispute:
    return next(d for d in example_disputes() if d.id == dispute_id)


class FormApp(App[None]):
    """A resolution form on its own, for one example dispute, at the tests' frozen time."""

    def __init__(self, dispute_id: str = "D-10001") -> None:
        super().__init__()
        self.dispute = dispute(dispute_id)

    def compose(self) -> ComposeResult:
        yield ResolutionForm(self.dispute, clock=FrozenClock(NOW), id="form")

    @property
    def form(self) -> ResolutionForm:
        return self.query_one(ResolutionForm)


class Edits:
    """A `message_hook` that keeps every `Edited` once (the hook sees a message at each widget
    it bubbles through)."""

    def __init__(self) -> None:
        self.seen: list[ResolutionForm.Edited] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, ResolutionForm.Edited) and all(m is not message for m in self.seen):
            self.seen.append(message)

    @property
    def fields(self) -> list[FormFields]:
        return [m.fields for m in self.seen]


FILLED = FormFields(
    outcome=Outcome.COMPROMISE,
    refund_amount="12.5",
    return_required=True,
    seller_agreed_return=True,
    seller_keep_pct="40%",
    seller_error=False,
    defective_or_misadvertised=True,
    rationale="Per E-1 [b]and[/b] M-3.",
    message_to_parties="[@click=app.quit]Bye[/]",
)


async def type_into(pilot: Pilot[Any], app: FormApp, selector: str, text: str) -> None:
    app.form.query_one(selector).focus()
    await pilot.press(*text)
    await pilot.pause()


async def fill(pilot: Pilot[Any], app: FormApp) -> None:
    """Fill the form as a person does, to `FILLED`: keys and clicks."""
    app.form.query_one("#outcome").focus()
    await pilot.press("2")  # compromise
    await pilot.pause()
    await type_into(pilot, app, "#refund_amount", "12.5")
    await pilot.click("#return_required")
    await pilot.pause()
    await pilot.click("#seller_agreed_return")
    await type_into(pilot, app, "#seller_keep_pct", "40%")
    await pilot.click("#defective_or_misadvertised")
    await type_into(pilot, app, "#rationale", "Per E-1 [b]and[/b] M-3.")
    await type_into(pilot, app, "#message_to_parties", "[@click=app.quit]Bye[/]")


async def test_every_change_the_agent_makes_is_told_with_the_whole_form() -> None:
    edits, app = Edits(), FormApp()
    async with app.run_test(size=SIZE, message_hook=edits) as pilot:
        await pilot.pause()
        assert edits.seen == [], "opening the form is not an edit"
        await fill(pilot, app)
        assert edits.fields[-1] == FILLED == app.form.fields()
        assert edits.fields[0] == FormFields(outcome=Outcome.COMPROMISE), "the outcome first"
        assert [f.refund_amount for f in edits.fields[1:5]] == ["1", "12", "12.", "12.5"]
        assert len(edits.seen) == 1 + 4 + 2 + 3 + 1 + len(FILLED.rationale) + len(
            FILLED.message_to_parties
        ), "one per key or click, none twice"
        # Erasing counts too: down to nothing is still an edit, and says so.
        app.form.query_one("#message_to_parties").focus()
        await pilot.press(*["backspace"] * len(FILLED.message_to_parties))
        await pilot.pause()
        assert edits.fields[-1] == FILLED.model_copy(update={"message_to_parties": ""})


async def test_acknowledging_warnings_is_an_edit() -> None:
    edits, app = Edits(), FormApp("D-10004")  # opened after the buyer confirmed: a warning
    async with app.run_test(size=SIZE, message_hook=edits) as pilot:
        app.form.query_one("#outcome").focus()
        await pilot.press("5")  # seller favour
        await pilot.pause()
        new = app.form.acknowledge_warnings()
        await pilot.pause()
        assert "P-OPEN-CONFIRMED" in new
        assert edits.fields[-1].acknowledged == tuple(sorted(new))
        count = len(edits.seen)
        assert app.form.acknowledge_warnings() == ()
        await pilot.pause()
        assert len(edits.seen) == count, "nothing new acknowledged: no edit"


async def test_a_restored_form_is_the_form_that_was_saved_and_posts_nothing() -> None:
    first = FormApp("D-10004")
    async with first.run_test(size=SIZE) as pilot:
        await fill(pilot, first)
        first.form.acknowledge_warnings()
        await pilot.pause()
        saved = first.form.fields()
    assert saved.acknowledged and saved.rationale == FILLED.rationale

    edits, second = Edits(), FormApp("D-10004")
    async with second.run_test(size=SIZE, message_hook=edits) as pilot:
        await pilot.pause()
        form = second.form
        form.restore(saved)
        assert form.fields() == saved, "at once, not after the widgets' messages"
        await pilot.pause()
        assert edits.seen == [], "a restore is not an edit"
        assert form.fields() == saved
        assert form.query_one("#outcome", RadioSet).pressed_index == 1
        assert form.query_one("#refund_amount", Input).value == "12.5"
        assert form.query_one("#message_to_parties", TextArea).text == FILLED.message_to_parties
        for shown in ("#refund-row", "#seller_keep_pct", "#seller_agreed_return"):
            assert form.query_one(shown).display, f"{shown} is shown, as when saved"
        assert "✔ acknowledged" in str(form.query_one("#findings", Static).render())
        assert form.has_work()
        # The agent goes on typing, at the end of the text: the edit carries the restored fields.
        await type_into(pilot, second, "#rationale", "!")
        assert edits.fields == [saved.model_copy(update={"rationale": saved.rationale + "!"})]


async def test_a_restored_form_shows_no_error_for_untouched_fields() -> None:
    app = FormApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.form.restore(FormFields(outcome=Outcome.SELLER_FAVOUR, refund_amount="7 (hidden)"))
        await pilot.pause()
        for field in ("outcome", "rationale"):
            assert app.form.query_one(f"#{field}-error").has_class("-empty")
        assert not app.form.query_one("#refund-row").display
        assert app.form.fields().refund_amount == "7 (hidden)", "hidden fields are kept as typed"
        assert "rationale" in app.form.read()[1], "still an error, only not shown yet"


async def test_restoring_an_empty_form_clears_it_and_the_outcome_list_still_works() -> None:
    edits, app = Edits(), FormApp()
    async with app.run_test(size=SIZE, message_hook=edits) as pilot:
        await fill(pilot, app)
        told = len(edits.seen)
        app.form.restore(FormFields())
        await pilot.pause()
        assert app.form.fields() == FormFields() and not app.form.has_work()
        assert app.form.query_one("#outcome", RadioSet).pressed_index == -1
        assert not any(b.value for b in app.form.query(RadioButton))
        assert not any(b.value for b in app.form.query(Checkbox))
        assert len(edits.seen) == told
        app.form.query_one("#outcome").focus()
        await pilot.press("3")  # full refund
        await pilot.pause()
        assert [b.value for b in app.form.query(RadioButton)] == [False, False, True, False, False]
        assert edits.fields[-1] == FormFields(outcome=Outcome.BUYER_FULL_REFUND)
        await pilot.press("1")
        await pilot.pause()
        assert app.form.outcome is Outcome.SELLER_RESOLUTION
        assert [b.value for b in app.form.query(RadioButton)] == [True, False, False, False, False]
