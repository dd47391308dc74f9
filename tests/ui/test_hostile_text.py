"""Hostile text from the public is shown literally and never reaches the terminal as control bytes.

Every screen that shows untrusted text is rendered; every segment of text on screen is checked for
ESC (0x1B), the 8-bit CSI (0x9B), BEL and bidi overrides. Our own styling lives in segment styles,
not in segment text, so any such byte found here came from a user.
"""

from __future__ import annotations

from datetime import timedelta

from textual.app import App

from mediator.app import MANUAL, MediatorApp
from mediator.domain import Dispute
from mediator.screens.dispute import DisputeScreen
from mediator.screens.modals import EvidenceScreen, MessageScreen
from mediator.store.sql import SqlStore
from mediator.widgets.text_viewer import TextViewer
from mediator.widgets.transcript import Transcript

from .conftest import example_disputes, settle

FORBIDDEN = ("\x1b", "\x9b", "\x07", "\u202e", "\x00")

HOSTILE = [
    "[bold red]not bold[/]",
    "[link=https://evil.example]click me[/link]",
    "[@click=app.quit]quit[/]",
    "Order [A1] refunded",
    "\x1b[31mred\x1b[0m and \x1b]52;c;SGVsbG8=\x07 clipboard",
    "\x1b]8;;http://evil.example\x1b\\hyperlink\x1b]8;;\x1b\\",
    "csi \x9b2J clear",
    "abc\u202etxt.exe",
    "مرحبا بالعالم שלום 👩‍👩‍👧 done",
]


def hostile_dispute() -> Dispute:
    base = example_disputes()[0]
    t0 = base.order.placed_at + timedelta(days=2)
    messages = [
        m.model_copy(
            update={"id": f"M-66666{i:03d}", "body": body, "sent_at": t0 + timedelta(minutes=i)}
        )
        for i, body in enumerate([*HOSTILE, "x" * 1000000, "line\n" * 10000])
        for m in base.messages[:1]
    ]
    evidence = base.evidence[0].model_copy(
        update={
            "id": "E-66666",
            "caption": "\x1b[2J[b]caption[/b]",
            "uri": "javascript:\x1b]8;;x\x07",
        }
    )
    return base.model_copy(
        update={
            "id": "D-66666",
            "order": base.order.model_copy(
                update={"id": "O-66666", "title": "[red]Title\x1b[5m blink"}
            ),
            "buyer": base.buyer.model_copy(update={"name": "\x1b]0;pwned\x07mallory [b]"}),
            "messages": tuple(messages),
            "evidence": (evidence,),
            "escalated_at": base.opened_at + timedelta(days=1),
        }
    )


def screen_text(app: App[None]) -> list[str]:
    update = app.screen._compositor.render_full_update()
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def assert_clean(app: App[None]) -> str:
    lines = screen_text(app)
    for line in lines:
        for bad in FORBIDDEN:
            assert bad not in line, f"{bad!r} reached the screen in {line!r}"
    return "\n".join(lines)


async def test_hostile_text_is_literal_everywhere(store: SqlStore, clock: object) -> None:
    store.import_disputes([hostile_dispute()])
    app = MediatorApp(store, clock=clock, agent="agent.test", every=MANUAL)  # type: ignore[arg-type]
    # wide enough for the queue to keep its Buyer column next to the Claim column (issue 15)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"D-66666", "enter")
        await settle(app, pilot)
        shown = assert_clean(app)
        assert "D-66666" in shown and "␛]0;pwned␇mal" in shown
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        shown = assert_clean(app)
        assert "[red]Title␛[5m blink" in shown
        transcript = app.screen.query_one(Transcript)
        bodies = "\n".join(e.body for e in transcript.entries)
        for text in HOSTILE:
            assert text in bodies  # stored and carried verbatim; only the display is sanitised
        # Walk the whole transcript: every entry on screen in turn.
        transcript.focus()
        seen = []
        for index in range(len(transcript.entries)):
            transcript.action_move_to(index)
            await pilot.pause()
            seen.append(assert_clean(app))
        everything = "\n".join(seen)
        for literal in [
            "[bold red]not bold[/]",
            "[@click=app.quit]quit[/]",
            "Order [A1] refunded",
            "␛[31mred␛[0m",
            "csi ⍰2J clear",
            "abc⟦U+202E⟧txt.exe",
            "[link=https://evil",
        ]:
            assert literal in everything, literal
        # The megabyte message opens in the viewer without freezing the screen.
        huge = next(i for i, e in enumerate(transcript.entries) if len(e.body) == 1_000_000)
        transcript.action_move_to(huge)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MessageScreen)
        viewer = app.screen.query_one(TextViewer)
        assert viewer.line_count >= 1_000_000 // 200
        await pilot.press("end")
        await pilot.pause()
        assert_clean(app)
        await pilot.press("escape")
        await settle(app, pilot)
        app.screen.query_one("#evidence").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EvidenceScreen)
        rendered = assert_clean(app)
        assert "␛[2J[b]caption[/b]" in rendered
