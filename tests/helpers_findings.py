"""Helpers for the findings tests: a rules file of the test's own over a log it writes,
scans that record in a real journal, and a finding recorded the way a scan records it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from irdesk.domain.clock import FixedClock
from irdesk.formats.rules import RuleSet, default_files, load_rules
from irdesk.services.findings import JournalRecorder
from irdesk.services.scan import ScanReport, scan
from irdesk.store import Journal

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
IP = "203.0.113.9"

RULES = """\
irdesk: rules/1
sources:
  - id: test-auth
    paths: [{log}]
    format: syslog
    timezone: UTC
  - id: test-web
    paths: [{web}]
    format: apache-access
rules:
  - id: test-guessing
    title: "Password guessing from {{ip}}"
    source: past-incident
    incident: INC-0001
    reviewed: 2026-11-01
    severity: SEV2
    requires: [test-auth]
    match: 'sshd\\[\\d+\\]: Failed password for (?P<user>\\S+) from (?P<ip>\\S+)'
    group_by: [ip]
    threshold: {{count: 3, within: 60s}}
    playbook: account-compromise
    acknowledge: 20m
  - id: test-web-errors
    title: "Errors for {{ip}}"
    source: threat-model
    reviewed: 2026-11-01
    requires: [test-web]
    match: '^(?P<ip>\\S+) .* 500 '
"""


def failed(at: datetime, ip: str = IP, user: str = "root") -> str:
    stamp = at.strftime("%b %e %H:%M:%S")
    return f"{stamp} web1 sshd[42]: Failed password for {user} from {ip} port 22 ssh2\n"


def write_log(path: Path, *times: datetime, mtime: datetime = NOW, append: bool = False) -> Path:
    with path.open("a" if append else "w") as handle:
        handle.write("".join(failed(t) for t in times))
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def rules_file(folder: Path, log: Path, web: Path | None = None) -> Path:
    path = folder / "test-rules.yaml"
    path.write_text(RULES.format(log=log, web=web or folder / "no-such-access.log"))
    return path


def ruleset(path: Path) -> RuleSet:
    loaded = load_rules([(path, False)], background=default_files())
    assert loaded.ok, loaded.errors
    return loaded


def record(
    journal: Journal,
    rules: RuleSet,
    *,
    now: datetime = NOW,
    since: datetime | None = None,
    actor: str = "cron",
) -> tuple[ScanReport, JournalRecorder]:
    recorder = JournalRecorder(journal, rules, actor)
    report = scan(
        list(rules.rules.values()),
        rules.sources,
        recorder,
        now=now,
        since=since,
        rules_files=[m.source for m in rules.used_files() if m.source is not None],
    )
    return report, recorder


def burst(start: datetime, count: int = 3, every: int = 10) -> list[datetime]:
    return [start + timedelta(seconds=every * i) for i in range(count)]


def journal_at(path: Path, clock: FixedClock | None = None) -> Journal:
    return Journal.open(path, clock=clock or FixedClock(NOW))
