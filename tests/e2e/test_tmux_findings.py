"""From a log to an incident with its evidence, with the installed irdesk: a scan run as
cron would run it finds a burst of failed SSH logins appended to a log file, records it
once, and the responder declares it and sees the evidence in the runner's timeline."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tmux_helpers import base_env, quit_live

from irdesk.store import Journal

pytestmark = pytest.mark.e2e


def irdesk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed irdesk, as a shell or cron runs it."""
    return subprocess.run(
        ["irdesk", *args],
        env={**os.environ, **base_env(home, "cron")},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_burst_appended_to_a_log_becomes_an_incident_with_its_evidence(
    tmux, e2e_home: Path, tmp_path: Path
):
    log = tmp_path / "auth.log"
    (e2e_home / "rules").mkdir()
    (e2e_home / "rules" / "here.yaml").write_text(
        f"irdesk: rules/1\nsources:\n  - id: auth\n    paths: [{log}]\n"
        "    format: syslog\n    timezone: UTC\n"
    )
    now = datetime.now(UTC)
    stamp = (now - timedelta(minutes=5)).strftime("%b %e %H:%M:%S")
    log.write_text(f"{stamp} web1 sshd[70]: Accepted publickey for ada from 192.0.2.4 port 1\n")
    # the bundled rules, auth pointed at this log (the other bundled sources are missing
    # here: defects, so the exit status is 1 throughout)
    quiet = irdesk(e2e_home, "scan")
    assert ": 0 new findings, 3 defects" in quiet.stdout, quiet.stdout + quiet.stderr

    with log.open("a") as handle:  # the attacker arrives
        for i in range(5):
            at = (now - timedelta(seconds=60 - 5 * i)).strftime("%b %e %H:%M:%S")
            handle.write(
                f"{at} web1 sshd[71]: Failed password for root from 203.0.113.9 port 4{i} ssh2\n"
            )
    found = irdesk(e2e_home, "scan", "--format", "json")
    assert found.returncode == 1, found.stderr
    report = json.loads(found.stdout)
    assert report["lines"] == 5 and report["opened"] == []  # from where the last scan stopped
    (finding,) = report["findings"]
    assert (finding["record"], finding["rule"], finding["count"]) == (
        "FND-0001",
        "ssh-password-guessing",
        5,
    )
    again = irdesk(e2e_home, "scan", "--since", "1h ago")
    assert "6 lines from 1 file" in again.stdout and ": 0 new findings, 3 defects" in again.stdout

    declared = irdesk(e2e_home, "declare", "--from-finding", "FND-0001", "--as", "Ada Moreno")
    assert declared.stdout == "INC-0001\n", declared.stderr

    pane = tmux("desk", base_env(e2e_home, "Ada Moreno"))
    pane.start("irdesk", "run", "--incident", "INC-0001")
    pane.wait_for("evidence from FND-0001 (rule ssh-password-guessing): 5 lines")
    pane.wait_for("SSH password guessing from 203.0.113.9 · SEV3 · open")  # the header
    screen = pane.wait_for("milestones: started ")
    assert " detected " in screen
    quit_live(pane)
    pane.wait_for("[irdesk exited 0]")
    with Journal.open(e2e_home / "journal.db", readonly=True) as journal:
        assert journal.incident("FND-0001").status == "declared"
        assert journal.verify().ok
