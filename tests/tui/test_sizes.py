"""Every screen at the smallest terminal irdesk supports (80x24) and a large one (200x60):
fixed clock, the tests' own playbooks. What each must show is asserted as text; the
snapshots show the rest (look at them after an intended change: ``--snapshot-update``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers_replay import script_incident
from textual.widgets import OptionList
from tui_helpers import PLAYBOOKS_AND_SCENARIOS, screen_text, settle, text_of

from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.services.replay import open_replay
from irdesk.tui.app import IrdeskApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 60), id="200x60")]


def busy_incident(declare, clock):  # noqa: ANN001, ANN201
    """An incident mid-way: a long title, roles, a backdated milestone, a two-line note."""
    session = declare(title="CFO mailbox sending invoice fraud to every supplier we pay")
    session.tick("triage", 0)
    session.assign("scribe", "Lena Fischer")
    clock.advance(timedelta(minutes=6))
    session.note("Finance confirms no payment was made\nthe bank recalled the transfer")
    session.milestone(
        "detected",
        occurred_at=clock.now() - timedelta(minutes=20),
        reason="first risky sign-in alert in the SIEM console",
    )
    return session


def quiet_app(journal, catalog, clock, make_app, open_incident=None):  # noqa: ANN001, ANN201
    """The app on a desk without a notify command: a snapshot never waits on a thread."""
    quiet = Desk(journal, catalog=catalog, roster=None, clock=clock, actor="alice")
    return make_app(open_incident, desk_=quiet)


@pytest.mark.parametrize("size", SIZES)
def test_home(size, declare, make_app, clock, snap_compare):
    busy_incident(declare, clock)
    declare("ransomware", title="File server encrypted", severity="SEV1")

    async def check(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        incidents = text_of(pilot.app.screen.query_one("#incidents"))
        assert "SEV1 | open" in incidents and "SEV2 | open" in incidents
        shown = screen_text(pilot.app)
        assert "severity" in shown and "status" in shown  # the columns are on screen

    assert snap_compare(make_app(), terminal_size=size, run_before=check)


@pytest.mark.parametrize("size", SIZES)
def test_declare_dialog(size, make_app, snap_compare):
    async def check(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "Declare" in screen_text(pilot.app).split("Cancel")[0]  # buttons on screen
        assert pilot.app.screen.query_one("#declare").region.bottom <= size[1]

    assert snap_compare(make_app(), terminal_size=size, run_before=check)


@pytest.mark.parametrize("size", SIZES)
def test_runner(size, declare, journal, catalog, clock, make_app, snap_compare):
    session = busy_incident(declare, clock)

    async def check(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "milestones: detected 08:46" in " ".join(shown.split())
        checklist = pilot.app.screen.query_one("#checklist", OptionList)
        assert checklist.region.height >= 3  # not clipped away: it scrolls
        checklist.focus()
        await pilot.press("end")
        await settle(pilot)
        assert "4. Dedicated" in screen_text(pilot.app)  # scrolled to the last item
        await pilot.press("home")
        await settle(pilot)

    app = quiet_app(journal, catalog, clock, make_app, session.incident_id)
    assert snap_compare(app, terminal_size=size, run_before=check)


@pytest.mark.parametrize("size", SIZES)
def test_drill(size, desk, journal, catalog, clock, make_app, snap_compare):
    session = desk.start_drill(catalog.scenarios["ttx-ceo-phish"])
    session.start_clock()
    session.deliver_due()
    clock.advance(timedelta(minutes=5))

    async def check(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)
        assert "exercise" in screen_text(pilot.app)

    app = quiet_app(journal, catalog, clock, make_app, session.incident_id)
    assert snap_compare(app, terminal_size=size, run_before=check)


@pytest.mark.parametrize("size", SIZES)
def test_replay(size, tmp_path, catalog, snap_compare):
    path, _, _ = script_incident(tmp_path / "replay.db", catalog)
    replay = open_replay(path, "INC-0001", Catalog.load(PLAYBOOKS_AND_SCENARIOS))

    async def check(pilot) -> None:  # noqa: ANN001
        await pilot.pause(0.5)
        await pilot.app.workers.wait_for_complete()
        await pilot.press("right", "right", "right")
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()
        assert "entry 4/" in screen_text(pilot.app)

    assert snap_compare(IrdeskApp(None, replay=replay), terminal_size=size, run_before=check)


@pytest.mark.parametrize("size", SIZES)
def test_review(size, declare, journal, catalog, clock, make_app, snap_compare):
    session = busy_incident(declare, clock)
    session.close("phish contained")

    async def check(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        pilot.app.open_review(session.incident_id)
        await settle(pilot)
        assert "After-action review" in screen_text(pilot.app)

    app = quiet_app(journal, catalog, clock, make_app)
    assert snap_compare(app, terminal_size=size, run_before=check)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("key", ["p", "question_mark"], ids=["contacts", "help"])
def test_contacts_and_help(size, key, make_app, snap_compare, monkeypatch):
    # help names the keymap's path: a fixed one (never created) keeps the snapshot stable
    monkeypatch.setenv("IRDESK_HOME", "/nonexistent/irdesk-home")

    async def check(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=check)


@pytest.mark.parametrize("size", SIZES)
def test_entry_detail_and_note_dialog(
    size, declare, journal, catalog, clock, make_app, snap_compare
):
    session = busy_incident(declare, clock)

    async def check(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("l", "enter")
        await settle(pilot)
        assert "the bank recalled the transfer" in screen_text(pilot.app)

    app = quiet_app(journal, catalog, clock, make_app, session.incident_id)
    assert snap_compare(app, terminal_size=size, run_before=check)
