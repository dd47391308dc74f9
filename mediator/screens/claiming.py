"""The open dispute's claim (issue 15), mixed into `DisputeScreen`.

Opening a dispute claims it for the agent; while the agent is active the claim is renewed
every `Every.renew` seconds; leaving releases it (the app's worker, so it outlives the screen).
A dispute someone else holds opens read-only under a banner naming the holder; ctrl+t takes it
over after asking. A renewal refused because a colleague took the dispute over turns the screen
read-only and says who, keeping the form as it was typed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import Static

from mediator.domain.claims import Claim
from mediator.domain.enums import QUEUE_STATUSES
from mediator.domain.models import DisputeRecord
from mediator.screens.claims import TakeOver
from mediator.screens.words import held, refusal
from mediator.store.base import Claimed, InvalidDecision, StoreError
from mediator.widgets._text import local_time, plain

if TYPE_CHECKING:
    from textual.screen import Screen

    from mediator.app import MediatorApp

    _Screen = Screen[None]
else:
    _Screen = object


class ClaimsTheDispute(_Screen):
    """The claim half of the dispute screen: `mine` is the claim this console holds, `theirs`
    the colleague's that makes the screen read-only (never both)."""

    app: MediatorApp
    dispute_id: str
    record: DisputeRecord | None

    CLAIM_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "take_over", "Take over", priority=True, id="dispute.take_over",
                tooltip="Take the dispute over from the colleague who holds it (asks first)"),
    ]  # fmt: skip

    #: Writes that need the claim: off while someone else holds the dispute.
    CLAIMED_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"submit", "acknowledge", "note", "ask_info", "macro"}
    )

    mine: Claim | None = None
    theirs: Claim | None = None
    #: Set once the first claim was tried (its audit entry is then in the history); None for
    #: a screen that does not claim.
    claim_tried: asyncio.Event | None = None

    @property
    def read_only(self) -> bool:
        return self.theirs is not None

    def start_claiming(self) -> None:
        """Claim now, and renew while the agent works (called once, on mount)."""
        self.claim_tried = asyncio.Event()
        self.claim_it()
        every = self.app.every.renew
        if every is not None:
            self.set_interval(every, self.renew_claim)

    def stop_claiming(self) -> None:
        """The agent leaves the dispute: give the claim back."""
        if self.mine is not None:
            self.app.release_claim(self.dispute_id)
            self.mine = None

    def renew_claim(self) -> None:
        """A renewal tick: renew (or claim again) while the agent is active; an idle console
        lets its claim run out, and a read-only one waits for the holder."""
        if self.theirs is None and self.app.active:
            self.claim_it(renewal=True)

    @work(exclusive=True, group="claim", exit_on_error=False)
    async def claim_it(self, *, renewal: bool = False, take_over: bool = False) -> None:
        try:
            await self._claim_it(renewal=renewal, take_over=take_over)
        finally:
            if self.claim_tried is not None:
                self.claim_tried.set()

    async def _claim_it(self, *, renewal: bool, take_over: bool) -> None:
        app = self.app
        try:
            claim = await app.store.claim(
                self.dispute_id, actor=app.agent, lease=app.lease, take_over=take_over
            )
        except Claimed as refused:
            self._held_by(refused.claim, taken=self.mine is not None)
            return
        except InvalidDecision:  # not in the queue (decided, say): nothing to hold
            self._show_claim(None, None)
            return
        except StoreError as error:
            if not renewal:
                self.notify(
                    f"Could not claim {self.dispute_id}: {refusal(error, app.tz)}. You can work "
                    "on it; a write is refused if a colleague holds it.",
                    title="Not claimed",
                    severity="warning",
                )
            return
        if take_over:
            holder = self.theirs.holder if self.theirs is not None else "the holder"
            self.notify(
                f"{self.dispute_id} is yours now; {holder} is told within a minute.",
                title="Taken over",
            )
        self._show_claim(claim, None)

    def _held_by(self, claim: Claim, *, taken: bool) -> None:
        app = self.app
        if taken:  # it was ours: a colleague took it over
            self.notify(
                f"{self.dispute_id} was taken over by {claim.holder} at "
                f"{local_time(claim.since, app.tz)}. Nothing you typed is lost; the dispute is "
                "read-only now.",
                title=f"Taken over by {claim.holder}",
                severity="warning",
                timeout=30,
            )
        self._show_claim(None, claim)

    def claim_from(self, record: DisputeRecord) -> None:
        """The dispute was read again: follow its claim (a colleague released it, took it over
        or it ran out)."""
        claim = record.claim
        if record.dispute.status not in QUEUE_STATUSES:
            self._show_claim(None, None)
        elif claim is not None and claim.holder != self.app.agent:
            self._held_by(claim, taken=self.mine is not None)
        elif claim is None and self.theirs is not None:
            self.claim_it()  # the colleague let go: it is the agent's to claim

    def _show_claim(self, mine: Claim | None, theirs: Claim | None) -> None:
        self.mine, self.theirs = mine, theirs
        banner = self.query_one("#claim-banner", Static)
        banner.set_class(theirs is not None, "-theirs")
        banner.set_class(mine is not None, "-mine")
        if theirs is not None:
            now = self.app.clock.now()
            banner.update(
                plain(
                    ("Read-only: ", "bold"), held(theirs, now, self.app.tz), " · ctrl+t take over"
                )
            )
        elif mine is not None:
            handed = f" · handed over by {mine.handed_by}" if mine.handed_by else ""
            banner.update(plain("Claimed by you", handed))
        else:
            banner.update("")
        self.on_claim_changed()

    def on_claim_changed(self) -> None:
        """The screen follows: the form is read-only while a colleague holds the dispute."""

    @work(exclusive=True, group="take_over", exit_on_error=False)
    async def action_take_over(self) -> None:
        theirs = self.theirs
        if theirs is None:
            self.notify("You are not locked out of this dispute.")
            return
        words = held(theirs, self.app.clock.now(), self.app.tz)
        if await self.app.push_screen_wait(TakeOver(theirs, words)):
            self.claim_it(take_over=True)
