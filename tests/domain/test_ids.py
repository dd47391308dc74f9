"""Ids and staff names: 1-64 of `A-Z a-z 0-9 . _ : -` (IMPORT_FORMAT.md "Rules")."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mediator.domain import Party
from mediator.domain.ids import id_problem, name_problem


@pytest.mark.parametrize(
    "value", ["D-1", "M-b1-0", "U-abc.DEF_9:x", "E-" + "9" * 62, "agent.ana", "sup:kim-2"]
)
def test_safe_ids(value: str) -> None:
    assert id_problem(value) is None


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("D-[@click=app.quit]Q[/]", "'[', '@', '=', ']', '/'"),
        ("D-[/]", "'[', '/', ']'"),
        ("D-1 2", "' '"),
        ("D-é", "'é'"),
        ("D-１", "'１'"),  # a full-width digit: str.isdigit() says yes, ASCII says no
        ("D-\x1b[31m", "'\\x1b', '['"),
        ("D-\u202e1", "'\\u202e'"),
        ("D-a/b", "'/'"),
        ("D-\x00", "'\\x00'"),
    ],
)
def test_unsafe_characters_are_named(value: str, named: str) -> None:
    assert id_problem(value) == (
        f"may hold only letters, digits, '.', '_', ':' and '-' (ASCII), not {named}"
    )


def test_length_is_1_to_64() -> None:
    assert id_problem("D-" + "1" * 62) is None
    assert id_problem("D-" + "1" * 63) == "is 65 characters long; at most 64 are allowed"
    assert id_problem("") == "must not be empty"


def test_a_model_id_checks_prefix_then_characters() -> None:
    with pytest.raises(ValidationError, match="must start with 'U-'"):
        Party.model_validate({"id": "X-[1]", "name": "x"})
    with pytest.raises(ValidationError, match=r"may hold only .* not '\['"):
        Party.model_validate({"id": "U-[1]", "name": "x"})


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("agent.ana", None),
        ("sup.kim", None),
        ("agent.ana@example.com", "may hold only letters, digits, '.', '_', ':' and '-' (ASCII)"),
        ("[b]ana[/b]", "may hold only"),
        ("-x", "must start with a letter or digit"),
        (".hidden", "must start with a letter or digit"),
        ("", "must not be empty"),
        ("a" * 65, "at most 64"),
    ],
)
def test_staff_and_agent_names(name: str, problem: str | None) -> None:
    found = name_problem(name)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
