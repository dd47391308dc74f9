"""The `--api URL` / `--token TOKEN` options that the store commands share (`review-rule`,
`report`, `show`): how they are declared and how they resolve, in one place."""

from __future__ import annotations

import argparse

from mediator import config


def add_api_options(parser: argparse.ArgumentParser, *, what: str, token: str) -> None:
    """`--api` (`what` it does through the API) and `--token` (whose `token` it needs)."""
    parser.add_argument(
        "--api",
        metavar="URL",
        default=argparse.SUPPRESS,
        help=f"{what} through a `mediator serve` API (or ${config.ENV_API}) instead of --store",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        default=argparse.SUPPRESS,
        help=f"{token} (better: ${config.ENV_TOKEN})",
    )


def api_of(args: argparse.Namespace) -> str | None:
    """The API URL asked for (`--api`, else the environment), None for a database store;
    `CliError` for a bad URL or both `--store` and `--api`."""
    from mediator.cli import CliError

    try:
        api = config.api_url(getattr(args, "api", None))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if api is not None and getattr(args, "store", None) is not None:
        raise CliError("give either --store or --api, not both")
    return api


def token_of(args: argparse.Namespace) -> str:
    """The API token (`--token`, else the environment); `CliError` when there is none."""
    from mediator.cli import CliError

    token = config.api_token(getattr(args, "token", None))
    if not token:
        raise CliError(f"--api needs a token: --token or ${config.ENV_TOKEN} (mediator staff add)")
    return token
