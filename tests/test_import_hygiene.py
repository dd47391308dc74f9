"""The data side of mediator loads neither Textual nor Rich, at run time (harlequin's
`test_import_hygiene`): import-linter (`lint-imports`, pyproject.toml) checks our own imports,
this checks what third-party packages drag in behind them, e.g. httpx, which imports its command
line tool, and with it Rich, whenever Rich is installed (`mediator/store/_httpx.py`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

DATA_SIDE = [
    "mediator.domain",
    "mediator.domain.timeline",
    "mediator.domain.resolution",
    "mediator.domain.drafts",
    "mediator.store",
    "mediator.store.sql",
    "mediator.store.sql.store",
    "mediator.store.sql.peek",
    "mediator.store.deferred",
    "mediator.store.http",
    "mediator.store.outbox",
    "mediator.store.drafts",
    "mediator.store.wire",
    "mediator.store.api_models",
    "mediator.server.api",
    "mediator.server.run",
    "mediator.server.workers",
    "mediator.importer",
    "mediator.seed",
    "mediator.config",
]


def loaded_after(*modules: str) -> set[str]:
    """Top-level packages in `sys.modules` after a fresh interpreter imports `modules`."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", DATA_SIDE)
def test_the_data_side_loads_neither_textual_nor_rich(module: str) -> None:
    assert loaded_after(module) & {"textual", "rich"} == set()


def test_the_http_store_does_not_load_httpx_s_command_line_tool() -> None:
    code = (
        "import sys, mediator.store.http, httpx\n"
        "assert 'httpx._main' not in sys.modules and 'pygments' not in sys.modules\n"
        "import httpx._main  # still importable on purpose, after the guard\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_console_does_load_textual() -> None:
    """The check above can fail: the console side does load what the data side must not."""
    assert {"textual", "rich"} <= loaded_after("mediator.app")
