"""Full garbage collections between keys, not during them (issue 18).

After the console's start-up objects are frozen (`gc.freeze()`, `MediatorApp.preload`), a full
(generation 2) collection walks only what the console made since, but it still took 18-25 ms
of CPU at a million disputes, most of it freeing the cycles that workers, messages and pages
leave behind (a second collection right after took 3-5 ms), and 40-125 ms on the loaded
benchmark machine. Python starts one whenever enough objects have outlived two younger
collections, which is in the middle of whatever key made them: they were the queue keys'
worst times (`bench/_probe.py keys`, timed with `gc.callbacks`).

So the collector's own full collections are turned off (the young generations still run as
before) and `IdleCollector.tick`, called ten times a second, runs one when the agent has
pressed nothing for `QUIET`; once `AT_MOST` has passed without one, in the first gap of
`BRIEF` between two keys (a typist's keys come 100-200 ms apart); and after `LIMIT` whatever
the agent does (a key held down), so that cyclic garbage never piles up for long.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: How often `tick` is called (seconds).
TICK = 0.1
#: A full collection runs after this long without a key or a click (seconds): between keys.
QUIET = 0.25
#: ... or, this long after the previous one, as soon as a key is `BRIEF` old ...
AT_MOST = 5.0
BRIEF = 0.05
#: ... and at the latest this long after the previous one, whatever the agent does.
LIMIT = 20.0
#: Younger collections since the last full one before another is worth running (Python's own
#: default threshold for the oldest generation).
YOUNGER = 10
#: The oldest generation's threshold while `IdleCollector` runs the full collections.
NEVER = 1 << 30


class IdleCollector:
    """Runs the full garbage collections when the agent is not typing."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.last_input = now()
        self.last_full = now()
        self.collections = 0
        self._threshold: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Freeze what exists (start-up's modules and objects are never garbage) and take the
        full collections over from Python."""
        gc.freeze()
        young, middle, oldest = gc.get_threshold()
        self._threshold = (young, middle, oldest)
        gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        """Give the full collections back to Python (tests)."""
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None

    def input(self) -> None:
        """The agent pressed a key or clicked."""
        self.last_input = self._now()

    def tick(self) -> bool:
        """Run a full collection if one is due and the agent is quiet (or it is overdue);
        whether one ran."""
        if self._threshold is None or gc.get_count()[2] < YOUNGER:
            return False
        if not gc.isenabled():  # paused while a dispute opens (`screens.opening`): not now
            return False
        now = self._now()
        since_input, since_full = now - self.last_input, now - self.last_full
        due = (
            since_input >= QUIET
            or (since_full >= AT_MOST and since_input >= BRIEF)
            or since_full >= LIMIT
        )
        if not due:
            return False
        gc.collect()
        self.last_full = self._now()
        self.collections += 1
        return True
