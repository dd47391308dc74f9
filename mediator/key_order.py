"""Keys in one burst reach the widget the key before them left focused.

Textual routes a key to the focused widget when the app takes it from its queue, but a binding
such as Tab's runs only once the key has bubbled back up from that widget. Keys that arrive in
the same burst (a fast typist over a slow link, a browser's websocket, tmux, a paste without
bracketed paste) are routed before that: "Tab" then "Delivered" goes Tab to the checkbox, the
letters to the checkbox too (which drops them), and only then does the focus move to the
rationale. Measured: in the terminal and in `mediator web`, every letter typed in the same
burst as the Tab was lost.

`KeyOrder.hold` is asked by `MediatorApp.on_event` for every key from the terminal: while a key
before it is still on its way through the focused widget and its ancestors, the key waits, and
the waiting keys are let through in order, each once the one before is handled (as
`screens.opening.HoldsKeys` does while a dispute opens). A key typed on its own is routed at
once, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events

from mediator.screens.opening import KEY_SETTLES, handled

if TYPE_CHECKING:
    from textual.app import App


class KeyOrder:
    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._waiting: list[events.Key] | None = None

    def hold(self, event: events.Key) -> bool:
        """Keep `event` for later (True) if a key before it is still travelling, or others
        already wait; False: route it now."""
        if getattr(event, "_released", False):
            return False
        if self._waiting is not None:
            self._waiting.append(event)
            return True
        if not self._travelling():
            return False
        self._waiting = [event]
        self.app.run_worker(self._let_through(), group="key-order", exit_on_error=False)
        return True

    def _travelling(self) -> bool:
        """Whether the focused widget or one of its ancestors (up to the screen) has a message
        waiting: a key before this one, on its way up to its binding. Reads Textual's private
        message queues: Textual is pinned."""
        app = self.app
        node: Any = app.focused
        screen = app.screen
        while node is not None and node is not app:
            if not node._message_queue.empty():
                return True
            if node is screen:
                break
            node = node._parent
        return False

    async def _let_through(self) -> None:
        waiting = self._waiting
        try:
            while True:
                await handled(self.app, KEY_SETTLES)  # the key before, and what it set off
                if not waiting:
                    break  # and no await until `_waiting` is None: no key is left behind
                key = waiting.pop(0)
                again = events.Key(key.key, key.character)
                again._released = True  # type: ignore[attr-defined]
                self.app.post_message(again)
        finally:
            self._waiting = None
