"""`mediator config show` (issue 19): the settings in effect, and where each came from."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mediator import config


def add_command(commands: Any, store: argparse.ArgumentParser) -> None:
    cfg = commands.add_parser(
        "config",
        help="the settings in effect (config.toml, environment, flags)",
        description="Settings: the command-line option, else the environment, else "
        "config.toml, else the default.",
    )
    actions = cfg.add_subparsers(title="config commands", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show",
        parents=[store],
        help="print each setting, its value and where it came from",
        description="Print each setting in effect and its source: flag, environment, file "
        "or default. Give the flags the console would get to see their effect.",
    )
    show.add_argument("--agent", metavar="NAME", default=None, help="as the console's --agent")
    show.add_argument("--api", metavar="URL", default=None, help="as the console's --api")
    show.set_defaults(handler=cmd_show)
    keys = actions.add_parser(
        "keys",
        help="list every binding id a [keymap] may move, with its key and screen",
        description="Every binding id of the console, its default key, where it is bound and "
        "what it does: the ids a [keymap] in config.toml maps to other keys.",
    )
    keys.set_defaults(handler=cmd_keys)


def cmd_show(args: argparse.Namespace) -> int:
    from mediator.cli import CliError

    try:
        settings = config.effective(
            store=getattr(args, "store", None), agent=args.agent, api=args.api
        )
        if settings.keymap:
            from mediator.keymap import check

            check(settings.keymap, source=str(settings.file))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rows = [(s.name, s.value, s.source) for s in settings.rows]
    rows += [(f"keymap {i}", keys, str(settings.file)) for i, keys in settings.keymap.items()]
    width = max(len(name) for name, _, _ in rows)
    out = sys.stdout
    out.write(f"config file: {settings.file}{'' if settings.file.exists() else ' (none)'}\n")
    for name, value, source in rows:
        out.write(f"{name:<{width}}  {value}  ({source})\n")
    return 0


def cmd_keys(_args: argparse.Namespace) -> int:
    from mediator.keymap import bindings

    rows = sorted(
        (binding_id, binding.key, where, binding.tooltip or binding.description)
        for binding_id, (binding, where) in bindings().items()
    )
    width = max(len(r[0]) for r in rows)
    keys = max(len(r[1]) for r in rows)
    for binding_id, key, where, what in rows:
        sys.stdout.write(f"{binding_id:<{width}}  {key:<{keys}}  {where}: {what}\n")
    return 0
