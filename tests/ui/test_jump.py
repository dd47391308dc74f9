"""Jump anywhere (issue 19): ctrl+p finds disputes by id, order title or party, and opens one."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from textual.command import Command, CommandList, CommandPalette
from textual.pilot import Pilot

from mediator.app import MediatorApp
from mediator.domain.enums import OrderKind, Reason, Status
from mediator.domain.queue import QueueQuery, QueueRow
from mediator.jump import hit_text
from mediator.screens.dispute import DisputeScreen
from mediator.screens.queue import QueueScreen
from mediator.store.sql import SqlStore

from .conftest import settle, until

SIZE = (140, 45)


#: Refreshes to wait for the palette's search (it runs in a worker): a condition, not a time.
SEARCHED = 3000


def hits(app: MediatorApp) -> list[str]:
    """The plain text of the palette's listed disputes and commands, in order."""
    if not isinstance(app.screen, CommandPalette):
        return []
    listed = app.screen.query_one(CommandList)
    options = [listed.get_option_at_index(i) for i in range(listed.option_count)]
    return [o.hit.text or "" for o in options if isinstance(o, Command)]


async def jump(app: MediatorApp, pilot: Pilot[None], query: str, expect: str) -> None:
    """ctrl+p, `query`, until the dispute `expect` is listed first; then Enter."""
    await pilot.press("ctrl+p")
    await until(
        pilot,
        lambda: isinstance(app.screen, CommandPalette),
        "the palette opened",
        refreshes=SEARCHED,
    )
    await pilot.press(*query)
    await until(
        pilot,
        lambda: bool(hits(app)) and hits(app)[0].startswith(expect),
        f"{expect} listed",
        refreshes=SEARCHED,
    )
    await pilot.press("enter")
    await until(
        pilot,
        lambda: isinstance(app.screen, DisputeScreen) and app.screen.dispute_id == expect,
        f"{expect} opened",
        refreshes=SEARCHED,
    )


async def test_an_order_title_in_the_palette_opens_its_dispute(
    app: MediatorApp, store: SqlStore
) -> None:
    row = store.queue_page_sync(QueueQuery(text="Phone case"), limit=1).rows[0]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await jump(app, pilot, "phone case", row.id)
        listed = app.screen_stack[-2]
        assert isinstance(listed, QueueScreen), "opened over the queue, as Enter there does"
        await settle(app, pilot)
        assert app.screen.record is not None and app.screen.record.id == row.id  # type: ignore[attr-defined]


async def test_a_decided_dispute_is_found_by_its_id(app: MediatorApp, store: SqlStore) -> None:
    """The palette searches every status: a resolved dispute is not in the queue's default
    view, but an agent with its id from a customer must still get to it."""
    resolved = store.queue_page_sync(
        QueueQuery(statuses=frozenset({Status.RESOLVED})), limit=1
    ).rows[0]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await jump(app, pilot, resolved.id, resolved.id)


async def test_short_queries_list_only_commands(app: MediatorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", "k", "e")
        await until(pilot, lambda: bool(hits(app)), "commands listed for 'ke'", refreshes=SEARCHED)
        assert not any(h.startswith("D-") for h in hits(app)), hits(app)


def test_a_hit_shows_the_parties_words_as_plain_text() -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    row = QueueRow(
        id="D-1",
        status=Status.ESCALATED,
        reason=Reason.NOT_RECEIVED,
        order_kind=OrderKind.GOODS,
        order_title="[bold red]FREE[/] \x1b]52;c;aGk=\x07 gift",
        currency="USD",
        price=Decimal("10.00"),
        buyer_name="[link=http://x]me[/link]",
        seller_name="shop\x1b[2J",
        evidence_count=0,
        message_count=0,
        opened_at=at,
        escalated_at=at,
        urgency_at=at,
        version=1,
    )
    text = hit_text(row)
    assert "[bold red]FREE[/]" in text.plain and "[link=http://x]me[/link]" in text.plain
    assert "\x1b" not in text.plain and "\x07" not in text.plain
    assert not any(span.style == "bold red" for span in text.spans)
