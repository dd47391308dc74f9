"""`mediator web`: the console served to browsers behind a staff sign-in (issue 20).

Each browser connection gets its own console process (textual-serve), running as the member who
signed in: on a store with `--agent NAME` (their role comes from the staff table), on an API
with their own token. See mediator/web/server.py for the sign-in, the cookie and the limits.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mediator import config

if TYPE_CHECKING:
    from mediator.store.base import StaffMember
    from mediator.web.server import Launch, Verify

#: The demo's member of staff, whose token `mediator web --demo` prints at each start.
DEMO_MEMBER = "demo.supervisor"


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store: argparse.ArgumentParser,
) -> None:
    from mediator.cli import _count, _port

    web = commands.add_parser(
        "web",
        parents=[store],
        help="serve the console to browsers, behind a sign-in with a staff token",
        description="Serve the console to web browsers (each connection its own console, as "
        "the member of staff who signed in with their token from `mediator staff add`). Put "
        "it behind a TLS reverse proxy and give --public-url for anything but 127.0.0.1.",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    web.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    web.add_argument(
        "--api",
        metavar="URL",
        default=None,
        help=f"consoles work through this `mediator serve` API (or ${config.ENV_API})",
    )
    web.add_argument(
        "--public-url",
        metavar="URL",
        default=None,
        help="the address browsers use, e.g. https://mediator.example.com behind a proxy "
        "(https makes the cookie Secure and the websocket wss)",
    )
    web.add_argument(
        "--max-sessions",
        type=_count,
        default=20,
        help="consoles running at once; more browsers are asked to wait (20)",
    )
    web.add_argument(
        "--idle",
        metavar="MINUTES",
        type=_count,
        default=30,
        help="end a console after this many minutes without a keystroke (30)",
    )
    web.add_argument(
        "--demo",
        action="store_true",
        help="serve the demo store (created with demo data if missing) and print a sign-in "
        f"token for {DEMO_MEMBER}",
    )
    web.set_defaults(handler=_cmd_web)


def _cmd_web(args: argparse.Namespace) -> int:
    from mediator.cli import EXIT_OK, CliError

    option = getattr(args, "store", None)
    try:
        api = config.api_url(args.api)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.demo and (api is not None or option is not None):
        raise CliError("--demo serves its own store; drop --store and --api")
    if api is not None and option is not None:
        raise CliError("give either --store or --api, not both")
    if args.public_url is not None and not args.public_url.startswith(("http://", "https://")):
        raise CliError(f"--public-url needs http:// or https://, not {args.public_url!r}")
    if args.max_sessions < 1:
        raise CliError("--max-sessions must be 1 or more")
    if args.idle < 1:
        raise CliError("--idle must be 1 minute or more")
    root = config.data_dir() / "web"
    if api is not None:
        verify, launch = _on_api(api, root)
    else:
        verify, launch = _on_store(_web_store(option, demo=args.demo), root)
    from mediator.web.server import WebConsole

    server = WebConsole(
        verify=verify,
        launch=launch,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        max_consoles=args.max_sessions,
        idle=args.idle * 60.0,
    )
    print(f"mediator web: sign in at {server.public_url}/login", file=sys.stderr)
    server.serve()
    return EXIT_OK


def _web_store(option: str | None, *, demo: bool) -> str:
    """The store's URL; with `demo`, the demo store, filled if empty, and a new token for
    `DEMO_MEMBER` printed."""
    from mediator.cli import _demo_disputes, _store_url
    from mediator.clock import SystemClock
    from mediator.store.sql import SqlStore

    url = config.sqlite_url(config.demo_store_path()) if demo else _store_url(option)
    create = demo or url == config.default_store_url()
    with SqlStore.open(url, create_dirs=create) as store:  # names a bad URL before serving
        if demo:
            if store.count_disputes() == 0:
                disputes, decisions = _demo_disputes()
                store.import_disputes(disputes, actor="demo", decisions=decisions)
            now = SystemClock().now()
            if store.staff_member_sync(DEMO_MEMBER) is None:
                token = store.add_staff_sync(DEMO_MEMBER, "supervisor", now=now, actor="demo")
            else:
                token = store.new_token_sync(DEMO_MEMBER, now=now, actor="demo")
            print(f"demo sign-in token for {DEMO_MEMBER} (new at each start):", file=sys.stderr)
            print(token)
            sys.stdout.flush()
    return url


def _console_command() -> str:
    return shlex.join([sys.executable, "-m", "mediator"])


def _own_files(root: Path, name: str) -> dict[str, str]:
    """The member's own data directory (drafts, outbox) and settings file."""
    from mediator.config_file import ENV_CONFIG
    from mediator.web.server import member_dir

    home = member_dir(root, name)
    home.mkdir(parents=True, exist_ok=True)
    return {config.ENV_DATA_DIR: str(home), ENV_CONFIG: str(home / "config.toml")}


#: The server's own variables a console must not inherit: it gets its identity from the sign-in.
_IDENTITY = (config.ENV_STORE, config.ENV_API, config.ENV_TOKEN, config.ENV_AGENT)


def _on_store(url: str, root: Path) -> tuple[Verify, Callable[[StaffMember, str], Launch]]:
    from mediator.store.sql import SqlStore
    from mediator.web.server import Launch

    store = SqlStore.open(url)  # open for the server's life: one read per sign-in and recheck

    async def verify(token: str) -> StaffMember | None:
        return await store.staff_for_token(token)

    def launch(member: StaffMember, token: str) -> Launch:
        # the URL (a password, maybe) and the name go in the environment, not in `ps`
        env = {
            config.ENV_STORE: url,
            config.ENV_AGENT: member.name,
            **_own_files(root, member.name),
        }
        return Launch(_console_command(), env, drop=_IDENTITY)

    return verify, launch


def _on_api(url: str, root: Path) -> tuple[Verify, Callable[[StaffMember, str], Launch]]:
    from mediator.store.base import NotAllowed
    from mediator.store.http import HttpStore
    from mediator.web.server import Launch

    async def verify(token: str) -> StaffMember | None:
        probe = HttpStore(url, token, retries=0, timeout=5)
        try:
            return await probe.whoami()
        except NotAllowed:
            return None
        finally:
            await probe.close()

    def launch(member: StaffMember, token: str) -> Launch:
        env = {config.ENV_API: url, config.ENV_TOKEN: token, **_own_files(root, member.name)}
        return Launch(_console_command(), env, drop=_IDENTITY)

    return verify, launch
