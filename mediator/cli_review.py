"""`mediator review-rule`: show or set which decisions need a second person (issue 16).

Kept apart from `cli.py` (which registers it) so that the review commands and the rest of the
command line change independently. It works on a database store (`--store`; the rule is set as
`--agent` / `$MEDIATOR_AGENT`, whom the store checks is a supervisor) or through a `mediator
serve` API (`--api`, `--token`; set as the token's owner, whom the API checks).

Without a setting option the rule is shown, in words or with `--json` as the API writes it.
Setting options change only what they name: `mediator review-rule --flagged` turns on flagged
disputes and keeps the amounts; `--refund-at-least` (repeated, one per currency) replaces every
amount; `--set-json` replaces the whole rule.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from mediator import config
from mediator.cli_api import add_api_options, api_of, token_of

if TYPE_CHECKING:
    from pydantic import ValidationError

    from mediator.domain.review import ReviewRule

#: The options that set the rule: any of them given (not None, or True), it is set; otherwise
#: shown.
_SETTINGS = (
    "refund_at_least",
    "clear_refunds",
    "flagged",
    "acknowledged_warnings",
    "first_decisions",
)


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store: argparse.ArgumentParser,
) -> None:
    """Register `review-rule` (`store`: the shared `--store` option)."""
    rule = commands.add_parser(
        "review-rule",
        parents=[store],
        help="show or set which decisions need a supervisor's review",
        description="Show the review rule, or set it: decisions it catches are written as "
        "proposals that a second person (a supervisor) approves, overturns or returns. "
        "Setting options change only what they name.",
    )
    add_api_options(rule, what="work", token="the API token of a supervisor")
    rule.add_argument(
        "--agent",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help=f"the supervisor who sets it, on a database store (default: ${config.ENV_AGENT})",
    )
    rule.add_argument(
        "--json", action="store_true", help="print the rule as JSON (as GET /review-rule does)"
    )
    rule.add_argument(
        "--refund-at-least",
        metavar="CUR=AMOUNT",
        action="append",
        type=_threshold,
        help="refunds of AMOUNT or more in currency CUR need review, e.g. USD=100.00; repeat "
        "per currency (replaces every amount; currencies not given need no review for their "
        "amount)",
    )
    rule.add_argument(
        "--no-refund-at-least",
        dest="clear_refunds",
        action="store_const",
        const=True,
        default=None,
        help="no refund needs review for its amount",
    )
    rule.add_argument(
        "--flagged",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="decisions on disputes with flagged messages need review",
    )
    rule.add_argument(
        "--acknowledged-warnings",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="decisions that acknowledged a policy warning need review",
    )
    rule.add_argument(
        "--first-decisions",
        metavar="N",
        type=int,
        default=None,
        help="each agent's first N decisions need review (0: none)",
    )
    rule.add_argument(
        "--set-json",
        metavar="JSON",
        default=None,
        help='replace the whole rule, e.g. \'{"refund_at_least": {"USD": "100.00"}, '
        '"flagged": true}\' (the body of PUT /review-rule)',
    )
    rule.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mediator.cli import EXIT_OK, CliError

    settings = [name for name in _SETTINGS if getattr(args, name) is not None]
    if args.set_json is not None and settings:
        raise CliError("give either --set-json or the setting options, not both")
    if args.refund_at_least and args.clear_refunds:
        raise CliError("give either --refund-at-least or --no-refund-at-least, not both")
    change = args.set_json is not None or bool(settings)
    api = api_of(args)
    if api is None:
        rule, by = _on_store(args, change)
    else:
        rule, by = _on_api(api, args, change)
    if by is not None:
        print(f"review rule set by {by}", file=sys.stderr)
    if args.json:
        print(rule.model_dump_json())
    elif not rule.any:
        print(rule.describe()[0])
    else:
        print("decisions that need a supervisor's review:")
        for line in rule.describe():
            print(f"  - {line}")
    return EXIT_OK


def _on_store(args: argparse.Namespace, change: bool) -> tuple[ReviewRule, str | None]:
    """The rule of a database store, set first as `--agent` when asked to."""
    from mediator.cli import CliError, _agent, _open_store
    from mediator.clock import SystemClock
    from mediator.store.base import NotAllowed

    agent = _agent(args) if change else None  # a bad name is an error only when it acts
    with _open_store(getattr(args, "store", None)) as store:
        rule = store.review_rule_sync()
        if agent is None:
            return rule, None
        wanted = _wanted(rule, args)
        try:
            now = SystemClock().now()
            return store.set_review_rule_sync(wanted, actor=agent, now=now), agent
        except NotAllowed as exc:
            raise CliError(
                f"{exc} (the rule is set as --agent NAME or ${config.ENV_AGENT}: "
                "a supervisor from `mediator staff list`)"
            ) from None


def _on_api(url: str, args: argparse.Namespace, change: bool) -> tuple[ReviewRule, str | None]:
    """The rule through `mediator serve` at `url`, set first as the token's owner."""
    import asyncio

    from mediator.clock import SystemClock
    from mediator.store.http import HttpStore

    token = token_of(args)

    async def talk() -> tuple[ReviewRule, str | None]:
        api = HttpStore(url, token)
        try:
            rule = await api.review_rule()
            if not change:
                return rule, None
            wanted = _wanted(rule, args)
            # the actor and the time are the server's: the token's owner, its clock
            stored = await api.set_review_rule(wanted, actor="", now=SystemClock().now())
            return stored, (await api.whoami()).name
        finally:
            await api.close()

    return asyncio.run(talk())


def _wanted(current: ReviewRule, args: argparse.Namespace) -> ReviewRule:
    """The rule the options ask for: `--set-json` whole, or `current` with the options given."""
    from pydantic import ValidationError

    from mediator.cli import CliError
    from mediator.domain.review import ReviewRule, ReviewRuleBody

    try:
        if args.set_json is not None:
            return ReviewRuleBody.model_validate_json(args.set_json).rule()
        changes: dict[str, Any] = {}
        if args.refund_at_least:
            changes["refund_at_least"] = dict(args.refund_at_least)
        if args.clear_refunds:
            changes["refund_at_least"] = {}
        for name in ("flagged", "acknowledged_warnings", "first_decisions"):
            if getattr(args, name) is not None:
                changes[name] = getattr(args, name)
        return ReviewRule.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise CliError(f"the review rule was not changed: {_problem(exc)}") from None


def _problem(exc: ValidationError) -> str:
    """The first validation error as `field: message`, naming the currency or amount."""
    first = exc.errors()[0]
    kind, loc = first.get("type"), first.get("loc", ())
    where = ".".join(str(p) for p in loc if p != "[key]") or "rule"
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    if kind == "json_invalid":
        return f"--set-json is not JSON ({message})"
    if kind == "extra_forbidden":
        message = "unknown field"
    if kind == "string_pattern_mismatch" and "[key]" in loc:
        message = f"{first.get('input')!r} is not a currency code such as USD"
    return f"{where}: {message}"


def _threshold(text: str) -> tuple[str, str]:
    """`USD=100.00` → ("USD", "100.00"); the amount is checked with the whole rule."""
    currency, sep, amount = text.partition("=")
    if not sep or not currency.strip() or not amount.strip():
        raise argparse.ArgumentTypeError(f"expected CUR=AMOUNT such as USD=100.00, not {text!r}")
    return currency.strip(), amount.strip()
