"""Detection in the watcher, on a fixed clock: scheduled scans per source (never two at
once, bounded, a failure a defect), and findings nobody acknowledged escalated like a
playbook timer (same journaling, once across two watchers, late ones say why)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_findings import burst, failed, write_log
from helpers_watch import calls, write_playbook, write_recorder, write_roster

from irdesk import paths
from irdesk.domain.clock import FixedClock
from irdesk.domain.config import Config
from irdesk.domain.incident import K
from irdesk.formats.catalog import load_config
from irdesk.services import defects, scheduled
from irdesk.services.desk import Desk
from irdesk.services.findings import acknowledge, finding_state
from irdesk.services.scan import MemoryRecorder, scan
from irdesk.services.watch import Watcher
from irdesk.store import Journal

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EVERY = timedelta(minutes=1)
RULES = """\
irdesk: rules/1
sources:
  - id: test-auth
    paths: [{log}]
    format: syslog
    timezone: UTC
rules:
  - id: test-guessing
    title: "Password guessing from {{ip}}"
    source: threat-model
    reviewed: 2026-11-01
    severity: SEV2
    requires: [test-auth]
    match: 'sshd\\[\\d+\\]: Failed password for (?P<user>\\S+) from (?P<ip>\\S+)'
    group_by: [ip]
    threshold: {{count: 3, within: 60s}}
    playbook: {playbook}
    acknowledge: 20m
