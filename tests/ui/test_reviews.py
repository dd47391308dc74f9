"""Reviews in the console (issue 16), keys pressed → what the store holds and what is shown.

Consoles of an agent (ana, bo) and of supervisors (sam, kim), each with a store of its own on
one database (a SQLite file, or PostgreSQL), driven by Pilot side by side. The review rule
sends USD refunds of 20.00 or more to review. The HTTP store's review methods arrive on another
branch; these tests run on the SQL stores, and tests/ui/test_api_console.py keeps the API
console's decisions working meanwhile.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Input, Static, TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.commands import screen_keys
from mediator.domain import DecisionDraft, Outcome, Status
from mediator.domain.review import (
    ReviewRule,
    ReviewState,
    ReviewVerdict,
    final_decision,
    pending_proposal,
    review_state,
)
from mediator.domain.text import visible
from mediator.domain.timeline import EntryKind
from mediator.screens.dispute import DisputeScreen
from mediator.screens.proposal import ProposalScreen
from mediator.screens.queue import QueueScreen
from mediator.screens.review_dialogs import ConfirmReview, ReturnNote
from mediator.screens.reviews import ReviewsScreen
from mediator.store.drafts import DraftBox
from mediator.store.sql import SqlStore
from mediator.widgets.proposal_list import ProposalList
from mediator.widgets.queue_table import QueueTable, claim_text
from mediator.widgets.resolution_form import ResolutionForm
from mediator.widgets.transcript import Show, Transcript
from tests.store.conftest import _postgres_url
from tests.ui.conftest import NOW, example_disputes, told
from tests.ui.test_claims import Desk
from tests.ui.test_hostile_text import FORBIDDEN, screen_text

SIZE = (150, 45)
RULE = ReviewRule(refund_at_least={"USD": Decimal("20.00")})
#: D-10001: wireless earbuds, 49.99 USD, escalated; a partial refund raises no warning.
DISPUTE = "D-10001"
BIG = DecisionDraft(
    outcome=Outcome.BUYER_PARTIAL_REFUND,
    rationale="Left earbud dead per E-1.",
    refund_amount=Decimal("25.00"),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with the example disputes, agents ana and bo, supervisors sam and kim, and
    the review rule."""
    schemas = _postgres_url(request) if request.param == "postgres" else None
    url = f"sqlite:///{tmp_path / 'reviews.db'}" if schemas is None else next(schemas)
    try:
        with SqlStore.open(url) as direct:
            direct.import_disputes(example_disputes())
            for name, role in (("ana", "agent"), ("bo", "agent"), ("sam", "supervisor"),
                               ("kim", "supervisor")):  # fmt: skip
                direct.add_staff_sync(name, role, now=NOW)
            direct.set_review_rule_sync(RULE, actor="sam", now=NOW)
        yield url
    finally:
        if schemas is not None:
            schemas.close()


@pytest.fixture
def direct(url: str) -> Iterator[SqlStore]:
    """The database behind the consoles, for setting up and checking."""
    store = SqlStore.open(url)
    yield store
    store.close_sync()


