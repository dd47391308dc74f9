"""`mediator macro add|list|show|edit|rm`: the team's canned replies (issue 19).

Kept apart from `cli.py` (which registers it). It works on a database store (`--store`; written
as `--agent` / `$MEDIATOR_AGENT`, whom the store checks is a supervisor) or through a `mediator
serve` API (`--api`, `--token`; written as the token's owner, whom the API checks).

`add` and `edit` take the macro from flags and/or a file (`--file`, TOML or JSON with the keys of
`MacroBody`: path, message, rationale, info_party, info_text, note, outcome, refund as a string);
flags win over the file. `edit` starts from the macro's current version and writes the next one,
made on the version read (or `--version N`): another supervisor's edit in between is refused.
A field is emptied with `--clear FIELD`. `list` prints one macro a line (folder/name, version,
id), or with `--json` the API's answer; `rm` retires a macro (kept, so that decisions made with
it still name it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mediator import config
from mediator.cli_api import add_api_options, api_of, token_of

if TYPE_CHECKING:
    from mediator.domain.macros import Macro, MacroBody
    from mediator.store.base import Store

T = TypeVar("T")

#: The fields a flag sets, and the flag's help.
_FIELDS = {
    "message": "the message to the parties",
    "rationale": "the decision's rationale",
    "info_text": "the information request's text (with --info-party)",
    "note": "a staff note",
}
_CLEARABLE = ("message", "rationale", "info", "note", "outcome", "refund")


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store: argparse.ArgumentParser,
) -> None:
    """Register `macro` (`store`: the shared `--store` option)."""
    common = argparse.ArgumentParser(add_help=False, parents=[store])
    add_api_options(common, what="work", token="the API token (a supervisor's, to write)")
    common.add_argument(
        "--agent",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help=f"the supervisor who writes, on a database store (default: ${config.ENV_AGENT})",
    )
    macro = commands.add_parser(
        "macro",
        help="add, list, edit or remove the team's canned replies",
        description="Canned replies (macros): named templates agents apply in the dispute "
        "screen (m). Supervisors write them; every edit is a new version.",
    )
    what = macro.add_subparsers(dest="macro_command", metavar="COMMAND", required=True)

    listing = what.add_parser("list", parents=[common], help="list the macros")
    listing.add_argument("--search", default="", help="only paths holding every word")
    listing.add_argument("--retired", action="store_true", help="the retired ones too")
    listing.add_argument("--json", action="store_true", help="print JSON (as GET /macros)")
    listing.set_defaults(handler=_list)

    show = what.add_parser("show", parents=[common], help="print one macro")
    show.add_argument("id", help="the macro's id (mediator macro list)")
    show.add_argument("--version", type=int, default=None, help="that version (default: now)")
    show.add_argument("--json", action="store_true", help="print JSON (as GET /macros/ID)")
    show.set_defaults(handler=_show)

    add = what.add_parser("add", parents=[common], help="add a macro (supervisors)")
    add.add_argument("path", nargs="?", help="folder/name, e.g. 'Refunds/Partial, keep item'")
    _body_options(add)
    add.set_defaults(handler=_add)

    edit = what.add_parser("edit", parents=[common], help="write a macro's next version")
    edit.add_argument("id", help="the macro's id (mediator macro list)")
    edit.add_argument("--path", help="a new folder/name")
    edit.add_argument(
        "--version", type=int, default=None, help="the version the edit is made on (default: now)"
    )
    edit.add_argument(
        "--clear", action="append", choices=_CLEARABLE, default=[], help="empty a field"
    )
    _body_options(edit)
    edit.set_defaults(handler=_edit)

    rm = what.add_parser("rm", parents=[common], help="retire a macro (supervisors)")
    rm.add_argument("id", help="the macro's id (mediator macro list)")
    rm.set_defaults(handler=_rm)


def _body_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file", type=Path, help="a TOML or JSON file with the macro's fields (flags win)"
    )
    for field, help_text in _FIELDS.items():
        parser.add_argument("--" + field.replace("_", "-"), help=help_text)
    parser.add_argument("--info-party", choices=("buyer", "seller"), help="who is asked")
    parser.add_argument(
        "--outcome",
        choices=(
            "seller_resolution",
            "compromise",
            "buyer_full_refund",
            "buyer_partial_refund",
            "seller_favour",
        ),
        help="the form's outcome",
    )
    parser.add_argument("--refund", metavar="AMOUNT", help="the form's refund, e.g. 10.00")


# --- running -----------------------------------------------------------------------------------


def _run(args: argparse.Namespace, talk: Callable[[Store, str], Coroutine[Any, Any, T]]) -> T:
    """`talk(store, actor)` on the database store or through the API (actor: the token's
    owner, which the server decides)."""
    from mediator.cli import _agent, _open_store

    url = api_of(args)
    if url is None:
        actor = _agent(args)
        with _open_store(getattr(args, "store", None)) as store:
            return asyncio.run(talk(store, actor))
    from mediator.store.http import HttpStore

    token = token_of(args)

    async def through_api() -> T:
        api = HttpStore(url, token)
        try:
            return await talk(api, "")
        finally:
            await api.close()

    return asyncio.run(through_api())


def _list(args: argparse.Namespace) -> int:
    from mediator.store.api_models import MacroList

    async def talk(store: Store, actor: str) -> list[Macro]:
        return await store.macros(search=args.search, retired=args.retired)

    found = _run(args, talk)
    if args.json:
        print(MacroList(macros=found).model_dump_json())
        return 0
    if not found:
        print("no macros" + (" match" if args.search else " yet (mediator macro add)"))
    for m in found:
        retired = "  (retired)" if m.retired else ""
        print(f"{_safe(m.path)}\tv{m.version}\t{m.id}{retired}")
    return 0


def _show(args: argparse.Namespace) -> int:
    async def talk(store: Store, actor: str) -> Macro:
        return await store.macro(args.id, args.version)

    macro = _run(args, talk)
    if args.json:
        print(macro.model_dump_json())
        return 0
    print(f"{_safe(macro.path)}  v{macro.version}  {macro.id}" + ("  (retired)" * macro.retired))
    print(f"by {macro.updated_by} at {macro.updated_at:%Y-%m-%d %H:%M} UTC")
    for field, value in macro.body().model_dump(mode="json", exclude={"path"}).items():
        if value is not None:
            print(f"{field}: {_safe(str(value))}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from mediator.clock import SystemClock

    fields = {**_from_file(args.file), **_from_flags(args)}
    if args.path is not None:
        fields["path"] = args.path
    body = _body(fields)

    async def talk(store: Store, actor: str) -> Macro:
        return await store.save_macro(body, actor=actor, now=SystemClock().now())

    macro = _run(args, talk)
    print(f"added {macro.id} v{macro.version} {_safe(macro.path)}")
    return 0


def _edit(args: argparse.Namespace) -> int:
    from mediator.clock import SystemClock

    async def talk(store: Store, actor: str) -> Macro:
        current = await store.macro(args.id)
        fields = current.body().model_dump(mode="json")
        for name in args.clear:
            for key in ("info_party", "info_text") if name == "info" else (name,):
                fields[key] = None
        fields.update(_from_file(args.file))
        fields.update(_from_flags(args))
        if args.path is not None:
            fields["path"] = args.path
        version = current.version if args.version is None else args.version
        return await store.save_macro(
            _body(fields),
            macro_id=args.id,
            expected_version=version,
            actor=actor,
            now=SystemClock().now(),
        )

    macro = _run(args, talk)
    print(f"edited {macro.id}: now v{macro.version} {_safe(macro.path)}")
    return 0


def _rm(args: argparse.Namespace) -> int:
    from mediator.clock import SystemClock

    async def talk(store: Store, actor: str) -> Macro:
        return await store.retire_macro(args.id, actor=actor, now=SystemClock().now())

    macro = _run(args, talk)
    print(f"retired {macro.id} {_safe(macro.path)} (kept for the decisions that used it)")
    return 0


# --- the macro's fields ------------------------------------------------------------------------


def _from_flags(args: argparse.Namespace) -> dict[str, Any]:
    names = (*_FIELDS, "info_party", "outcome", "refund")
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def _from_file(path: Path | None) -> dict[str, Any]:
    """The fields in a TOML or JSON file (by its suffix; JSON otherwise)."""
    from mediator.cli import CliError

    if path is None:
        return {}
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data: object = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as exc:
        raise CliError(f"{path} is not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}") from None
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected a table of the macro's fields")
    return data


def _body(fields: dict[str, Any]) -> MacroBody:
    """The macro the fields describe, checked (each problem named)."""
    from pydantic import ValidationError

    from mediator.cli import CliError
    from mediator.domain.macros import MacroBody, MacroError, checked

    if not fields.get("path"):
        raise CliError("a macro needs a path: folder/name, e.g. 'Refunds/Partial, keep item'")
    try:
        return checked(MacroBody.model_validate(fields))
    except MacroError as exc:
        raise CliError(f"the macro was not saved: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "macro"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        if first.get("type") == "extra_forbidden":
            message = "unknown field"
        raise CliError(f"the macro was not saved: {where}: {message}") from None


def _safe(text: str) -> str:
    """Staff-written text for a terminal: control characters made visible."""
    from mediator.domain.text import visible

    return visible(text)
