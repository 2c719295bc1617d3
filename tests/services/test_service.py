"""Service-level behaviour that spans processes or modes (no terminal)."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import Collision, K
from irdesk.domain.models import Notify, Person, Roster
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal, JournalError


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[Roster, Path]:
    log = tmp_path / "argv.jsonl"
    script = tmp_path / "notify.py"
    script.write_text(
        f"import json, sys\nopen({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    roster = Roster(
        people=(
            Person("Ada Moreno", ("commander",), on_call=True),
            Person("Ben Kaur", ("security-lead",), on_call=True),
        ),
        notify=Notify((sys.executable, str(script), "{incident}", "{level}", "{message}")),
    )
    return roster, log


def _desk(path: Path, clock: FixedClock, roster: Roster, actor: str) -> Desk:
    return Desk(
        Journal.open(path, clock=clock),
        catalog=Catalog.load(),
        roster=roster,
        clock=clock,
        actor=actor,
    )


def _two_responders(path: Path, clock: FixedClock, roster: Roster):  # noqa: ANN202
    """ada declares an incident; ben opens it from his own desk (his own connection)."""
    one = _desk(path, clock, roster, "ada")
    playbook = one.catalog.playbook("account-compromise")
    first = one.declare(playbook, title="Shared", severity="SEV2")
    return one, first, _desk(path, clock, roster, "ben").session(first.incident_id)


def test_two_screens_firing_the_same_escalation_record_and_notify_once(tmp_path, recorder):
    roster, log = recorder
    clock = FixedClock()
    one, first, second = _two_responders(tmp_path / "journal.db", clock, roster)
    clock.advance(timedelta(minutes=21))
    # Both screens computed the escalation as due before either wrote it.
    assert first.state.due_escalations(clock.now())
    assert second.state.due_escalations(clock.now())
    fired_first = first.check_timers()
    fired_second = second.check_timers()
    assert len(fired_first) == 1 and fired_second == []
    escalations = [e for e in one.journal.entries(first.incident_id) if e.kind == K.ESCALATED]
    assert len(escalations) == 1
    assert len(log.read_text().splitlines()) == 1
    second.refresh()
    assert [e.level for e in second.state.escalations] == [1]


def test_notify_argv_is_substituted_per_argument_without_a_shell(tmp_path, recorder):
    roster, log = recorder
    clock = FixedClock()
    desk = _desk(tmp_path / "journal.db", clock, roster, "ada")
    session = desk.declare(
        desk.catalog.playbook("account-compromise"),
        title="Invoice; rm -rf ~ $(reboot)",
        severity="SEV2",
    )
    clock.advance(timedelta(minutes=20))
    session.check_timers()
    (argv,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert argv[0] == session.incident_id and argv[1] == "1"
    assert "Invoice; rm -rf ~ $(reboot)" in argv[2]
    notified = [e for e in desk.journal.entries(session.incident_id) if e.kind == K.NOTIFIED]
    assert notified[0].payload["returncode"] == 0 and notified[0].payload["error"] is None


def test_a_failing_notify_command_is_journaled_not_fatal(tmp_path):
    roster = Roster(
        people=(Person("Ada", ("commander",)),),
        notify=Notify(("/nonexistent/notifier", "{message}")),
    )
    clock = FixedClock()
    desk = _desk(tmp_path / "journal.db", clock, roster, "ada")
    session = desk.declare(desk.catalog.playbook("account-compromise"), title="x", severity="SEV2")
    clock.advance(timedelta(minutes=20))
    assert len(session.check_timers()) == 1
    notified = [e for e in desk.journal.entries(session.incident_id) if e.kind == K.NOTIFIED]
    assert "command not found" in notified[0].payload["error"]


def test_drills_run_playbook_timers_on_the_exercise_clock_and_page_nobody(tmp_path, recorder):

    roster, log = recorder
    clock = FixedClock()
    desk = _desk(tmp_path / "journal.db", clock, roster, "ada")
    drill = desk.start_drill(desk.catalog.scenario("ttx-ceo-phish"))
    clock.advance(timedelta(minutes=30))  # the exercise clock has not started: no lapse
    assert drill.check_timers() == []
    drill.start_clock()
    drill.set_speed(10)
    clock.advance(timedelta(minutes=1))  # 10 exercise minutes
    assert drill.check_timers() == []
    drill.pause()
    clock.advance(timedelta(hours=2))  # paused: timers stand still too
    assert drill.check_timers() == []
    drill.resume()
    clock.advance(timedelta(minutes=1, seconds=6))  # 21 exercise minutes in all
    fired = drill.check_timers()
    assert [f.due.level for f in fired] == [1]
    assert fired[0].calls == [] and not log.exists()  # nobody real is paged in a drill


def test_losing_the_race_between_refresh_and_append_is_harmless(tmp_path, recorder, monkeypatch):
    roster, log = recorder
    clock = FixedClock()
    path = tmp_path / "journal.db"
    one = _desk(path, clock, roster, "ada")
    first = one.declare(one.catalog.playbook("account-compromise"), title="Race", severity="SEV2")
    second = _desk(path, clock, roster, "ben").session(first.incident_id)
    clock.advance(timedelta(minutes=20))
    first.check_timers()
    # The second screen's refresh happened just before the first one wrote.
    monkeypatch.setattr(second, "refresh", lambda: [])
    assert second.fire_due_escalations() == []
    assert len(log.read_text().splitlines()) == 1
    kinds = [e.kind for e in one.journal.entries(first.incident_id)]
    assert kinds.count(K.ESCALATED) == 1


def test_acknowledging_a_containment_escalation_does_not_record_contained(tmp_path):
    clock = FixedClock()
    desk = _desk(tmp_path / "journal.db", clock, Roster(people=()), "ada")
    playbook = desk.catalog.playbook("account-compromise")
    session = desk.declare(playbook, title="x", severity="SEV2")
    session.milestone("acknowledged")
    contain = next(t for t in playbook.timers if t.stop.name == "contained")
    clock.advance(contain.within + timedelta(minutes=1))
    fired = session.check_timers()
    assert [f.due.timer.id for f in fired] == [contain.id]
    session.acknowledge(contain.id)
    assert "contained" not in session.state.milestones
    assert session.state.escalations[0].acknowledged_by == "ada"


def test_reconnect_gives_the_desk_another_lock_timeout_and_keeps_the_warnings(tmp_path):
    """The desk on screen reconnects with short tries for the write lock; what the first
    open warned about (loose permissions, triggers put back) is still there to show, and
    the connection it had is closed (only one is left)."""
    path = tmp_path / "journal.db"
    clock = FixedClock()
    with Journal.open(path, clock=clock):
        pass
    path.chmod(0o644)
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER entries_no_delete")
    raw.commit()
    raw.close()
    first = Journal.open(path, clock=clock)
    warnings = list(first.warnings)
    assert len(warnings) == 2  # loose mode, and the trigger put back
    desk = Desk(first, catalog=Catalog(), clock=clock, actor="ada")
    desk.reconnect(timeout=0.2)
    try:
        assert desk.journal is not first and desk.journal.timeout == 0.2
        assert desk.journal.warnings == warnings
        assert desk.journal.clock is clock
        with pytest.raises(JournalError, match="closed database"):
            first.data_version()
        session = desk.declare(Catalog.load().playbook("ransomware"), title="t")
        assert session.record.id == "INC-0001"
        # an escalation fired late explains itself from the journal the desk has now (it
        # read the closed first connection, and the runner's escalations all failed)
        clock.advance(3 * 3600)
        fired = session.fire_due_escalations()
        assert fired and "late_reason" in fired[0].entry.payload
    finally:
        desk.journal.close()


def test_a_second_responder_acting_on_what_they_saw_is_refused_with_who_did_what(
    tmp_path, recorder
):
    roster, _log = recorder
    clock = FixedClock()
    one, first, second = _two_responders(tmp_path / "journal.db", clock, roster)
    step = first.state.current
    assert step is not None and second.state.current == step  # both screens show it open
    first.complete(step)
    with pytest.raises(Collision, match=r"is already done: ada marked it done at .*entry 2"):
        second.complete(step)  # ben's screen had not refreshed yet
    entries = list(one.journal.entries(first.incident_id))
    assert [e.kind for e in entries].count(K.STEP_DONE) == 1
    assert entries[-1].payload["visit"] == 1  # what its author saw travels with the action
    assert second.state.steps[step].actor == "ada"  # and ben's screen caught up
