"""A snapshot mismatch in words: the screen lines that differ, as text, in the test's output.

The plugin's HTML report stays on the machine that ran the tests; CI shows only what is
printed. A red snapshot on CI (test_dispute[narrow], whose cause was a footer missing three
keys) could not be read from CI's log: this prints the lines that changed, or says that only
colours or styles did."""

from __future__ import annotations

import difflib
import html
import pickle
import re
from pathlib import Path

_TEXT = re.compile(
    r'<text class="([^"]*)" x="([\d.]+)" y="[\d.]+"[^>]*clip-path="url\(#[^)]*-line-(\d+)\)"'
    r"[^>]*>(.*?)</text>",
    re.S,
)
_STYLE = re.compile(r"\.(terminal-[\w-]+) \{ ([^}]*) \}")


def screen_lines(svg: str, *, styled: bool = False) -> list[str]:
    """The screen's lines from a Textual SVG screenshot; with `styled`, each run of text is
    followed by its style (the CSS of its class, whose names differ between screenshots)."""
    styles = dict(_STYLE.findall(svg))
    rows: dict[int, list[tuple[float, str]]] = {}
    for css_class, x, line, content in _TEXT.findall(svg):
        text = html.unescape(content)
        if styled:
            text = f"{text}{{{styles.get(css_class, css_class)}}}"
        rows.setdefault(int(line), []).append((float(x), text))
    return ["".join(text for _, text in sorted(rows[n])) for n in sorted(rows)]


def mismatch(expected: str, actual: str) -> str:
    """What differs between two screenshots, in words."""
    diff = list(difflib.unified_diff(
        screen_lines(expected), screen_lines(actual), "expected", "actual", lineterm="", n=0
    ))  # fmt: skip
    if diff:
        return "\n".join(diff)
    styled = list(difflib.unified_diff(
        screen_lines(expected, styled=True), screen_lines(actual, styled=True),
        "expected", "actual", lineterm="", n=0,
    ))  # fmt: skip
    if styled:
        return "the same text; styles differ:\n" + "\n".join(styled[:40])
    return "the same text and styles (backgrounds or the cursor differ)"


def report_mismatch(report: Path) -> str:
    """`mismatch` for the data the snapshot plugin saved for its HTML report."""
    data = pickle.loads(report.read_bytes())
    _, expected, actual = data[:3]
    return mismatch(expected or "", actual or "")
