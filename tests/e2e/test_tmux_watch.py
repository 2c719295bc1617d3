"""End to end: issue 13's "done when". An incident declared from a script, no screen
opened: with the installed ``irdesk watch`` running in the background, the notify command
runs at each level's due time and the journal shows it; stop the watcher, and home says
nobody is watching.

The playbook is the tests' own: its acknowledge timer lapses after 3 seconds (the bundled
playbooks wait 20 minutes) and escalates to level 2 three seconds later.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from helpers_watch import wait_until, write_playbook
from tmux_helpers import base_env

from irdesk.domain.incident import K
from irdesk.store import Journal

pytestmark = pytest.mark.e2e


def test_the_watcher_pages_for_an_incident_nobody_opened(
    tmux, e2e_home, e2e_roster, notify_log, tmp_path
):
    write_playbook(e2e_home, within="3s", after="3s")
    journal = tmp_path / "journal.db"
    env = base_env(e2e_home, "ops-script")

    watcher = tmux("watcher", env)
    watcher.start("irdesk", "watch", "--journal", str(journal), "--interval", "1s")
    watcher.wait_for("watching")

    declare = ["irdesk", "declare", "watched", "--title", "Webshell on www-2"]
    declared = subprocess.run(
        [*declare, "--journal", str(journal), "--commander", "Ada Moreno"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    incident = declared.stdout.strip()

    def paged() -> list[list[str]]:
        if not notify_log.exists():
            return []
        return [json.loads(line) for line in notify_log.read_text().splitlines()]

    calls = wait_until(lambda: len(paged()) >= 2 and paged(), 30, "levels 1 and 2 paged")
    assert [c[:2] for c in calls] == [[f"irdesk: {incident}", "1"], [f"irdesk: {incident}", "2"]]
    watcher.wait_for(f"{incident} acknowledge level 2 fired")

    with Journal.open(journal, readonly=True) as opened:
        fired = [e for e in opened.entries(incident) if e.kind == K.ESCALATED]
        notified = [e for e in opened.entries(incident) if e.kind == K.NOTIFIED]
    assert [e.payload["level"] for e in fired] == [1, 2]
    assert all(e.payload["firer"] == "watcher" for e in fired)
    assert all("late_reason" not in e.payload for e in fired)  # on time
    assert [n.payload["returncode"] for n in notified] == [0, 0]

    desk = tmux("desk", env)
    desk.start("irdesk", "--journal", str(journal))
    desk.wait_for("watcher running: ops-script@")
    desk.wait_for("⚠ L2")  # the board: level 2 fired, not acknowledged

    watcher.keys("C-c")  # stop the watcher
    watcher.wait_for("stopped")
    watcher.wait_for("[irdesk exited 0]")
    desk.wait_for("nobody is watching: escalations fire only while a screen is open")
