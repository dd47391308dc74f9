"""What the queue has read from the store since the data last changed: each query's first and
last pages and its count, so that Home, End and a filter typed back (a backspace) are shown in
the key's own frame instead of after a read.

Everything held is forgotten whenever the rows on screen are read again because the data may
have changed (the change feed, the refresh tick, F5, a return from another screen, a bulk
action): what is held is never older than what the table shows. A read that started before
the data changed is not kept (`epoch`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TypeVar

from mediator.domain.queue import QueueCounts, QueuePage, QueueQuery

#: Queries remembered at most (the last few filters typed).
QUERIES = 32

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Count:
    """A query's count as the status line shows it; `empty`: the store holds no dispute."""

    counts: QueueCounts
    empty: bool


class QueueReads:
    """Pages and counts read for the data as it is now, by query."""

    def __init__(self) -> None:
        #: Bumped by `forget`: a read started under an older epoch is not kept.
        self.epoch = 0
        self._pages: OrderedDict[tuple[QueueQuery, bool], QueuePage] = OrderedDict()
        self._counts: OrderedDict[QueueQuery, Count] = OrderedDict()

    def forget(self) -> None:
        """The data may have changed: nothing read so far is shown again."""
        self.epoch += 1
        self._pages.clear()
        self._counts.clear()

    def page(self, query: QueueQuery, *, from_end: bool) -> QueuePage | None:
        """The first page of `query` (the last with `from_end`), if read since `forget`."""
        page = self._pages.get((query, from_end))
        if page is not None:
            self._pages.move_to_end((query, from_end))
        return page

    def keep_page(self, query: QueueQuery, page: QueuePage, *, from_end: bool, epoch: int) -> None:
        """Keep `query`'s first (or last) page, read in `epoch`."""
        if epoch == self.epoch:
            _put(self._pages, (query, from_end), page, 2 * QUERIES)

    def count(self, query: QueueQuery) -> Count | None:
        count = self._counts.get(query)
        if count is not None:
            self._counts.move_to_end(query)
        return count

    def keep_count(self, query: QueueQuery, count: Count, *, epoch: int) -> None:
        if epoch == self.epoch:
            _put(self._counts, query, count, QUERIES)


def _put(held: OrderedDict[K, V], key: K, value: V, most: int) -> None:
    held[key] = value
    held.move_to_end(key)
    while len(held) > most:
        held.popitem(last=False)
