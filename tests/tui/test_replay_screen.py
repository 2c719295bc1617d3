"""The replay screen: transport keys, the broken-chain warning, and a snapshot. The
incident is worked through the services first (tests/helpers_replay.py), on the playbooks
the TUI tests own."""

from __future__ import annotations

import pytest
from helpers_replay import script_incident
from tui_helpers import PLAYBOOKS_AND_SCENARIOS

from irdesk.formats.catalog import Catalog
from irdesk.services.replay import open_replay


@pytest.fixture
def scripted(tmp_path, catalog):
    """A whole incident worked through the service; the live state after every entry."""
    return script_incident(tmp_path / "journal.db", catalog)


async def settle(pilot) -> None:  # noqa: ANN001
    """Let the deferred chain check start and finish, so what follows is deterministic."""
    await pilot.pause(0.5)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _transport(app) -> str:  # noqa: ANN001
    return str(app.screen.query_one("#transport").content)


async def test_replay_screen_controls(scripted):
    from irdesk.tui.app import IrdeskApp

    path, _, live = scripted
    replay = open_replay(path, "INC-0001", Catalog.load(PLAYBOOKS_AND_SCENARIOS))
    app = IrdeskApp(None, replay=replay)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        total = replay.total
        assert "chain: verified" in _transport(app)
        assert f"entry 1/{total}" in _transport(app)
        assert "PAUSED" in _transport(app) and "READ-ONLY" in _transport(app)
        await pilot.press("right", "right")
        assert f"entry 3/{total}" in _transport(app)
        await pilot.press("left")
        assert replay.cursor == 2
        await pilot.press("end")
        assert replay.cursor == total and replay.state.closed
        header = str(app.screen.query_one("#incident-header").content)
        assert "closed" in header and "SEV1" in header
        assert "Replay me [bold]" in header  # shown literally
        await pilot.press("home")
        assert replay.cursor == 1
        await pilot.press("minus", "minus", "minus")
        assert " 1x" in _transport(app)
        await pilot.press("space")
        assert "PLAYING" in _transport(app)
        await pilot.press("plus", "plus", "plus")
        assert "max" in _transport(app)
        for _ in range(50):
            await pilot.pause(0.05)
            if replay.cursor == total:
                break
        assert replay.cursor == total and "PAUSED" in _transport(app)
        await pilot.press("j")
        await pilot.press("1")  # first mark: the declaration
        assert replay.cursor == 1
        # chain verified: no warning banner
        assert not app.screen.query_one("#replay-warning").display
        assert replay.state.last_seq == 1 and not replay.state.milestones.keys() - {"declared"}


async def test_a_long_jump_is_folded_in_a_worker_and_keys_keep_working(scripted, monkeypatch):
    """`end` far beyond anything folded: the screen says it is jumping, takes keys
    meanwhile, and lands at the end when the worker has folded the way there."""
    import threading

    from irdesk.services.replay import Replay
    from irdesk.tui.app import IrdeskApp

    monkeypatch.setattr("irdesk.services.replay.CHECKPOINT_EVERY", 2)
    monkeypatch.setattr("irdesk.services.replay.FAR", 4)
    gate, prepared = threading.Event(), []
    real = Replay.prepare

    def held(self, seq, *, cancelled):  # noqa: ANN001, ANN202
        assert threading.current_thread() is not threading.main_thread()
        gate.wait(10)
        prepared.append(seq)
        return real(self, seq, cancelled=cancelled)

    monkeypatch.setattr(Replay, "prepare", held)
    path, _, _ = scripted
    replay = open_replay(path, "INC-0001", Catalog.load(PLAYBOOKS_AND_SCENARIOS))
    app = IrdeskApp(None, replay=replay)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        total = replay.total
        await pilot.press("end")
        assert f"jumping to entry {total}…" in _transport(app) and replay.cursor == 1
        await pilot.press("right", "right")  # the screen still answers
        assert replay.cursor == 3 and f"entry 3/{total}" in _transport(app)
        gate.set()
        await settle(pilot)
        assert prepared == [total]
        assert replay.cursor == total and replay.state.closed
        assert "jumping" not in _transport(app)


async def test_replay_warns_prominently_when_the_chain_is_broken(scripted):
    import sqlite3

    from irdesk.tui.app import IrdeskApp

    path, _, _ = scripted
    raw = sqlite3.connect(path)
    triggers = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for name in triggers:
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute(
        "UPDATE entries SET payload = replace(payload, 'Finance', 'Nobody') "
        "WHERE payload LIKE '%Finance%'"
    )
    raw.commit()
    raw.close()
    replay = open_replay(path, "INC-0001", Catalog.load(PLAYBOOKS_AND_SCENARIOS))
    app = IrdeskApp(None, replay=replay)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        banner = app.screen.query_one("#replay-warning")
        assert "chain: BROKEN" in _transport(app)
        assert banner.display
        assert "CHAIN CHECK FAILED" in str(banner.content)
        assert "edited" in str(banner.content)


def test_replay_snapshot(scripted, snap_compare):
    from irdesk.tui.app import IrdeskApp

    path, _, _ = scripted
    replay = open_replay(path, "INC-0001", Catalog.load(PLAYBOOKS_AND_SCENARIOS))

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("right", "right", "right", "right", "right")
        await pilot.pause()

    assert snap_compare(
        IrdeskApp(None, replay=replay), terminal_size=(130, 40), run_before=run_before
    )


async def test_enter_on_a_step_and_on_its_checklist_writes_nothing(scripted):
    """Replay is read-only through and through: enter moves to the checklist, and enter on
    an item there does nothing (it used to reach the runner's tick and crash)."""
    from irdesk.tui.app import IrdeskApp
    from irdesk.tui.screens.replay import ReplayScreen

    path, _, _ = scripted
    replay = open_replay(path, "INC-0001", Catalog.load(PLAYBOOKS_AND_SCENARIOS))
    entries = replay.total
    app = IrdeskApp(None, replay=replay)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # on the step: to its checklist
        await pilot.pause()
        assert app.focused is app.screen.query_one("#checklist")
        await pilot.press("enter")  # on an item: nothing
        await settle(pilot)
        assert isinstance(app.screen, ReplayScreen)
        assert replay.journal.entry_count("INC-0001") == entries
