"""Replay shows exactly what the live runner showed, and never writes a byte."""

from __future__ import annotations

import hashlib
import random
import threading
from datetime import timedelta

import pytest
from helpers_replay import script_incident
from helpers_store import attacker, python_lines, sqlite_work

from irdesk.domain.fold import IncidentState
from irdesk.formats.catalog import Catalog
from irdesk.services.replay import COMPRESSED_GAP, MARK_KINDS, Replay, open_replay
from irdesk.store import Journal


@pytest.fixture
def scripted(tmp_path):
    """A whole incident worked through the service; the live state after every entry."""
    return script_incident(tmp_path / "journal.db", Catalog.load())


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


@pytest.fixture
def long_incident(scripted):
    """The scripted incident with 600 notes appended after it (as a long incident is)."""
    path, playbook, _ = scripted
    with Journal.open(path) as journal:
        for n in range(600):
            journal.append("INC-0001", "note", {"text": f"note {n}"}, actor="ada")
    return path, playbook


def test_a_step_costs_the_same_anywhere_in_the_incident(long_incident, monkeypatch):
    """Stepping one entry finds its checkpoint by arithmetic: the work does not grow with
    the position (nor with the number of checkpoints kept behind it)."""
    monkeypatch.setattr("irdesk.services.replay.CHECKPOINT_EVERY", 2)
    path, playbook = long_incident
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        costs = {}
        for where in (20, replay.total - 20):  # every checkpoint is kept, going there
            replay.seek(where)
            forward = python_lines(lambda: replay.step(1))
            back = python_lines(lambda: replay.step(-1))
            costs[where] = (forward, back)
        near, far = costs.values()
        assert far[0] <= near[0] * 1.2 and far[1] <= near[1] * 1.2, costs


def test_marks_are_read_by_kind(long_incident):
    path, playbook = long_incident
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        with sqlite_work(journal) as work:
            marks = replay.marks()
        assert work[0] <= 2, work  # not the 600 notes
        expected = Replay(journal, "INC-0001", playbook)
        assert [m.seq for m in marks] == [
            e.seq
            for e in journal.entries("INC-0001")
            if e.kind in MARK_KINDS and any(m.seq == e.seq for m in marks)
        ]
        assert marks[-1].label == "closed" and expected.total == replay.total


def test_a_far_seek_is_prepared_on_a_connection_of_its_own(long_incident, monkeypatch):
    """`end` from the start of a long incident: prepare() folds on its own connection (in
    a worker thread, on screen) and the seek that follows is short."""
    monkeypatch.setattr("irdesk.services.replay.CHECKPOINT_EVERY", 10)
    monkeypatch.setattr("irdesk.services.replay.FAR", 50)
    path, playbook = long_incident
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        assert replay.far(replay.total) and not replay.far(40)
        stopped = Replay(journal, "INC-0001", playbook)
        asked = []
        stopped.prepare(stopped.total, cancelled=lambda: asked.append(1) or len(asked) > 2)
        assert stopped.far(stopped.total) and len(asked) == 3  # stopped where it was told

        worker = threading.Thread(target=replay.prepare, args=(replay.total,))
        worker.start()
        worker.join()
        assert replay.cursor == 1  # the cursor and the state were left alone
        assert not replay.far(replay.total)
        with sqlite_work(journal) as work:
            replay.seek(replay.total)
        assert work[0] <= 2, work
        assert replay.state == IncidentState.fold(playbook, list(journal.entries("INC-0001")))
        # and back to the start, and forward again, through the checkpoints it left
        for seq in (1, 333, replay.total - 1):
            replay.seek(seq)
            assert replay.state == IncidentState.fold(
                playbook, list(journal.entries("INC-0001", until_seq=seq))
            )


def test_a_journal_with_deleted_entries_replays_over_the_gaps(scripted):
    """Replay is how a reviewer looks at a journal that does not verify: entries an
    attacker deleted leave gaps in the seqs, and every way of moving must cross them."""
    path, playbook, _ = scripted
    with Journal.open(path, readonly=True) as journal:
        total = journal.entry_count("INC-0001")
        last_time = journal.get_entry("INC-0001", total).recorded_at
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq IN (5, 6)")
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = ?", (total,))
    conn.close()
    with Journal.open(path, readonly=True) as journal:
        replay = Replay(journal, "INC-0001", playbook)
        replay.seek(4)
        replay.step(1)
        assert replay.cursor == 7  # over the gap, not stuck at 4
        replay.step(-1)
        assert replay.cursor == 4
        replay.advance(24 * 3600)  # play to the end: through the gap and the lost last entry
        assert replay.cursor == total - 1
        assert replay.advance(60) == 0
        replay.seek(4)
        replay.seek_time(last_time)
        assert replay.cursor == total - 1
        replay.seek(4)
        replay.step(total)
        assert replay.cursor == total - 1
