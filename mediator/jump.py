"""Jump anywhere (issue 19): `ctrl+p` finds disputes as well as commands.

Typing an id, an order title, a buyer or a seller into the command palette asks the store (the
queue's own free-text search, over every status: a decided dispute is found too) and lists the
first matches; Enter opens the one picked. The palette runs each search in its own worker and
drops the search a newer keystroke replaced, so the console never waits on the store.

Names and titles are the parties' words: they are shown as plain text, never as markup, with
control characters made visible (`domain.text.one_line`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import Hit, Hits, Provider

from mediator.domain.enums import Status
from mediator.domain.queue import QueueQuery, QueueRow
from mediator.domain.text import one_line
from mediator.store.base import StoreError

if TYPE_CHECKING:
    from mediator.app import MediatorApp

#: Shorter queries are left to the commands: the store's text search needs three characters.
MIN_CHARS = 3
#: Disputes listed per query (the palette is for jumping, the queue for browsing).
LIMIT = 8


def hit_text(row: QueueRow) -> Text:
    """One line: id · order title · buyer → seller · status (plain text, never markup)."""
    return Text.assemble(
        (row.id, "bold"),
        " · ",
        one_line(row.order_title, 60),
        " · ",
        one_line(row.buyer_name, 30),
        " → ",
        one_line(row.seller_name, 30),
        (f" · {row.status.value.replace('_', ' ')}", "dim"),
    )


class DisputeJump(Provider):
    """Disputes matching what is typed into the command palette; Enter opens one."""

    @property
    def console_app(self) -> MediatorApp:
        from mediator.app import MediatorApp

        app = self.app
        assert isinstance(app, MediatorApp)
        return app

    async def search(self, query: str) -> Hits:
        text = query.strip()
        if len(text) < MIN_CHARS:
            return
        app = self.console_app
        try:
            page = await app.store.queue_page(
                QueueQuery(text=text, statuses=frozenset(Status)), limit=LIMIT
            )
        except StoreError as error:
            app.log.warning(f"palette: searching disputes for {text!r} failed: {error}")
            return
        for rank, row in enumerate(page.rows):
            shown = hit_text(row)
            yield Hit(
                # above a command that merely contains the letters; in the store's order
                score=1.0 - rank / (10 * LIMIT),
                match_display=shown,
                command=partial(app.open_dispute, row.id),
                text=shown.plain,
                help="Open this dispute",
            )
