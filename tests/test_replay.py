"""Replay shows exactly what the live runner showed, and never writes a byte."""

from __future__ import annotations

import copy
import hashlib
import random
from datetime import timedelta
from pathlib import Path

import pytest

from irdesk.domain.clock import FixedClock
from irdesk.domain.fold import IncidentState
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.services.replay import COMPRESSED_GAP, Replay, open_replay
from irdesk.store import Journal

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def scripted(tmp_path):
    """A whole incident worked through the service; the live state after every entry."""
    clock = FixedClock()
    path = tmp_path / "journal.db"
    journal = Journal.open(path, clock=clock)
    desk = Desk(journal, catalog=Catalog.load(), clock=clock, actor="ada")
    playbook = desk.catalog.playbook("account-compromise")
    session = desk.declare(
        playbook,
        title="Replay me [bold]",
        severity="SEV2",
        commander="Ada",
        detected_at=clock.now() - timedelta(minutes=30),
        backdate_reason="first alert",
    )
    live: dict[int, IncidentState] = {}

    def snap() -> None:
        live[session.state.last_seq] = copy.deepcopy(session.state)

    snap()
    first = playbook.steps[0]
    steps = [
        lambda: session.tick(first.id, 0),
        lambda: clock.advance(60 * 25),
        lambda: session.check_timers(),  # acknowledge timer lapsed: escalation level 1
        lambda: session.note("Finance confirms no payment was made"),
        lambda: session.complete(first.id),
        lambda: clock.advance(60 * 5),
        lambda: session.skip(session.state.current, "covered by the SOC"),
        lambda: session.decide(session.state.current, 0),
        lambda: clock.advance(60 * 90),  # a long idle gap
        lambda: session.set_severity("SEV1", "an admin account was involved"),
        lambda: session.milestone("contained"),
        lambda: session.assign("scribe", "Lin"),
        lambda: session.close("contained and cleaned"),
    ]
    for action in steps:
        action()
        snap()
    journal.close()
    return path, playbook, live


def test_state_at_every_entry_equals_the_live_state(scripted):
    path, playbook, live = scripted
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        assert replay.total == max(live)
        for seq in range(1, replay.total + 1):
            replay.seek(seq)
            if seq in live:
                assert replay.state == live[seq], f"state differs after entry {seq}"
            assert replay.state == IncidentState.fold(
                playbook, list(journal.entries("INC-0001", until_seq=seq))
            )


def test_random_seeks_back_and_forth_give_the_same_states(scripted, monkeypatch):
    monkeypatch.setattr("irdesk.services.replay.CHECKPOINT_EVERY", 3)  # exercise checkpoints
    path, playbook, live = scripted
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        rng = random.Random(7)
        for _ in range(60):
            seq = rng.randint(0, replay.total)
            replay.seek(seq)
            expected = IncidentState.fold(
                playbook, list(journal.entries("INC-0001", until_seq=seq))
            )
            assert replay.state == expected
            assert replay.cursor == seq


def test_replay_never_modifies_the_journal(scripted):
    path, _, _ = scripted
    folder = path.parent
    before = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in folder.iterdir()
    }
    assert not (folder / "journal.db-wal").exists()  # the writer closed cleanly
    replay = open_replay(path, "INC-0001", Catalog.load())
    replay.seek(replay.total)
    replay.seek(2)
    replay.marks()
    replay.journal.close()
    after = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in folder.iterdir()
    }
    assert after == before
    assert not (folder / "journal.db-wal").exists()
    assert not (folder / "journal.db-shm").exists()


def test_playback_advances_by_incident_time_and_compresses_gaps(scripted):
    path, playbook, _ = scripted
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        replay.seek(1)
        start = replay.now()
        # the declaration and the backdated milestone are recorded at the same instant
        replay.advance(0)
        assert replay.cursor == 3  # entries at t=0 (declared, detected, tick) all pass
        replay.advance(60)  # one minute: nothing else happens until t=25m
        assert replay.cursor == 3
        assert replay.now() == start + timedelta(minutes=1)
        # find the 90-minute idle gap and cross it with a few seconds of budget
        gap_seq = next(
            s
            for s in range(1, replay.total)
            if replay.entry(s + 1).recorded_at - replay.entry(s).recorded_at > timedelta(minutes=60)
        )
        replay.seek(gap_seq)
        replay.advance(COMPRESSED_GAP.total_seconds() - 1, compress_gaps=True)
        assert replay.cursor == gap_seq
        replay.advance(1, compress_gaps=True)
        assert replay.cursor > gap_seq  # across the gap (and what shares its instant)
        crossed = replay.entry(gap_seq + 1).recorded_at
        assert all(
            replay.entry(s).recorded_at == crossed for s in range(gap_seq + 1, replay.cursor + 1)
        )
        replay.seek(gap_seq)
        replay.advance(COMPRESSED_GAP.total_seconds())  # without compression: stays
        assert replay.cursor == gap_seq


def test_seek_time_and_marks(scripted):
    path, playbook, _ = scripted
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        labels = [m.label for m in replay.marks()]
        assert labels[0] == "declared"
        assert "milestone detected" in labels and "milestone contained" in labels
        assert any(label.startswith("escalation acknowledge level 1") for label in labels)
        assert labels[-1] == "closed"
        first = replay.entry(1).recorded_at
        replay.seek_time(first + timedelta(minutes=26))
        assert replay.entry(replay.cursor).recorded_at <= first + timedelta(minutes=26)
        nxt = replay.entry(replay.cursor + 1)
        assert nxt is None or nxt.recorded_at > first + timedelta(minutes=26)
        assert replay.now() == first + timedelta(minutes=26)


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
    replay = open_replay(path, "INC-0001", Catalog.load())
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
    replay = open_replay(path, "INC-0001", Catalog.load())
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
    replay = open_replay(path, "INC-0001", Catalog.load())

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("right", "right", "right", "right", "right")
        await pilot.pause()

    assert snap_compare(
        IrdeskApp(None, replay=replay), terminal_size=(130, 40), run_before=run_before
    )
