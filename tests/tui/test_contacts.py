"""Contacts: the roster, who is on call, the contact point and who holds each role."""

from __future__ import annotations

from tui_helpers import ACTOR, catalog_sources, run, screen_text, settle, text_of

from irdesk.services.desk import Desk
from irdesk.tui.screens.contacts import ContactsScreen
from irdesk.tui.screens.home import HomeScreen
from irdesk.tui.screens.runner import RunnerScreen


async def test_contacts_from_the_runner_show_roster_and_role_holders(declare, make_app):
    session = declare()
    session.assign("scribe", "Lena Fischer")
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        head = text_of(app.screen.query_one("#contacts-head"))
        assert "No roster" not in head
        assert (
            "Contact point (Phishing leading to account compromise): commander, now alice" in head
        )
        people = text_of(app.screen.query_one("#people")).splitlines()
        assert people == [
            "Ada Moreno | commander, security-lead | yes | +1 555 0100, ada@example.org",
            "Kofi Mensah | security-lead |  | +1 555 0101, kofi@example.org",
            "Lena Fischer | scribe, comms | yes | +1 555 0102, lena@example.org",
            "Ravi Iyer | it-ops | yes | +1 555 0103, ravi@example.org",
        ]
        roles = text_of(app.screen.query_one("#contacts-roles"))
        assert "Incident commander (commander): alice" in roles
        assert "Scribe (scribe): Lena Fischer" in roles
        assert "Legal and privacy counsel (legal): unassigned" in roles
        assert "Kofi Mensah" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)


async def test_without_a_roster_the_screen_says_where_to_put_one(
    journal, catalog, clock, tmp_path, make_app
):
    where = tmp_path / "somewhere" / "roster.yaml"
    desk = Desk(journal, catalog=catalog, roster=None, clock=clock, actor=ACTOR)
    app = make_app(desk_=desk, roster_path_=where)
    async with run(app) as pilot:
        await settle(pilot)
        panel = text_of(app.screen.query_one("#contact-panel"))
        assert panel.startswith(f"No roster yet.\nPut one at {where} (see the example")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        head = " ".join(text_of(app.screen.query_one("#contacts-head")).split())
        assert f"No roster found at {where}. Copy the example roster there" in head
        assert text_of(app.screen.query_one("#people")) == ""
        assert "No roster found at" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_roster_appears_after_reload(
    journal, catalog, clock, tmp_path, make_app, roster_path
):
    desk = Desk(
        journal, catalog=catalog, sources=catalog_sources(), roster=None, clock=clock, actor=ACTOR
    )
    app = make_app(desk_=desk, roster_path_=roster_path)
    async with run(app) as pilot:
        await settle(pilot)
        assert "No roster yet" in text_of(app.screen.query_one("#contact-panel"))
        await pilot.press("f5")  # reload reads the roster file again
        await settle(pilot)
        panel = text_of(app.screen.query_one("#contact-panel"))
        assert "No roster yet" not in panel
        assert "Ada Moreno (commander, security-lead)" in panel
