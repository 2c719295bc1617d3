"""End to end: the player view in a second tmux pane follows a drill the facilitator runs
in the first, on the same journal, and never shows the facilitator's text.

The facilitator starts the clock (the 0m inject arrives), writes a note, delivers the
next inject at once (N); the player pane shows both injects whole, newest on top, and
the note, within a poll or two; the scenario's facilitator text and the injects still to
come never appear on it.
"""

from __future__ import annotations

import pytest

try:  # the tmux helpers are moving out of conftest.py into tmux_helpers.py
    from tmux_helpers import base_env
except ImportError:  # pragma: no cover
    from conftest import base_env

from irdesk.store import Journal

pytestmark = pytest.mark.e2e

NEVER = (
    "What happened (the team finds out",  # the scenario's facilitator text
    "If the team reset the password",  # an inject's facilitator note
    "Tom (executive assistant)",  # an inject still to come
    "Expectations",
    "so far",
)


def test_player_view_follows_the_drill_in_a_second_terminal(tmux, e2e_home, tmp_path):
    journal_path = tmp_path / "drill.db"
    desk = tmux("facilitator", base_env(e2e_home, "ada"))
    desk.start("irdesk", "drill", "ttx-ceo-phish", "--journal", str(journal_path))
    desk.wait_for("Start the exercise clock")
    desk.keys("Enter")
    desk.wait_for("Helpdesk  at 00:00:00")
    with Journal.open(journal_path, readonly=True) as journal:
        [record] = journal.incidents()

    room = tmux("room", base_env(e2e_home, "projector"))
    room.start("irdesk", "drill", "--player", record.id, "--journal", str(journal_path))
    screen = room.wait_for("LATEST")
    assert "Ticket from Priya (accounts payable)" in screen
    assert "The situation at the start" in screen

    desk.keys("n")
    desk.wait_for("Note")
    desk.type("Priya holds the wire")
    desk.keys("Enter")
    desk.keys("N")  # choose an inject to deliver now: the next one due comes first
    desk.wait_for("Deliver which inject now?")
    desk.keys("Enter")
    desk.wait_for("2 NEW INJECTS")

    screen = room.wait_for("Mail gateway admin")
    screen = room.wait_for("Priya holds the wire")
    assert screen.index("Mail gateway admin") < screen.index("Helpdesk")  # newest first
    for hidden in NEVER:
        assert hidden not in screen, hidden
    room.keys("q")
