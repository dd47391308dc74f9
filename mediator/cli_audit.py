"""`mediator audit verify [FILE]` and `mediator audit export` (issue 16): the store's audit trail
checked whole (exit 0 with the count and the head, 1 naming the first wrong entry), or written as
JSON Lines with a trailer that `audit verify FILE` checks offline, against nothing but the file.

Kept apart from `cli.py`, which registers it (`add_command`) and lends it its store opener and
exit codes (imported when a command runs, not at start-up).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mediator.domain.audit import Verified
    from mediator.store.sql import SqlStore


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store: argparse.ArgumentParser,
) -> None:
    """`mediator audit verify [FILE]` and `mediator audit export`."""
    from mediator.cli import aware_time

    audit = commands.add_parser(
        "audit",
        help="check or export the tamper-evident audit trail",
        description="The store's audit trail: every action, each entry chained to the one "
        "before it by SHA-256, with a checkpoint of the count and the newest hash.",
    )
    audit_commands = audit.add_subparsers(title="audit commands", metavar="ACTION", required=True)
    verify = audit_commands.add_parser(
        "verify",
        parents=[store],
        help="check the whole trail (or an exported FILE, offline)",
        description="Check every entry of the store's trail and the checkpoint; with FILE, "
        "check an export against nothing but the file. Exits 0 and prints the count and the "
        "head when whole, else 1 and names the first entry that is wrong.",
    )
    verify.add_argument("file", metavar="FILE", nargs="?", help="an export to check offline")
    verify.set_defaults(handler=_cmd_verify)
    export = audit_commands.add_parser(
        "export",
        parents=[store],
        help="write the trail as JSON Lines with a trailer",
        description="Write the trail's entries (all, or those at or after --since, or of one "
        "dispute) as JSON Lines, then a trailer with the count and the head hash.",
    )
    export.add_argument(
        "--since", metavar="TIME", type=aware_time, help="e.g. 2026-11-20T10:00:00Z"
    )
    export.add_argument("--dispute", metavar="ID", help="only this dispute's entries")
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    export.set_defaults(handler=_cmd_export)


def _cmd_verify(args: argparse.Namespace) -> int:
    from mediator import cli

    if args.file is not None:
        if getattr(args, "store", None) is not None:
            raise cli.CliError("verify FILE checks the file alone; drop --store")
        return _verify_file(Path(args.file))
    with cli._open_store(getattr(args, "store", None)) as store:
        result = store.audit_verify_sync()
        label = store.label
    return _verified(result, f"the audit trail of {label}")


def _verify_file(path: Path) -> int:
    """`audit verify FILE`: the export checked against nothing but itself."""
    from mediator import cli
    from mediator.domain.audit import verify_export

    try:
        with path.open(encoding="utf-8", newline="\n") as lines:
            result = verify_export(lines)
    except UnicodeDecodeError as exc:
        print(f"mediator: {path} is not an audit export: not UTF-8 ({exc.reason})", file=sys.stderr)
        return cli.EXIT_INVALID
    except OSError as exc:
        raise cli.CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    return _verified(result, str(path))


def _verified(result: Verified, what: str) -> int:
    """Print what a check found: the count and head, or the first problem (on stderr)."""
    from mediator import cli
    from mediator.domain.text import one_line

    if result.ok:
        print(f"{what} is whole: {result.count} entries, head {result.head}")
        return cli.EXIT_OK
    problem = one_line(result.problem or "", 1000)
    print(f"mediator: {what} is NOT whole: {problem}", file=sys.stderr)
    print(
        f"mediator: {result.count} entries before it verified (head {result.head[:12]}…)",
        file=sys.stderr,
    )
    return cli.EXIT_INVALID


def _cmd_export(args: argparse.Namespace) -> int:
    from mediator import cli

    with cli._open_store(getattr(args, "store", None)) as store:
        if args.output is None:
            try:
                count, head = store.audit_export_sync(
                    sys.stdout, since=args.since, dispute_id=args.dispute
                )
            except OSError as exc:  # a closed pipe (`| head`): one line, not a traceback
                raise cli.CliError(f"cannot write to stdout: {exc.strerror or exc}") from None
            target = "stdout"
        else:
            count, head = _export_to(store, Path(args.output), args.since, args.dispute)
            target = args.output
        label = store.label
    print(f"exported {count} audit entries from {label} to {target} (head {head})", file=sys.stderr)
    return cli.EXIT_OK


def _export_to(
    store: SqlStore, path: Path, since: datetime | None, dispute_id: str | None
) -> tuple[int, str]:
    """Export into `path`: written beside it, then renamed, so a failed export leaves no file
    that looks finished."""
    from mediator import cli

    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            result = store.audit_export_sync(out, since=since, dispute_id=dispute_id)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise cli.CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result
