"""The status update (issue 12): the runner's reminder from the playbook's ``updates:``
cadence, and ``u``, which composes the update from the state to copy or write to a file;
issuing it journals it and restarts the reminder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea
from tui_helpers import SIZE, rows, run, settle, text_of, wait_until

from irdesk.domain.incident import K
from irdesk.domain.models import Playbook
from irdesk.formats.loader import load_file
from irdesk.tui.modals.status_update import StatusUpdateDialog


@pytest.fixture
def with_updates(catalog) -> Playbook:
    """The tests' account-compromise playbook with an update every 30 minutes at SEV2."""
    source = catalog.playbooks["account-compromise"].source
    text = source.text.replace("\ntimers:\n", "\nupdates:\n  SEV1: 15m\n  SEV2: 30m\ntimers:\n")
    playbook = load_file("with-updates.yaml", data=text.encode(), expect="playbook")
    found = playbook.model_of(Playbook)
    assert found is not None, playbook.problems
    return found


def timers(app) -> str:
    return text_of(app.screen.query_one("#timers"))


async def test_the_reminder_counts_from_the_last_update(desk, make_app, clock, with_updates):
    session = desk.declare(with_updates, title="Phished mailbox", severity="SEV2")
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        assert "Status update: due in 30m (by 09:30)" in timers(app)
        clock.advance(timedelta(minutes=31))
        await settle(pilot)
        await pilot.pause(1.1)
        assert "⚠ Status update: OVERDUE by 1m   [u] compose" in timers(app)
        await pilot.press("U")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StatusUpdateDialog)
        shown = dialog.query_one("#update-text", TextArea).text
        assert shown.startswith("Status update: INC-0001 Phished mailbox\n")
        assert "Next update\n  by 09:30 UTC (every 30m at SEV2).\n" in shown
        await pilot.click("#update-issue")
        await wait_until(pilot, lambda: not isinstance(app.screen, StatusUpdateDialog))
        [issued] = rows(journal_of(app), session.incident_id, K.UPDATE)
        assert issued.payload == {"text": shown, "severity": "SEV2"}
        await pilot.pause(1.1)
        assert "Status update: due in 30m (by 10:01)" in timers(app)


async def test_write_puts_the_update_in_a_file(desk, make_app, clock, with_updates, tmp_path):
    session = desk.declare(with_updates, title="Phished mailbox", severity="SEV2")
    target = tmp_path / "update.txt"
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        dialog = app.screen
        await pilot.click("#update-write")
        await settle(pilot)
        assert "name the file to write it to" in text_of(dialog.query_one("#dialog-error"))
        dialog.query_one("#update-path", Input).value = str(target)
        await pilot.press("enter")  # the path field has the focus after the refusal
        await wait_until(pilot, lambda: not isinstance(app.screen, StatusUpdateDialog))
        [issued] = rows(journal_of(app), session.incident_id, K.UPDATE)
        assert issued.payload["written_to"] == str(target)
        assert Path(target).read_text(encoding="utf-8") == issued.payload["text"]


def journal_of(app):
    return app.desk.journal


def test_status_update_dialog(desk, make_app, clock, with_updates, snap_compare):
    session = desk.declare(with_updates, title="CFO mailbox sending invoice fraud")
    session.tick("triage", 0)
    session.link("https://tickets.example.org/SEC-42", "ticket")
    clock.advance(timedelta(minutes=12))
    session.note("Finance confirms no payment was made")

    async def open_dialog(pilot) -> None:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)

    app = make_app(session.incident_id)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog)
