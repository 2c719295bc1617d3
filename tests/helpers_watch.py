"""Helpers for the watcher's tests: a home folder with a playbook whose timer escalates in
three levels, and a roster whose notify command records its argv."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: acknowledge within 20m; level 2 ten minutes later; then reminders every 10m
PLAYBOOK = """\
irdesk: playbook/1
id: watched
title: Watched incident
version: "1"
owner: lead
reviewed: 2026-11-01
contact_point: commander
roles:
  - {id: commander, title: Incident commander}
  - {id: lead, title: Security lead}
timers:
  - id: acknowledge
    title: Acknowledge the incident
    start: declared
    stop: acknowledged
    within: %(within)s
    escalate:
      - role: commander
      - role: lead
        after: %(after)s
    repeat: %(after)s
steps:
  - id: triage
    title: Triage
    phase: detection
    marks: acknowledged
  - id: fix
    title: Fix
    phase: recovery
"""

RECORDER = """\
import json, sys, time
with open({log!r}, "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
time.sleep({sleep})
"""

ROSTER = """\
irdesk: roster/1
people:
  - name: Ada Moreno
    roles: [commander, lead]
    phone: "+1 555 0100"
    on_call: true
  - name: Ben Kaur
    roles: [commander, lead]
    phone: "+1 555 0101"
    on_call: true
notify:
  command: {command}
  timeout: {timeout}
"""


def write_playbook(home: Path, *, within: str = "20m", after: str = "10m") -> Path:
    folder = home / "playbooks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "watched.yaml"
    path.write_text(PLAYBOOK % {"within": within, "after": after})
    return path


def write_recorder(folder: Path, log: Path, *, sleep: float = 0) -> Path:
    script = folder / "record_notify.py"
    script.write_text(RECORDER.format(log=str(log), sleep=sleep))
    return script


def write_roster(
    home: Path, script: Path, *, args: tuple[str, ...] | None = None, timeout: str = "15s"
) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    args = args or ("{incident}", "{level}", "{people}", "{message}")
    path = home / "roster.yaml"
    command = [sys.executable, str(script), *args]
    path.write_text(ROSTER.format(command=json.dumps(command), timeout=timeout))
    path.chmod(0o600)
    return path


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def wait_until(condition: Callable[[], T], timeout: float, what: str) -> T:
    """Poll ``condition`` until it returns something true (and return that); fail with
    ``what`` after ``timeout`` seconds. Tests wait for conditions, never for a while."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.05)
