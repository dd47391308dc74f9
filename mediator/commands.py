"""Command-palette entries and the key list, both derived from the live bindings.

Every action bound to a key on the current screen (and its focused widgets) becomes a palette
command of the same name, so the palette and `?` can never drift from the keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

#: Textual's own bindings worth listing; every mediator binding has a namespaced id ("queue.open").
_TEXTUAL_ACTIONS = {"command_palette"}


def _listed(action: str, binding_id: str | None) -> bool:
    """Mediator's bindings, and the few of Textual's an agent needs (not cursor/scroll/copy)."""
    return bool(binding_id and "." in binding_id) or action in _TEXTUAL_ACTIONS


@dataclass(frozen=True, slots=True)
class KeyHelp:
    key: str
    description: str
    action: str
    namespace: Any


def screen_keys(app: App[Any], screen: Screen[Any]) -> list[KeyHelp]:
    """The keys active on `screen` (its focus chain, the screen and the app), one entry per
    action with every key that does it ("↑ k": issue 22, `?` left out j and k)."""
    found: dict[tuple[int, str], KeyHelp] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        action = binding.action
        if binding.system or not _listed(action, binding.id):
            continue
        display = binding.key_display or app.get_key_display(binding) or key
        ident = (id(active.node), action)
        if (known := found.get(ident)) is not None:
            if display not in known.key.split(" "):
                found[ident] = replace(known, key=f"{known.key} {display}")
            continue
        description = binding.tooltip or binding.description or action
        found[ident] = KeyHelp(display, description, action, active.node)
    return list(found.values())


def binding_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    for item in screen_keys(app, screen):
        title = item.description.split(":")[0]
        yield SystemCommand(
            title, f"key: {item.key}", partial(app.run_action, item.action, item.namespace)
        )
