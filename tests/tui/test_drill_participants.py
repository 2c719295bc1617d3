"""Participants on the facilitator's desk: named in the briefing (from the roster or
typed), added later and switched with W; the team's actions are theirs in the journal."""

from __future__ import annotations

from tui_helpers import ACTOR, paste, rows, run, screen_text, settle

from irdesk.domain.drill import DK
from irdesk.domain.incident import K
from irdesk.tui.modals.briefing import DrillBriefing
from irdesk.tui.modals.prompts import ChoicePrompt, TextPrompt
from irdesk.tui.modals.role import RoleDialog
from irdesk.tui.screens.drill import DrillScreen


def panel(screen: DrillScreen) -> str:
    return str(screen.query_one("#drill-panel").content)


async def note(pilot, text: str) -> None:  # noqa: ANN001
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TextPrompt)
    await paste(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


async def test_participants_from_the_briefing_and_w_and_their_actions(
    desk, catalog, make_app, journal
):
    session = desk.start_drill(catalog.scenarios["ttx-ceo-phish"])
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DrillBriefing)
        assert "Participants: nobody named yet" in screen_text(app)

        # from the roster (Lena Fischer is its third person) ...
        await pilot.click("#add-participant")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        assert "Type a name…" in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        # ... and typed
        await pilot.click("#add-participant")
        await settle(pilot)
        await pilot.press("3")  # Ravi: Lena is no longer offered
        await settle(pilot)
        await pilot.click("#add-participant")
        await settle(pilot)
        await pilot.press("3")  # "Type a name…" after Ada and Kofi
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await paste(pilot, "Sam Okoro")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DrillBriefing)
        assert "Participants: Lena Fischer, Ravi Iyer, Sam Okoro" in screen_text(app)
        added = rows(journal, iid, DK.PARTICIPANT)
        assert [(e.payload["name"], e.payload["source"], e.actor) for e in added] == [
            ("Lena Fischer", "roster", ACTOR),
            ("Ravi Iyer", "roster", ACTOR),
            ("Sam Okoro", "typed", ACTOR),
        ]

        await pilot.click("#start")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert "Acting: Lena Fischer" in panel(drill)  # the first named acts first
        await note(pilot, "Priya holds the payment")

        # W: Sam acts now
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        assert "Lena Fischer  (acting)" in screen_text(app)
        assert f"{ACTOR}, the facilitator" in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        assert "Acting: Sam Okoro" in panel(drill)
        await note(pilot, "bank called")
        await pilot.press("P")  # the facilitator's control: still the facilitator's
        await settle(pilot)

        notes = rows(journal, iid, K.NOTE)
        assert [(e.payload["text"], e.actor) for e in notes] == [
            ("Priya holds the payment", "Lena Fischer"),
            ("bank called", "Sam Okoro"),
        ]
        assert {e.actor for e in rows(journal, iid, DK.CLOCK)} == {ACTOR}

        # r: the roles dialog suggests the participants first (typed ones too)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RoleDialog)
        assert app.screen.people[:3] == ["Lena Fischer", "Ravi Iyer", "Sam Okoro"]
        await pilot.press("escape")
        await settle(pilot)

        # W, then "Add a participant…" adds someone and switches to them
        await pilot.press("W")
        await settle(pilot)
        await pilot.press("5")  # after 3 participants and the facilitator
        await settle(pilot)
        await pilot.press("1")  # Ada Moreno, from the roster
        await settle(pilot)
        assert "Acting: Ada Moreno" in panel(drill)
        assert rows(journal, iid, DK.PARTICIPANT)[-1].payload["name"] == "Ada Moreno"
