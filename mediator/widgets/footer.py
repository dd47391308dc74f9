"""The key bar at the bottom of a screen: one widget, one line, repainted when the keys change.

Textual's `Footer` is a container of one `FooterKey` widget per key, and it throws them away and
mounts new ones on every bindings refresh (each focus change, each reactive declared with
`bindings=True`). Opening a dispute refreshed them 8 times: about 90 widgets styled and laid
out, a fifth of the second the agent waited for the dispute (issue 18, profiled with
pyinstrument). This bar draws the same keys, in the same colours, as one line of text: a
refresh is a repaint of that line, with no widget made and no layout. When the keys fill the
line, the command palette's key (ctrl+p, listed by `?`) gives way to them, where Textual's footer
drew it over the last keys.

A click on a key presses it, as on Textual's footer; hovering a key shows its tooltip.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget


class _Span(NamedTuple):
    start: int
    end: int
    key: str
    enabled: bool
    tooltip: str


class Footer(Widget):
    """The keys of the current screen that have a place in the footer (`Binding.show`)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "footer--key",
        "footer--description",
        "footer--disabled",
        "footer--palette",
    }
    DEFAULT_CSS = """
    Footer {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    Footer > .footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    Footer > .footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    Footer > .footer--disabled { text-style: dim; }
    Footer > .footer--palette { color: $foreground 20%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[_Span] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: object) -> None:
        self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("footer--key")
        words_style = self.get_component_rich_style("footer--description")
        dim = self.get_component_rich_style("footer--disabled")
        app = self.app
        palette_key = app.COMMAND_PALETTE_BINDING
        line = Text(no_wrap=True, overflow="crop")
        spans: list[_Span] = []
        seen: set[str] = set()
        palette = None
        for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if key == palette_key and app.ENABLE_COMMAND_PALETTE:
                palette = (binding, enabled, tooltip)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            start = line.cell_len
            self._append(line, app.get_key_display(binding), binding.description, enabled,
                         key_style, words_style, dim)  # fmt: skip
            spans.append(_Span(start, line.cell_len, binding.key, enabled, tooltip))
        if palette is not None:
            binding, enabled, tooltip = palette
            label = Text()
            label.append("▏", self.get_component_rich_style("footer--palette"))
            extra = Style() if enabled else dim
            label.append(app.get_key_display(binding), key_style + extra)
            label.append(f" {binding.description} ", words_style + extra)
            gap = self.size.width - line.cell_len - label.cell_len
            if gap >= 0:
                line.append(" " * gap)
                start = line.cell_len
                line.append_text(label)
                spans.append(_Span(start, line.cell_len, binding.key, enabled, tooltip))
        self._spans = spans
        return line

    @staticmethod
    def _append(
        line: Text,
        key: str,
        words: str,
        enabled: bool,
        key_style: Style,
        words_style: Style,
        dim: Style,
    ) -> None:
        extra = Style() if enabled else dim
        if words:
            line.append(f" {key} ", key_style + extra)
            line.append(f"{words} ", words_style + extra)
        else:
            line.append(key, key_style + extra)

    def _span_at(self, x: int) -> _Span | None:
        for span in self._spans:
            if span.start <= x < span.end:
                return span
        return None

    def on_click(self, event: events.Click) -> None:
        span = self._span_at(event.x)
        if span is None:
            return
        if span.enabled:
            self.app.simulate_key(span.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        span = self._span_at(event.x)
        self.tooltip = span.tooltip if span is not None and span.tooltip else None
