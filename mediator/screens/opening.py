"""While a screen opens (issue 18): no cyclic garbage collection, and no key lost.

Opening a dispute builds a few hundred widgets and their styles; that allocation set off about
180 collections per open, among them one or two full (generation 2) collections of the whole
heap, which took 80–350 ms each on the benchmark machine: a third of the wait from Enter to the
dispute on screen, measured with `gc.callbacks`. The collector is paused from the key press
until the screen is shown, and runs again after it (the garbage of the previous dispute
screen is collected then, while the agent reads). Reference counting still frees what is not
in a cycle meanwhile.

Keys typed meanwhile are held and let through once the screen is shown (`HoldsKeys`).
"""

from __future__ import annotations

import asyncio
import gc
from typing import TYPE_CHECKING, Any

from textual import events, work

if TYPE_CHECKING:
    from textual.app import App

    from mediator.app import MediatorApp


class PausesCollection:
    """`pause_collection()` when the screen is made (the key press), `resume_collection()`
    once it is shown or gone. Only the pause that turned the collector off turns it on, so a
    collector someone else turned off stays off."""

    _paused_gc: bool = False

    def pause_collection(self) -> None:
        if gc.isenabled():
            gc.disable()
            self._paused_gc = True

    def resume_collection(self) -> None:
        if self._paused_gc:
            self._paused_gc = False
            gc.enable()


#: How long a held key may take to be handled before the next one is let through.
KEY_SETTLES = 1.0


class HoldsKeys:
    """Keys typed while the screen opens wait, and are then let through in order, each once the
    one before it is handled: "f" typed before the form is there still moves to the form, and
    the text typed after it lands in the form, not in the timeline's shortcuts.

    `MediatorApp.on_event` asks `hold_key` before it routes a key; the screen calls
    `release_keys` once it is shown (or `drop_keys` if it could not open)."""

    app: MediatorApp
    _held: list[events.Key] | None = None

    def start_holding(self) -> None:
        self._held = []

    def hold_key(self, event: events.Key) -> bool:
        """Keep `event` for later (True) while the screen opens or its held keys are let
        through; False once they are all through."""
        if self._held is None or getattr(event, "_released", False):
            return False
        self._held.append(event)
        return True

    def drop_keys(self) -> None:
        self._held = None

    def release_keys(self) -> None:
        """The screen is shown: no more holding, once the held keys (if any) are through."""
        if self._held:
            self._let_through()
        else:
            self._held = None

    @work(group="keys", exit_on_error=False)
    async def _let_through(self) -> None:
        held = self._held
        while held:
            key = held.pop(0)
            again = events.Key(key.key, key.character)
            again._released = True  # type: ignore[attr-defined]
            self.app.post_message(again)
            await self._handled()
        self._held = None

    async def _handled(self) -> None:
        await handled(self.app, KEY_SETTLES)


async def handled(app: App[Any], limit: float) -> None:
    """Until the app, the screen and its widgets have no message waiting (a key and what it set
    off: a binding, a focus change), at most `limit` seconds. Reads Textual's private message
    queues: Textual is pinned."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + limit
    while loop.time() < give_up:
        await asyncio.sleep(0.002)
        nodes = [app, app.screen, *app.screen.walk_children()]
        if all(node._message_queue.empty() for node in nodes):
            return
