"""One measurement per process, for `bench/run.py`: prints one JSON object on stdout.

    python bench/_probe.py start-bare
    python bench/_probe.py start-app DB
    python bench/_probe.py keys DB SCALE
    python bench/_probe.py keys-bare PRESSES
    python bench/_probe.py search DB
    python bench/_probe.py sorted DB
    python bench/_probe.py build-big DB
    python bench/_probe.py big DB DISPUTE_ID PRESSES
    python bench/_probe.py open DB BIG_ID OPENS PRESSES
    python bench/_probe.py dashboard DB
    python bench/_probe.py make-jsonl PATH N
    python bench/_probe.py datatable N

Frames: the app runs headless (`run_test`), which computes every compositor update but does not
write it; the probe wraps `App._display` to time each update and to turn it into terminal
escape sequences anyway (the work a real terminal would cost). "Key → frame" is the time from
posting the key event (as `Pilot.press` does, without its 20 ms idle waits) to the last frame
once the app is quiet again: queues empty, no dirty widgets, store workers done.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # first: "process start" for the start-up probes

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any, ClassVar  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SIZE = (120, 40)
#: Workers that wait on the agent (a modal) or on a timer, not on the key just pressed.
#: The app's follower of the store's change feed runs as long as the app (issue 15).
IGNORED_GROUPS = {"decide", "note", "ask_info", "escalate", "live", "preload"}
#: The app counts as settled after this long with nothing to do.
QUIET = 0.02
POLL = 0.0005


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Frames:
    """Times every compositor update of `app`; `when` marks the first frame where it holds."""

    def __init__(self, app: App[Any], when: Callable[[], bool] | None = None) -> None:
        self.times: list[float] = []
        self.when = when
        self.first_ok: float | None = None
        self._app = app
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)
            now = time.perf_counter()
            self.times.append(now)
            if self.first_ok is None and self.when is not None and self.when():
                self.first_ok = now

        app._display = display  # type: ignore[method-assign]


def busy(app: App[Any]) -> bool:
    for worker in app.workers:
        if worker.group not in IGNORED_GROUPS and not worker.is_finished:
            return True
    screen = app.screen
    if (
        screen._layout_required
        or screen._repaint_required
        or screen._scroll_required
        or screen._dirty_widgets
    ):
        return True
    if not app._message_queue.empty() or not screen._message_queue.empty():
        return True
    return any(not node._message_queue.empty() for node in screen.walk_children())


async def until_frame(frames: Frames, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while frames.first_ok is None:
        if time.perf_counter() - start > timeout:
            raise TimeoutError("no frame with the expected content")
        await asyncio.sleep(0.001)
    return frames.first_ok


async def preloaded(timeout: float = 120.0) -> None:
    """Until the console's start-up work is done (`MediatorApp.preload`: the store open, the
    dashboard's module imported, the objects alive frozen out of the collector's sight): the
    keys are timed as an agent meets them after the first seconds."""
    import gc

    deadline = time.perf_counter() + timeout
    while gc.get_freeze_count() == 0:
        if time.perf_counter() > deadline:
            raise TimeoutError("the console's preload did not finish")
        await asyncio.sleep(0.01)


async def settle(app: App[Any]) -> None:
    quiet_since: float | None = None
    start = time.perf_counter()
    while time.perf_counter() - start < 30:
        await asyncio.sleep(POLL)
        now = time.perf_counter()
        if busy(app):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= QUIET:
            return


async def timed_key(app: App[Any], frames: Frames, key: str) -> tuple[float, float] | None:
    """(first frame, settled frame) in ms after posting `key`; None when it drew nothing."""
    from textual import events

    char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    before = len(frames.times)
    t0 = time.perf_counter()
    assert app._driver is not None
    app._driver.send_message(event)
    await settle(app)
    after = frames.times[before:]
    if not after:
        return None
    return (after[0] - t0) * 1000, (after[-1] - t0) * 1000


def mediator_app(db: str) -> App[Any]:
    from mediator.app import MediatorApp
    from mediator.clock import FrozenClock
    from mediator.store.sql import SqlStore

    store = SqlStore.open(f"sqlite:///{db}")
    return MediatorApp(store, clock=FrozenClock(NOW), agent="agent.bench", tz=UTC)


def queue_rows(app: App[Any]) -> int:
    from mediator.widgets.queue_table import QueueTable

    try:
        return len(app.screen.query_one(QueueTable).rows)
    except Exception:
        return 0


# --- probes ------------------------------------------------------------------------------------


async def start_bare(*, modules: bool = False) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

    app = Bare()
    frames = Frames(app, lambda: True)
    async with app.run_test(size=SIZE):
        ok = await until_frame(frames)
    emit({"ms": (ok - T0) * 1000, **({"modules": list(sys.modules)} if modules else {})})


def console_app(db: str) -> App[Any]:
    """The app as `mediator --store sqlite:///DB` builds it (issue 18: the store opens after
    the first frame with rows, which comes from `store.sql.peek`)."""
    from mediator.app import MediatorApp
    from mediator.cli import deferred_store
    from mediator.clock import FrozenClock

    store = deferred_store(f"sqlite:///{db}")
    if store is None:
        raise SystemExit(f"{db}: not a store at this code's schema")
    return MediatorApp(store, clock=FrozenClock(NOW), agent="agent.bench", tz=UTC)


async def start_app(db: str, *, modules: bool = False) -> None:
    """Process start → the queue's first frame with rows, the way the console starts. With
    `modules`: also the modules imported by then (`bench/run.py` weighs them with
    `python -X importtime`)."""
    app = console_app(db)
    loaded: list[str] = []

    def shown() -> bool:
        if queue_rows(app) > 0:
            loaded.extend(sys.modules)
            return True
        return False

    frames = Frames(app, shown)
    async with app.run_test(size=SIZE):
        ok = await until_frame(frames)
        rows = queue_rows(app)
    result: dict[str, Any] = {"ms": (ok - T0) * 1000, "rows": rows}
    if modules:
        result["modules"] = loaded
    emit(result)


async def dashboard(db: str) -> None:
    """Issue 17: from `d` on the queue to the dashboard's first frame with its figures (the
    summary read by its worker and drawn: the figure list and the charts)."""
    from textual import events

    from mediator.screens.dashboard import DashboardScreen
    from mediator.widgets.figure_list import FigureList

    app = mediator_app(db)

    def figures_shown() -> bool:
        screen = app.screen
        if not isinstance(screen, DashboardScreen) or screen.summary is None:
            return False
        return screen.query_one(FigureList).option_count > 0

    frames = Frames(app, figures_shown)
    async with app.run_test(size=SIZE):
        frames.when = lambda: queue_rows(app) > 0
        await until_frame(frames)
        # the app imports the dashboard's module a second after start-up (`PRELOAD_AFTER`)
        while "mediator.screens.dashboard" not in sys.modules:
            await asyncio.sleep(0.01)
        await settle(app)
        frames.when, frames.first_ok = figures_shown, None
        event = events.Key("d", "d")
        event.set_sender(app)
        t0 = time.perf_counter()
        assert app._driver is not None
        app._driver.send_message(event)
        ok = await until_frame(frames)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.summary is not None
        emit({"ms": (ok - t0) * 1000, "decided": screen.summary.decided, "period": screen.kind})


def key_plan(scale: float, word: str) -> list[tuple[str, str]]:
    plan: list[tuple[str, str]] = []
    plan += [("down", "down")] * int(100 * scale)
    plan += [("pagedown", "pagedown")] * int(50 * scale)
    plan += [("end/home", "end" if i % 2 == 0 else "home") for i in range(int(20 * scale))]
    typed = 0
    want = int(30 * scale)
    while typed < want:
        chunk = word[: min(len(word), want - typed)]
        plan += [("filter", c) for c in chunk]
        plan += [("filter", "backspace")] * len(chunk)
        typed += len(chunk)
    return plan


async def keys(db: str, scale: float) -> None:
    from mediator.screens.queue import QueueScreen
    from mediator.widgets.queue_table import QueueTable

    app = console_app(db)
    frames = Frames(app, lambda: queue_rows(app) > 0)
    settled: dict[str, list[float]] = {}
    first: dict[str, list[float]] = {}
    noop: dict[str, int] = {}
    async with app.run_test(size=SIZE) as pilot:
        await until_frame(frames)
        await preloaded()
        await settle(app)
        table = app.screen.query_one(QueueTable)
        word = (table.rows[0].buyer_name.split()[0] if table.rows else "anna").lower()
        plan = key_plan(scale, word)
        searching = False
        for kind, key in plan:
            if kind == "filter" and not searching:
                await pilot.press("slash")
                await settle(app)
                searching = True
            result = await timed_key(app, frames, key)
            if result is None:
                noop[kind] = noop.get(kind, 0) + 1
                continue
            first.setdefault(kind, []).append(result[0])
            settled.setdefault(kind, []).append(result[1])
        assert isinstance(app.screen, QueueScreen)
        rows = len(table.rows)
    emit(
        {
            "settled": settled,
            "first": first,
            "noop": noop,
            "rss_mb": peak_rss_mb(),
            "word": word,
            "rows_at_end": rows,
        }
    )


def search(db: str) -> None:
    from mediator.domain.enums import Status
    from mediator.store.base import QueueQuery
    from mediator.store.sql import SqlStore

    store = SqlStore.open(f"sqlite:///{db}")
    everything = QueueQuery(statuses=frozenset(Status))
    sample = store.queue_page_sync(everything, limit=600).rows
    step = max(1, len(sample) // 10)
    picked = sample[::step][:10]
    terms: list[str] = []
    terms += [r.buyer_name.split()[0] for r in picked]
    for row in picked:
        words = [w for w in row.order_title.split() if w.isalpha() and len(w) >= 4]
        terms.append(max(words, key=len) if words else row.seller_name.split()[0])
    terms += [r.id for r in picked]
    times: list[float] = []
    for term in terms:
        query = QueueQuery(text=term)
        t0 = time.perf_counter()
        store.queue_page_sync(query, limit=100)
        store.queue_counts_sync(query, totals=False)  # what a search keystroke asks for
        times.append((time.perf_counter() - t0) * 1000)
    store.close_sync()
    emit({"ms": times, "terms": terms})


def sorted_pages(db: str) -> None:
    """Issue 19: the queue sorted by each column, both directions: the first page, the next
    one, and the last (End), as the console reads them. Twice: the first pass compiles each
    statement (`cold_ms`, once a process), the second is what every later read costs."""
    from mediator.domain.enums import Status
    from mediator.domain.queue import QueuePage, QueueQuery, SortKey
    from mediator.store.sql import SqlStore

    store = SqlStore.open(f"sqlite:///{db}")
    # the decision time is the resolved list's order (issue 22), one status, one index range
    lists = {SortKey.DECIDED: QueueQuery(statuses=frozenset({Status.RESOLVED}))}

    def timed(query: QueueQuery, into: list[float], **where: Any) -> QueuePage:
        t0 = time.perf_counter()
        page = store.queue_page_sync(query, limit=120, **where)
        into.append((time.perf_counter() - t0) * 1000)
        return page

    passes: list[list[float]] = [[], []]
    for into in passes:
        for sort in SortKey:
            for descending in (False, True):
                query = lists.get(sort, QueueQuery()).sorted_by(sort, descending)
                first = timed(query, into)
                if first.rows:
                    timed(query, into, after=first.rows[-1].key_for(sort))
                timed(query, into, from_end=True)
    store.close_sync()
    emit({"ms": passes[1], "cold_ms": passes[0]})


def build_big(db: str) -> None:
    from mediator.domain import Dispute
    from mediator.domain.models import Evidence, Message
    from mediator.seed import generate
    from mediator.store.sql import SqlStore

    pool = list(generate(400, seed=7, now=NOW))
    messages = [m for d in pool for m in d.messages]
    evidence = [e for d in pool for e in d.evidence]
    base: Dispute = next(d for d in pool if d.messages and d.evidence)
    start = base.opened_at
    span = (NOW - start).total_seconds()
    n_msg, n_ev = 10_000, 500
    new_messages: list[Message] = [
        messages[i % len(messages)].model_copy(
            update={"id": f"M-BIG-{i}", "sent_at": start + (NOW - start) * (i / n_msg)}
        )
        for i in range(n_msg)
    ]
    new_evidence: list[Evidence] = [
        evidence[i % len(evidence)].model_copy(
            update={"id": f"E-BIG-{i}", "submitted_at": start + (NOW - start) * (i / n_ev)}
        )
        for i in range(n_ev)
    ]
    big = base.model_copy(
        update={
            "id": "D-BIG-1",
            "messages": tuple(new_messages),
            "evidence": tuple(new_evidence),
        }
    )
    # round-trip through JSON so that the store sees a validated dispute
    big = Dispute.model_validate_json(big.model_dump_json())
    store = SqlStore.open(f"sqlite:///{db}")
    store.import_disputes([big, *pool[:50]])
    store.close_sync()
    emit({"id": big.id, "messages": n_msg, "evidence": n_ev, "span_s": span})


async def scroll_timeline(
    app: App[Any], pilot: Pilot[Any], frames: Frames, presses: int
) -> list[tuple[str, tuple[float, float] | None]]:
    """The dispute screen's timeline focused at its top, then `presses` keys timed: down for
    the first half, pagedown for the rest; each key with `timed_key`'s result."""
    await pilot.press("t")
    await pilot.press("home")
    await settle(app)
    timed: list[tuple[str, tuple[float, float] | None]] = []
    for i in range(presses):
        key = "down" if i < presses // 2 else "pagedown"
        timed.append((key, await timed_key(app, frames, key)))
    return timed


