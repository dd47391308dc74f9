"""The rule table matches docs/POLICY.md; findings are sorted, printable and filterable."""

from __future__ import annotations

import re
from pathlib import Path

from mediator.domain import Outcome
from mediator.domain.policy import (
    RULES,
    RULES_BY_ID,
    Finding,
    Rule,
    Severity,
    blocking,
    decision_findings,
    warnings,
)
from tests.domain.builders import NOW, draft, example

ROOT = Path(__file__).resolve().parents[2]
POLICY_MD = ROOT / "docs" / "POLICY.md"


def policy_md_rules() -> list[Rule]:
    """Every row of a markdown table in POLICY.md whose first cell is a rule ID."""
    rules: list[Rule] = []
    section = ""
    for line in POLICY_MD.read_text("utf-8").splitlines():
        if line.startswith("## "):
            section = line.removeprefix("## ").strip()
        elif line.startswith("| P-"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            assert len(cells) == 3, line
            rules.append(Rule(id=cells[0], section=section, text=cells[1], kind=cells[2]))
    return rules


def test_rules_match_policy_md_row_for_row() -> None:
    expected = policy_md_rules()
    assert len(expected) == 21
    assert [r.id for r in RULES] == [r.id for r in expected]
    for ours, theirs in zip(RULES, expected, strict=True):
        assert ours == theirs


def test_rules_by_id() -> None:
    assert list(RULES_BY_ID) == [r.id for r in RULES]
    assert RULES_BY_ID["P-REFUND-PAIDOUT"].kind == "block"
    assert RULES_BY_ID["P-INFO-7D"].section == "Opening and escalating"
    assert {r.section for r in RULES} == {
        "Opening and escalating",
        "Refunds",
        "Evidence and communication",
    }


def test_every_rule_id_cited_in_the_code_exists() -> None:
    cited = {
        token.rstrip("-")
        for path in (ROOT / "mediator").rglob("*.py")
        for token in re.findall(r"\bP-[A-Z0-9*-]+", path.read_text("utf-8"))
    }
    exact = {c for c in cited if "*" not in c}
    assert exact - set(RULES_BY_ID) == set()
    for pattern in cited - exact:  # "P-COMM-*": a family of rules
        assert any(r.startswith(pattern.removesuffix("*")) for r in RULES_BY_ID), pattern


def test_a_finding_prints_as_its_rule_and_message() -> None:
    finding = Finding("P-REFUND-FEE", Severity.INFO, "fee refund 1.00 USD", "refund_amount")
    assert str(finding) == "P-REFUND-FEE: fee refund 1.00 USD"
    assert Finding("P-OPEN-72H", Severity.WARNING, "late").field is None


def test_findings_are_sorted_blocks_warnings_info_and_filtered() -> None:
    # D-10004: paid out (block), opened late and after confirming (warnings), defective (info).
    findings = decision_findings(example("D-10004"), draft(Outcome.BUYER_FULL_REFUND), NOW)
    assert [(f.rule_id, f.severity) for f in findings] == [
        ("P-REFUND-PAIDOUT", Severity.BLOCK),
        ("P-OPEN-72H", Severity.WARNING),
        ("P-OPEN-CONFIRMED", Severity.WARNING),
        ("P-REFUND-DEFECTIVE", Severity.INFO),
        ("P-REFUND-DEFECTIVE-UNRESOLVED", Severity.INFO),
        ("P-REFUND-FEE", Severity.INFO),
    ]
    assert [f.rule_id for f in blocking(findings)] == ["P-REFUND-PAIDOUT"]
    assert [f.rule_id for f in warnings(findings)] == ["P-OPEN-72H", "P-OPEN-CONFIRMED"]
    assert all(f.rule_id in RULES_BY_ID for f in findings)


def test_a_clean_decision_has_no_blocks_or_warnings() -> None:
    findings = decision_findings(example("D-10003"), draft(Outcome.SELLER_FAVOUR), NOW)
    assert findings == ()
