"""Opening a dispute (issue 18): keys typed while it opens are neither lost nor misdirected,
and the collector paused for the open runs again."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain import DisputeRecord, Outcome
from mediator.domain.drafts import FormFields
from mediator.screens.dispute import DisputeScreen
from mediator.screens.queue import QueueScreen
from mediator.store.sql import SqlStore
from mediator.widgets.resolution_form import ResolutionForm

from .conftest import NOW, make_store, settle, until

SIZE = (140, 45)


def type_at_once(app: MediatorApp, *keys: str) -> None:
    """Keys as a fast typist's terminal delivers them: all queued before the first is handled
    (`Pilot.press` waits for the app to be idle after each key)."""
    for key in keys:
        char = {"enter": "\r", "tab": "\t"}.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, char))


async def enter_then_type(app: MediatorApp, *keys: str) -> None:
    """Enter on the queue, then `keys` as soon as the dispute's screen is up, before the
    dispute is read (a person's next key comes tens of milliseconds after Enter)."""
    type_at_once(app, "enter")
    while not isinstance(app.screen, DisputeScreen):
        await asyncio.sleep(0.001)
    assert app.screen.record is None, "typed while the dispute opens"
    type_at_once(app, *keys)


async def test_keys_typed_while_a_dispute_opens_reach_its_form(
    app: MediatorApp, store: SqlStore
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        # Enter, then at once: the form (f), outcome 3, the refund field… and text for it
        await enter_then_type(app, "f", "3")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DisputeScreen)
        form = screen.query_one(ResolutionForm)
        assert form.outcome is Outcome.BUYER_FULL_REFUND, "f and 3 went to the form, in order"
        form.query_one("#rationale", TextArea).focus()
        await pilot.press(*"ok")
        assert form.query_one("#rationale", TextArea).text == "ok"


#: Outcome 1 (seller resolution) shows no refund field nor check box (issue 22: the defective
#: box only where it counts), so one Tab goes from the outcome list to the rationale.
KEYS = ("f", "1", "tab", *"pcn is fine", "tab", *"hello")


def form_state(app: MediatorApp) -> tuple[FormFields, str | None]:
    screen = app.screen
    assert isinstance(screen, DisputeScreen), "no dialog opened: the letters were text"
    form = screen.query_one(ResolutionForm)
    focused = screen.focused
    return (form.fields(), focused.id if focused is not None else None)


async def typed_slowly(app: MediatorApp) -> tuple[FormFields, str | None]:
    """The form after `KEYS`, each typed once the one before was handled, on an open dispute."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*KEYS)
        await settle(app, pilot)
        return form_state(app)


def another_app(tmp_path: Path) -> MediatorApp:
    return MediatorApp(
        make_store(tmp_path / "again.db"), clock=FrozenClock(NOW), agent="agent.test",
        tz=UTC, every=MANUAL,
    )  # fmt: skip


async def test_keys_typed_while_it_opens_do_what_they_do_once_it_is_open(
    app: MediatorApp, tmp_path: Path
) -> None:
    """The same keys, typed slowly once the dispute is shown and at once while it opens, leave
    the form the same: letters that are shortcuts outside the form (p, c, n) are text in it."""
    slowly = await typed_slowly(app)
    assert (slowly[0].rationale, slowly[0].message_to_parties) == ("pcn is fine", "hello")

    again = another_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        await enter_then_type(again, *KEYS)
        await settle(again, pilot)
        assert form_state(again) == slowly


async def open_first(app: MediatorApp, pilot: Pilot[None]) -> DisputeScreen:
    """Enter on the queue's first dispute, once the queue is shown; the dispute screen, read."""
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, DisputeScreen) and screen.record is not None
    return screen


async def test_keys_typed_at_once_on_an_open_dispute_do_what_they_do_typed_slowly(
    app: MediatorApp, tmp_path: Path
) -> None:
    """A burst once the dispute is shown (a fast typist over a slow link, or `mediator web`):
    Textual routes each key when it takes it, but Tab's binding moves the focus only once Tab
    has bubbled back up, so the letters after it went to the widget Tab left (and were lost)
    until the app held them for the key before (`mediator.key_order`)."""
    slowly = await typed_slowly(app)
    again = another_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await open_first(again, pilot)
        type_at_once(again, *KEYS)
        await settle(again, pilot)
        assert form_state(again) == slowly


async def test_the_collector_runs_again_once_the_dispute_is_shown(app: MediatorApp) -> None:
    assert gc.isenabled()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert gc.isenabled()
        await pilot.press("escape")
        await settle(app, pilot)
        assert gc.isenabled()


class ReadsWhenLetGo(SqlStore):
    """A real SQLite store that answers the dispute's read only once the test lets it: the
    claim is answered (and drawn) first, as on a machine where the read's thread is slower."""

    let_go: asyncio.Event | None = None

    async def get_dispute(self, dispute_id: str, *, newest: int | None = None) -> DisputeRecord:
        assert self.let_go is not None
        await self.let_go.wait()
        return await super().get_dispute(dispute_id, newest=newest)


async def test_the_footer_has_the_dispute_keys_when_the_claim_is_answered_first(
    tmp_path: Path,
) -> None:
    """CI's red test_dispute[narrow]: the footer lacked ^s Submit, ^g Acknowledge and i Ask
    info, which depend on the dispute being read, when the claim's answer came first."""
    make_store(tmp_path / "m.db")
    store = ReadsWhenLetGo.open(f"sqlite:///{tmp_path / 'm.db'}")
    assert isinstance(store, ReadsWhenLetGo)
    app = MediatorApp(store, clock=FrozenClock(NOW), agent="agent.ella", tz=UTC, every=MANUAL)
    async with app.run_test(size=SIZE) as pilot:
        store.let_go = asyncio.Event()
        await settle(app, pilot)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, DisputeScreen)
        await until(pilot, lambda: screen.mine is not None, "the claim answered")
        await pilot.pause()
        assert "Submit" not in footer_on_screen(app), "not read yet"
        store.let_go.set()
        await settle(app, pilot)
        assert screen.record is not None
        keys = footer_on_screen(app)
        assert "^s Submit" in keys and "^g Acknowledge" in keys and "i Ask info" in keys, keys


def footer_on_screen(app: MediatorApp) -> str:
    """The bottom line as it is drawn (not the footer's keys as they would be drawn now)."""
    return app.screen._compositor.render_strips()[-1].text


#: Outcome 2 (compromise) shows the refund field, which the form mounts the first time an
#: outcome asks for it (issue 18): the Tab typed after the 2 must reach it, and the amount land
#: in it, as when the field was only hidden.
REFUND_KEYS = ("f", "2", "tab", *"12.5")


async def test_a_field_the_outcome_brings_takes_the_keys_typed_after_the_outcome(
    app: MediatorApp, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await enter_then_type(app, *REFUND_KEYS)  # while the dispute opens
        await settle(app, pilot)
        fields, focused = form_state(app)
    assert (fields.outcome, fields.refund_amount) == (Outcome.COMPROMISE, "12.5")
    assert focused == "refund_amount"

    again = another_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        form = (await open_first(again, pilot)).query_one(ResolutionForm)
        assert not form.query("#refund_amount"), "not mounted before an outcome asks for it"
        type_at_once(again, *REFUND_KEYS)  # on the open dispute, a burst
        await settle(again, pilot)
        assert form_state(again) == (fields, focused)
