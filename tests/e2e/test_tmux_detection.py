"""End to end: issue 14's "done when", with the installed irdesk. A user's rules file
points the auth source at a log and tightens the SSH rule's acknowledge time; `irdesk
watch` runs with a short scan schedule. A burst of failed SSH logins appended to the log
becomes a finding within a minute, is paged when nobody acknowledges it, shows on the
desk's findings screen, and becomes an incident with its evidence in one key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_watch import wait_until
from tmux_helpers import base_env, quit_live

from irdesk.domain.finding import FK
from irdesk.domain.incident import K
from irdesk.store import Journal

pytestmark = pytest.mark.e2e

RULES = """\
irdesk: rules/1
sources:
  - id: auth
    paths: [{log}]
    format: syslog
    timezone: UTC
rules:
  - id: ssh-password-guessing
    title: "SSH password guessing from {{ip}}"
    source: external
    reference: https://attack.mitre.org/techniques/T1110/001/
    reviewed: 2026-11-01
    severity: SEV3
    requires: [auth]
    match: 'sshd\\[\\d+\\]: Failed password for (?P<user>\\S+) from (?P<ip>\\S+) port'
    group_by: [ip]
    threshold: {{count: 5, within: 10m}}
    playbook: account-compromise
    acknowledge: 5s
"""


def syslog(at: datetime, text: str) -> str:
    return f"{at:%b %e %H:%M:%S} web1 {text}\n"


def test_a_burst_in_a_watched_log_is_found_paged_and_declared_in_one_key(
    tmux, e2e_home: Path, e2e_roster: Path, notify_log: Path, tmp_path: Path
):
    log = tmp_path / "auth.log"
    now = datetime.now(UTC)
    log.write_text(syslog(now - timedelta(minutes=5), "sshd[70]: Accepted publickey for ada"))
    (e2e_home / "rules").mkdir()
    (e2e_home / "rules" / "ours.yaml").write_text(RULES.format(log=log))
    config = e2e_home / "config.yaml"
    config.write_text("irdesk: config/1\nscan:\n  sources: {auth: 5s}\n")
    config.chmod(0o600)
    journal = tmp_path / "journal.db"
    env = base_env(e2e_home, "svc-irdesk")

    watcher = tmux("watcher", env)
    watcher.start("irdesk", "watch", "--journal", str(journal), "--interval", "1s")
    watcher.wait_for("scanned auth: 1 line(s), 0 new finding(s)", timeout=30)

    with log.open("a") as handle:  # the attacker arrives
        for i in range(6):
            at = datetime.now(UTC) - timedelta(seconds=12 - 2 * i)
            handle.write(
                syslog(at, f"sshd[71]: Failed password for root from 203.0.113.9 port 4{i} ssh2")
            )
    watcher.wait_for(
        "finding FND-0001 ssh-password-guessing: SSH password guessing from 203.0.113.9",
        timeout=60,
    )

    def paged() -> list[list[str]]:
        if not notify_log.exists():
            return []
        return [json.loads(line) for line in notify_log.read_text().splitlines()]

    (page,) = wait_until(paged, 30, "the unacknowledged finding paged")
    assert page[:3] == ["irdesk: FND-0001", "1", "Ada Moreno"]
    assert "FND-0001 SSH password guessing from 203.0.113.9: not acknowledged within 5s" in page[3]
    watcher.wait_for("FND-0001 acknowledge level 1 fired")

    desk = tmux("desk", base_env(e2e_home, "Ada Moreno"))
    desk.start("irdesk", "--journal", str(journal))
    desk.wait_for("◆ 1 new finding to acknowledge, dismiss or declare · f")
    desk.keys("f")
    desk.wait_for("Failed password for root from 203.0.113.9 port 44 ssh2")
    screen = desk.wait_for("⚠ overdue since")
    assert "FND-0001" in screen and "5 events" in screen
    desk.keys("n")  # one key: an incident on the rule's playbook, with the evidence
    desk.wait_for("evidence from FND-0001 (rule ssh-password-guessing): 5 lines")
    desk.wait_for("SSH password guessing from 203.0.113.9 · SEV3 · open")
    quit_live(desk)  # its timers run on: the desk asks before leaving
    desk.wait_for("[irdesk exited 0]")
    watcher.keys("C-c")
    watcher.wait_for("[irdesk exited 0]")

    with Journal.open(journal, readonly=True) as opened:
        finding = list(opened.entries("FND-0001"))
        assert opened.incident("FND-0001").status == "declared"
        (fired,) = [e for e in finding if e.kind == K.ESCALATED]
        assert (fired.payload["role"], fired.payload["firer"]) == ("commander", "watcher")
        (attached,) = [e for e in opened.entries("INC-0001") if e.kind == FK.ATTACHED]
        assert attached.payload["finding"] == "FND-0001" and attached.payload["count"] == 5
        assert opened.verify().ok
