"""A console that types a draft and then waits to be killed (tests/ui/test_drafts.py).

`python -m tests.ui.draft_console STORE_URL DRAFTS_DIR AGENT`: opens the most urgent dispute,
chooses an outcome and types a rationale, waits until the draft is on disk, prints the dispute
id and "typed", and waits forever: the test SIGKILLs it there, as a crash would.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC
from pathlib import Path

from textual.widgets import TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.store.drafts import DraftBox
from mediator.store.sql import SqlStore
from tests.ui.conftest import NOW
from tests.ui.test_flows import open_most_urgent

RATIONALE = "Typed before the crash [kept]"


async def main(url: str, drafts_dir: str, agent: str) -> None:
    store = SqlStore.open(url)
    box = DraftBox(Path(drafts_dir), scope=f"{store.label} {agent}")
    app = MediatorApp(store, clock=FrozenClock(NOW), agent=agent, tz=UTC, every=MANUAL, drafts=box)
    async with app.run_test(size=(150, 45)) as pilot:
        screen = await open_most_urgent(app, pilot)
        await pilot.press("f", "3")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*RATIONALE)
        while True:  # the draft reaches the disk in a worker: wait for it, not for a time
            draft = box.load(screen.dispute_id)
            if draft is not None and draft.form.rationale == RATIONALE:
                break
            await pilot.pause(0.05)
        print(screen.dispute_id, "typed", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
