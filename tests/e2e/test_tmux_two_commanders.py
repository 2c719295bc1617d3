"""The proof of issue 12's desk part: two responders in two terminals on one incident,
each named, colliding on purpose (the same item ticked, the same step done, the same
decision taken), and afterwards the screens, the journal and all three report formats
tell one story: one tick, one "done", one decision, each credited to the person who
made it, never to the login.

Ada starts the desk without a name: it asks who she is and "Ad" + enter takes the
roster's "Ada Moreno". Ravi's terminal names him with $IRDESK_ACTOR.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tmux_helpers import base_env, quit_live

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import K
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal

pytestmark = pytest.mark.e2e

TAKEN = "Yes, at least one account is exposed"
REFUSED = "No, the lure was only delivered or clicked"


def seed(journal_path: Path) -> str:
    clock = FixedClock(datetime.now(UTC))
    with Journal.open(journal_path, clock=clock) as journal:
        desk = Desk(journal, catalog=Catalog.load(), clock=clock, actor="Ada Moreno")
        session = desk.declare(
            desk.catalog.playbooks["account-compromise"],
            title="CFO mailbox sending invoice fraud",
            severity="SEV1",
            commander="Ada Moreno",
        )
        session.assign("it-ops", "Ravi Iyer")
        return session.incident_id


def either(pane, *texts: str, timeout: float = 5.0) -> str:  # noqa: ANN001
    """Wait until one of ``texts`` is on the pane; the one that is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = pane.capture()
        for text in texts:
            if text in screen:
                return text
        time.sleep(0.1)
    raise AssertionError(f"none of {texts} within {timeout}s:\n{pane.capture()}")


def report(journal_path: Path, iid: str, fmt: str, home: Path) -> str:
    done = subprocess.run(
        ["irdesk", "report", iid, "--format", fmt, "--journal", str(journal_path)],
        env={**os.environ, "IRDESK_HOME": str(home), "TZ": "UTC"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_commanders_collide_and_the_record_tells_one_story(
    tmux, e2e_home, e2e_roster, tmp_path
):
    journal_path = tmp_path / "journal.db"
    iid = seed(journal_path)
    unnamed = {k: v for k, v in base_env(e2e_home, "").items() if k != "IRDESK_ACTOR"}
    ada = tmux("ada", unnamed)
    ravi = tmux("ravi", base_env(e2e_home, "Ravi Iyer"))

    # ---- who acts: asked on first use, the suggestion taken on enter
    ada.start("env", "-u", "IRDESK_ACTOR", "irdesk", "--journal", str(journal_path))
    ada.wait_for("Who is at the keyboard?")
    ada.type("Ad")
    ada.keys("Enter")
    ada.wait_for("as Ada Moreno")
    ada.keys("Enter")  # open the incident from home
    ada.wait_for("as Ada Moreno (commander)")
    ravi.start("irdesk", "run", "--incident", iid, "--journal", str(journal_path))
    ravi.wait_for("as Ravi Iyer (it-ops)")

    # ---- the same item ticked by both, a moment apart
    ada.keys("1")
    ravi.keys("1")
    ada.wait_for("[x] 1.")
    seen = either(ravi, "already ticked: Ada Moreno", "Untick?")
    if seen == "Untick?":  # Ravi's screen had shown Ada's tick: it asks, and he keeps it
        ravi.keys("Escape")
    ravi.wait_for("[x] 1.")

    # ---- the same step done by both: both confirm before either is recorded
    ada.keys("d")
    ada.wait_for("Done anyway")
    ravi.keys("d")
    ravi.wait_for("Done anyway")
    ada.keys("y")
    ravi.keys("y")
    ada.wait_for("Now: Find every recipient")
    ravi.wait_for("already")
    ravi.wait_for("Now: Find every recipient")

    # ---- Ada skips the scope step; then the same decision, opposite options
    ada.keys("s")
    ada.wait_for("Why skip")
    ada.type("SOC scoped it in SOC-881")
    ada.keys("Enter")
    ada.wait_for("Now: Did anyone hand over")
    ravi.wait_for("Now: Did anyone hand over")
    ada.keys("o")
    ada.wait_for(TAKEN)
    ravi.keys("o")
    ravi.wait_for(REFUSED)
    ada.keys("1")
    ravi.keys("2")
    ada.wait_for("Now: Cut the attacker out")
    ravi.wait_for("already")
    ravi.wait_for("Now: Cut the attacker out")

    # ---- both screens show the same story, each entry by name
    for pane in (ada, ravi):
        screen = pane.capture()
        assert "Ada Moreno   decided" in screen
        assert REFUSED not in screen
        assert getpass.getuser() + " " not in screen.split("Timeline")[-1]
    quit_live(ada)  # its timers still run: each desk asks before leaving
    quit_live(ravi)
    ada.wait_for("[irdesk exited 0]")
    ravi.wait_for("[irdesk exited 0]")

    # ---- the journal: one tick, one done, one decision, by name, with the role held
    with Journal.open(journal_path, readonly=True) as journal:
        entries = list(journal.entries(iid))
        assert journal.verify().ok
    acted = [e for e in entries if e.actor != "system"]
    assert {e.actor for e in acted} == {"Ada Moreno"}  # Ravi's collisions were all refused
    assert all(e.role == "commander" for e in acted)
    assert [e.payload["item"] for e in entries if e.kind == K.TICKED] == [0]
    assert [e.kind for e in entries].count(K.UNTICKED) == 0
    assert [e.payload["step"] for e in entries if e.kind == K.STEP_DONE] == ["triage"]
    [decided] = [e for e in entries if e.kind == K.DECIDED]
    assert (decided.actor, decided.payload["label"]) == ("Ada Moreno", TAKEN)

    # ---- the three reports say the same
    data = json.loads(report(journal_path, iid, "json", e2e_home))
    people = {p["name"]: p for p in data["people"]}
    assert set(people) == {"Ada Moreno", "Ravi Iyer"}
    assert people["Ada Moreno"]["entries"] == len(acted)
    assert "Incident commander" in people["Ada Moreno"]["roles"]
    steps = {s["id"]: s for s in data["steps"]}
    assert steps["triage"]["status"] == "done"
    assert len(steps["triage"]["visits"]) == 1  # no second visit invented
    assert steps["credentials-entered"]["status"] == "done"
    rows = json.dumps(data["timeline"])
    assert rows.count(TAKEN) == 1 and REFUSED not in rows
    for fmt in ("md", "html"):
        text = report(journal_path, iid, fmt, e2e_home)
        assert "Ada Moreno" in text and "Ravi Iyer" in text
        assert REFUSED not in text
        assert text.count("SOC scoped it in SOC-881") >= 1
    assert getpass.getuser() not in people
