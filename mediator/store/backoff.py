"""How long to wait before trying a lost connection again (the change feeds, issue 15)."""

from __future__ import annotations

import random

#: The first pause, and the longest: a console whose server comes back reconnects within
#: `MOST` seconds of it, and a hundred consoles waiting on a dead one cost it nothing.
FIRST = 0.25
MOST = 3.0


class Backoff:
    """Pauses of `first` seconds, doubled after each failure up to `most`, each drawn at random
    between half and all of it, so that consoles that lost the same server do not all come
    back in the same instant. `reset()` once a connection has proved itself."""

    def __init__(self, first: float = FIRST, most: float = MOST) -> None:
        self.first = first
        self.most = most
        self._next = first

    def next(self) -> float:
        """Seconds to wait before the next attempt."""
        delay = self._next
        self._next = min(self.most, delay * 2)
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self._next = self.first
