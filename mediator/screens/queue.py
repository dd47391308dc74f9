"""The escalation queue: most urgent first (or sorted by a column), live filter by text, reason
and status."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, ProgressBar, Select, Static

from mediator.domain.bulk_actions import BulkRequest, BulkStatus
from mediator.domain.claims import ClaimFilter
from mediator.domain.enums import QUEUE_STATUSES, Reason, Status
from mediator.domain.queue import SortKey
from mediator.domain.text import visible
from mediator.messages import DisputesChanged, ReportsFailures
from mediator.screens.bulk import BulkDialog, BulkResult, disputes
from mediator.screens.queue_reads import Count, QueueReads
from mediator.store.base import (
    QueueCounts,
    QueueKey,
    QueuePage,
    QueueQuery,
    StoreError,
    new_idempotency_key,
)
from mediator.widgets._text import plain
from mediator.widgets.footer import Footer
from mediator.widgets.queue_table import QueueTable

if TYPE_CHECKING:
    from mediator.app import MediatorApp

PAGE = 120
#: The proposals waiting for a supervisor (issue 16), counted in the header for supervisors.
REVIEWS_WAITING = QueueQuery(statuses=frozenset({Status.AWAITING_REVIEW}))

#: The claim filter's words in the status line, and the order `c` cycles through them.
CLAIM_WORDS = {
    ClaimFilter.ALL: "",
    ClaimFilter.MINE: " · only yours (c)",
    ClaimFilter.UNCLAIMED: " · only unclaimed (c)",
}

#: Every dispute in the store, whatever its status (is the store empty?).
ANY = QueueQuery(statuses=frozenset(Status))
#: The empty table of an empty store (issue 22: it said only "No disputes match.").
EMPTY_STORE = (
    "This store holds no disputes yet. To get some, run in a shell (then F5 here):",
    "",
    "  mediator import FILE            disputes from a JSON Lines file (IMPORT_FORMAT.md)",
    "  mediator seed --disputes 200    200 generated practice disputes",
    "  mediator demo                   the console on a demo store of its own",
    "",
    "(add the --store this console was opened with, if it was given one)",
)

STATUS_CHOICES: dict[str, frozenset[Status]] = {
    "queue": QUEUE_STATUSES,
    **{s.value: frozenset({s}) for s in Status},
    "all": frozenset(Status),
}
STATUS_LABELS = {
    "queue": "Escalated + awaiting info",
    **{s.value: s.label.capitalize() for s in Status},
    "all": "Every status",
}


class QueueScreen(ReportsFailures, Screen[None]):
    """The agent's home: pick the most urgent dispute and open it."""

    app: MediatorApp

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {
        group: ("Reading the queue", "What is shown may be out of date: F5 reads it again.")
        for group in ("window", "extend", "counts")
    } | {"next": ("Claiming the next dispute", "Nothing was claimed.")}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="queue.search",
                tooltip="Search by dispute id, order title or party name"),
        Binding("r", "pick_reason", "Reason", id="queue.reason", tooltip="Filter by reason"),
        Binding("s", "pick_status", "Status", id="queue.status", tooltip="Filter by status"),
        Binding("exclamation_mark", "toggle_flagged", "Flagged", id="queue.flagged",
                tooltip="Only disputes with flagged messages (P-COMM-*), or all again"),
        Binding("c", "cycle_claims", "Claims", id="queue.claims",
                tooltip="Show every dispute, only yours, or only those nobody holds"),
        Binding("n", "claim_next", "Next", id="queue.next",
                tooltip="Claim and open the most urgent dispute nobody holds"),
        # off the footer (its keys are the shift's loop); the title row shows the order
        Binding("o", "pick_sort", "Sort", show=False, id="queue.sort",
                tooltip="Sort the queue by a column (a list: pick with its letter)"),
        Binding("O", "reverse_sort", "Reverse", show=False, id="queue.reverse",
                tooltip="Reverse the queue's order"),
        Binding("x", "clear_filters", "Clear", id="queue.clear",
                tooltip="Clear every filter (the order stays: o d for the deadline order)"),
        Binding("f5,ctrl+r", "reload", "Refresh", id="queue.refresh",
                tooltip="Read the queue again from the store"),
        Binding("escape", "to_table", "Table", show=False, id="queue.table",
                tooltip="Leave the search box and go back to the queue"),
        Binding("v", "reviews", "Reviews", id="queue.reviews",
                tooltip="Review the decisions proposed by agents (supervisors)"),
        # the same key for everyone else, off the footer: it says who reviews
        Binding("v", "reviews_refused", "Reviews", show=False, id="queue.reviews_refused",
                tooltip="Reviews: only supervisors review decisions"),
        Binding("d", "dashboard", "Dashboard", id="queue.dashboard",
                tooltip="The shift's figures, plots and drill-down"),
        Binding("p", "policy", "Policy", id="queue.policy", tooltip="The marketplace policy"),
        # off the footer (it is full at 80 columns): the status line names b and A once
        # something is selected, and ? and the palette list all three
        Binding("a", "select_all", "Select all", show=False, id="queue.select_all",
                tooltip="Select every dispute matching the filters (A clears the selection)"),
        Binding("A", "clear_selection", "Unselect", show=False, id="queue.clear_selection",
                tooltip="Clear the selection"),
        Binding("b", "bulk", "Bulk", show=False, id="queue.bulk",
                tooltip="A bulk action on the selected disputes: note, ask for information, "
                "claim, release, hand over"),
        Binding("q", "app.quit", "Quit", id="queue.quit", tooltip="Quit mediator"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0
        #: Something changed while another screen was over the queue: read it again on return.
        self._stale = False
        #: The query of the last reload (a filter event that does not change it reads nothing).
        self._loaded: QueueQuery | None = None
        self._totals_wanted = False  # a read of the header's totals is asked for, not answered
        self._reported = -1  # the reload whose failure the agent was told of (once per reload)
        self._flagged_only = False
        self._claims = ClaimFilter.ALL
        self._status = ""
        #: The order (issue 19); not a filter: `x` leaves it.
        self._sort = SortKey.DUE
        self._descending = False
        #: The list shows resolved disputes only (issue 22): their columns, their order.
        self._resolved = False
        self._selected = ""
        #: Pages and counts read since the data last changed (Home, End, a filter typed back).
        self._reads = QueueReads()

    def compose(self) -> ComposeResult:
        yield Static(id="queue-title", classes="screen-title")
        with Horizontal(id="filters"):
            search_key = self.app.key_display("queue.search", "/")
            yield Input(placeholder=f"{search_key} search id, order, buyer, seller", id="search")
            yield Select(
                [("All reasons", "")] + [(r.label, r.value) for r in Reason],
                value="",
                allow_blank=False,
                id="reason",
            )
            yield Select(
                [(label, key) for key, label in STATUS_LABELS.items()],
                value="queue",
                allow_blank=False,
                id="status",
            )
        yield QueueTable(now=self.app.clock.now(), agent=self.app.agent, tz=self.app.tz, id="queue")
        with Horizontal(id="bulk-progress"):
            yield Static(id="bulk-progress-label")
            yield ProgressBar(id="bulk-bar", show_eta=False)
        yield Static(id="queue-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(QueueTable).focus()
        self.watch(self.app, "pending_count", self.show_status, init=False)
        self.watch(self.app, "role", self._role_known, init=False)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)
        self.reload()
        if self.app.every.refresh is not None:
            self.set_interval(self.app.every.refresh, self._tick)

    def _screen_changed(self, screen: Screen[object]) -> None:
        """A full screen (a dispute, the dashboard) over the queue may change what it lists; a
        modal (the palette, a picker, '?') changes nothing by itself (issue 22: closing the
        palette read the whole queue again as the theme picker opened)."""
        if screen is not self and not isinstance(screen, ModalScreen):
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:  # back from another screen (the first resume follows on_mount's read)
            self._stale = False
            self.refresh_rows()

    def _role_known(self) -> None:
        """The role was read: the footer, the status line and (for a supervisor) the count of
        proposals waiting follow."""
        self.refresh_bindings()
        self.show_status()
        self._load_counts(self._loaded or self.query_now, totals=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reviews":
            return self.app.is_supervisor
        if action == "reviews_refused":
            return not self.app.is_supervisor
        return True

    def _tick(self) -> None:
        self.refresh_rows()

    def on_disputes_changed(self, message: DisputesChanged) -> None:
        if self.is_current:
            self.refresh_rows()
        else:  # on_screen_resume reads them when the agent is back
            self._stale = True

    def refresh_rows(self) -> None:
        """Re-read the rows around the cursor and the counts: what the store holds, and the
        time, may have moved on since they were read, so nothing held is shown again and the
        countdowns count from now. (Filters, Home and End keep the table's time: the lines of
        rows seen before are drawn again from its cache.)"""
        self._reads.forget()
        self.query_one(QueueTable).now = self.app.clock.now()
        self.reload(keep=self._current_key())

    # ----- the query --------------------------------------------------------------------
    @property
    def query_now(self) -> QueueQuery:
        reason = self.query_one("#reason", Select).value
        status = self.query_one("#status", Select).value
        return QueueQuery(
            text=self.query_one("#search", Input).value.strip(),
            reasons=frozenset({Reason(reason)})
            if isinstance(reason, str) and reason
            else frozenset(),
            statuses=STATUS_CHOICES.get(status if isinstance(status, str) else "", QUEUE_STATUSES),
            flagged_only=self._flagged_only,
            claims=self._claims,
            # only "mine" reads the name: every other query stays equal to the plain one,
            # which the store counts from its cached totals
            agent=self.app.agent if self._claims is ClaimFilter.MINE else "",
            sort=self._sort,
            descending=self._descending,
        )

    def _current_key(self) -> QueueKey | None:
        """The highlighted row's place in the order asked for now (the same dispute, found
        again after the order changed)."""
        row = self.query_one(QueueTable).current
        return row.key_for(self._sort) if row else None

    def reload(
        self,
        *,
        keep: QueueKey | None = None,
        from_end: bool = False,
        counts: bool = True,
        totals: bool = True,
    ) -> None:
        """Read the window of rows again; `counts`: recount the matches (the query or the data
        changed); `totals`: the header's queue totals too (they do not depend on the filters).
        A first or last page and a count read since the data last changed (`QueueReads`) are
        shown at once, with no read."""
        self._generation += 1
        self.workers.cancel_group(self, "extend")
        self._order_for_view()
        query = self._loaded = self.query_now
        held = None if keep is not None else self._reads.page(query, from_end=from_end)
        if held is not None:
            self.workers.cancel_group(self, "window")  # a read under way would replace it
            self._show_window(query, held, keep=None, from_end=from_end)
        else:
            self._load_window(query, keep=keep, from_end=from_end)
        if counts or totals:
            count = None if totals or self._totals_wanted else self._reads.count(query)
            if count is not None:
                self.workers.cancel_group(self, "counts")
                self._show_counts(query, count.counts, None, empty=count.empty)
            else:
                self._load_counts(query, totals=totals)

    def _order_for_view(self) -> None:
        """The resolved list (issue 22) opens newest decision first, not by a deadline that no
        longer runs; the decision time is not an order of any other list."""
        resolved = self.query_now.statuses == {Status.RESOLVED}
        if resolved and not self._resolved and self._sort is SortKey.DUE:
            self._sort, self._descending = SortKey.DECIDED, True
        elif not resolved and self._sort is SortKey.DECIDED:
            self._sort, self._descending = SortKey.DUE, False
        self._resolved = resolved

    @work(exclusive=True, group="window", exit_on_error=False)
    async def _load_window(
        self, query: QueueQuery, *, keep: QueueKey | None, from_end: bool
    ) -> None:
        store = self.app.store
        epoch = self._reads.epoch
        try:
            if keep is not None:
                before = await store.queue_page(query, before=keep, limit=PAGE // 2)
                after = await store.queue_page(
                    query,
                    after=before.rows[-1].key_for(query.sort) if before.rows else None,
                    limit=PAGE,
                )
                page = QueuePage(
                    rows=before.rows + after.rows,
                    has_before=before.has_before,
                    has_after=after.has_after,
                )
            else:
                page = await store.queue_page(query, from_end=from_end, limit=PAGE)
        except StoreError as error:
            self._problem(error)
            return
        if keep is None:
            self._reads.keep_page(query, page, from_end=from_end, epoch=epoch)
        self._show_window(query, page, keep=keep, from_end=from_end)

    def _show_window(
        self, query: QueueQuery, page: QueuePage, *, keep: QueueKey | None, from_end: bool
    ) -> None:
        table = self.query_one(QueueTable)
        table.set_order(query.sort, query.descending)
        table.show_decisions(query.statuses == {Status.RESOLVED})
        table.set_page(page, at_end=from_end, keep=keep)
        self.call_after_refresh(self.app.rows_shown)
        if keep is None and query.text:
            table.highlight_id(query.text)  # typing an exact id lands on it, not on D-1000xx

    @on(QueueTable.Highlighted)
    def _moved(self, message: QueueTable.Highlighted) -> None:
        """The agent moves in the queue: read its first and last pages ahead of Home and End
        (once the key's frame is drawn), unless they are held."""
        table = self.query_one(QueueTable)
        if not message.by_agent or not (table.has_before or table.has_after):
            return
        query = self._loaded
        if query is None or all(
            self._reads.page(query, from_end=end) is not None for end in (False, True)
        ):
            return
        if not any(w.group == "ends" and not w.is_finished for w in self.workers):
            self.call_after_refresh(self._read_ends, query)

    @work(exclusive=True, group="ends", exit_on_error=False)
    async def _read_ends(self, query: QueueQuery) -> None:
        epoch = self._reads.epoch
        for from_end in (False, True):
            if query != self._loaded or self._reads.page(query, from_end=from_end) is not None:
                continue
            try:
                page = await self.app.store.queue_page(query, from_end=from_end, limit=PAGE)
            except StoreError:
                return  # a read ahead: Home or End reads again and reports a failure
            self._reads.keep_page(query, page, from_end=from_end, epoch=epoch)

    @work(exclusive=True, group="extend", exit_on_error=False)
    async def _extend(self, message: QueueTable.NeedRows, generation: int) -> None:
        try:
            page = await self.app.store.queue_page(
                self.query_now, after=message.after, before=message.before, limit=PAGE
            )
        except StoreError as error:
            self._problem(error)
            return
        if generation == self._generation:
            self.query_one(QueueTable).extend(page, after=message.after is not None)

    def _load_counts(self, query: QueueQuery, *, totals: bool) -> None:
        """Count the matches of `query` and, with `totals` (or while an earlier request for
        them is still unanswered), the header's totals."""
        self._totals_wanted |= totals
        self._count(query, totals=self._totals_wanted)

    @work(exclusive=True, group="counts", exit_on_error=False)
    async def _count(self, query: QueueQuery, *, totals: bool) -> None:
        """The header's totals and the status line's count from one read, shown together
        (issue 22: "213 shown" under "214 disputes" for two seconds after a decision, while
        the second of two reads was on its way)."""
        store = self.app.store
        epoch = self._reads.epoch
        try:
            if totals:
                counts = await store.queue_counts(query, now=self.app.clock.now())
                title = await self._title(counts)
            else:
                counts, title = await store.queue_counts(query, totals=False), None
            empty = (
                counts.matching == 0 and not (await store.queue_counts(ANY, totals=False)).matching
            )
        except StoreError as error:
            self._problem(error)
            return
        if not totals:  # counted alone: the same read a later count of `query` would make
            self._reads.keep_count(query, Count(counts, empty), epoch=epoch)
        self._show_counts(query, counts, title, empty=empty)

    def _show_counts(
        self, query: QueueQuery, counts: QueueCounts, title: Content | None, *, empty: bool
    ) -> None:
        if title is not None:
            self._totals_wanted = False
            self.query_one("#queue-title", Static).update(title, layout=False)  # one line
        filtered = query.unsorted != QueueQuery()
        self.query_one(QueueTable).set_empty(self._nothing_shown(empty=empty, filtered=filtered))
        matching = f"{counts.matching:,}{'+' if counts.capped else ''}"
        status = f"{matching} match the filters" if filtered else f"{matching} shown"
        if self._flagged_only:
            status += " · flagged messages only (!)"
        status += CLAIM_WORDS[self._claims]
        self._status = f"{status} · {self.order_words(query)} · store {self.app.store.label}"
        self.show_status()

    def _nothing_shown(self, *, empty: bool, filtered: bool) -> tuple[str, ...]:
        """What the table says when no row matches (issue 22): how to get disputes into an
        empty store, how to clear filters that match none."""
        if empty:
            return EMPTY_STORE
        if filtered:
            clear = self.app.key_display("queue.clear", "x")
            return (f"No disputes match the filters: {clear} clears them.",)
        status = self.app.key_display("queue.status", "s")
        return (
            "The queue is empty: no dispute is escalated or awaiting information "
            f"({status} shows another status).",
        )

    @staticmethod
    def order_words(query: QueueQuery) -> str:
        """The order, as the status line says it."""
        if query.sort is SortKey.DUE and not query.descending:
            return "next deadline first"
        if query.sort is SortKey.DECIDED and query.descending:
            return "newest decision first (o: order, O: reverse)"
        mark = "▼" if query.descending else "▲"
        return f"sorted by {query.sort.label} {mark} (o: order, O: reverse)"

    async def _title(self, counts: QueueCounts) -> Content:
        """The header: the whole queue by status and how many are overdue (no filters), from
        `counts` read with the totals."""
        by_status = counts.by_status
        parts = [
            f"{by_status.get(s, 0):,} {s.label}" for s in (Status.ESCALATED, Status.AWAITING_INFO)
        ]
        total = sum(by_status.get(s, 0) for s in QUEUE_STATUSES)
        overdue = (f" · {counts.overdue:,} overdue", "bold $error") if counts.overdue else ("", "")
        reviews = ("", "")
        if self.app.is_supervisor:  # issue 16: what waits for them, one index range to count
            waiting = await self.app.store.queue_counts(REVIEWS_WAITING, totals=False)
            if waiting.matching:
                n = waiting.matching
                words = f" · {n:,} proposal{'s' if n != 1 else ''} to review (v)"
                reviews = (words, "bold $warning")
        return Content.assemble(
            ("Escalation queue", "bold"),
            f"  {total:,} disputes: ",
            " · ".join(parts),
            overdue,
            reviews,
        )

    def show_status(self) -> None:
        """The status line: counts, order, store, and decisions waiting to be sent."""
        pending = self.app.pending_count
        waiting = (
            (f" · {pending} decision{'s' if pending != 1 else ''} pending sync", "bold $warning")
            if pending
            else ("", "")
        )
        who = (visible(f"{self.app.who} · "), "bold")
        picked = (self._selected, "bold $accent")
        self.query_one("#queue-status", Static).update(
            Content.assemble(who, picked, self._status, waiting),
            layout=False,  # one line
        )

    def _problem(self, error: StoreError) -> None:
        """One reload reads rows, counts and totals: when the store is down all three fail,
        and the agent is told once."""
        if self._reported == self._generation:
            return
        self._reported = self._generation
        what, after = self.FAILURES["window"]
        self.notify(
            f"{what} failed: {error}. {after}", title="Store problem", severity="error", timeout=10
        )

    # ----- events -----------------------------------------------------------------------
    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        if self.query_now == self._loaded:
            return  # a Select announcing its first value: the rows on screen already match
        self.query_one(QueueTable).selection_outlived_filter()
        self.reload(totals=False)  # the header's totals do not depend on the filters

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(QueueTable).focus()

    @on(QueueTable.NeedRows)
    def _need_rows(self, message: QueueTable.NeedRows) -> None:
        table = self.query_one(QueueTable)
        if (table.sort, table.descending) != (self._sort, self._descending):
            return  # the order changed: the window being read replaces these rows
        if message.after is None and message.before is None:  # home / end: same query
            self.reload(from_end=message.from_end, counts=False, totals=False)
        else:
            self._extend(message, self._generation)

    @on(QueueTable.HeaderClicked)
    def _header_clicked(self, message: QueueTable.HeaderClicked) -> None:
        """A click on a column's title sorts by it; on the sorted column, reverses."""
        if message.sort is None:
            why = (
                "a claim lapses with time, so no index holds what the column shows; c filters "
                "by claims"
                if message.title == "Claim"
                else "o lists the orders"
            )
            self.notify(f"The queue does not sort by {message.title}: {why}.", markup=False)
        elif message.sort is self._sort:
            self.action_reverse_sort()
        else:
            self.sort_by(message.sort)

    @on(QueueTable.Selected)
    def _open(self, message: QueueTable.Selected) -> None:
        from mediator.screens.dispute import DisputeScreen

        self.app.push_screen(DisputeScreen(message.row.id))

    @on(QueueTable.SelectionChanged)
    def _selection_changed(self, message: QueueTable.SelectionChanged) -> None:
        if message.count:
            which = " (all matching)" if message.everything else ""
            self._selected = f"{message.count:,} selected{which} · b bulk · A unselect · "
        else:
            self._selected = ""
        self.show_status()

    # ----- actions ----------------------------------------------------------------------
    def action_to_table(self) -> None:
        self.query_one(QueueTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_pick_reason(self) -> None:
        select = self.query_one("#reason", Select)
        select.focus()
        select.action_show_overlay()

    def action_pick_status(self) -> None:
        select = self.query_one("#status", Select)
        select.focus()
        select.action_show_overlay()

    def sort_by(self, sort: SortKey, descending: bool = False) -> None:
        """Sort the queue by `sort`; the cursor stays on its dispute if it is still listed."""
        if (sort, descending) == (self._sort, self._descending):
            return
        self._sort, self._descending = sort, descending
        self.reload(keep=self._current_key(), totals=False)
        self.query_one(QueueTable).focus()

    def action_pick_sort(self) -> None:
        from mediator.screens.sort_picker import SortPicker

        def picked(sort: SortKey | None) -> None:
            if sort is not None:
                self.sort_by(sort)

        self.app.push_screen(SortPicker(self._sort, decided=self._resolved), picked)

    def action_reverse_sort(self) -> None:
        self._descending = not self._descending
        self.reload(keep=self._current_key(), totals=False)

    def sort_commands(self) -> Iterator[SystemCommand]:
        """The palette's "Sort queue by …", one an order (O's binding gives "Reverse …")."""
        for sort in SortKey:
            if sort is SortKey.DECIDED and not self._resolved:
                continue  # the resolved list's order only
            yield SystemCommand(
                f"Sort queue by {sort.label}",
                "the queue's order (key: o)",
                lambda sort=sort: self.sort_by(sort),
            )

    def action_clear_filters(self) -> None:
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#search", Input).value = ""
            self.query_one("#reason", Select).value = ""
            self.query_one("#status", Select).value = "queue"
        self._flagged_only = False
        self._claims = ClaimFilter.ALL
        self.reload()
        self.query_one(QueueTable).focus()

    def action_policy(self) -> None:
        from mediator.screens.policy import PolicyScreen

        self.app.push_screen(PolicyScreen())

    def action_toggle_flagged(self) -> None:
        self._flagged_only = not self._flagged_only
        self.reload()

    def action_cycle_claims(self) -> None:
        order = list(ClaimFilter)
        self._claims = order[(order.index(self._claims) + 1) % len(order)]
        self.reload(totals=False)

    @work(exclusive=True, group="next", exit_on_error=False)
    async def action_claim_next(self) -> None:
        """The shift agent's loop: claim the most urgent dispute nobody holds (within the
        filters shown) and open it."""
        from mediator.screens.dispute import DisputeScreen

        app = self.app
        query = self.query_now
        try:
            claim = await app.store.claim_next(query, actor=app.agent, lease=app.lease)
        except StoreError as error:
            self.notify(
                f"Could not claim the next dispute: {error}. Nothing was claimed.",
                title="Store problem",
                severity="error",
            )
            return
        if claim is None:
            filtered = query.unsorted != QueueQuery()
            self.notify(
                "Nobody's dispute is left"
                + (" within the filters (x clears them)." if filtered else " in the queue."),
                title="Nothing to claim",
            )
            return
        await app.push_screen(DisputeScreen(claim.dispute_id))

    def action_reviews(self) -> None:
        from mediator.screens.reviews import ReviewsScreen

        self.app.push_screen(ReviewsScreen())

    def action_dashboard(self) -> None:
        from mediator.screens.dashboard import DashboardScreen

        self.app.push_screen(DashboardScreen())

    def action_reviews_refused(self) -> None:
        if self.app.role is None:
            self.notify("Your role is still being read from the store: try again in a moment.")
            return
        self.notify(
            f"Only supervisors review decisions; {self.app.agent} works as an agent here.",
            title="Reviews are for supervisors",
        )

    def action_reload(self) -> None:
        self.refresh_rows()

    # ----- bulk actions (issue 19) ------------------------------------------------------
    @work(exclusive=True, group="select", exit_on_error=False)
    async def action_select_all(self) -> None:
        """Select every dispute matching the filters (their ids, read from the store)."""
        try:
            ids = await self.app.store.matching_ids(self.query_now)
        except StoreError as error:
            self.notify(f"Could not select the matching disputes: {error}", severity="error")
            return
        self.query_one(QueueTable).select_ids(ids)

    def action_clear_selection(self) -> None:
        self.query_one(QueueTable).clear_selection()

    @work(group="bulk-dialog", exit_on_error=False)
    async def action_bulk(self) -> None:
        table = self.query_one(QueueTable)
        if not table.selection:
            self.notify(
                "Select disputes first: space selects the one under the cursor, shift+↑↓ "
                "extends, a selects every dispute matching the filters.",
                title="Nothing selected",
            )
            return
        if self._bulk_running():
            self.notify("A bulk action is still running: wait for its result.", title="Busy")
            return
        everything = table.selected_everything
        action = await self.app.push_screen_wait(BulkDialog(len(table.selection), everything))
        if action is None:
            return
        job_id = new_idempotency_key().replace("mediator-", "bulk-", 1)
        request = BulkRequest(id=job_id, action=action, dispute_ids=tuple(table.selection))
        table.clear_selection()  # the job holds its own copy of the disputes
        self.run_bulk(request)

    def _bulk_running(self) -> bool:
        return any(w.group == "bulk" and w.is_running for w in self.workers)

    @work(exclusive=True, group="bulk", exit_on_error=False)
    async def run_bulk(self, request: BulkRequest) -> None:
        """Run the job in the background with a progress bar (the queue stays usable), then
        show its result; a retry runs the same job id again (nothing is done twice)."""
        app = self.app
        while True:
            status, problem = await self._run_job(request)
            self.query_one("#bulk-progress").remove_class("-running")
            self.refresh_rows()
            if status is None:
                return
            if not await app.push_screen_wait(BulkResult(status, problem)):
                return
            request = request.model_copy(update={"retry": True})

    async def _run_job(self, request: BulkRequest) -> tuple[BulkStatus | None, str]:
        app = self.app
        bar = self.query_one("#bulk-bar", ProgressBar)
        label = self.query_one("#bulk-progress-label", Static)
        status: BulkStatus | None = None
        try:
            status = await app.store.start_bulk(request, actor=app.agent, now=app.clock.now())
            self._progress(status, bar, label)
            steps = app.store.run_bulk(request.id, actor=app.agent, now=app.clock.now())
            async for status in steps:
                self._progress(status, bar, label)
        except StoreError as error:
            if status is None:
                self.notify(f"The bulk action did not start: {error}", severity="error")
                return None, ""
            with contextlib.suppress(StoreError):  # else the last status seen says what is known
                status = await app.store.bulk_job(request.id)
            return status, str(error)
        return status, ""

    def _progress(self, status: BulkStatus, bar: ProgressBar, label: Static) -> None:
        self.query_one("#bulk-progress").add_class("-running")
        bar.update(total=status.total, progress=status.done + status.refused)
        what = status.action.kind.label.capitalize()
        label.update(
            plain(f"{what}: {status.done:,} done, {status.refused:,} refused of "
                  f"{disputes(status.total)} ")
        )  # fmt: skip
