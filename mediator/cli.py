"""The `mediator` command: the console, the demo, `import`, `seed` and `staff` (and `audit`,
`review-rule`, `show`, `export` and `macro`, in `cli_audit`, `cli_review`, `cli_export` and
`cli_macro`).

Exit codes: 0 done, 1 the import file has errors or no disputes (nothing imported), or the audit
trail (or an exported file) is not whole, 2 usage, file or store error (one line on stderr,
never a traceback), 130 interrupted, 141 stdout's reader went away (`show`, `export`).

Textual, SQLAlchemy and rich are imported only by the commands that need them, so `mediator
import` does not pay for the console and `mediator --help` is instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mediator import (
    __version__,
    cli_audit,
    cli_config,
    cli_export,
    cli_macro,
    cli_report,
    cli_review,
    cli_web,
    config,
)

if TYPE_CHECKING:
    from rich.progress import Progress

    from mediator.domain import Decision, Dispute
    from mediator.importer import LineError
    from mediator.store.base import ImportReport, Store
    from mediator.store.deferred import DeferredStore
    from mediator.store.drafts import DraftBox
    from mediator.store.sql import SqlStore

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

#: Errors printed for an invalid file; the rest are counted.
MAX_ERRORS_SHOWN = 50
#: Disputes per transaction when seeding (a failure or Ctrl-C keeps the batches before it).
SEED_BATCH = 10_000
#: A seed of this many disputes or more into an EMPTY store is one transaction, all or nothing:
#: the store's bulk load (`store.sql.bulk_load`) then builds the queue's indexes once, after
#: the last row, instead of growing them row by row from the second batch on (issue 18:
#: 100,000 disputes in 18.3 s against 22.2 s, writer 122 against 173 µs a dispute).
SEED_WHOLE = 50_000
#: The demo: the packaged examples plus this many generated disputes.
DEMO_DISPUTES = 300
DEMO_SEED = 7
#: Who the audit trail records for writes from this command line (it does not know who ran it).
CLI_ACTOR = "cli"


class CliError(Exception):
    """A problem the user can fix; printed as one `mediator: error:` line, exit 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    from mediator.store.base import StoreError

    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except (CliError, StoreError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("mediator: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _fail(message: str) -> int:
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    print(f"mediator: error: {first}", file=sys.stderr)
    return EXIT_ERROR


# --- arguments ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    # `--store` is accepted before or after the command; SUPPRESS keeps the later from
    # overwriting the earlier with its default.
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--store",
        metavar="URL",
        default=argparse.SUPPRESS,
        help=f"database URL or SQLite file (default: ${config.ENV_STORE}, else "
        f"{config.STORE_FILE} in the data directory)",
    )
    agent = argparse.ArgumentParser(add_help=False)
    agent.add_argument(
        "--agent",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help=f"who decisions are recorded as (default: ${config.ENV_AGENT}, else agent.LOGIN)",
    )
    agent.add_argument(
        "--lease",
        metavar="SECONDS",
        type=_lease,
        default=argparse.SUPPRESS,
        help="how long a claim on an open dispute lasts unless renewed (default 180; the "
        "console renews it every minute while you work)",
    )
    parser = argparse.ArgumentParser(
        prog="mediator",
        description="Mediate escalated marketplace disputes. Without a command, open the console.",
        parents=[store, agent],
    )
    parser.add_argument("--version", action="version", version=f"mediator {__version__}")
    parser.add_argument(
        "--api",
        metavar="URL",
        default=None,
        help=f"work through a `mediator serve` API instead of a database (or ${config.ENV_API})",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        default=None,
        help=f"the API token from `mediator staff add` (better: ${config.ENV_TOKEN})",
    )
    parser.set_defaults(handler=_cmd_console)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        parents=[agent],
        help="open the console on demo data (created on first use)",
        description="Open the console on a demo store of example and generated disputes.",
    )
    demo.add_argument("--reset", action="store_true", help="delete and recreate the demo store")
    demo.set_defaults(handler=_cmd_demo)

    imp = commands.add_parser(
        "import",
        parents=[store],
        help="import disputes from a JSON Lines file (all or nothing)",
        description="Import disputes from FILE (IMPORT_FORMAT.md): every line is checked "
        "first; if any line is invalid, every error is listed and nothing is imported.",
    )
    imp.add_argument("file", metavar="FILE", help="a .jsonl file, one dispute per line")
    imp.set_defaults(handler=_cmd_import)

    seed = commands.add_parser(
        "seed",
        parents=[store],
        help="write generated demo disputes into a store",
        description="Generate realistic disputes (deterministic for the same --disputes, "
        "--seed, --now and --resolved-share), each resolved one with its decision, and write "
        "them in batches.",
    )
    seed.add_argument("--disputes", metavar="N", type=_count, required=True)
    seed.add_argument("--seed", metavar="S", type=int, default=1, help="random seed (default 1)")
    seed.add_argument(
        "--now",
        metavar="TIME",
        type=aware_time,
        default=None,
        help="the generator's 'now', e.g. 2026-11-22T12:00:00Z (default: the current time)",
    )
    seed.add_argument(
        "--resolved-share",
        metavar="SHARE",
        type=_share,
        default=None,
        help="the share of disputes that are resolved and decided, e.g. 0.3 (default: the "
        "usual mix, about 0.09)",
    )
    seed.set_defaults(handler=_cmd_seed)

    escalate = commands.add_parser(
        "escalate",
        parents=[store],
        help="auto-escalate open disputes whose timers ran out (for cron)",
        description="Escalate every open dispute whose seller stayed silent for 24 h "
        "(P-ESC-SELLER-SILENT) or that had no update for 72 h (P-ESC-STALE). Safe to run "
        "any number of times; the console also does this every minute.",
    )
    escalate.add_argument(
        "--now",
        metavar="TIME",
        type=aware_time,
        default=None,
        help="the time to judge the timers at (default: the current time)",
    )
    escalate.set_defaults(handler=_cmd_escalate)

    serve = commands.add_parser(
        "serve",
        parents=[store],
        help="serve the HTTP API over a store (for consoles with --api)",
        description="Serve the mediator HTTP/JSON API over the store (OpenAPI document at "
        "/openapi.json). Every call needs a bearer token from `mediator staff add`.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8765, help="port to listen on (8765)")
    serve.add_argument(
        "--workers",
        type=_count,
        default=1,
        help="worker processes (default 1; 2+ needs "
        "PostgreSQL or a SQLite file: each process opens the store)",
    )
    serve.set_defaults(handler=_cmd_serve)

    staff = commands.add_parser(
        "staff",
        help="manage who may use the API",
        description="Staff who may call `mediator serve`.",
    )
    staff_commands = staff.add_subparsers(title="staff commands", metavar="ACTION", required=True)
    add = staff_commands.add_parser(
        "add",
        parents=[store],
        help="add a member of staff and print their token (once)",
        description="Add NAME with a role and print a new bearer token. Only its hash is "
        "stored: copy it now, it cannot be shown again.",
    )
    add.add_argument("name", metavar="NAME", help="e.g. agent.ana (recorded as decided_by)")
    add.add_argument("--role", choices=("agent", "supervisor"), required=True)
    add.set_defaults(handler=_cmd_staff_add)
    listing = staff_commands.add_parser("list", parents=[store], help="list staff and roles")
    listing.set_defaults(handler=_cmd_staff_list)
    token = staff_commands.add_parser(
        "token",
        parents=[store],
        help="give a member of staff a new token (the old one stops working) and print it",
        description="Print a new bearer token for NAME, once; their old token stops working "
        "at once, in the API and in `mediator web`.",
    )
    token.add_argument("name", metavar="NAME")
    token.set_defaults(handler=_cmd_staff_token)
    revoke = staff_commands.add_parser(
        "revoke",
        parents=[store],
        help="make a member of staff's token stop working",
        description="NAME's token stops working: the API refuses it and `mediator web` ends "
        "the browser sessions signed in with it. `mediator staff token NAME` gives a new one.",
    )
    revoke.add_argument("name", metavar="NAME")
    revoke.set_defaults(handler=_cmd_staff_revoke)
    cli_review.add_command(commands, store)  # issue 16
    cli_audit.add_command(commands, store)  # issue 16
    cli_report.add_command(commands, store)  # issue 17
    cli_export.add_command(commands, store)  # issue 17
    cli_config.add_command(commands, store)  # issue 19
    cli_macro.add_command(commands, store)  # issue 19: canned replies
    cli_web.add_command(commands, store)  # issue 20
    return parser


def _port(text: str) -> int:
    value = _count(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError("a port is 1-65535")
    return value


def _lease(text: str) -> timedelta:
    from mediator.domain.claims import lease_problem

    lease = timedelta(seconds=_count(text))
    problem = lease_problem(lease)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return lease


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("a share is between 0 and 1, e.g. 0.3")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def aware_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a time: {text!r} (ISO 8601 with an offset, e.g. 2026-11-20T10:00:00Z)"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("a time needs an offset, e.g. 2026-11-20T10:00:00Z")
    return value


# --- commands ----------------------------------------------------------------------------------


def _cmd_console(args: argparse.Namespace) -> int:
    own = _own_settings()  # checked before any store is opened
    try:
        api = config.api_url(args.api)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if api is not None:
        if getattr(args, "store", None) is not None:
            raise CliError("give either --store or --api, not both")
        return _console_on_api(api, config.api_token(args.token), _lease_of(args), own)
    agent = _agent(args)
    deferred = deferred_store(getattr(args, "store", None))
    if deferred is not None:
        return _run_console(deferred, agent, _lease_of(args), own)
    with _open_store(getattr(args, "store", None)) as store:
        return _run_console(store, agent, _lease_of(args), own)


def _console_on_api(url: str, token: str | None, lease: timedelta, own: dict[str, Any]) -> int:
    """The console through `mediator serve` at `url`, with the offline outbox beside it."""
    import asyncio

    from mediator.app import run_console
    from mediator.store.base import StoreUnavailable
    from mediator.store.http import HttpStore, NotAllowed
    from mediator.store.outbox import Outbox, OutboxStore

    if not token:
        raise CliError(f"--api needs a token: --token or ${config.ENV_TOKEN} (mediator staff add)")

    async def whoami() -> str | None:
        probe = HttpStore(url, token, retries=0, timeout=5)
        try:
            return (await probe.whoami()).name
        except StoreUnavailable:
            return None
        finally:
            await probe.close()

    try:
        agent = asyncio.run(whoami())
    except NotAllowed as exc:
        raise CliError(str(exc)) from None
    if agent is None:
        print(
            f"mediator: {url} is unreachable; starting offline (decisions wait in the outbox)",
            file=sys.stderr,
        )
        agent = "(token owner)"
    outbox = Outbox(config.outbox_path(), api=url.rstrip("/"))
    store = OutboxStore(HttpStore(url, token), outbox)
    return run_console(
        store, agent=agent, lease=lease, drafts=_drafts(store.label, agent), **_own_settings()
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    if getattr(args, "store", None) is not None:
        raise CliError("demo uses its own store; drop --store (or use: mediator --store URL)")
    own = _own_settings()
    agent = _agent(args)
    path = config.demo_store_path()
    if args.reset:
        _delete_sqlite(path)
    deferred = deferred_store(config.sqlite_url(path))
    if deferred is not None:  # the demo store is there already: open it after the first frame
        from mediator.store.sql.peek import count_disputes, peekable

        peek = peekable(config.sqlite_url(path))
        count = count_disputes(peek) if peek is not None else None
        if count:
            print(f"demo store: {path} ({count} disputes; --reset recreates it)")
            return _run_console(deferred, agent, _lease_of(args), own)
    from mediator.store.sql import SqlStore

    with SqlStore.open(config.sqlite_url(path), create_dirs=True) as store:
        count = store.count_disputes()
        if count == 0:
            disputes, decisions = _demo_disputes()
            report = store.import_disputes(disputes, actor="demo", decisions=decisions)
            count = report.inserted
            print(f"demo store: {path} (created, {count} disputes)")
        else:
            print(f"demo store: {path} ({count} disputes; --reset recreates it)")
        return _run_console(store, agent, _lease_of(args), own)


def _cmd_import(args: argparse.Namespace) -> int:
    from mediator.bulk import InvalidLines, LinePool, stream
    from mediator.importer import (
        ParseResult,
        UnreadableFile,
        check_readable,
        clash_errors,
        no_disputes,
        paused_gc,
    )
    from mediator.store.base import ImportClash

    path = Path(args.file)
    result: ParseResult[object] = ParseResult()
    try:
        check_readable(path)  # before opening the store: a typo must not create a database
        # the workers first: forked before the progress bar starts its thread
        with _open_store(getattr(args, "store", None)) as store, LinePool() as pool:
            # written while the workers check the lines after: one transaction, rolled back
            # if any line has an error (InvalidLines, raised once all are checked)
            try:
                with _progress(in_bytes=True) as progress, paused_gc():
                    task = progress.add_task("importing", total=path.stat().st_size or None)
                    items = stream(
                        path,
                        pool,
                        result,
                        sqlite=store.is_sqlite,
                        on_read=lambda n: progress.update(task, completed=n),
                    )
                    report = store.import_prepared(items, actor=CLI_ACTOR)
            except ImportClash as exc:  # ids the store holds under other disputes
                try:
                    for _ in items:  # the lines after: their errors come first, as ever
                        pass
                except InvalidLines:
                    pass
                _print_errors(result.errors or clash_errors(exc, result.line_of), path)
                return EXIT_INVALID
            except InvalidLines:
                if result.errors:
                    _print_errors(result.errors, path)
                else:
                    print(no_disputes(path), file=sys.stderr)
                return EXIT_INVALID
            print(f"{path}: {_summary(report)} (into {store.label})")
            _print_skipped(report)
    except (UnreadableFile, OSError) as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        print("mediator: interrupted, nothing was imported", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _cmd_escalate(args: argparse.Namespace) -> int:
    from mediator.clock import SystemClock

    now: datetime = args.now or SystemClock().now()
    with _open_store(getattr(args, "store", None)) as store:
        escalated = store.escalate_due_sync(now)
        label = store.label
    for dispute_id, cause in escalated:
        print(f"escalated {dispute_id} ({cause})")
    print(f"{len(escalated)} disputes escalated in {label}")
    return EXIT_OK


def _cmd_seed(args: argparse.Namespace) -> int:
    from mediator.bulk import SeedFeed, gathering
    from mediator.clock import SystemClock
    from mediator.importer import paused_gc
    from mediator.store.sql.bulk_load import ANALYZE_AFTER

    n: int = args.disputes
    now: datetime = args.now or SystemClock().now()
    inserted = updated = resolved = 0
    skipped: list[tuple[str, str]] = []
    with _open_store(getattr(args, "store", None)) as store:
        # generated and made ready in another process (started before the progress bar's
        # thread); this one writes
        feed = SeedFeed(
            n,
            seed=args.seed,
            now=now,
            resolved_share=args.resolved_share,
            sqlite=store.is_sqlite,
        )
        with feed, _progress() as progress:
            task = progress.add_task("seeding", total=n or None)
            done = 0
            pairs = feed.pairs()
            whole = n >= SEED_WHOLE and store.count_disputes() == 0
            batch = n if whole else SEED_BATCH
            try:
                while done < n:
                    size = min(batch, n - done)

                    def advance(k: int, base: int = done) -> None:
                        progress.update(task, completed=base + k)

                    # the store pulls a thousand at a time inside the transaction, and reads
                    # the decisions (gathered meanwhile) after the last of them
                    decided: list[Decision] = []
                    with paused_gc():
                        report = store.import_prepared(
                            gathering(islice(pairs, size), decided),
                            on_progress=advance,
                            actor="seed",
                            decisions=decided,
                            statistics=False,  # once, at the end
                        )
                    done += size
                    resolved += len(decided)
                    inserted += report.inserted
                    updated += report.updated
                    skipped += report.skipped
                if n >= ANALYZE_AFTER:
                    # the planner's statistics, once for the whole load (`bulk_load`: without
                    # them SQLite sorted every queued dispute for the queue's first page)
                    progress.update(task, description="statistics")
                    store.refresh_statistics()
            except KeyboardInterrupt:
                progress.stop()
                if done >= n:  # during the statistics: the disputes are in
                    said = f"all {n} disputes were written; the planner's statistics were not"
                elif whole:
                    said = "nothing was written"
                else:
                    said = f"{done} disputes were written before that"
                print(f"mediator: interrupted; {said}", file=sys.stderr)
                return EXIT_INTERRUPTED
        label = store.label
    from mediator.store.base import ImportReport

    total = ImportReport(inserted=inserted, updated=updated, skipped=tuple(skipped))
    print(
        f"seeded {n} disputes (seed {args.seed}) into {label}: {_summary(total)}; "
        f"{resolved} resolved, each with its decision"
    )
    _print_skipped(total)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from mediator.server.run import serve

    url = _store_url(getattr(args, "store", None))
    return serve(url, host=args.host, port=args.port, workers=max(1, args.workers))


def _cmd_staff_add(args: argparse.Namespace) -> int:
    from mediator.clock import SystemClock

    with _open_store(getattr(args, "store", None)) as store:
        token = store.add_staff_sync(args.name, args.role, now=SystemClock().now(), actor=CLI_ACTOR)
        label = store.label
    print(f"added {args.name} ({args.role}) to {label}", file=sys.stderr)
    print("their token (shown once, only its hash is stored):", file=sys.stderr)
    print(token)
    return EXIT_OK


def _cmd_staff_token(args: argparse.Namespace) -> int:
    from mediator.clock import SystemClock

    with _open_store(getattr(args, "store", None)) as store:
        token = store.new_token_sync(args.name, now=SystemClock().now(), actor=CLI_ACTOR)
    print(f"new token for {args.name}; the old one no longer works (shown once):", file=sys.stderr)
    print(token)
    return EXIT_OK


def _cmd_staff_revoke(args: argparse.Namespace) -> int:
    from mediator.clock import SystemClock

    with _open_store(getattr(args, "store", None)) as store:
        store.revoke_token_sync(args.name, now=SystemClock().now(), actor=CLI_ACTOR)
        label = store.label
    print(f"revoked the token of {args.name} in {label}", file=sys.stderr)
    return EXIT_OK


def _cmd_staff_list(args: argparse.Namespace) -> int:
    with _open_store(getattr(args, "store", None)) as store:
        members = store.list_staff_sync()
    for member in members:
        print(f"{member.name}\t{member.role.value}")
    return EXIT_OK


# --- helpers -----------------------------------------------------------------------------------


def _agent(args: argparse.Namespace) -> str:
    try:
        return config.agent_name(getattr(args, "agent", None))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _store_url(option: str | None) -> str:
    try:
        return config.store_url(option)
    except ValueError as exc:
        raise CliError(str(exc)) from None


@contextmanager
def _open_store(option: str | None) -> Iterator[SqlStore]:
    from mediator.store.sql import SqlStore

    url = _store_url(option)
    # Only the default location is created on demand: a mistyped --store must fail, not appear.
    create_dirs = url == config.default_store_url()
    with SqlStore.open(url, create_dirs=create_dirs) as store:
        yield store


def deferred_store(option: str | None) -> DeferredStore | None:
    """The console's store, opened after its first frame (issue 18), if the store is a SQLite
    file at this code's schema; None otherwise (it is opened first, which names a problem or
    migrates it)."""
    from mediator.store.deferred import DeferredStore
    from mediator.store.sql.peek import first_page, peekable

    url = _store_url(option)
    peek = peekable(url)
    if peek is None:
        return None

    def open_store() -> Store:
        from mediator.store.sql import SqlStore

        return SqlStore.open(url)

    return DeferredStore(peek.label, open_store, first=partial(first_page, peek))


def _run_console(store: Store, agent: str, lease: timedelta, own: dict[str, Any]) -> int:
    from mediator.app import run_console

    return run_console(store, agent=agent, lease=lease, drafts=_drafts(store.label, agent), **own)


def _own_settings() -> dict[str, Any]:
    """The console's settings from `config.toml` (issue 19): theme, time zone and keymap, each
    checked before the console starts (an unknown theme, zone or binding id, or a clashing
    key, is an error naming the file)."""
    from zoneinfo import ZoneInfo

    from mediator.config_file import ConfigError, config_path, save_theme

    try:
        file = config.file_settings()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    path = config_path()
    settings: dict[str, Any] = {"keep_theme": partial(save_theme, path)}
    if file.theme is not None:
        from textual.theme import BUILTIN_THEMES

        if file.theme not in BUILTIN_THEMES:
            raise CliError(
                f"{path}: theme: {file.theme!r} is not a theme (one of "
                f"{', '.join(sorted(BUILTIN_THEMES))})"
            )
        settings["theme"] = file.theme
    if file.timezone is not None:
        settings["tz"] = ZoneInfo(file.timezone)
    if file.keymap:
        from mediator.keymap import check

        try:
            check(file.keymap, source=str(path))
        except ConfigError as exc:
            raise CliError(str(exc)) from None
        settings["keymap"] = file.keymap
    return settings


def _lease_of(args: argparse.Namespace) -> timedelta:
    from mediator.domain.claims import LEASE

    lease: timedelta = getattr(args, "lease", LEASE)
    return lease


def _drafts(store_label: str, agent: str) -> DraftBox:
    """The agent's drafts for this store, in the data directory (kept apart per store and
    agent, so two stores' disputes with the same id never share a draft)."""
    from mediator.store.drafts import DraftBox

    return DraftBox(config.drafts_dir(), scope=f"{store_label} {agent}")


def _gathering(
    pairs: Iterable[tuple[Dispute, Decision | None]], decisions: list[Decision]
) -> Iterator[Dispute]:
    """The disputes of `pairs`, adding their decisions to `decisions` as they are pulled."""
    for dispute, decision in pairs:
        if decision is not None:
            decisions.append(decision)
        yield dispute


def _demo_disputes() -> tuple[list[Dispute], list[Decision]]:
    """The packaged examples and the generated disputes; the generated ones' decisions."""
    from importlib.resources import files

    from mediator.clock import SystemClock
    from mediator.importer import parse_lines
    from mediator.seed import generate_decided

    text = files("mediator").joinpath("data", "examples.jsonl").read_text("utf-8")
    result = parse_lines(text.splitlines())
    if result.errors:  # a packaging bug, not a user error
        raise CliError(f"the packaged examples are invalid: {result.errors[0]}")
    now = SystemClock().now()
    decisions: list[Decision] = []
    generated = _gathering(generate_decided(DEMO_DISPUTES, seed=DEMO_SEED, now=now), decisions)
    return [*result.disputes, *generated], decisions


def _delete_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = path.with_name(path.name + suffix)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise CliError(f"cannot delete {target}: {exc.strerror or exc}") from None


@contextmanager
def _progress(*, in_bytes: bool = False) -> Iterator[Progress]:
    """A progress bar on stderr (only when it is a terminal): counts, or bytes with `in_bytes`."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        DownloadColumn() if in_bytes else MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        yield progress


def _summary(report: ImportReport) -> str:
    return f"{report.inserted} inserted, {report.updated} updated, {len(report.skipped)} skipped"


def _print_skipped(report: ImportReport) -> None:
    from mediator.domain.text import one_line

    _print_capped(
        [f"  skipped {one_line(id_, 80)}: {one_line(why)}" for id_, why in report.skipped]
    )


def _print_errors(errors: Sequence[LineError], path: Path) -> None:
    from mediator.importer import nothing_imported

    _print_capped([str(e) for e in errors], file=sys.stderr)
    print(nothing_imported(len(errors), path), file=sys.stderr)


def _print_capped(lines: Sequence[str], *, file: TextIO | None = None) -> None:
    for line in lines[:MAX_ERRORS_SHOWN]:
        print(line, file=file)
    if len(lines) > MAX_ERRORS_SHOWN:
        print(f"… and {len(lines) - MAX_ERRORS_SHOWN} more", file=file)
