"""The watcher on a fixed clock: escalations fire at each level's due time with no screen
open, once however many watchers and screens run, late ones say why; it survives a locked
journal and bad notify commands; readiness problems open and close defects."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_watch import calls, write_playbook, write_recorder, write_roster

from irdesk import paths
from irdesk.cli import main
from irdesk.domain.clock import FixedClock
from irdesk.domain.config import Config, WatchSettings
from irdesk.domain.incident import LATE_AFTER, K
from irdesk.services import defects, heartbeat
from irdesk.services.desk import Desk
from irdesk.services.watch import Watcher
from irdesk.store import DESK_ID, Journal

LEVEL_1 = timedelta(minutes=20)
LEVEL_2 = timedelta(minutes=30)
# the readiness check at 08:00 is long done by 09:00, where the clocks here start
CONFIG = Config(WatchSettings(check_at=(time(8, 0),)))


@pytest.fixture
def home(irdesk_home: Path, tmp_path: Path) -> Path:
    write_playbook(irdesk_home)
    write_roster(irdesk_home, write_recorder(tmp_path, tmp_path / "calls.jsonl"))
    return irdesk_home


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "calls.jsonl"


def declare_from_the_cli(*extra: str) -> str:
    """What a script at 3 a.m. does: no screen is ever opened on the incident."""
    done = CliRunner().invoke(
        main,
        ["declare", "watched", "--title", "Webshell found", "--commander", "Ada Moreno", *extra],
    )
    assert done.exit_code == 0, done.output
    return done.output.strip()


def declared_at(incident_id: str) -> datetime:
    with Journal.open(paths.default_journal_path(), readonly=True) as journal:
        return journal.get_entry(incident_id, 1).occurred_at


def watcher(clock: FixedClock, *, actor: str = "watcher", **options) -> Watcher:
    journal = Journal.open(
        paths.default_journal_path(), clock=clock, timeout=options.pop("timeout", 5)
    )
    desk = Desk(journal, roster_path=paths.roster_path(), clock=clock, actor=actor)
    return Watcher(desk, config=options.pop("config", CONFIG), **options)


def kinds(incident_id: str, kind: str) -> list:
    with Journal.open(paths.default_journal_path(), readonly=True) as journal:
        return [e for e in journal.entries(incident_id) if e.kind == kind]


def test_an_incident_nobody_opened_is_escalated_at_each_levels_due_time(home, log):
    incident = declare_from_the_cli()
    start = declared_at(incident)
    clock = FixedClock(start)
    w = watcher(clock)
    clock.set(start + LEVEL_1 - timedelta(seconds=1))
    assert w.run_pass().fired == [] and calls(log) == []
    clock.set(start + LEVEL_1)
    (first,) = w.run_pass().fired
    assert first.entry.payload["level"] == 1 and first.entry.occurred_at == start + LEVEL_1
    (argv,) = calls(log)
    assert argv[:3] == [incident, "1", "Ada Moreno, Ben Kaur"]
    clock.set(start + LEVEL_2 - timedelta(seconds=1))
    assert w.run_pass().fired == []
    clock.set(start + LEVEL_2 + timedelta(seconds=5))
    (second,) = w.run_pass().fired
    assert second.entry.payload["level"] == 2 and len(calls(log)) == 2
    # each escalation records when it was due and that the watcher fired it, on time
    escalations = kinds(incident, K.ESCALATED)
    assert [e.payload["due_at"] for e in escalations] == [
        (start + LEVEL_1).isoformat(),
        (start + LEVEL_2).isoformat(),
    ]
    assert {e.payload["firer"] for e in escalations} == {"watcher"}
    assert all("late_reason" not in e.payload for e in escalations)
    notified = kinds(incident, K.NOTIFIED)
    assert [n.payload["escalation_seq"] for n in notified] == [e.seq for e in escalations]
    assert all(n.payload["returncode"] == 0 for n in notified)


def test_two_watchers_and_a_runner_fire_each_level_once(home, log):
    incident = declare_from_the_cli()
    start = declared_at(incident)
    clock = FixedClock(start)
    for moment in (start + LEVEL_1, start + LEVEL_2):
        clock.set(moment)
        ready = threading.Barrier(3)
        errors: list[BaseException] = []

        def run(make, errors=errors, ready=ready) -> None:
            try:
                work = make()  # each opens its own journal connection, in its own thread
                ready.wait(timeout=10)
                work()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        def a_watcher():
            return watcher(clock).run_pass

        def a_runner():
            journal = Journal.open(paths.default_journal_path(), clock=clock)
            desk = Desk(journal, roster_path=paths.roster_path(), clock=clock, actor="Ada")
            return desk.session(incident).check_timers

        threads = [
            threading.Thread(target=run, args=(m,)) for m in (a_watcher, a_watcher, a_runner)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
    assert [e.payload["level"] for e in kinds(incident, K.ESCALATED)] == [1, 2]
    assert [argv[1] for argv in calls(log)] == ["1", "2"]
    assert len(kinds(incident, K.NOTIFIED)) == 2


def test_a_watcher_started_late_fires_and_says_nobody_was_watching(home, log):
    incident = declare_from_the_cli()
    start = declared_at(incident)
    clock = FixedClock(start + LEVEL_1 + timedelta(minutes=7))
    w = watcher(clock)
    (fired,) = w.run_pass().fired
    payload = fired.entry.payload
    assert payload["late_reason"] == (
        "no watcher was running when it was due; fired when the watcher started"
    )
    desk = w.desk
    state = desk.session(incident).state
    (escalation,) = state.escalations
    assert escalation.late_by == timedelta(minutes=7)
    assert escalation.due_at == start + LEVEL_1


def test_a_screen_that_fires_late_says_no_watcher_was_running(home, log):
    incident = declare_from_the_cli()
    start = declared_at(incident)
    clock = FixedClock(start + LEVEL_1 + LATE_AFTER * 2)
    journal = Journal.open(paths.default_journal_path(), clock=clock)
    desk = Desk(journal, roster_path=paths.roster_path(), clock=clock, actor="Ada")
    (fired,) = desk.session(incident).check_timers()
    assert fired.entry.payload["firer"] == "screen"
    assert fired.entry.payload["late_reason"].startswith("no watcher was running when it was due")


def test_a_locked_journal_is_survived_and_named_when_the_escalation_is_late(home, log):
    incident = declare_from_the_cli()
    start = declared_at(incident)
    clock = FixedClock(start + LEVEL_1 - timedelta(minutes=1))
    w = watcher(clock, timeout=0.2)
    w.run_pass()
    holder = sqlite3.connect(paths.default_journal_path(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        clock.set(start + LEVEL_1 + timedelta(seconds=10))
        report = w.run_pass()
        assert not report.ok and "locked" in report.trouble
        assert report.fired == [] and calls(log) == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    clock.set(start + LEVEL_1 + timedelta(minutes=5))
    report = w.run_pass()
    assert report.ok
    (fired,) = report.fired
    assert "could not fire it in time" in fired.entry.payload["late_reason"]
    assert "locked" in fired.entry.payload["late_reason"]
    assert len(calls(log)) == 1


def test_a_hung_notify_command_is_killed_and_the_next_incident_still_paged(
    irdesk_home, tmp_path, log
):
    write_playbook(irdesk_home)
    write_roster(irdesk_home, write_recorder(tmp_path, log, sleep=60), timeout="1s")
    first = declare_from_the_cli()
    second = declare_from_the_cli()
    clock = FixedClock(declared_at(second) + LEVEL_1)
    report = watcher(clock).run_pass()
    assert [f.entry.incident_id for f in report.fired] == [first, second]
    assert report.failed_pages == 2
    for incident in (first, second):
        (notified,) = kinds(incident, K.NOTIFIED)
        assert notified.payload["error"] == "timed out after 1s (killed)"
    assert len(calls(log)) == 2  # both ran (and were killed), one after the other


def test_a_failing_notify_command_is_journaled_and_counted(irdesk_home, tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('no route to pager')\nsys.exit(7)\n")
    write_playbook(irdesk_home)
    write_roster(irdesk_home, script)
    incident = declare_from_the_cli()
    report = watcher(FixedClock(declared_at(incident) + LEVEL_1)).run_pass()
    assert report.failed_pages == 1
    (notified,) = kinds(incident, K.NOTIFIED)
    assert notified.payload["error"] == "exited with status 7"
    assert "no route to pager" in notified.payload["output"]


def test_a_roster_others_could_write_pages_nobody_and_the_journal_says_why(home, log):
    incident = declare_from_the_cli()
    paths.roster_path().chmod(0o666)
    watcher(FixedClock(declared_at(incident) + LEVEL_1)).run_pass()
    (escalation,) = kinds(incident, K.ESCALATED)
    (notified,) = kinds(incident, K.NOTIFIED)
    assert notified.payload["error"].startswith("nobody was paged: the roster was not loaded")
    assert "can be written by anyone" in notified.payload["error"]
    assert calls(log) == []


def test_the_watcher_follows_roster_edits(home, log, tmp_path):
    incident = declare_from_the_cli()
    start = declared_at(incident)
    clock = FixedClock(start + LEVEL_1)
    w = watcher(clock)
    w.run_pass()
    other = tmp_path / "other.jsonl"
    write_roster(paths.home(), write_recorder(tmp_path / "..", other), args=("{person}",))
    clock.set(start + LEVEL_2)
    w.run_pass()
    assert len(calls(log)) == 1
    assert calls(other) == [["Ada Moreno"], ["Ben Kaur"]]  # one run per person now


def test_drills_are_left_alone_and_page_nobody(home, log):
    clock = FixedClock()
    journal = Journal.open(paths.default_journal_path(), clock=clock)
    desk = Desk(journal, roster_path=paths.roster_path(), clock=clock, actor="Ada")
    drill = desk.start_drill(desk.catalog.scenario("ttx-ceo-phish"))
    drill.start_clock()
    clock.advance(timedelta(hours=2))
    report = watcher(clock).run_pass()
    assert report.fired == []
    assert kinds(drill.incident_id, K.ESCALATED) == [] and calls(log) == []


def test_the_heartbeat_says_who_is_watching_and_goes_when_it_stops(home):
    clock = FixedClock()
    w = watcher(clock)
    w.run_pass()
    journal = w.desk.journal
    status = heartbeat.watch_status(journal, clock.now())
    assert status.state == "running" and status.beats[0].who == "watcher"
    assert status.beats[0].doing.startswith("idle; next pass at")
    clock.advance(timedelta(minutes=5))
    assert heartbeat.watch_status(journal, clock.now()).state == "stale"
    w.close()
    assert heartbeat.watch_status(journal, clock.now()).state == "none"


def test_a_cron_watcher_leaves_its_heartbeat_for_the_next_run(home):
    clock = FixedClock()
    w = watcher(clock, once=True, every=timedelta(minutes=5))
    w.run_pass()
    w.close()
    journal = w.desk.journal
    (beat,) = heartbeat.beats(journal)
    assert beat.once and beat.key.endswith(":once")
    assert heartbeat.watch_status(journal, clock.now() + timedelta(minutes=10)).watching
    assert not heartbeat.watch_status(journal, clock.now() + timedelta(minutes=11)).watching


def test_a_stop_request_mid_pass_finishes_the_page_in_progress_then_stops(home, log):
    first = declare_from_the_cli()
    second = declare_from_the_cli()
    clock = FixedClock(declared_at(second) + LEVEL_1)
    w = watcher(clock)
    original = w.desk.session

    def session_then_stop(incident_id):  # the stop arrives while the first page is sent
        session = original(incident_id)
        send = session.send

        def send_and_stop(outgoing):
            w.stop()
            return send(outgoing)

        session.send = send_and_stop
        return session

    w.desk.session = session_then_stop
    report = w.run_pass()
    assert report.stopped
    assert [f.entry.incident_id for f in report.fired] == [first]
    assert len(kinds(first, K.NOTIFIED)) == 1  # the page in progress was finished
    assert kinds(second, K.ESCALATED) == []


def test_readiness_problems_open_and_close_defects(irdesk_home, tmp_path):
    write_playbook(irdesk_home)
    roster = write_roster(irdesk_home, write_recorder(tmp_path, tmp_path / "calls.jsonl"))
    text = roster.read_text()
    roster.write_text(text.split("notify:")[0])  # no notify command: escalations page nobody
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    config = Config(WatchSettings(check_at=(time(8, 0),)))
    w = watcher(clock, config=config)
    report = w.run_pass()
    assert report.readiness is not None
    opened = {f.key for f in report.readiness.opened}
    assert "readiness/notify" in opened and "readiness/playbook/watched/drill" in opened
    clock.advance(timedelta(hours=1))
    assert w.run_pass().readiness is None  # once a day: not again before tomorrow 08:00
    roster.write_text(text)  # fixed
    clock.set(datetime(2026, 11, 24, 8, 0, 5, tzinfo=UTC))
    report = w.run_pass()
    assert [d.key for d in report.readiness.closed] == ["readiness/notify"]
    ledger = defects.ledger(w.desk.journal)
    (closed,) = ledger.closed
    assert closed.closed_at == clock.now() and closed.opened_at < closed.closed_at
    assert "readiness/notify" not in ledger.open
    kinds_in_desk = [e.kind for e in w.desk.journal.entries(DESK_ID)]
    assert kinds_in_desk.count("defect.closed") == 1


def test_the_report_lists_the_defects_open_while_the_incident_ran(home):
    import io

    from irdesk.domain.defects import Found
    from irdesk.report.render import render
    from irdesk.services.review import load_report

    def rendered(report, fmt: str) -> str:
        out = io.StringIO()
        render(report, fmt, out)
        return out.getvalue()

    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    journal = Journal.open(paths.default_journal_path(), clock=clock)

    def found(*keys: str) -> list[Found]:
        return [Found(f"readiness/{k}", "readiness", f"{k} is broken") for k in keys]

    defects.record(journal, "readiness", found("before", "during"), actor="w")
    clock.advance(timedelta(hours=1))
    defects.record(journal, "readiness", found("during"), actor="w")  # "before" is fixed
    clock.advance(timedelta(hours=1))
    desk = Desk(journal, roster_path=paths.roster_path(), clock=clock, actor="Ada")
    incident = desk.declare(desk.catalog.playbook("watched"), title="x").incident_id
    clock.advance(timedelta(hours=1))
    defects.record(journal, "readiness", found("during", "after"), actor="w")
    report = load_report(journal, incident, now=clock.now())
    assert [d.key for d in report.defects] == ["readiness/during", "readiness/after"]
    markdown = rendered(report, "md")
    assert "## Readiness defects open while it ran" in markdown
    assert "- during is broken (opened 2026-11-23 09:00:00, still open)" in markdown
    assert '"text": "after is broken"' in rendered(report, "json")
    html = rendered(report, "html")
    assert "<li>during is broken <span" in html
    assert "(opened 2026-11-23 09:00:00, still open)</span></li>" in html
