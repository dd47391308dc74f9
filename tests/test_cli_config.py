"""`mediator config show` (issue 19), and a bad settings file stopping the console at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediator import cli, config


def test_show_names_each_setting_and_its_source(
    tmp_path: Path,
    no_settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    no_settings_file.write_text(
        'agent = "ana"\ntimezone = "Europe/Berlin"\ntheme = "nord"\n'
        '[keymap]\n"queue.search" = "ctrl+f"\n'
    )
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.setenv(config.ENV_STORE, str(tmp_path / "env.db"))
    assert cli.main(["config", "show", "--agent", "bob"]) == 0
    lines = {line.split()[0] + (" " + line.split()[1] if line.startswith("keymap") else ""): line
             for line in capsys.readouterr().out.splitlines()[1:]}  # fmt: skip
    assert lines["store"].endswith(f"({'$' + config.ENV_STORE})")
    assert "bob" in lines["agent"] and lines["agent"].endswith("(--agent)")
    assert "nord" in lines["theme"] and lines["theme"].endswith(f"({no_settings_file})")
    assert "Europe/Berlin" in lines["timezone"]
    assert "ctrl+f" in lines["keymap queue.search"]
    assert lines["data"].endswith(f"(${config.ENV_DATA_DIR})")


def test_show_without_a_file_gives_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(config.ENV_STORE, raising=False)
    monkeypatch.delenv(config.ENV_AGENT, raising=False)
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    assert cli.main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "(none)" in out.splitlines()[0]
    assert "theme" in out and "(default)" in out


@pytest.mark.parametrize(
    ("keymap", "named"),
    [
        (
            '"queue.serch" = "ctrl+f"',
            "'queue.serch' is not a binding id (did you mean queue.search",
        ),
        (
            '"queue.search" = "d"',
            "'d' would be held by queue.dashboard, queue.search on QueueScreen",
        ),
        # the app's own keys count on every screen; "?" is named as Textual names it
        (
            '"queue.search" = "?"',
            "'question_mark' would be held by app.help, queue.search on",
        ),
    ],
)
def test_an_unknown_binding_or_a_clash_is_an_error_at_start(
    tmp_path: Path,
    no_settings_file: Path,
    capsys: pytest.CaptureFixture[str],
    keymap: str,
    named: str,
) -> None:
    """Before any screen: `mediator` itself stops with the file's problem (exit 2)."""
    no_settings_file.write_text(f"[keymap]\n{keymap}\n")
    assert cli.main(["--store", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert str(no_settings_file) in err and named in err, err
    assert not (tmp_path / "s.db").exists(), "nothing was opened"


def test_two_bindings_may_swap_keys(
    no_settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_settings_file.write_text(
        '[keymap]\n"queue.search" = "d"\n"queue.dashboard" = "F,f9"\n'  # F: shift+f
    )
    assert cli.main(["config", "show"]) == 0
    assert "queue.dashboard" in capsys.readouterr().out


def test_an_unknown_theme_is_an_error_at_start(
    tmp_path: Path, no_settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_settings_file.write_text('theme = "neon"\n')
    assert cli.main(["--store", str(tmp_path / "s.db")]) == 2
    assert "theme: 'neon' is not a theme" in capsys.readouterr().err


def test_keys_lists_every_binding_id_a_keymap_may_move(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["config", "keys"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "slash" in lines["queue.search"] and "QueueScreen" in lines["queue.search"]
    assert "app.quit" in lines and "dispute.submit" in lines


def test_an_id_like_no_other_points_at_the_list(
    tmp_path: Path, no_settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_settings_file.write_text('[keymap]\n"zzzz" = "f9"\n')
    assert cli.main(["--store", str(tmp_path / "s.db")]) == 2
    assert "'zzzz' is not a binding id (see mediator config keys)" in capsys.readouterr().err
