"""The labelled transcript-flag set (`tests/data/flags_labelled.jsonl`): loading and scoring.

One JSON object per line: {"body": "...", "flags": ["P-COMM-ONPLATFORM"], "note": "why"}; lines
starting with "#" are comments.
Long messages are generated from a short spec instead of a literal body:
{"body_repeat": ["text ", 2000]} is "text " 2,000 times; {"body_lines": ["line {i}", 10000]} is
10,000 lines numbered from 1, joined with newlines. Shared by `test_flags.py` and
`bench/flags.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mediator.domain.flags import RULE_IDS

DATA = Path(__file__).resolve().parents[1] / "data" / "flags_labelled.jsonl"
#: The held-out set (issue 21): written before the detector was changed for it, frozen, read only
#: by `bench/flags.py` and by the test that checks nothing else reads it. Never tune on it.
HELD_OUT = DATA.with_name("flags_heldout.jsonl")
#: A second, smaller held-out batch written after the issue-21 changes and scored once.
HELD_OUT_2 = DATA.with_name("flags_heldout_2.jsonl")
#: A third batch (160), written blind to the detector and the first two sets by a session that
#: read only the policy, frozen before the third round of changes, scored before and after them.
HELD_OUT_3 = DATA.with_name("flags_heldout_3.jsonl")
#: A fourth (160), written blind like the third, scored before the third round and after it.
HELD_OUT_4 = DATA.with_name("flags_heldout_4.jsonl")
#: A fifth (200), written blind like the third and fourth, frozen before the fourth round.
HELD_OUT_5 = DATA.with_name("flags_heldout_5.jsonl")
_BODY_KEYS = ("body", "body_repeat", "body_lines")


@dataclass(frozen=True, slots=True)
class Example:
    line: int
    body: str
    flags: frozenset[str]
    note: str
    #: How the body is shown in reports: itself, or its generating spec when it is long.
    label: str


@dataclass(slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    positives: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Report:
    scores: dict[str, Score] = field(default_factory=lambda: {r: Score() for r in RULE_IDS})
    #: (example, rules predicted) for every example with a wrong prediction for some rule.
    wrong: list[tuple[Example, frozenset[str]]] = field(default_factory=list)


def load(path: Path = DATA) -> list[Example]:
    examples = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip() and not raw.startswith("#"):
            examples.append(_example(number, json.loads(raw)))
    return examples


def _example(line: int, row: dict[str, object]) -> Example:
    unknown = set(row) - {*_BODY_KEYS, "flags", "note"}
    present = [key for key in _BODY_KEYS if key in row]
    if unknown or len(present) != 1:
        raise ValueError(f"line {line}: need exactly one of {_BODY_KEYS}, got {sorted(row)}")
    flags = row["flags"]
    if not isinstance(flags, list) or not set(flags) <= set(RULE_IDS):
        raise ValueError(f"line {line}: flags must be a list of {RULE_IDS}")
    note = row.get("note", "")
    key = present[0]
    spec = row[key]
    if key == "body" and isinstance(spec, str):
        body, label = spec, spec
    elif isinstance(spec, list) and len(spec) == 2:
        text, count = spec
        if not isinstance(text, str) or not isinstance(count, int) or count < 1:
            raise ValueError(f"line {line}: {key} is [text, count]")
        if key == "body_repeat":
            body = text * count
        else:
            body = "\n".join(text.format(i=i) for i in range(1, count + 1))
        label = f"{key}[{text[:40]!r}, {count}]"
    else:
        raise ValueError(f"line {line}: bad {key}")
    return Example(line, body, frozenset(str(f) for f in flags), str(note), label)


def evaluate(examples: Iterable[Example], predict: Callable[[str], Iterable[str]]) -> Report:
    """Per-rule counts of `predict` (body → rule ids) against the labels."""
    report = Report()
    for example in examples:
        got = frozenset(predict(example.body))
        for rule, score in report.scores.items():
            want, have = rule in example.flags, rule in got
            score.positives += want
            score.tp += want and have
            score.fp += have and not want
            score.fn += want and not have
        if got != example.flags:
            report.wrong.append((example, got))
    return report
