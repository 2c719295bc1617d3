"""Opening the desk: no garbage collection until the first frame, and on again after."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest

from irdesk.tui import launch
from irdesk.tui.app import IrdeskApp, settle_memory


@pytest.fixture(autouse=True)
def _collection_back_on():
    yield
    gc.unfreeze()
    gc.enable()


def test_the_desk_opens_with_collection_off_and_leaves_it_on(monkeypatch, desk) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(IrdeskApp, "run", lambda self, *a, **k: seen.append(gc.isenabled()))
    launch.run_desk(desk, journal_label="journal.db")
    assert seen == [False]  # while the first frame is made
    assert gc.isenabled()  # the app ended before it settled: on again all the same


def test_a_replay_opens_with_collection_off_and_leaves_it_on(monkeypatch, desk) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(IrdeskApp, "run", lambda self, *a, **k: seen.append(gc.isenabled()))
    replay = SimpleNamespace(journal=desk.journal)  # what the launcher uses of a replay
    launch.run_replay(replay, journal_label="journal.db")  # type: ignore[arg-type]
    assert seen == [False] and gc.isenabled()


def test_memory_settles_with_collection_on() -> None:
    gc.disable()
    settle_memory()  # once the first frame is painted
    assert gc.isenabled()
