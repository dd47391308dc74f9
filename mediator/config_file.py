"""The agent's own settings file (issue 19): `config.toml`. No Textual.

Where: `$MEDIATOR_CONFIG` (a file path), else `config.toml` in the config directory:
`$XDG_CONFIG_HOME/mediator/`, else `platformdirs.user_config_dir("mediator")`
(`~/.config/mediator/` on Linux). A missing file means no settings; an unreadable or invalid
one is an error that names the file, the key and what is wrong, at start, before any screen.

    store = "postgresql+psycopg://mediator@db/mediator"   # or a SQLite file path
    api = "https://mediator.example:8000"                 # instead of a store
    agent = "ana"
    theme = "nord"               # the console writes back the theme chosen in it
    timezone = "Europe/Berlin"   # times on screen (stored times stay UTC)

    [keymap]                     # binding id = keys (comma-separated), see `?`
    "queue.search" = "ctrl+f"

Read with the standard library's `tomllib` and checked by a strict pydantic model (unknown
keys are refused: a typo is not silently ignored). The command-line option and the
environment still win over the file (`config.py`: flag → environment → file → default).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_CONFIG = "MEDIATOR_CONFIG"
CONFIG_FILE = "config.toml"
APP_NAME = "mediator"

#: A key as Textual names it: "ctrl+f", "f5", "question_mark" or "?", "shift+tab", "F".
_KEY = re.compile(r"([A-Za-z0-9_]+\+)*([A-Za-z0-9_]+|[!-~])")


class ConfigError(ValueError):
    """The settings file cannot be used; the message names the file and the key."""


class FileSettings(BaseModel):
    """What `config.toml` may hold; every field optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    store: str | None = None
    api: str | None = None
    agent: str | None = None
    theme: str | None = None
    timezone: str | None = None
    keymap: dict[str, str] = Field(default_factory=dict)

    @field_validator("store", "api", "agent", "theme", "timezone")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("is empty: leave the key out instead")
        return None if value is None else value.strip()

    @field_validator("timezone")
    @classmethod
    def _a_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"{value!r} is not a time zone (an IANA name such as Europe/Berlin)"
                ) from None
        return value

    @field_validator("keymap")
    @classmethod
    def _keys(cls, keymap: dict[str, str]) -> dict[str, str]:
        for binding_id, keys in keymap.items():
            for key in keys.split(","):
                if not _KEY.fullmatch(key.strip()):
                    raise ValueError(
                        f"{binding_id!r} = {keys!r}: {key.strip()!r} is not a key "
                        "(keys look like ctrl+f, f5 or question_mark; several: 'ctrl+f,f3')"
                    )
        return {binding_id: keys.replace(" ", "") for binding_id, keys in keymap.items()}


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The settings file to read (it need not exist)."""
    env = os.environ if env is None else env
    override = env.get(ENV_CONFIG, "").strip()
    if override:
        return Path(override).expanduser()
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    if xdg:
        return Path(xdg).expanduser() / APP_NAME / CONFIG_FILE
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE


def load(path: Path) -> FileSettings:
    """The settings in `path` (none when it does not exist). Raises `ConfigError`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return FileSettings()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return FileSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'the file'}: {_said(error)}"
            for error in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None


def _said(error: object) -> str:
    assert isinstance(error, dict)
    if error.get("type") == "extra_forbidden":
        return "not a setting (known: store, api, agent, theme, timezone, [keymap])"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


_THEME_LINE = re.compile(r"(?m)^theme\s*=.*$")
_FIRST_TABLE = re.compile(r"(?m)^\[")


def save_theme(path: Path, theme: str) -> None:
    """Keep `theme` in the file for the next run, leaving every other line (and comment) as
    it was: the `theme = …` line is replaced, or added before the first table. The file is
    replaced whole (written beside it, then renamed): never half-written."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        text = ""
    line = f"theme = {_toml_string(theme)}"
    if _THEME_LINE.search(text):
        text = _THEME_LINE.sub(line, text, count=1)
    elif (table := _FIRST_TABLE.search(text)) is not None:
        text = f"{text[: table.start()]}{line}\n\n{text[table.start() :]}"
    else:
        text = f"{text.rstrip()}\n{line}\n" if text.strip() else f"{line}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(text, "utf-8")
    part.replace(path)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
