"""Who the console works as, and on which store or API: one line at the top of every screen
(issue 22: the console never said who the agent was).

It shows the app's sub-title ("agent.ana · supervisor · sqlite:/…"), which the app keeps up to
date (the role is read from the store after start-up; a pending outbox is added to it), as
plain text: the agent's name and the store's label are not ours, so never markup.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from mediator.domain.text import visible


class IdentityBar(Widget):
    """The app's title and sub-title, kept current."""

    DEFAULT_CSS = """
    IdentityBar {
        dock: top;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "sub_title", self._changed, init=False)

    def _changed(self) -> None:
        self.refresh()

    def render(self) -> Content:
        return Content.assemble(
            (visible(self.app.title), "bold"), " · ", visible(self.app.sub_title)
        )
