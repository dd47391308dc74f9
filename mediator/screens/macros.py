"""Canned replies in the dispute screen (issue 19): pick a macro, answer its placeholders,
preview the filled text, apply it.

`MacroPicker` lists the team's macros (read from the store in a worker) and narrows them as the
agent types words of a folder or name; `PlaceholderPrompt` asks for one placeholder that has no
value on this dispute (never left blank); `MacroPreview` shows exactly what will be filled in,
as plain text (macros are written by staff: text, never markup).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from mediator.domain.macros import FIELD_LABELS, PLACEHOLDERS, Filled, Macro, search
from mediator.domain.money import format_amount
from mediator.domain.text import one_line
from mediator.store.base import Store, StoreError
from mediator.widgets._text import plain


class MacroPicker(ModalScreen[Macro | None]):
    """The team's macros by folder and name; type to narrow, enter picks, esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="macros.close", tooltip="Close without a macro"),
        Binding("down", "move(1)", "Next", show=False, id="macros.next",
                tooltip="Next macro"),
        Binding("up", "move(-1)", "Previous", show=False, id="macros.previous",
                tooltip="Previous macro"),
    ]  # fmt: skip

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        #: Every macro in use, once read (None while it is read).
        self.macros: list[Macro] | None = None
        self.shown: list[Macro] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="macro-dialog", classes="dialog"):
            yield Label("Canned replies", classes="dialog-title")
            yield Input(placeholder="Search folder and name", id="macro-search")
            yield OptionList(id="macro-list")
            yield Static("Reading the macros…", classes="hint", id="macro-hint")

    def on_mount(self) -> None:
        self.query_one("#macro-search", Input).focus()
        self.load()

    @work(exclusive=True, group="macros", exit_on_error=False)
    async def load(self) -> None:
        try:
            self.macros = await self.store.macros()
        except StoreError as error:
            self.query_one("#macro-hint", Static).update(
                plain(f"The macros could not be read: {one_line(str(error), 200)}")
            )
            return
        self._show(self.query_one("#macro-search", Input).value)

    def _show(self, words: str) -> None:
        if self.macros is None:
            return
        self.shown = search(self.macros, words)
        options = self.query_one("#macro-list", OptionList)
        options.clear_options()
        options.add_options(
            Option(
                plain((one_line(m.folder or "·", 40), "dim"), " / ", one_line(m.name, 70)), id=m.id
            )
            for m in self.shown
        )
        if self.shown:
            options.highlighted = 0
        hint = (
            "enter: the highlighted macro (a preview shows before anything changes) · ↑↓ move"
            if self.shown
            else ("No macro matches." if self.macros else "No macros yet: a supervisor adds "
                  "them with `mediator macro add`.")
        )  # fmt: skip
        self.query_one("#macro-hint", Static).update(plain(hint))

    @on(Input.Changed, "#macro-search")
    def _typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#macro-search")
    def _entered(self) -> None:
        index = self.query_one("#macro-list", OptionList).highlighted
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index])

    @on(OptionList.OptionSelected, "#macro-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    def action_move(self, step: int) -> None:
        options = self.query_one("#macro-list", OptionList)
        if not self.shown:
            return
        now = options.highlighted or 0
        options.highlighted = max(0, min(len(self.shown) - 1, now + step))

    def action_close(self) -> None:
        self.dismiss(None)


class PlaceholderPrompt(ModalScreen[str | None]):
    """Ask for the value of one placeholder; enter gives it (a blank one is refused), esc
    drops the macro."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel", id="placeholder.cancel",
                tooltip="Do not apply the macro"),
    ]  # fmt: skip

    def __init__(self, name: str, *, check: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.name_ = name
        #: The answer's problem, or None when it will do (an amount for `{refund}`).
        self.check = check

    def compose(self) -> ComposeResult:
        what = PLACEHOLDERS.get(self.name_, "a value")
        with Vertical(id="placeholder-dialog", classes="dialog"):
            yield Label(plain(f"{{{self.name_}}} has no value here"), classes="dialog-title")
            yield Static(plain(f"Give {what}:"))
            yield Input(id="placeholder-value")
            yield Static("", classes="error", id="placeholder-error")
            yield Static("enter gives it · esc drops the macro", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _given(self, event: Input.Submitted) -> None:
        value = event.value
        problem = (
            "a value is needed: a placeholder is never left blank" if not value.strip() else None
        )
        if problem is None and self.check is not None:
            problem = self.check(value)
        if problem is not None:
            self.query_one("#placeholder-error", Static).update(plain(f"✖ {problem}"))
            return
        self.dismiss(value)

    def action_close(self) -> None:
        self.dismiss(None)


class MacroPreview(ModalScreen[bool]):
    """What the macro fills in, filled, before anything changes; enter or ctrl+y applies it to
    the form (whose checks then run as for typed input), esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y,enter", "answer(True)", "Apply", priority=True, id="preview.apply",
                tooltip="Fill the form (and open the note or request) with this text"),
        Binding("escape", "answer(False)", "Back", id="preview.back",
                tooltip="Do not apply the macro"),
    ]  # fmt: skip

    def __init__(self, macro: Macro, filled: Filled, currency: str) -> None:
        super().__init__()
        self.macro = macro
        self.filled = filled
        self.currency = currency

    def compose(self) -> ComposeResult:
        filled = self.filled
        with Vertical(id="preview-dialog", classes="dialog"):
            yield Label(
                plain(f"{one_line(self.macro.path, 70)} · v{self.macro.version}"),
                classes="dialog-title",
            )
            with VerticalScroll(id="preview-body"):
                if filled.outcome is not None:
                    yield Static(plain("Outcome: ", filled.outcome.label), classes="preview-row")
                if filled.refund is not None:
                    amount = format_amount(filled.refund, self.currency)
                    yield Static(plain("Refund: ", amount), classes="preview-row")
                for field, text in filled.texts.items():
                    label = FIELD_LABELS[field]
                    if field == "info_text" and filled.info_party is not None:
                        label = f"{label} to the {filled.info_party.value}"
                    yield Label(plain(label), classes="preview-label")
                    yield Static(plain(text), classes="preview-text")
            with Horizontal(classes="buttons"):
                yield Button("Back (esc)", id="back")
                yield Button("Apply (enter)", id="apply", variant="primary")

    def action_answer(self, apply: bool) -> None:
        self.dismiss(apply)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "apply")
