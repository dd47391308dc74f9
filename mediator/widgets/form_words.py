"""What the resolution form says in words: the defect box's note, the policy's findings, and why
a submit was refused."""

from __future__ import annotations

from rich.text import Text

from mediator.domain.enums import Outcome
from mediator.domain.policy import Finding, Severity
from mediator.domain.text import visible

#: How a field is named when the form says why it was not submitted.
FIELD_NAMES = {
    "outcome": "outcome",
    "refund_amount": "refund amount",
    "return_required": "return",
    "seller_keep_pct": "seller keeps %",
    "rationale": "rationale",
    "acknowledge": "policy",
}

_MARKS = {
    Severity.BLOCK: ("■ ", "bold red"),
    Severity.WARNING: ("▲ ", "yellow"),
    Severity.INFO: ("● ", "dim"),
}


def defect_note(outcome: Outcome | None, *, returning: bool) -> str:
    """What ticking "Defective or falsely advertised" changes, for the decision as it stands
    (the rules that read it: `defect_applies`)."""
    if outcome is Outcome.BUYER_FULL_REFUND and not returning:
        return (
            "Ticked: the full refund is due once the item is returned "
            "(P-REFUND-DEFECTIVE-UNRESOLVED), and the seller keeps 0% on a return "
            "(P-RETURN-KEEP-50)."
        )
    if returning:
        return "Ticked: the seller keeps 0% on this return, not up to 50% (P-RETURN-KEEP-50)."
    return (
        "Ticked: a full or partial refund is allowed (P-REFUND-DEFECTIVE), and on a return "
        "the seller keeps 0%, not up to 50% (P-RETURN-KEEP-50)."
    )


def findings_text(findings: tuple[Finding, ...], acknowledged: frozenset[str]) -> Text:
    """One line a finding: its mark, rule and words; a warning says whether it is acknowledged."""
    text = Text()
    for finding in findings:
        if text:
            text.append("\n")
        mark, style = _MARKS[finding.severity]
        text.append(mark, style)
        text.append(finding.rule_id, style + " bold" if style != "dim" else "dim bold")
        text.append(f": {visible(finding.message)}", style)
        if finding.severity is Severity.WARNING:
            if finding.rule_id in acknowledged:
                text.append("  ✔ acknowledged", "green")
            else:
                text.append("  ctrl+g acknowledges", "bold yellow")
    return text


def reasons_text(reasons: list[str]) -> Text:
    """ "Not submitted:" and a line a reason (empty when there is none)."""
    text = Text()
    if reasons:
        text.append("Not submitted:", "bold")
        for reason in reasons:
            text.append("\n")
            text.append(visible(reason if reason[0] in "■▲" else f"✖ {reason}"))
    return text
