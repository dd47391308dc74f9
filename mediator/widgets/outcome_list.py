"""The resolution form's outcome list: the five outcomes, picked with 1–5 where the agent looks."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import RadioButton, RadioSet

from mediator.domain.enums import Outcome

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)


class OutcomeList(RadioSet):
    """The outcomes, 1–5. The digits pick one only here, where the agent is looking at the
    list: typed anywhere else in the form a digit is text, never a change of outcome."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(i), f"pick({i})", o.label, show=False, id=f"form.outcome.{i}",
                tooltip=f"Outcome: {o.label}")
        for i, o in enumerate(OUTCOMES, 1)
    ]  # fmt: skip

    def action_pick(self, number: int) -> None:
        buttons = list(self.query(RadioButton))
        if 1 <= number <= len(buttons):
            buttons[number - 1].value = True
            self._selected = number - 1  # the list's own highlight follows the pick

    def show(self, index: int | None) -> None:
        """Press the button at `index` (None: none) without posting anything: a restored form.

        A RadioSet learns which button is pressed from their messages, which arrive later, and
        refuses to let the pressed one go; so the set's own record is set here, at once (the
        private `_pressed_button`, like `_selected` above: Textual is pinned)."""
        buttons = list(self.query(RadioButton))
        with self.prevent(RadioButton.Changed):
            for i, button in enumerate(buttons):
                button.value = i == index
        self._pressed_button = None if index is None else buttons[index]
        if index is not None:
            self._selected = index

    @property
    def outcome(self) -> Outcome | None:
        index = self.pressed_index
        return OUTCOMES[index] if index >= 0 else None