@contextlib.asynccontextmanager
async def desk(url: str, agent: str, *, drafts: DraftBox | None = None) -> AsyncIterator[Desk]:
    store = SqlStore.open(url)
    app = MediatorApp(
        store, clock=FrozenClock(NOW), agent=agent, tz=UTC, every=MANUAL, drafts=drafts
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            d = Desk(app, pilot, store)
            await d.settle()
            yield d
    finally:
        await store.close()


def propose(direct: SqlStore, actor: str = "ana", at: timedelta = timedelta(hours=2)) -> str:
    """`actor` proposes BIG on DISPUTE (`at` ago); the proposal's id."""
    version = direct.get_dispute_sync(DISPUTE).version
    decision = direct.record_decision_sync(
        DISPUTE, BIG, expected_version=version, actor=actor, now=NOW - at
    )
    assert review_state(decision) is ReviewState.PENDING
    return decision.id


def text(renderable: object) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def shown(screen: Any, selector: str) -> str:
    widget = screen.query_one(selector, Static)
    return text(widget.content) if widget.display else ""


async def open_dispute(d: Desk, dispute_id: str) -> DisputeScreen:
    assert isinstance(d.app.screen, QueueScreen)
    await d.pilot.press("slash", *dispute_id, "enter", "enter")  # search, then open the row
    await d.settle()
    screen = d.app.screen
    assert isinstance(screen, DisputeScreen) and screen.dispute_id == dispute_id
    return screen


async def open_review(d: Desk) -> ProposalScreen:
    """v, then enter on the oldest proposal."""
    await d.pilot.press("v")
    await d.settle()
    assert isinstance(d.app.screen, ReviewsScreen)
    await d.pilot.press("enter")
    await d.settle()
    screen = d.app.screen
    assert isinstance(screen, ProposalScreen)
    return screen


def queue_row_claim(d: Desk, dispute_id: str) -> str:
    table = d.app.screen.query_one(QueueTable)
    row = next(r for r in table.rows if r.id == dispute_id)
    return claim_text(row, NOW, d.app.agent)


# --- the agent's side -------------------------------------------------------------------------


async def test_a_decision_the_rule_catches_is_proposed_and_leaves_the_queue(
    url: str, direct: SqlStore
) -> None:
    async with desk(url, "ana") as ana:
        assert ana.app.role is not None and ana.app.role.value == "agent"
        assert "ana · agent" in ana.app.sub_title
        assert "ana · agent" in shown(ana.app.screen, "#queue-status")
        screen = await open_dispute(ana, DISPUTE)
        await ana.pilot.press("f", "4")
        form = screen.query_one(ResolutionForm)
        form.query_one("#refund_amount", Input).focus()
        await ana.pilot.press(*"25.00")
        form.query_one("#rationale", TextArea).focus()
        await ana.pilot.press(*"Left earbud dead per E-1.", "ctrl+s")
        await ana.settle()
        await ana.pilot.press("ctrl+y")
        await ana.settle()

        # said plainly, and gone from the queue like a decided dispute
        [notice] = [n for n in told(ana.app) if n.title == f"{DISPUTE} waits for a supervisor"]
        assert notice.message == (
            "Proposed for review: refund 25.00 USD is at or above 20.00 USD — a supervisor "
            "will approve it; no money moves until then."
        )
        assert not any(n.title == "Decision written" for n in told(ana.app))
        queue = ana.app.screen
        assert isinstance(queue, QueueScreen)
        assert DISPUTE not in [r.id for r in queue.query_one(QueueTable).rows]

        # opened again (as from the "awaiting review" filter): shown as pending, not final
        await ana.app.push_screen(DisputeScreen(DISPUTE))
        await ana.settle()
        opened = ana.app.screen
        assert isinstance(opened, DisputeScreen)
        assert not opened.query(ResolutionForm)
        decided = shown(opened, "#decided")
        assert "This dispute is awaiting review." in decided
        assert "no money moves until it is approved" in decided
        assert "waiting for review" in decided
        assert "Awaiting review: ana proposed Buyer favour: partial refund, refund 25.00 USD" in (
            shown(opened, "#review-banner")
        )
        # not claimable, and no claim banner or warning about it
        assert shown(opened, "#claim-banner") == ""
        assert opened.mine is None and opened.theirs is None
        assert not any(n.title == "Not claimed" for n in told(ana.app))
        titles = [e.title for e in opened.query_one(Transcript).all_entries]
        assert "Proposed (waiting for review): Buyer favour: partial refund · refund 25.00 USD" in (
            titles
        )
        assert not any(t.startswith("Decided") for t in titles)

    record = direct.get_dispute_sync(DISPUTE)
    assert record.dispute.status is Status.AWAITING_REVIEW
    assert final_decision(record.decisions) is None


async def test_an_agent_cannot_open_reviews(url: str, direct: SqlStore) -> None:
    propose(direct)
    # one console at a time: a screen's `check_action` reads the app of the running context
    async with desk(url, "ana") as ana:
        queue = ana.app.screen
        actions = {k.action for k in screen_keys(ana.app, queue)}
        assert "reviews_refused" in actions and "reviews" not in actions
        await ana.pilot.press("v")
        await ana.settle()
        assert ana.app.screen is queue
        [notice] = [n for n in told(ana.app) if n.title == "Reviews are for supervisors"]
        assert notice.message == "Only supervisors review decisions; ana works as an agent here."
    # a supervisor has the key in the footer, and the queue says what waits
    async with desk(url, "sam") as sam:
        actions = {k.action for k in screen_keys(sam.app, sam.app.screen)}
        assert "reviews" in actions and "reviews_refused" not in actions
        assert "1 proposal to review (v)" in shown(sam.app.screen, "#queue-title")
        assert "sam · supervisor" in shown(sam.app.screen, "#queue-status")


# --- the supervisor's side --------------------------------------------------------------------


async def test_the_review_list_shows_the_proposals_oldest_first(url: str, direct: SqlStore) -> None:
    older = propose(direct, at=timedelta(hours=3))
    version = direct.get_dispute_sync("D-10003").version
    newer = direct.record_decision_sync(
        "D-10003",
        BIG.model_copy(update={"refund_amount": Decimal("50.00")}),
        expected_version=version,
        actor="bo",
        now=NOW - timedelta(hours=1),
    )
    async with desk(url, "sam") as sam:
        await sam.pilot.press("v")
        await sam.settle()
        screen = sam.app.screen
        assert isinstance(screen, ReviewsScreen)
        listed = screen.query_one(ProposalList)
        assert [p.decision.id for p in listed.proposals] == [older, newer.id]
        first = text(listed.get_option_at_index(0).prompt)
        why = "why: refund 25.00 USD is at or above 20.00 USD"
        for part in ("3h 00m", DISPUTE, "Buyer favour: partial refund", "25.00 USD", "ana",
                     "Wireless earbuds", why):  # fmt: skip
            assert part in first
        assert "2 proposals waiting" in shown(screen, "#reviews-title")
        assert "Review rule: refunds of 20.00 USD or more" in shown(screen, "#reviews-status")
        await sam.pilot.press("escape")
        await sam.settle()
        assert isinstance(sam.app.screen, QueueScreen)


async def test_a_supervisor_approves_a_proposal(url: str, direct: SqlStore) -> None:
    proposal = propose(direct)
    async with desk(url, "sam") as sam:
        screen = await open_review(sam)
        assert screen.dispute_id == DISPUTE and screen.mine is None  # nothing claimed
        assert direct.get_dispute_sync(DISPUTE).claim is None
        pane = shown(screen, "#proposal")
        for part in (f"{proposal} · waiting for review", "Buyer favour: partial refund",
                     "25.00 USD + fee 1.25 USD", "refund 25.00 USD is at or above 20.00 USD",
                     "Left earbud dead per E-1.", "What ana did on D-10001",
                     "proposed a decision"):  # fmt: skip
            assert part in pane, part
        assert "a approve · o overturn · r return" in shown(screen, "#review-banner")
        # writing a note here would make the supervisor take part: off
        assert not screen.check_action("note", ())
        assert not screen.check_action("ask_info", ())

        await sam.pilot.press("a")
        await sam.settle()
        dialog = sam.app.screen
        assert isinstance(dialog, ConfirmReview)
        await sam.pilot.press("enter")  # it opens on "Back": nothing written
        await sam.settle()
        assert sam.app.screen is screen
        assert pending_proposal(direct.get_dispute_sync(DISPUTE).decisions) is not None
        await sam.pilot.press("a")
        await sam.settle()
        await sam.pilot.press("ctrl+y")
        await sam.settle()
        assert isinstance(sam.app.screen, ReviewsScreen)
        assert sam.app.screen.query_one(ProposalList).proposals == ()
        [notice] = [n for n in told(sam.app) if n.title == "Review written (approve)"]
        assert notice.message == (
            f"{DISPUTE}: ana's proposal approved: Buyer favour: partial refund, refund "
            "25.00 USD + fee 1.25 USD is final."
        )
    record = direct.get_dispute_sync(DISPUTE)
    assert record.dispute.status is Status.RESOLVED
    final = final_decision(record.decisions)
    assert final is not None and final.id == proposal
    assert final.review["by"] == "sam"


async def test_a_supervisor_overturns_through_the_form(url: str, direct: SqlStore) -> None:
    proposal = propose(direct)
    async with desk(url, "sam") as sam:
        screen = await open_review(sam)
        await sam.pilot.press("o")
        await sam.settle()
        form = screen.query_one(ResolutionForm)
        assert form.fields().is_empty  # a different decision, written by the supervisor
        # checked by the policy as usual: more than the price is refused in the form
        await sam.pilot.press("4")
        form.query_one("#refund_amount", Input).focus()
        await sam.pilot.press(*"60.00")
        form.query_one("#rationale", TextArea).focus()
        await sam.pilot.press(*"Only the left earbud failed.", "ctrl+s")
        await sam.settle()
        assert sam.app.screen is screen
        assert any(n.title == "Decision not submitted" for n in told(sam.app))
        form.query_one("#refund_amount", Input).value = "10.00"
        await sam.pilot.press("ctrl+s")
        await sam.settle()
        dialog = sam.app.screen
        assert isinstance(dialog, ConfirmReview)
        assert dialog.question == f"Overturn ana's proposal on {DISPUTE} with this decision?"
        await sam.pilot.press("ctrl+y")
        await sam.settle()
        assert isinstance(sam.app.screen, ReviewsScreen)
        [notice] = [n for n in told(sam.app) if n.title == "Review written (overturn)"]
        assert "your decision (Buyer favour: partial refund, refund 10.00 USD" in notice.message
    record = direct.get_dispute_sync(DISPUTE)
    assert record.dispute.status is Status.RESOLVED
    final = final_decision(record.decisions)
    assert final is not None and final.decided_by == "sam"
    assert final.refund_amount == Decimal("10.00")
    assert final.review.get("overturns") == proposal
    replaced = next(d for d in record.decisions if d.id == proposal)
    assert review_state(replaced) is ReviewState.OVERTURNED


async def test_esc_leaves_the_overturn_form_for_the_proposal(url: str, direct: SqlStore) -> None:
    propose(direct)
    async with desk(url, "sam") as sam:
        screen = await open_review(sam)
        await sam.pilot.press("o")
        await sam.settle()
        assert screen.overturning and not screen.check_action("approve", ())
        assert "Overturn: write the decision that replaces ana's" in shown(screen, "#review-banner")
        await sam.pilot.press("escape", "escape")  # out of the form, then out of the overturn
        await sam.settle()
        assert not screen.overturning and screen.query("#proposal")
        assert not screen.query(ResolutionForm)
        assert screen.check_action("approve", ())
        assert "a approve · o overturn · r return" in shown(screen, "#review-banner")
        await sam.pilot.press("escape")
        await sam.settle()
        assert isinstance(sam.app.screen, ReviewsScreen)


async def test_a_returned_proposal_comes_back_to_its_agent(
    url: str, direct: SqlStore, tmp_path: Path
) -> None:
    proposal = propose(direct)
    note = "Ask for a [b]photo[/b] of the serial first."
    async with desk(url, "sam") as sam:
        screen = await open_review(sam)
        await sam.pilot.press("r")
        await sam.settle()
        dialog = sam.app.screen
        assert isinstance(dialog, ReturnNote)
        await sam.pilot.press("ctrl+s")  # a note is required
        await sam.settle()
        assert sam.app.screen is dialog
        assert "a note is required" in shown(dialog, "#return-error")
        await sam.pilot.press(*note, "ctrl+s")
        await sam.settle()
        assert isinstance(sam.app.screen, ReviewsScreen)
        assert screen.dispute_id == DISPUTE
    record = direct.get_dispute_sync(DISPUTE)
    assert record.dispute.status is Status.ESCALATED and record.returned_to == "ana"

    box = DraftBox(tmp_path / "drafts", scope="ana")
    async with desk(url, "ana", drafts=box) as ana, desk(url, "bo") as bo:
        assert queue_row_claim(ana, DISPUTE) == "returned to you"
        assert queue_row_claim(bo, DISPUTE) == "returned to ana"
        opened = await open_dispute(ana, DISPUTE)
        fields = opened.query_one(ResolutionForm).fields()
        assert (fields.outcome, fields.refund_amount, fields.rationale) == (
            Outcome.BUYER_PARTIAL_REFUND,
            "25.00",
            "Left earbud dead per E-1.",
        )
        banner = shown(opened, "#review-banner")
        assert f"Returned to you by sam at 22 Nov 12:00: {note}" in banner
        assert any(n.title == "Returned proposal" for n in told(ana.app))
        # history inline: who did what, and what changed
        history = [
            (e.title, e.body)
            for e in opened.query_one(Transcript).all_entries
            if e.kind is EntryKind.HISTORY
        ]
        assert (
            "ana proposed a decision",
            "escalated → awaiting review · Buyer favour: partial refund, refund 25.00 USD",
        ) in history
        assert (
            "sam returned the proposal",
            f"awaiting review → escalated · review pending → returned · note: {note} · "
            "returned to ana",
        ) in history
        # leaving without a change asks nothing: the proposal is still in the store
        await ana.pilot.press("escape")
        await ana.settle()
        assert isinstance(ana.app.screen, QueueScreen)
    decisions = direct.get_dispute_sync(DISPUTE).decisions
    assert [d.id for d in decisions] == [proposal]


async def test_a_local_draft_newer_than_the_return_wins(
    url: str, direct: SqlStore, tmp_path: Path
) -> None:
    proposal = propose(direct)
    box = DraftBox(tmp_path / "drafts", scope="ana")
    async with desk(url, "sam") as sam:
        await sam.store.review(
            proposal, ReviewVerdict.RETURN, note="Check E-1.", decision=None, actor="sam",
            now=NOW - timedelta(minutes=30),
        )  # fmt: skip
    async with desk(url, "ana", drafts=box) as ana:
        opened = await open_dispute(ana, DISPUTE)
        form = opened.query_one(ResolutionForm)
        assert form.fields().refund_amount == "25.00"  # the returned proposal
        await ana.pilot.press("f", "5")  # she goes on with it: a draft, saved now (newer)
        rationale = form.query_one("#rationale", TextArea)
        rationale.clear()
        rationale.focus()
        await ana.pilot.press(*"Seller was right after all.")
        await ana.settle()
        await ana.pilot.press("escape", "escape")
        await ana.settle()
        opened = await open_dispute(ana, DISPUTE)
        fields = opened.query_one(ResolutionForm).fields()
        assert (fields.outcome, fields.rationale) == (
            Outcome.SELLER_FAVOUR,
            "Seller was right after all.",
        )
        assert any(n.title == "Draft restored" for n in told(ana.app))
        assert "Returned to you by sam" in shown(opened, "#review-banner")


async def test_a_supervisor_who_took_part_is_refused(url: str, direct: SqlStore) -> None:
    direct.claim_sync(DISPUTE, actor="kim")
    direct.release_sync(DISPUTE, actor="kim")
    proposal = propose(direct)
    async with desk(url, "kim") as kim:
        screen = await open_review(kim)
        await kim.pilot.press("a")
        await kim.settle()
        await kim.pilot.press("ctrl+y")
        await kim.settle()
        assert kim.app.screen is screen
        [notice] = [n for n in told(kim.app) if n.title == "Not yours to review"]
        why = f"kim took part in {DISPUTE} (held the claim on {DISPUTE})"
        assert why in notice.message and notice.severity == "error"
        assert why in shown(screen, "#review-banner")
        for action in ("approve", "overturn", "return_proposal"):
            assert not screen.check_action(action, ())
    assert pending_proposal(direct.get_dispute_sync(DISPUTE).decisions) is not None
    assert direct.get_dispute_sync(DISPUTE).decisions[-1].id == proposal


async def test_a_proposal_reviewed_meanwhile_says_by_whom(url: str, direct: SqlStore) -> None:
    proposal = propose(direct)
    async with desk(url, "sam") as sam:
        screen = await open_review(sam)
        direct.review_sync(
            proposal, ReviewVerdict.APPROVE, note="", decision=None, actor="kim", now=NOW
        )
        await sam.pilot.press("a")
        await sam.settle()
        await sam.pilot.press("ctrl+y")
        await sam.settle()
        [notice] = [n for n in told(sam.app) if n.title == "Already reviewed"]
        assert f"{proposal} on {DISPUTE} is already approved by kim" in notice.message
        assert sam.app.screen is screen
        assert not screen.pending and not screen.check_action("approve", ())
        assert f"{proposal} is approved by kim" in shown(screen, "#review-banner")


async def test_history_entries_appear_in_the_dispute_view(url: str, direct: SqlStore) -> None:
    proposal = propose(direct)
    direct.review_sync(proposal, ReviewVerdict.APPROVE, note="", decision=None, actor="sam",
                       now=NOW)  # fmt: skip
    async with desk(url, "bo") as bo:
        await bo.app.push_screen(DisputeScreen(DISPUTE))
        await bo.settle()
        screen = bo.app.screen
        assert isinstance(screen, DisputeScreen)
        transcript = screen.query_one(Transcript)
        history = [e for e in transcript.all_entries if e.kind is EntryKind.HISTORY]
        assert [(e.title, e.at) for e in history] == [
            ("ana proposed a decision", NOW - timedelta(hours=2)),
            ("sam approved the proposal", NOW),
        ]
        assert history[1].body == "awaiting review → resolved · review pending → approved"
        # c cycles to the history alone
        while transcript.show is not Show.HISTORY:
            await bo.pilot.press("c")
        assert [e.title for e in transcript.entries] == [e.title for e in history]
        decided = shown(screen, "#decided")
        assert "approved by sam" in decided and "This dispute is resolved." in decided


async def test_hostile_titles_rationales_and_notes_are_plain(url: str, direct: SqlStore) -> None:
    """A title, a rationale and a return note from the public or a colleague: shown literally
    (controls as visible pictures) in the review list, the proposal, the notices and the
    returned banner; no control byte reaches the terminal, no markup runs."""
    base = direct.get_dispute_sync(DISPUTE).dispute
    title = "[red]Ti[/]tle\x1b[5m [@click=app.quit]x[/]"
    direct.import_disputes(
        [
            base.model_copy(
                update={
                    "id": "D-77777",
                    "order": base.order.model_copy(update={"id": "O-77777", "title": title}),
                    "messages": (),
                    "evidence": (),
                }
            )
        ]
    )
    rationale = "Per [b]E-1[/b] \x1b]52;c;SGVsbG8=\x07 and \u202etxt.exe"
    version = direct.get_dispute_sync("D-77777").version
    direct.record_decision_sync(
        "D-77777",
        BIG.model_copy(update={"rationale": rationale}),
        expected_version=version,
        actor="ana",
        now=NOW,
    )
    note = "Redo [link=x]it[/link] \x9b2J"

    def clean(d: Desk, *wanted: str) -> str:
        lines = screen_text(d.app)
        for line in lines:
            for bad in FORBIDDEN:
                assert bad not in line, f"{bad!r} reached the terminal in {line!r}"
        whole = "\n".join(lines)
        for text_ in wanted:
            assert visible(text_) in whole, f"{visible(text_)!r} not shown\n{whole}"
        return whole

    async with desk(url, "sam") as sam:
        await sam.pilot.press("v")
        await sam.settle()
        clean(sam, "[red]Ti[/]tle\x1b[5m")  # the list cuts the title with …, literally
        await sam.pilot.press("enter")
        await sam.settle()
        assert isinstance(sam.app.screen, ProposalScreen)
        clean(sam, "Per [b]E-1[/b]")
        await sam.pilot.press("r")
        await sam.settle()
        dialog = sam.app.screen
        assert isinstance(dialog, ReturnNote)
        dialog.query_one(TextArea).text = note  # as pasted: a C1 byte cannot be typed
        await sam.pilot.press("ctrl+s")
        await sam.settle()
        assert isinstance(sam.app.screen, ReviewsScreen)
        notices = "\n".join(f"{t.title}\n{t.message}" for t in told(sam.app))
        assert "D-77777: returned to ana" in notices
    assert direct.get_dispute_sync("D-77777").decisions[-1].review["note"] == note
    async with desk(url, "ana") as ana:
        await ana.app.push_screen(DisputeScreen("D-77777"))
        await ana.settle()
        # the form holds the proposal's text with its controls made visible: sent again, the
        # decision carries the pictures, never the bytes
        clean(ana, note, "[red]Ti[/]tle\x1b[5m", "Per [b]E-1[/b] \x1b]52;c;SGVsbG8=")
        assert ana.app.is_running  # no [@click=app.quit] ran
