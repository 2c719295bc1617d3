"""Who acts at the desk: asked on first use (roster names suggested, any name allowed),
shown in the header of every screen that writes, switched with ``u`` or the palette, and
the name (with the roles held) on every entry the person makes."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from tui_helpers import (
    catalog_sources,
    last,
    palette_titles,
    rows,
    run,
    screen_text,
    settle,
    text_of,
)

from irdesk.domain.incident import K
from irdesk.services import actor as identity
from irdesk.services.desk import Desk
from irdesk.tui.app import IrdeskApp
from irdesk.tui.modals.role import RoleDialog
from irdesk.tui.modals.who import WhoDialog
from irdesk.tui.screens.home import HomeScreen
from irdesk.tui.screens.runner import RunnerScreen


@pytest.fixture
def login_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody said who acts: no --as, no $IRDESK_ACTOR, nothing remembered."""
    monkeypatch.delenv("IRDESK_ACTOR", raising=False)
    monkeypatch.setattr(identity, "login_name", lambda: "root")


@pytest.fixture
def fresh_app(login_only, journal, catalog, roster, clock, roster_path):  # noqa: ANN001
    def make(open_incident: str | None = None) -> IrdeskApp:
        desk = Desk(journal, catalog=catalog, sources=catalog_sources(), roster=roster, clock=clock)
        return IrdeskApp(
            desk, open_incident=open_incident, journal_label="journal.db", roster_path=roster_path
        )

    return make


def header(app) -> str:  # noqa: ANN001
    return text_of(app.screen.query_one("#incident-header"))


async def test_first_use_asks_and_ra_with_enter_takes_ravi_iyer(fresh_app, declare, journal):
    iid = declare().incident_id
    app = fresh_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WhoDialog)
        shown = screen_text(app)
        assert "Who is at the keyboard?" in shown
        assert "On the roster: Ada Moreno, Kofi Mensah, Lena Fischer, Ravi Iyer" in shown
        assert "entries name the login (root)" in text_of(app.screen.query(".dialog-note").first())
        await pilot.press("R", "a", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert "as Ravi Iyer" in header(app)
        assert identity.remembered() == "Ravi Iyer"
        await pilot.press("1")  # tick the first checklist item
        await settle(pilot)
        tick = last(journal, iid)
        assert tick.kind == K.TICKED
        assert (tick.actor, tick.role) == ("Ravi Iyer", None)
    assert all(e.actor != "root" for e in rows(journal, iid))


async def test_a_remembered_name_is_not_asked_again(fresh_app):
    identity.remember("Kofi Mensah")
    app = fresh_app()
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "as Kofi Mensah" in text_of(app.screen.query_one("#home-title"))


async def test_a_name_that_cannot_be_one_keeps_the_dialog_open(fresh_app):
    app = fresh_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("-", "x", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WhoDialog)
        assert "cannot start with '-'" in screen_text(app)
        assert identity.remembered() is None


async def test_switching_with_u_names_the_new_person_and_their_role(make_app, declare, journal):
    session = declare(commander="Ravi Iyer")
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert "as alice" in header(app)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, WhoDialog)
        assert app.screen.query_one("#who-name", Input).value == "alice"
        await pilot.press("ctrl+u", *"rav", "enter")  # clear, type, take the suggestion
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert "as Ravi Iyer (commander)" in header(app)
        await pilot.press("1")
        await settle(pilot)
        tick = last(journal, iid)
        assert (tick.kind, tick.actor, tick.role) == (K.TICKED, "Ravi Iyer", "commander")
        # back home, the title says who acts too
        await pilot.press("escape")
        await settle(pilot)
        assert "as Ravi Iyer" in text_of(app.screen.query_one("#home-title"))


async def test_the_palette_offers_switching(make_app):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        assert "Switch who is acting" in await palette_titles(app)


async def test_ra_and_enter_in_the_role_dialog_takes_the_suggestion(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RoleDialog)
        dialog.query_one("#role-person", Input).focus()
        await pilot.press("R", "a", "enter")
        await settle(pilot)
        assigned = last(journal, iid)
        assert assigned.kind == K.ROLE
        assert assigned.payload["person"] == "Ravi Iyer"


async def test_a_name_not_on_the_roster_is_taken_as_typed(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one("#role-person", Input).focus()
        await pilot.press(*"Zoe", "enter")
        await settle(pilot)
        assert last(journal, iid).payload["person"] == "Zoe"