async def big(db: str, dispute_id: str, presses: int) -> None:
    from mediator.screens.dispute import DisputeScreen
    from mediator.widgets.transcript import Transcript

    app = mediator_app(db)

    def loaded() -> bool:
        screen = app.screen
        if not isinstance(screen, DisputeScreen):
            return False
        return bool(screen.query_one(Transcript).entries)

    frames = Frames(app, lambda: queue_rows(app) > 0)
    scroll: dict[str, list[float]] = {}
    scroll_first: dict[str, list[float]] = {}
    noop = 0
    async with app.run_test(size=SIZE) as pilot:
        await until_frame(frames)
        await settle(app)
        frames.when, frames.first_ok = loaded, None
        t0 = time.perf_counter()
        app.push_screen(DisputeScreen(dispute_id))
        ok = await until_frame(frames)
        first_ms = (ok - t0) * 1000
        await settle(app)
        entries = len(app.screen.query_one(Transcript).entries)
        for key, result in await scroll_timeline(app, pilot, frames, presses):
            if result is None:
                noop += 1
            else:
                scroll.setdefault(key, []).append(result[1])
                scroll_first.setdefault(key, []).append(result[0])
    emit(
        {
            "first_ms": first_ms,
            "scroll": scroll,
            "scroll_first": scroll_first,
            "noop": noop,
            "entries": entries,
            "rss_mb": peak_rss_mb(),
        }
    )


