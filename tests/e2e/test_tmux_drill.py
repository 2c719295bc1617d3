"""End to end: a short drill with the installed ``irdesk drill`` in tmux, by the keyboard.

The facilitator starts the exercise clock from the briefing, runs it at 10x, waits for a
second inject to come due on its own, pauses and resumes, acknowledges, ends the drill,
answers one hot-wash question and finishes. The journal is then read back with the store
API, and ``irdesk verify`` checks its hash chains.

Waiting for the second inject takes real time: triage is marked done at once, so the
``assistant-calls`` inject is due 5 exercise minutes later, 30 seconds at 10x.
"""

from __future__ import annotations

import os
import subprocess

import pytest

try:  # the tmux helpers are moving out of conftest.py into tmux_helpers.py
    from tmux_helpers import base_env
except ImportError:  # pragma: no cover
    from conftest import base_env

from irdesk.domain.drill import DK
from irdesk.domain.incident import K
from irdesk.store import Journal

pytestmark = pytest.mark.e2e

ANSWER = "We called the bank at once; the CFO has the number"


def test_short_drill_through_the_keyboard(tmux, e2e_home, e2e_roster, notify_log, tmp_path):
    journal_path = tmp_path / "drill.db"
    env = base_env(e2e_home, "ada")
    pane = tmux("drill", env)
    pane.start("irdesk", "drill", "ttx-ceo-phish", "--journal", str(journal_path))

    # The briefing comes first; enter (its focused button) starts the exercise clock.
    pane.wait_for("Planned duration: 1h · injects: 7 · playbook: account-compromise")
    pane.wait_for("Start the exercise clock")
    pane.keys("Enter")
    pane.wait_for("RUNNING")
    pane.wait_for("Helpdesk  at 00:00:00")  # the 0m inject, in the banner

    pane.keys(">", ">", ">")
    pane.wait_for(" · 10x · RUNNING")

    # Triage done now (confirming the unticked items): the assistant calls 5m later.
    pane.keys("d")
    pane.wait_for("Complete step?")
    pane.keys("y")
    pane.wait_for("✔ Take ownership and triage the")
    screen = pane.wait_for("Tom (executive assistant)  at 00:0", timeout=60)
    assert "2 NEW INJECTS (i acknowledges the top one)" in screen  # both, whole

    pane.keys("P")
    pane.wait_for("PAUSED")
    pane.keys("P")
    pane.wait_for("RUNNING")
    pane.keys("i")  # the newest inject: the assistant's call; the banner goes back to
    pane.wait_for("Tom (executive assistant)  at", gone=True)  # the one still waiting
    pane.wait_for("Helpdesk  at 00:00:00")

    pane.keys("E")
    pane.wait_for("End the drill?")
    pane.keys("y")
    pane.wait_for("Hot wash  0/4 answered")
    pane.type(ANSWER)
    pane.keys("Enter")
    pane.wait_for("Hot wash  1/4 answered")
    pane.keys("C-f")
    pane.wait_for("Finish the hot wash?")
    pane.keys("y")
    pane.wait_for("After-action review")
    pane.wait_for("(drill, closed)")
    pane.keys("C-q")
    pane.wait_for("[irdesk exited 0]")

    with Journal.open(journal_path, readonly=True) as journal:
        [record] = journal.incidents()
        entries = list(journal.entries(record.id))
    assert (record.mode, record.status, record.playbook_id) == (
        "drill",
        "closed",
        "account-compromise",
    )
    by_kind: dict[str, list] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)

    clock = [e.payload["action"] for e in by_kind[DK.CLOCK]]
    assert clock == ["start", "pause", "resume"]
    assert all(e.actor == "ada" for e in by_kind[DK.CLOCK])
    assert [e.payload["speed"] for e in by_kind[DK.SPEED]] == [2, 5, 10]
    delivered = [e.payload["inject"] for e in by_kind[DK.DELIVERED]]
    assert len(delivered) >= 2
    assert delivered[:2] == ["first-report", "assistant-calls"]
    assert all(e.actor == "system" and not e.payload["early"] for e in by_kind[DK.DELIVERED])
    # delivered on time by the screen's half-second poll (3 s of slack on a busy machine,
    # 30 s of exercise time at 10x; late would mean minutes)
    call = by_kind[DK.DELIVERED][1].payload
    assert 0 <= call["exercise_at_s"] - call["due_at_s"] < 30
    assert [e.payload for e in by_kind[DK.ACKNOWLEDGED]] == [{"inject": "assistant-calls"}]
    assert len(by_kind[DK.ENDED]) == 1
    [answer] = by_kind[DK.ANSWER]
    assert (answer.payload["index"], answer.payload["answer"], answer.actor) == (0, ANSWER, "ada")
    [done] = by_kind[DK.HOTWASH_DONE]
    assert done.payload == {"answered": 1, "questions": 4}
    [closed] = by_kind[K.CLOSED]
    assert closed.seq > done.seq
    assert K.NOTIFIED not in by_kind and not notify_log.exists()  # a drill pages nobody

    verify_env = {**os.environ, **env}
    checked = subprocess.run(
        ["irdesk", "verify", "--journal", str(journal_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=verify_env,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
