"""The full garbage collections run between keys (issue 18: `mediator.collector`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mediator.collector import AT_MOST, BRIEF, LIMIT, NEVER, QUIET, YOUNGER, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def collector() -> Iterator[tuple[IdleCollector, Clock]]:
    clock = Clock()
    collector = IdleCollector(now=clock)
    threshold = gc.get_threshold()
    collector.start()
    try:
        yield collector, clock
    finally:
        collector.stop()
        gc.unfreeze()
        assert gc.get_threshold() == threshold


def young_collections(n: int) -> None:
    """`n` collections of the middle generation, as the running console makes them."""
    for _ in range(n):
        gc.collect(1)


def test_python_no_longer_starts_full_collections(
    collector: tuple[IdleCollector, Clock],
) -> None:
    assert gc.get_threshold()[2] == NEVER
    assert gc.get_freeze_count() > 0  # start-up's objects are out of the collector's sight


def test_a_full_collection_waits_for_a_quiet_moment(
    collector: tuple[IdleCollector, Clock],
) -> None:
    idle, clock = collector
    young_collections(YOUNGER)
    idle.input()
    clock.t += QUIET / 2
    assert not idle.tick()  # typing: none
    assert gc.get_count()[2] >= YOUNGER
    clock.t += QUIET
    assert idle.tick()  # quiet: one, and the count starts again
    assert gc.get_count()[2] == 0
    assert not idle.tick()  # nothing since: none


def test_steady_typing_gets_one_between_two_keys_after_a_while(
    collector: tuple[IdleCollector, Clock],
) -> None:
    idle, clock = collector
    young_collections(YOUNGER)
    for _ in range(int(AT_MOST / 0.15) + 1):  # a key every 150 ms, a tick 10 ms after each
        idle.input()
        clock.t += 0.01
        assert not idle.tick()
        clock.t += 0.14
    idle.input()
    clock.t += BRIEF * 1.2  # past AT_MOST: the first gap between two keys will do
    assert idle.tick()
    assert idle.collections == 1


def test_keys_held_down_still_get_one_now_and_then(
    collector: tuple[IdleCollector, Clock],
) -> None:
    idle, clock = collector
    young_collections(YOUNGER)
    step = BRIEF / 2  # autorepeat: never a gap of BRIEF
    for _ in range(int(LIMIT / step) - 1):
        clock.t += step
        idle.input()
        assert not idle.tick()
    clock.t += 2 * step
    idle.input()
    assert idle.tick()
    assert idle.collections == 1


def test_none_while_a_dispute_opens(collector: tuple[IdleCollector, Clock]) -> None:
    """The dispute screen pauses the collector from Enter until it is shown
    (`screens.opening`): an overdue full collection waits for it too."""
    idle, clock = collector
    young_collections(YOUNGER)
    clock.t += LIMIT
    gc.disable()
    try:
        assert not idle.tick()
    finally:
        gc.enable()
    assert idle.tick()