async def open_disputes(db: str, big_id: str, opens: int, presses: int) -> None:
    """Issue 18: Enter on the queue → the dispute with a message and the resolution form on
    screen, for a small dispute and the big one, beside `?` → the help screen (a plain screen
    push), each `opens` times, interleaved, in one app; then `presses` scroll keys on the big
    dispute's timeline. The app's preload of the dispute screen's modules is waited for, as an
    agent's first Enter comes seconds after start-up."""
    from textual import events

    from mediator.domain.timeline import EntryKind
    from mediator.screens.dispute import DisputeScreen
    from mediator.screens.help import HelpScreen
    from mediator.screens.queue import QueueScreen
    from mediator.widgets.queue_table import QueueTable
    from mediator.widgets.resolution_form import ResolutionForm
    from mediator.widgets.transcript import Transcript

    app = mediator_app(db)

    def dispute_shown() -> bool:
        screen = app.screen
        if not isinstance(screen, DisputeScreen):
            return False
        timeline = screen.query_one(Transcript)
        forms = screen.query(ResolutionForm)
        return (
            any(e.kind is EntryKind.MESSAGE for e in timeline.entries)
            and bool(forms)
            and forms.first().region.area > 0
            and timeline.region.area > 0
        )

    async def timed(key: str, char: str | None, when: Callable[[], bool]) -> float:
        frames.when, frames.first_ok = when, None
        event = events.Key(key, char)
        event.set_sender(app)
        t0 = time.perf_counter()
        assert app._driver is not None
        app._driver.send_message(event)
        return (await until_frame(frames) - t0) * 1000

    async def back_to_queue() -> None:
        while not isinstance(app.screen, QueueScreen):
            await pilot.press("escape")
            await settle(app)

    frames = Frames(app, lambda: queue_rows(app) > 0)
    times: dict[str, list[float]] = {"help": [], "small": [], "big": []}
    scroll: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await until_frame(frames)
        while "mediator.screens.dispute" not in sys.modules:  # `PRELOAD_AFTER`
            await asyncio.sleep(0.01)
        await settle(app)
        table = app.screen.query_one(QueueTable)
        small = next(r for r in table.rows if 3 <= r.message_count <= 8 and r.id != big_id)
        for _ in range(opens):
            times["help"].append(
                await timed("question_mark", "?", lambda: isinstance(app.screen, HelpScreen))
            )
            await settle(app)
            await back_to_queue()
            for kind, dispute_id in (("small", small.id), ("big", big_id)):
                if not table.highlight_id(dispute_id):
                    raise SystemExit(f"{dispute_id} is not in the queue's window")
                await settle(app)
                times[kind].append(await timed("enter", "\r", dispute_shown))
                await settle(app)
                if kind == "big" and len(times["big"]) == opens:
                    timed_keys = await scroll_timeline(app, pilot, frames, presses)
                    scroll += [result[1] for _, result in timed_keys if result is not None]
                await back_to_queue()
    emit({**times, "scroll": scroll, "small_id": small.id, "small_messages": small.message_count,
          "rss_mb": peak_rss_mb()})  # fmt: skip


