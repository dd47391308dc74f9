"""The agent's own keys (issue 19): the `[keymap]` of `config.toml`, checked before start-up.

A keymap maps binding ids that exist ("queue.search") to keys ("ctrl+f"); Textual applies it
(`App.set_keymap`). Textual itself would ignore an unknown id and let a clashing key silently
replace another binding; here both are an error at start that names them (`check`):

- an id no screen or widget of the console binds (with the nearest ids, for a typo);
- a key the keymap gives to a binding on a screen or widget where another binding keeps it,
  the app's own keys (`?`, `ctrl+q`) counting on every screen (Textual 8.2.8's own check
  misses a binding with an id the keymap leaves alone, and would drop it).

The ids are read from every screen and widget class of the console (imported for that, only
when a keymap is set: the start-up without one imports nothing more).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Iterable, Iterator, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

from mediator.config_file import ConfigError


def _console_classes() -> Iterator[type[DOMNode]]:
    """Every DOMNode class the console defines (its app, screens and widgets)."""
    import mediator.app
    import mediator.screens
    import mediator.widgets

    for package in (mediator.screens, mediator.widgets):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
    seen: set[type[DOMNode]] = set()
    todo: list[type[DOMNode]] = [mediator.app.MediatorApp, *DOMNode.__subclasses__()]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("mediator."):
            yield cls


def bindings(classes: Iterable[type[DOMNode]] | None = None) -> dict[str, tuple[Binding, str]]:
    """Binding id → (the binding, where it is bound), for every id the console (or `classes`)
    binds."""
    found: dict[str, tuple[Binding, str]] = {}
    for cls in _console_classes() if classes is None else classes:
        for key_bindings in cls._merge_bindings().key_to_bindings.values():
            for binding in key_bindings:
                if binding.id and binding.id not in found:
                    found[binding.id] = (binding, cls.__name__)
    return found


def check(keymap: Mapping[str, str], *, source: str) -> None:
    """Raise `ConfigError` (naming `source`) for an unknown binding id or a clashing key."""
    if not keymap:
        return
    from textual.app import App

    keymap = App._normalize_keymap(dict(keymap))  # "?" → "question_mark", as Textual applies it
    classes = list(_console_classes())
    known = bindings(classes)
    problems: list[str] = []
    for binding_id in keymap:
        if binding_id not in known:
            near = difflib.get_close_matches(binding_id, list(known), n=3)
            hint = f" (did you mean {', '.join(near)}?)" if near else " (see mediator config keys)"
            problems.append(f"[keymap] {binding_id!r} is not a binding id{hint}")
    from textual.screen import Screen

    from mediator.app import MediatorApp

    app_bindings = MediatorApp._merge_bindings().key_to_bindings
    for cls in classes:
        holders: dict[str, set[str]] = {}  # key → the bindings holding it once remapped
        own = cls._merge_bindings().key_to_bindings
        # the app's keys work on every screen: a screen's key must not hide one of them
        every = [*own.items(), *app_bindings.items()] if issubclass(cls, Screen) else own.items()
        for key, key_bindings in every:
            for binding in key_bindings:
                ident = binding.id or binding.action
                keys = keymap[ident].split(",") if ident in keymap else [key]
                for taken in keys:
                    holders.setdefault(taken, set()).add(ident)
        for key, idents in holders.items():
            if len(idents) > 1 and any(i in keymap for i in idents):
                problems.append(
                    f"[keymap] {key!r} would be held by {', '.join(sorted(idents))} on "
                    f"{cls.__name__}: give one of them another key"
                )
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(dict.fromkeys(problems)))