"""


SCAN_EVERY_MINUTE = "scan:\n  sources: {test-auth: 1m}\n"


def write_config(home: Path, text: str = SCAN_EVERY_MINUTE) -> Config:
    """The config the watcher reads (again at its first readiness check); its readiness
    check at 08:00 is long done by noon, where the clocks here start."""
    path = home / "config.yaml"
    path.write_text(f'irdesk: config/1\nwatch:\n  check_at: ["08:00"]\n{text}')
    config, result = load_config(path)
    assert result is None or result.ok, result.errors
    return config


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "auth.log", mtime=START)


@pytest.fixture
def home(irdesk_home: Path, tmp_path: Path, log: Path) -> Path:
    write_playbook(irdesk_home)
    write_roster(irdesk_home, write_recorder(tmp_path, tmp_path / "calls.jsonl"))
    write_rules(irdesk_home, log)
    write_config(irdesk_home)
    return irdesk_home


def write_rules(home: Path, log: Path, playbook: str = "watched") -> Path:
    folder = home / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "here.yaml"
    path.write_text(RULES.format(log=log, playbook=playbook))
    return path


def watcher(clock: FixedClock, actor: str = "watcher") -> Watcher:
    journal = Journal.open(paths.default_journal_path(), clock=clock)
    desk = Desk(journal, roster_path=paths.roster_path(), clock=clock, actor=actor)
    return Watcher(desk)


def attack(log: Path, at: datetime) -> None:
    write_log(log, *burst(at - timedelta(seconds=30)), mtime=at, append=True)


def open_defects(journal: Journal, area: str) -> list[str]:
    return sorted(d.key for d in defects.ledger(journal).open.values() if d.area == area)


# --------------------------------------------------------------------------- scans


def test_the_watcher_scans_a_source_on_its_schedule_and_records_a_burst_once(home, log):
    clock = FixedClock(START)
    w = watcher(clock)
    first = w.run_pass()
    assert [s.sources for s in first.scans] == [["test-auth"]]
    assert first.scans[0].report.findings == []

    attack(log, START + timedelta(seconds=20))
    clock.set(START + timedelta(seconds=30))
    second = w.run_pass()
    assert second.ok, second.trouble
    assert second.scans[0].sources == []  # not due before its minute is up

    clock.set(START + EVERY)
    (scanned,) = w.run_pass().scans
    assert scanned.recorded and list(scanned.recorded.values()) == ["FND-0001"]
    clock.set(START + 2 * EVERY)
    assert w.run_pass().scans[0].report.findings == []  # read from where it stopped
    state = finding_state(w.desk.journal, "FND-0001")
    assert (state.rule, state.count, state.recorded_at) == ("test-guessing", 3, START + EVERY)


def test_without_a_scan_section_the_watcher_scans_nothing(home, log):
    attack(log, START)
    write_config(home, "")
    w = watcher(FixedClock(START))
    assert w.run_pass().scans == []
    assert w.desk.journal.incidents(chain="finding") == []


def test_a_source_turned_off_is_not_scanned(home, log):
    attack(log, START)
    write_config(home, "scan:\n  every: 1m\n  sources: {test-auth: off}\n")
    w = watcher(FixedClock(START))
    report = w.run_pass()
    assert all("test-auth" not in s.sources for s in report.scans)


def test_a_source_claimed_by_another_watcher_is_left_to_it(home, log):
    clock = FixedClock(START)
    one, two = watcher(clock, actor="one"), watcher(clock, actor="two")
    journal = one.desk.journal
    settings = one.config.scan
    assert scheduled.claim(journal, settings, ["test-auth"], START, "one") == ["test-auth"]
    assert two.run_pass().scans[0].sources == []  # still running in "one"
    clock.set(START + timedelta(minutes=5))
    assert two.run_pass().scans[0].sources == []  # never finished, but not abandoned yet
    clock.set(START + scheduled.CLAIM_EXPIRES)
    assert two.run_pass().scans[0].sources == ["test-auth"]  # its scanner vanished


def test_broken_rules_are_a_defect_closed_once_they_are_fixed(home, log):
    rules = write_rules(home, log)
    text = rules.read_text()
    rules.write_text(text.replace("match: 'sshd", "match: '(sshd"))
    clock = FixedClock(START)
    w = watcher(clock)
    (done,) = w.run_pass().scans
    assert "problem in the rules files: scheduled scans stopped" in done.problem
    assert open_defects(w.desk.journal, "scan") == ["scan/rules"]
    rules.write_text(text)
    clock.set(START + EVERY)
    (done,) = w.run_pass().scans
    assert done.problem == "" and done.sources == ["test-auth"]
    assert open_defects(w.desk.journal, "scan") == []


def test_a_scan_that_fails_is_a_defect_and_the_watcher_goes_on(home, log, monkeypatch):
    clock = FixedClock(START)
    w = watcher(clock)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patched:
        patched.setattr(scheduled, "scan", broken)
        report = w.run_pass()
    assert report.ok and "failed: RuntimeError" in report.scans[0].problem
    (defect,) = [d for d in defects.ledger(w.desk.journal).open.values() if d.area == "scan"]
    assert (defect.key, defect.detail) == ("scan/failed", "disk on fire")
    clock.set(START + EVERY)  # the failed scan finished: due again a minute on
    assert w.run_pass().scans[0].sources == ["test-auth"]
    assert open_defects(w.desk.journal, "scan") == []


def test_a_scan_reads_at_most_max_read_bytes_and_the_next_goes_on(tmp_path, log):
    from helpers_findings import ruleset

    write_log(log, *burst(START - timedelta(minutes=5), count=6, every=5), mtime=START)
    loaded = ruleset(write_rules(tmp_path, log))
    rules = [loaded.rules["test-guessing"]]
    whole = scan(rules, loaded.sources, MemoryRecorder(), now=START)
    recorder = MemoryRecorder()
    size = len(failed(START))
    parts = []
    while True:
        part = scan(rules, loaded.sources, recorder, now=START, max_read=size * 2 + 5)
        parts.append(part)
        if not part.more:
            break
    assert [p.lines for p in parts] == [2, 2, 2]  # the third line's start waits its turn
    assert sum(p.lines for p in parts) == whole.lines == 6
    found = [f.id for p in parts for f in p.findings]
    assert found == [f.id for f in whole.findings] and len(found) == 2


# --------------------------------------------------------------------------- escalation

ACK = timedelta(minutes=20)


def found(home: Path, log: Path, clock: FixedClock, w: Watcher) -> datetime:
    attack(log, clock.now())
    w.run_pass()
    return finding_state(w.desk.journal, "FND-0001").recorded_at


def test_a_finding_nobody_acknowledges_escalates_along_its_playbooks_path(home, log, tmp_path):
    clock = FixedClock(START)
    w = watcher(clock)
    recorded = found(home, log, clock, w)
    notified = tmp_path / "calls.jsonl"
    clock.set(recorded + ACK - timedelta(seconds=1))
    assert w.run_pass().fired == [] and calls(notified) == []
    clock.set(recorded + ACK)
    (first,) = w.run_pass().fired
    assert first.entry.incident_id == "FND-0001"
    clock.set(recorded + ACK + timedelta(minutes=10))  # the playbook's level 2, 10m on
    (second,) = w.run_pass().fired
    pages = calls(notified)
    assert [p[:3] for p in pages] == [
        ["FND-0001", "1", "Ada Moreno, Ben Kaur"],
        ["FND-0001", "2", "Ada Moreno, Ben Kaur"],
    ]
    assert "FND-0001 Password guessing from 203.0.113.9: not acknowledged within 20m" in pages[0][3]
    entries = list(w.desk.journal.entries("FND-0001"))
    fired = [e.payload for e in entries if e.kind == K.ESCALATED]
    assert [(p["timer"], p["level"], p["role"], p["firer"]) for p in fired] == [
        ("acknowledge", 1, "commander", "watcher"),
        ("acknowledge", 2, "lead", "watcher"),
    ]
    assert [p["due_at"] for p in fired] == [
        (recorded + ACK).isoformat(),
        (recorded + ACK + timedelta(minutes=10)).isoformat(),
    ]
    assert all("late_reason" not in p for p in fired)
    assert [e.payload["returncode"] for e in entries if e.kind == K.NOTIFIED] == [0, 0]

    acknowledge(w.desk.journal, "FND-0001", actor="Ada Moreno")
    clock.set(recorded + timedelta(hours=5))
    assert w.run_pass().fired == []  # acknowledged: no reminder
    assert finding_state(w.desk.journal, "FND-0001").status == "acknowledged"


def test_two_watchers_page_each_level_of_a_finding_once(home, log, tmp_path):
    clock = FixedClock(START)
    one, two = watcher(clock, actor="one"), watcher(clock, actor="two")
    recorded = found(home, log, clock, one)
    clock.set(recorded + ACK)
    fired = one.run_pass().fired + two.run_pass().fired
    assert len(fired) == 1 and len(calls(tmp_path / "calls.jsonl")) == 1
    entries = one.desk.journal.entries("FND-0001")
    assert len([e for e in entries if e.kind == K.ESCALATED]) == 1


def test_a_late_finding_escalation_says_no_watcher_was_running(home, log, tmp_path):
    clock = FixedClock(START)
    w = watcher(clock)
    recorded = found(home, log, clock, w)
    w.close()
    clock.set(recorded + ACK + timedelta(minutes=5))
    later = watcher(clock)
    (late,) = later.run_pass().fired
    assert late.entry.payload["late_reason"].startswith("no watcher was running")


def test_a_finding_without_a_playbook_pages_whoever_is_on_call(home, log, tmp_path):
    write_rules(home, log, playbook="no-such-playbook")
    clock = FixedClock(START)
    w = watcher(clock)
    recorded = found(home, log, clock, w)
    clock.set(recorded + ACK)
    (page,) = w.run_pass().fired
    assert page.entry.payload["role"] == "on-call"
    assert calls(tmp_path / "calls.jsonl")[0][:3] == ["FND-0001", "1", "Ada Moreno, Ben Kaur"]


def test_a_scan_it_could_not_mark_finished_is_the_same_watchers_to_run_again(home, log):
    clock = FixedClock(START)
    w = watcher(clock)
    journal = w.desk.journal
    # its last scan ended while the journal was locked: claimed, never marked finished
    assert scheduled.claim(journal, w.config.scan, ["test-auth"], START, w.me.key)
    clock.set(START + timedelta(seconds=20))
    assert w.run_pass().scans[0].sources == ["test-auth"]
