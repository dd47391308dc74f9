"""`ctrl+n`: the last notifications in full, newest first (issue 22: a long notice could not be
read to its end once its toast had gone)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from mediator.widgets._text import local_time, plain
from mediator.widgets.text_viewer import TextViewer


def notices_text(notices: list[tuple[datetime, str, str]], tz: tzinfo) -> str:
    """Each notice as "22 Nov 12:00  Title" and its message, a blank line between them."""
    if not notices:
        return "No notifications yet."
    return "\n\n".join(
        f"{local_time(at, tz)}  {title}".rstrip() + f"\n{message}" for at, title, message in notices
    )


class NoticesScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,ctrl+n", "close", "Close", id="notices.close",
                tooltip="Close the notifications"),
    ]  # fmt: skip

    def __init__(self, notices: list[tuple[datetime, str, str]], *, tz: tzinfo) -> None:
        super().__init__()
        self.notices = notices
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical(id="message-dialog", classes="dialog"):
            yield Label(plain("Notifications, newest first"), classes="dialog-title")
            # already made visible by the app's notify; the viewer sanitises again
            yield TextViewer(notices_text(self.notices, self.tz), id="notices-body")

    def on_mount(self) -> None:
        self.query_one(TextViewer).focus()

    def action_close(self) -> None:
        self.dismiss(None)
