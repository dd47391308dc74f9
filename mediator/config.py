"""Settings: where the store lives and who the agent is. No Textual, no I/O beyond reading env.

Precedence, highest first: the command-line option, the environment, the default.

- store: `--store URL` → `MEDIATOR_STORE` → SQLite `mediator.db` in the data directory;
- demo store: SQLite `demo.db` in the data directory;
- data directory: `MEDIATOR_DATA_DIR` → `platformdirs.user_data_dir("mediator")`;
- agent (`decided_by`): `--agent NAME` → `MEDIATOR_AGENT` → `agent.<login name>`;
- API (instead of a store): `--api URL` → `MEDIATOR_API`; its token `--token` → `MEDIATOR_TOKEN`;
  decisions waiting for the API: SQLite `outbox.db` in the data directory;
- drafts (typed work not sent yet): `drafts/` in the data directory.

A store value without a scheme is a file path and becomes `sqlite:///ABS_PATH`.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "mediator"
ENV_STORE = "MEDIATOR_STORE"
ENV_AGENT = "MEDIATOR_AGENT"
ENV_DATA_DIR = "MEDIATOR_DATA_DIR"
ENV_API = "MEDIATOR_API"
ENV_TOKEN = "MEDIATOR_TOKEN"
OUTBOX_FILE = "outbox.db"
STORE_FILE = "mediator.db"
DEMO_FILE = "demo.db"
DRAFTS_DIR = "drafts"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory that holds the default and demo stores (not created here)."""
    env = os.environ if env is None else env
    override = env.get(ENV_DATA_DIR, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.expanduser().resolve()}"


def normalise_store(value: str) -> str:
    """A store URL as given, or a bare file path turned into `sqlite:///ABS_PATH`."""
    value = value.strip()
    if not value:
        raise ValueError("the store is empty: give a URL such as sqlite:///path/to/mediator.db")
    if "://" in value:
        return value
    return sqlite_url(Path(value))


def store_url(option: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The store to open: `--store`, else `MEDIATOR_STORE`, else `mediator.db` in `data_dir()`."""
    env = os.environ if env is None else env
    for value in (option, env.get(ENV_STORE)):
        if value is not None and value.strip():
            return normalise_store(value)
    return default_store_url(env)


def default_store_url(env: Mapping[str, str] | None = None) -> str:
    """SQLite `mediator.db` in `data_dir()`."""
    return sqlite_url(data_dir(env) / STORE_FILE)


def demo_store_path(env: Mapping[str, str] | None = None) -> Path:
    return data_dir(env) / DEMO_FILE


def agent_name(option: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Who decisions are recorded as (`decided_by`): `--agent`, `MEDIATOR_AGENT`, `agent.LOGIN`.

    Raises `ValueError` naming the source when the name is not a safe name (`domain.ids`: it is
    shown in titles and recorded as the actor).
    """
    env = os.environ if env is None else env
    for source, value in (("--agent", option), (f"${ENV_AGENT}", env.get(ENV_AGENT))):
        if value is not None and value.strip():
            return _checked_name(value.strip(), source)
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name (containers without a passwd entry)
        login = "unknown"
    return _checked_name(f"agent.{login}", f"agent.LOGIN (give --agent NAME or ${ENV_AGENT})")


def _checked_name(name: str, source: str) -> str:
    from mediator.domain.ids import name_problem

    problem = name_problem(name)
    if problem is not None:
        raise ValueError(f"{source}: {name!r} is not an agent name: {problem}")
    return name


def api_url(option: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The `mediator serve` URL to work through, or None for a database store."""
    env = os.environ if env is None else env
    for value in (option, env.get(ENV_API)):
        if value is not None and value.strip():
            url = value.strip()
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"--api needs an http:// or https:// URL, not {url!r}")
            return url
    return None


def api_token(option: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    for value in (option, env.get(ENV_TOKEN)):
        if value is not None and value.strip():
            return value.strip()
    return None


def outbox_path(env: Mapping[str, str] | None = None) -> Path:
    """Where decisions wait while the API is unreachable (created on first use)."""
    return data_dir(env) / OUTBOX_FILE


def drafts_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where typed, unsent work is kept, a folder per store and agent (created on first save)."""
    return data_dir(env) / DRAFTS_DIR
