"""A process that saves one dispute's draft in a tight loop, to be killed (test_drafts.py).

`python draft_writer.py DIRECTORY SCOPE` loads the draft left by the last run, then saves drafts
numbered on from it forever, printing `writing N` before each save and `saved N` after it.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mediator.domain.drafts import Draft, FormFields
from mediator.store.drafts import DraftBox

DISPUTE = "D-10001"
#: Large enough that a save takes a while (the kill can land inside one), small enough to be quick.
CHUNK = 40_000


def numbered(n: int) -> Draft:
    """Draft number `n`: every field says `n`, so a mix of two drafts cannot pass for one."""
    return Draft(
        dispute_id=DISPUTE,
        agent="agent.crash",
        saved_at=datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=n),
        base_version=n,
        form=FormFields(rationale=f"draft {n}; " * CHUNK, refund_amount=str(n)),
        note=f"note {n}",
    )


def main() -> None:
    box = DraftBox(Path(sys.argv[1]), sys.argv[2])
    last = box.load(DISPUTE)
    n = 0 if last is None else last.base_version
    print(f"loaded {n}", flush=True)
    while True:
        n += 1
        print(f"writing {n}", flush=True)
        box.save(numbered(n))
        print(f"saved {n}", flush=True)


if __name__ == "__main__":
    main()
