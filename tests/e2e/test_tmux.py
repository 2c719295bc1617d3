"""End to end: the installed ``irdesk`` in tmux, driven through the keyboard.

1. A whole bundled playbook (account-compromise) from a lapsed, escalating incident to
   closed: acknowledge, evidence, a skip with its reason, both decisions, a backdated
   milestone, quit and reopen half-way (same screen), then the journal is read back with
   the store API and its chain verified.
2. Two irdesk processes on one journal see each other's actions, and a note logged from a
   shell with ``irdesk log`` shows up in both.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tmux_helpers import base_env, quit_live

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import K
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal

pytestmark = pytest.mark.e2e

ACTIONS = re.compile(r"\d\d:\d\d(:\d\d)?|\d+m\d*s?|\d+s\b")  # times that move on their own


def steps_column(screen: str) -> list[str]:
    """The Steps panel (left 38 columns, 23 lines from its top border: the header above it
    takes two to four lines), running times masked out."""
    rows = screen.splitlines()
    top = next(i for i, line in enumerate(rows) if "─ Steps " in line)
    lines = [line[:38] for line in rows[top : top + 23]]
    return [ACTIONS.sub("<t>", line) for line in lines]


def seed_lapsed_incident(journal_path: Path, minutes_ago: int) -> str:
    """An incident declared minutes_ago (as a pager integration would with irdesk
    declare), so its 20-minute acknowledge timer has already lapsed when irdesk opens."""
    clock = FixedClock(datetime.now(UTC) - timedelta(minutes=minutes_ago))
    with Journal.open(journal_path, clock=clock) as journal:
        desk = Desk(journal, catalog=Catalog.load(), clock=clock, actor="pager")
        session = desk.declare(
            desk.catalog.playbooks["account-compromise"],
            title="Risky sign-in for the CFO",
            severity="SEV2",
            commander="Ada Moreno",
        )
        return session.incident_id


def done_step(pane, next_title: str, *, confirm: bool = True) -> None:
    pane.keys("d", *(["y"] if confirm else []))
    pane.wait_for(f"Now: {next_title}")


def test_whole_playbook_through_the_keyboard(tmux, e2e_home, e2e_roster, notify_log, tmp_path):
    journal_path = tmp_path / "journal.db"
    iid = seed_lapsed_incident(journal_path, minutes_ago=25)
    pane = tmux("desk", base_env(e2e_home, "ada"))
    pane.start("irdesk", "--journal", str(journal_path))
    pane.wait_for("Risky sign-in for the CFO")
    pane.keys("Enter")  # open it from home

    # The lapsed acknowledge timer escalates as soon as the runner looks at it.
    pane.wait_for("LAPSED 5m")
    pane.wait_for("escalated to level 1 (commander: Ada Moreno)")
    pane.wait_for("ESCALATION")
    pane.wait_for("system       escalate   acknowledge → level 1 (commander:")
    pane.keys("a")
    pane.wait_for("met late at")

    # Triage: every item ticked, one of them with its evidence note; done without asking.
    pane.keys("1", "2")
    pane.wait_for("Evidence for:")
    pane.type("phish-0912.eml in case folder")
    pane.keys("Enter", "3", "4")
    pane.wait_for("[x] 4.")
    done_step(pane, "Find every recipient and every click", confirm=False)

    # Scoping was done by the SOC already: skipped, with the reason.
    pane.keys("s")
    pane.wait_for("Why skip Find every recipient")
    pane.type("SOC scoped it in ticket SOC-881")
    pane.keys("Enter")
    pane.wait_for("Now: Did anyone hand over credentials or approve MFA?")
    pane.keys("o")
    pane.wait_for("Choose the option that matches")
    pane.keys("1")  # yes: cut the attacker out
    pane.wait_for("Now: Cut the attacker out of exposed accounts")
    pane.keys("2")
    pane.wait_for("[x] 2. Password reset")
    done_step(pane, "Hunt for mailbox and tenant persistence")
    done_step(pane, "Purge the lure and block the indicators")

    # Quit half-way and reopen: the same steps, marks and checklist.
    before = steps_column(pane.capture())
    quit_live(pane)  # the containment timer is running: asked first
    pane.wait_for("[irdesk exited 0]")
    pane.start("irdesk", "run", "--incident", iid, "--journal", str(journal_path))
    screen = pane.wait_for("Now: Purge the lure and block the indicators")
    assert steps_column(screen) == before
    assert "✔ Take ownership and triage the" in screen
    assert "↷ Find every recipient and" in screen

    # A backdated milestone: detected 30 minutes before now, with the reason.
    pane.keys("m")
    pane.wait_for("Record a milestone")
    pane.keys("Enter", "Down", "Enter")  # the Select: started -> detected
    pane.keys("Tab")
    pane.type("-30m")
    pane.keys("Tab")
    pane.type("first risky sign-in alert")
    pane.keys("Enter")
    # it sits in the timeline at its time (30 minutes up), the header shows it first
    pane.wait_for("milestones: detected ")

    done_step(pane, "Work out what the attacker read, sent or changed")  # marks contained
    done_step(pane, "Remove what the attacker left behind")
    done_step(pane, "Was sensitive data or money exposed?", confirm=True)
    pane.keys("o", "2")  # no: straight to restoring users
    pane.wait_for("Now: Return accounts to their users and watch them")
    done_step(pane, "Compile the incident record")  # marks resolved
    done_step(pane, "Root-cause analysis")
    done_step(pane, "Update detections, controls and this playbook")
    pane.keys("d", "y")  # marks closed
    screen = pane.wait_for(" · closed · ")
    pane.keys("C-q")
    pane.wait_for("[irdesk exited 0]")

    # The journal holds the whole story, in order, and its chain verifies.
    with Journal.open(journal_path, readonly=True) as journal:
        entries = list(journal.entries(iid))
        assert journal.verify().ok
        record = journal.incident(iid)
    assert record.status == "closed"
    by_kind: dict[str, list] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    [fired] = by_kind[K.ESCALATED]
    assert (fired.actor, fired.payload["level"], fired.payload["timer"]) == (
        "system",
        1,
        "acknowledge",
    )
    [ack] = by_kind[K.ESCALATION_ACK]
    assert (ack.actor, ack.payload["milestone"]) == ("ada", "acknowledged")
    [notified] = by_kind[K.NOTIFIED]
    assert notified.payload["returncode"] == 0
    calls = [json.loads(line) for line in notify_log.read_text().splitlines()]
    assert len(calls) == 1
    assert calls[0][:3] == [f"irdesk: {iid}", "1", "Ada Moreno"]
    assert calls[0][3].startswith(f"{iid} Risky sign-in for the CFO: 'An incident commander")
    [skipped] = by_kind[K.STEP_SKIPPED]
    assert skipped.payload["reason"] == "SOC scoped it in ticket SOC-881"
    assert [(d.payload["step"], d.payload["option"]) for d in by_kind[K.DECIDED]] == [
        ("credentials-entered", 0),
        ("data-at-risk", 1),
    ]
    evidence = [t.payload.get("evidence") for t in by_kind[K.TICKED] if t.payload.get("evidence")]
    assert evidence == ["phish-0912.eml in case folder"]
    [detected] = [m for m in by_kind[K.MILESTONE] if m.payload["name"] == "detected"]
    assert detected.backdate_reason == "first risky sign-in alert"
    assert (
        timedelta(minutes=29) < detected.recorded_at - detected.occurred_at < timedelta(minutes=31)
    )
    done = [d.payload["step"] for d in by_kind[K.STEP_DONE]]
    assert done == [
        "triage",
        "revoke-access",
        "hunt-persistence",
        "block-indicators",
        "assess-exposure",
        "remove-persistence",
        "restore-users",
        "compile-timeline",
        "root-cause",
        "improve",
    ]
    assert by_kind[K.STEP_DONE][-1].payload["marks"] == "closed"
    assert {e.actor for e in entries} == {"pager", "system", "ada"}


def test_two_processes_on_one_journal_and_irdesk_log(tmux, e2e_home, tmp_path):
    journal_path = tmp_path / "journal.db"
    first = tmux("first", base_env(e2e_home, "ada"))
    second = tmux("second", base_env(e2e_home, "ben"))
    first.start("irdesk", "--journal", str(journal_path))
    first.wait_for("No incidents yet")
    second.start("irdesk", "--journal", str(journal_path))
    second.wait_for("No incidents yet")

    # Ada declares through the dialog; Ben's home lists it and he opens it.
    first.keys("n")
    first.wait_for("Declare an incident")
    first.type("Ransom note on the file server")
    first.keys("Enter")
    first.wait_for("Now: ")
    second.wait_for("Ransom note on the file server", timeout=3)
    second.keys("Enter")
    second.wait_for("Ransom note on the file server · SEV2")

    first.keys("n")
    first.wait_for("Add a note to the timeline")
    first.type("isolating the host now")
    first.keys("Enter")
    second.wait_for("ada          note       isolating the host now", timeout=2)

    second.keys("1")
    first.wait_for("[x] 1.", timeout=2)
    assert "ben          checked" in first.capture()

    done = subprocess.run(
        [
            "irdesk",
            "log",
            "--journal",
            str(journal_path),
            "--incident",
            "INC-0001",
            "backup restore test started",
        ],
        env={**os.environ, **base_env(e2e_home, "ci-bot")},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "INC-0001 entry 4"
    first.wait_for("ci-bot       note       backup restore test started", timeout=2)
    second.wait_for("ci-bot       note       backup restore test started", timeout=2)

    quit_live(first)
    quit_live(second)
    first.wait_for("[irdesk exited 0]")
    second.wait_for("[irdesk exited 0]")
    with Journal.open(journal_path, readonly=True) as journal:
        entries = list(journal.entries("INC-0001"))
    assert [(e.kind, e.actor) for e in entries] == [
        (K.DECLARED, "ada"),
        (K.NOTE, "ada"),
        (K.TICKED, "ben"),
        (K.NOTE, "ci-bot"),
    ]
    assert entries[-1].payload == {"text": "backup restore test started", "source": "cli"}
