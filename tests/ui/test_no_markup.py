"""Issue 14: no string built from data is ever handed to Textual as markup.

Textual parses a `str` given to `Label`, `Static`, `Button`, a radio button, a check box, an
option, `.update()`, a border title and `Content.from_markup` as markup. So in the console's
source, the text given to any of them is a literal (written by us), a variable, or an object
that is already `Content`/`Text` (`plain(...)` builds one from untrusted parts). An f-string, a
concatenation, `%` or `.format()` in that place would let a dispute id, a name or an API's
`detail` run as markup: this check fails on it and names the line.

`notify()` is safe whatever it is given (`MediatorApp.notify` never parses markup) and the
hostile walk (test_hostile_walk.py) shows what reaches the screen; this check keeps the next
line of code from undoing it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mediator

ROOT = Path(mediator.__file__).parent
SOURCES = sorted(
    [ROOT / "app.py", *(ROOT / "screens").rglob("*.py"), *(ROOT / "widgets").rglob("*.py")]
)

#: Calls whose first argument Textual reads as markup when it is a `str`.
MARKUP_CALLS = {"Label", "Static", "Button", "RadioButton", "Checkbox", "Option", "update"}
#: Attributes whose `str` value is markup.
MARKUP_ATTRIBUTES = {"border_title", "border_subtitle"}


def text(node: ast.expr) -> bool:
    """Is `node` a string literal (plain or f-string)?"""
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def built(node: ast.expr) -> bool:
    """Is `node` a string built at run time (and so possibly from data)?"""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return any(text(side) or built(side) for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"format", "join"} and text(node.func.value)
    if isinstance(node, ast.IfExp):
        return built(node.body) or built(node.orelse)
    return False


def name_of(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def offences(source: str, filename: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            name = name_of(node.func)
            first = node.args[0] if node.args else None
            if name == "from_markup" and first is not None and not isinstance(first, ast.Constant):
                found.append(f"{filename}:{node.lineno}: Content.from_markup of a built string")
            elif name in MARKUP_CALLS and first is not None and built(first):
                found.append(f"{filename}:{node.lineno}: {name}() given a built string")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in MARKUP_ATTRIBUTES
                    and built(node.value)
                ):
                    found.append(f"{filename}:{node.lineno}: {target.attr} = a built string")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_built_string_is_given_as_markup(path: Path) -> None:
    assert offences(path.read_text("utf-8"), str(path.relative_to(ROOT))) == []


@pytest.mark.parametrize(
    "line",
    [
        'Label(f"{dispute.id} · open")',
        'Static("Buyer: " + name)',
        'self.query_one(Static).update("%s" % detail)',
        'Button("Take {}".format(holder))',
        'Option("x" if a else f"{b}")',
        'Content.from_markup(title)',
        'widget.border_title = f"{name}"',
        'RadioButton(label + "!")',
    ],
)  # fmt: skip
def test_the_check_catches_each_way_of_building_markup(line: str) -> None:
    assert offences(line, "example.py")


@pytest.mark.parametrize(
    "line",
    [
        'Label("Evidence (e)")',
        'Label(plain(dispute.id, " · open"))',
        'Static(text)',
        'Static(Text(f"{name}"))',
        'Content.from_markup("[b]Keys[/b]")',
        'widget.border_title = plain(name)',
        'Label(f"literal only")',
    ],
)  # fmt: skip
def test_the_check_lets_literals_variables_and_content_through(line: str) -> None:
    assert offences(line, "example.py") == []
