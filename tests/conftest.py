"""Every test runs without the machine's own settings file (issue 19): `$MEDIATOR_CONFIG`
points at a file that does not exist, unless a test writes one there or points elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediator.config_file import ENV_CONFIG


@pytest.fixture(autouse=True)
def no_settings_file(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    path = tmp_path_factory.mktemp("settings") / "config.toml"
    monkeypatch.setenv(ENV_CONFIG, str(path))
    return path