async def keys_bare(presses: int) -> None:
    """Calibration: a bare Textual app whose one Static counts `down` presses."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding, BindingType
    from textual.widgets import Static

    class Bare(App[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "bump", "Bump")]

        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def compose(self) -> ComposeResult:
            yield Static("0")

        def action_bump(self) -> None:
            self.count += 1
            self.query_one(Static).update(str(self.count))

    app = Bare()
    frames = Frames(app, lambda: True)
    settled: list[float] = []
    async with app.run_test(size=SIZE):
        await until_frame(frames)
        await settle(app)
        for _ in range(presses):
            result = await timed_key(app, frames, "down")
            if result is not None:
                settled.append(result[1])
    emit({"settled": settled})


def make_jsonl(path: str, n: int) -> None:
    from mediator.seed import generate

    t0 = time.perf_counter()
    with open(path, "w", encoding="utf-8") as out:
        for dispute in generate(n, seed=11, now=NOW):
            out.write(dispute.model_dump_json())
            out.write("\n")
    emit({"lines": n, "s": time.perf_counter() - t0})


async def datatable(n: int) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Naive(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table: DataTable[str] = self.query_one(DataTable)
            table.add_columns(*(f"col{c}" for c in range(8)))
            table.add_rows([f"r{r}c{c} text" for c in range(8)] for r in range(n))

    app = Naive()
    frames = Frames(app, lambda: app.query_one(DataTable).row_count > 0)
    async with app.run_test(size=SIZE):
        ok = await until_frame(frames, timeout=300)
    emit({"ms": (ok - T0) * 1000, "rss_mb": peak_rss_mb()})


def main(argv: list[str]) -> None:
    what, args = argv[0], argv[1:]
    if what == "start-bare":
        asyncio.run(start_bare(modules="--modules" in args))
    elif what == "start-app":
        asyncio.run(start_app(args[0], modules="--modules" in args))
    elif what == "keys":
        asyncio.run(keys(args[0], float(args[1])))
    elif what == "keys-bare":
        asyncio.run(keys_bare(int(args[0])))
    elif what == "search":
        search(args[0])
    elif what == "sorted":
        sorted_pages(args[0])
    elif what == "build-big":
        build_big(args[0])
    elif what == "big":
        asyncio.run(big(args[0], args[1], int(args[2])))
    elif what == "open":
        asyncio.run(open_disputes(args[0], args[1], int(args[2]), int(args[3])))
    elif what == "dashboard":
        asyncio.run(dashboard(args[0]))
    elif what == "make-jsonl":
        make_jsonl(args[0], int(args[1]))
    elif what == "datatable":
        asyncio.run(datatable(int(args[0])))
    else:
        raise SystemExit(f"unknown probe {what!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
