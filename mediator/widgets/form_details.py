"""The resolution form's fields that depend on the outcome: the refund amount, the return and
the seller's consent, the seller's share, the seller's error on a service, and the defect.

None of them shows until an outcome asks for it, and most decisions never need all of them. So
they are made with the form but mounted into it only the first time one is needed, or holds a
value (a restored draft, a macro), and stay mounted from then on (issue 18): an open form
mounts 23 widgets, not 48, and opening a dispute styled, mounted and laid out half as much of
the form. The widgets hold their values before they are mounted, so the form reads and sets
them the same way either way; `DecisionDetails.mount` registers each section with its
children at once, so that the focus chain sees them as soon as they are displayed, as it saw
the hidden ones before.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Static

#: The detail fields' inputs and check boxes (names of `FormFields`), in the order shown.
DETAIL_INPUTS = ("refund_amount", "seller_keep_pct")
DETAIL_BOXES = (
    "return_required",
    "seller_agreed_return",
    "seller_error",
    "defective_or_misadvertised",
)
#: The detail fields that show an error of their own.
DETAIL_ERRORS = ("refund_amount", "return_required", "seller_keep_pct")


class DecisionDetails:
    """The detail fields' widgets: made with the form, mounted into it on first need."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.inputs = {
            "refund_amount": Input(placeholder="e.g. 10.00", id="refund_amount"),
            "seller_keep_pct": Input(placeholder="0 – 100", id="seller_keep_pct"),
        }
        self.boxes = {
            "return_required": Checkbox("Return required", id="return_required"),
            "seller_agreed_return": Checkbox(
                "Seller agreed to the return", id="seller_agreed_return"
            ),
            "seller_error": Checkbox(
                "Seller made an error during delivery (services)", id="seller_error"
            ),
            "defective_or_misadvertised": Checkbox(
                "Defective or falsely advertised", id="defective_or_misadvertised"
            ),
        }
        self.errors = {
            name: Static(classes="error -empty", id=f"{name}-error") for name in DETAIL_ERRORS
        }
        self.defect_note = Static(classes="note", id="defective-note")
        #: What `show` turns on and off, by id; empty until mounted.
        self._shown: dict[str, Widget] = {}

    @property
    def mounted(self) -> bool:
        return bool(self._shown)

    def hold_values(self) -> bool:
        """Whether any detail field holds something typed or ticked."""
        return any(i.value for i in self.inputs.values()) or any(
            b.value for b in self.boxes.values()
        )

    def mount(self, column: Widget, before: Widget) -> None:
        """Mount the sections into the decision's `column`, in the order shown: the refund's
        field before `before` (the price line), the others after it. Once."""
        if self.mounted:
            return
        boxes, inputs, errors = self.boxes, self.inputs, self.errors
        refund = Vertical(classes="field", id="refund-field")
        column.mount(refund, before=before)
        label = Label("Refund amount", classes="field-label", id="refund-label")
        row = Horizontal(id="refund-row")
        refund.mount_all([label, row, errors["refund_amount"]])
        row.mount_all([inputs["refund_amount"], Label(self.currency)])
        back = Vertical(classes="field", id="return-field")
        keep = Vertical(classes="field", id="keep-field")
        service = Vertical(classes="field", id="seller-error-field")
        defect = Vertical(classes="field", id="defective-field")
        column.mount_all([back, keep, service, defect])
        back.mount_all(
            [boxes["return_required"], boxes["seller_agreed_return"], errors["return_required"]]
        )
        keep_label = Label("Seller keeps % of the price", classes="field-label", id="keep-label")
        keep.mount_all([keep_label, inputs["seller_keep_pct"], errors["seller_keep_pct"]])
        service.mount(boxes["seller_error"])
        defect.mount_all([boxes["defective_or_misadvertised"], self.defect_note])
        self._shown = {
            w.id: w
            for w in (refund, label, row, back, keep, keep_label, service, defect)
            if w.id is not None
        }
        self._shown.update({w.id: w for w in (*inputs.values(), *boxes.values()) if w.id})

    def show(
        self, *, typed: bool, refunds: bool, returning: bool, service: bool, defect: bool
    ) -> None:
        """Display the fields that count for the outcome (all hidden until mounted)."""
        shown = {
            "refund-field": typed,
            "refund-label": typed,
            "refund-row": typed,
            "return-field": refunds,
            "return_required": refunds,
            "keep-field": returning,
            "keep-label": returning,
            "seller_keep_pct": returning,
            "seller_agreed_return": returning,
            "seller-error-field": service,
            "seller_error": service,
            "defective-field": defect,
            "defective_or_misadvertised": defect,
        }
        for widget_id, on in shown.items():
            self._shown[widget_id].display = on

    def note(self, text: str) -> None:
        self.defect_note.update(Content(text))
