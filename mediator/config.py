"""Settings: where the store lives and who the agent is. No Textual; no I/O beyond reading the
environment and the settings file.

Precedence, highest first: the command-line option, the environment, the settings file
(`config.toml`, `config_file.py`), the default.

- store: `--store URL` → `MEDIATOR_STORE` → SQLite `mediator.db` in the data directory;
- demo store: SQLite `demo.db` in the data directory;
- data directory: `MEDIATOR_DATA_DIR` → `platformdirs.user_data_dir("mediator")`;
- agent (`decided_by`): `--agent NAME` → `MEDIATOR_AGENT` → `agent.<login name>`;
- API (instead of a store): `--api URL` → `MEDIATOR_API`; its token `--token` → `MEDIATOR_TOKEN`;
  decisions waiting for the API: SQLite `outbox.db` in the data directory;
- drafts (typed work not sent yet): `drafts/` in the data directory;
- from the settings file only: the theme (the console writes back the one chosen in it), the
  time zone times are shown in (default: the machine's), the keymap (`keymap.py`).

A store value without a scheme is a file path and becomes `sqlite:///ABS_PATH`.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from mediator.config_file import FileSettings

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


def file_settings(env: Mapping[str, str] | None = None) -> FileSettings:
    """What the settings file holds (nothing if there is none). Raises `ConfigError`, a
    `ValueError` naming the file and the key. Read when asked: `mediator --help` and the
    commands that need no settings do not import pydantic for it."""
    from mediator.config_file import load

    return load(config_path(env))


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The settings file (`config_file.config_path`)."""
    from mediator import config_file

    return config_file.config_path(env)


def _chosen(
    option: tuple[str, str | None],
    env_value: tuple[str, str | None],
    setting: str,
    env: Mapping[str, str],
) -> tuple[str, str] | None:
    """(value, where it came from) of the first non-blank of the option, the environment
    and the file's `setting`; None for none of them. The file is read only when the option
    and the environment are blank: a flag works even beside a broken settings file."""
    for source, value in (option, env_value):
        if value is not None and value.strip():
            return value.strip(), source
    file_value = getattr(file_settings(env), setting)
    if file_value is not None:
        return str(file_value), str(config_path(env))
    return None


def _store_choice(option: str | None, env: Mapping[str, str]) -> tuple[str, str]:
    chosen = _chosen(("--store", option), (f"${ENV_STORE}", env.get(ENV_STORE)), "store", env)
    if chosen is None:
        return default_store_url(env), "default"
    value, source = chosen
    if source not in ("--store", f"${ENV_STORE}") and "://" not in value:
        # a file path in the settings file is relative to the file, not to where one stands
        value = str(config_path(env).parent / Path(value).expanduser())
    return normalise_store(value), source


def store_url(option: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The store to open: `--store`, else `MEDIATOR_STORE`, else the settings file's `store`,
    else `mediator.db` in `data_dir()`."""
    return _store_choice(option, os.environ if env is None else env)[0]


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
    return _agent_choice(option, os.environ if env is None else env)[0]


def _agent_choice(option: str | None, env: Mapping[str, str]) -> tuple[str, str]:
    chosen = _chosen(("--agent", option), (f"${ENV_AGENT}", env.get(ENV_AGENT)), "agent", env)
    if chosen is not None:
        name, source = chosen
        return _checked_name(name, source), source
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name (containers without a passwd entry)
        login = "unknown"
    name = _checked_name(f"agent.{login}", f"agent.LOGIN (give --agent NAME or ${ENV_AGENT})")
    return name, "default (agent.LOGIN)"


def _checked_name(name: str, source: str) -> str:
    from mediator.domain.ids import name_problem

    problem = name_problem(name)
    if problem is not None:
        raise ValueError(f"{source}: {name!r} is not an agent name: {problem}")
    return name


def api_url(option: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The `mediator serve` URL to work through, or None for a database store."""
    chosen = _api_choice(option, os.environ if env is None else env)
    return None if chosen is None else chosen[0]


def _api_choice(option: str | None, env: Mapping[str, str]) -> tuple[str, str] | None:
    chosen = _chosen(("--api", option), (f"${ENV_API}", env.get(ENV_API)), "api", env)
    if chosen is None:
        return None
    url, source = chosen
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{source}: the API needs an http:// or https:// URL, not {url!r}")
    return url, source


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


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting in effect, and where it came from (a flag, `$VAR`, the file, "default")."""

    name: str
    value: str
    source: str


@dataclass(frozen=True, slots=True)
class Effective:
    """Every setting in effect (`mediator config show`), the settings file and its keymap."""

    file: Path
    rows: tuple[Setting, ...]
    keymap: dict[str, str]


def effective(
    *,
    store: str | None = None,
    agent: str | None = None,
    api: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Effective:
    """The settings the console would use with these flags. Raises `ValueError` as they do."""
    env = os.environ if env is None else env
    path = config_path(env)
    file = file_settings(env)
    where = str(path)
    rows: list[Setting] = []
    api_choice = _api_choice(api, env)
    if api_choice is not None:
        rows.append(Setting("api", *api_choice))
    else:
        rows.append(Setting("store", *_store_choice(store, env)))
    rows.append(Setting("agent", *_agent_choice(agent, env)))
    rows.append(
        Setting("theme", file.theme, where)
        if file.theme
        else Setting("theme", "textual-dark", "default")
    )
    rows.append(
        Setting("timezone", file.timezone, where)
        if file.timezone
        else Setting("timezone", "the machine's", "default")
    )
    data = env.get(ENV_DATA_DIR, "").strip()
    rows.append(
        Setting("data directory", str(data_dir(env)), f"${ENV_DATA_DIR}" if data else "default")
    )
    return Effective(path, tuple(rows), dict(file.keymap))
