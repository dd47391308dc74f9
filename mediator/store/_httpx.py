"""httpx, without the command-line tool it imports along with itself.

httpx's `__init__` runs `from ._main import main` inside `try/except ImportError`: whenever click,
rich and pygments are installed (Textual brings them), importing httpx imports its CLI and all
three, ~65 ms of the `--api` console's start-up and rich in `mediator.store`, which must not load
it. Putting None in `sys.modules` for `httpx._main` while httpx is first imported makes that
one import fail as if the extra were not installed, and httpx falls back to its stub `main`
(its own code path); the entry is removed again, so `import httpx._main` still works after.
Nothing is patched: if a later httpx drops `_main`, this does nothing.
"""

from __future__ import annotations

import sys

_CLI = "httpx._main"

if "httpx" in sys.modules:
    import httpx
else:
    blocked = _CLI not in sys.modules
    if blocked:
        sys.modules[_CLI] = None  # type: ignore[assignment]  # "import blocked", see the doc
    try:
        import httpx
    finally:
        if blocked and sys.modules.get(_CLI, _CLI) is None:
            del sys.modules[_CLI]

__all__ = ["httpx"]
