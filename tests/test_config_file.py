"""The settings file (issue 19): where it is, what it may hold, how bad input is named, and the
theme written back without touching the rest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mediator import config
from mediator.config_file import (
    ENV_CONFIG,
    ConfigError,
    FileSettings,
    config_path,
    load,
    save_theme,
)


def test_the_file_is_found_by_env_then_xdg_then_platformdirs(tmp_path: Path) -> None:
    assert config_path({ENV_CONFIG: str(tmp_path / "a.toml")}) == tmp_path / "a.toml"
    xdg = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert config_path(xdg) == tmp_path / "xdg" / "mediator" / "config.toml"
    assert config_path({}).name == "config.toml"


def test_no_file_means_no_settings(tmp_path: Path) -> None:
    assert load(tmp_path / "none.toml") == FileSettings()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('store = "a"\ncolour = "red"\n', "colour: not a setting"),
        ("store = \n", "not valid TOML"),
        ("agent = 3\n", "agent: Input should be a valid string"),
        ('timezone = "Mars/Olympus"\n', "'Mars/Olympus' is not a time zone"),
        ('[keymap]\n"queue.search" = "ctrl f"\n', "'ctrl f' is not a key"),
        ('agent = "  "\n', "agent: is empty"),
    ],
)
def test_a_bad_file_is_an_error_naming_the_file_and_the_key(
    tmp_path: Path, text: str, named: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(path) in str(caught.value) and named in str(caught.value)


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'agent = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(path)


def test_the_theme_is_written_back_and_nothing_else_changes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# mine\nagent = "ana"  # me\n\n[keymap]\n"queue.search" = "ctrl+f"\n')
    save_theme(path, "nord")
    text = path.read_text()
    assert text.startswith('# mine\nagent = "ana"  # me\n'), text
    assert tomllib.loads(text) == {
        "agent": "ana",
        "theme": "nord",
        "keymap": {"queue.search": "ctrl+f"},
    }
    save_theme(path, 'odd "one"')
    assert load(path).theme == 'odd "one"' and path.read_text().count("theme =") == 1
    assert not path.with_name("config.toml.part").exists()


def test_the_theme_makes_a_file_where_there_was_none(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_theme(path, "nord")
    assert load(path).theme == "nord"


def test_flag_then_environment_then_file_then_default(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('store = "stores/team.db"\nagent = "ana"\n')
    env = {ENV_CONFIG: str(path), config.ENV_DATA_DIR: str(tmp_path / "data")}
    # a file path in the file is relative to the file
    assert config.store_url(None, env) == f"sqlite:///{tmp_path / 'stores' / 'team.db'}"
    assert config.store_url(None, {**env, config.ENV_STORE: "/x.db"}) == "sqlite:////x.db"
    assert config.store_url("/y.db", {**env, config.ENV_STORE: "/x.db"}) == "sqlite:////y.db"
    assert config.agent_name(None, env) == "ana"
    assert config.agent_name(None, {**env, config.ENV_AGENT: "eve"}) == "eve"
    assert config.agent_name("bob", {**env, config.ENV_AGENT: "eve"}) == "bob"
    rows = {s.name: s for s in config.effective(env=env).rows}
    assert (rows["store"].source, rows["agent"].source) == (str(path), str(path))
    assert (rows["theme"].value, rows["theme"].source) == ("textual-dark", "default")
    path.unlink()
    assert config.store_url(None, env) == config.default_store_url(env)


def test_a_bad_name_or_url_in_the_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('agent = "ana smith"\napi = "ftp://x"\n')
    env = {ENV_CONFIG: str(path)}
    with pytest.raises(ValueError, match=f"{path}.*not an agent name"):
        config.agent_name(None, env)
    with pytest.raises(ValueError, match=f"{path}: the API needs an http"):
        config.api_url(None, env)


def test_a_flag_or_the_environment_works_beside_a_broken_file(tmp_path: Path) -> None:
    """The file is read only when it is needed: `mediator import --store X` still runs."""
    path = tmp_path / "config.toml"
    path.write_text("store = \n")
    env = {ENV_CONFIG: str(path)}
    assert config.store_url("/x.db", env) == "sqlite:////x.db"
    assert config.agent_name(None, {**env, config.ENV_AGENT: "eve"}) == "eve"
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.store_url(None, env)
