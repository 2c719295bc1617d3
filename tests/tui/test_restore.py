"""Quit and reopen: a new process on the same journal shows exactly the same incident."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, OptionList, Select
from tui_helpers import ACTOR, paste, run, settle, text_of

from irdesk.services.desk import Desk
from irdesk.store import Journal
from irdesk.tui.screens.runner import RunnerScreen

WIDGETS = (
    "#incident-header",
    "#steps",
    "#step-title",
    "#step-decision",
    "#checklist",
    "#step-meta",
    "#timers",
    "#timeline",
)


def view(app) -> dict[str, str]:
    """What each part of the runner shows (a hidden part shows nothing)."""
    shown = {}
    for wid in WIDGETS:
        widget = app.screen.query_one(wid)
        shown[wid] = text_of(widget) if widget.display else ""
    return shown


def step_states(app) -> dict:
    state = app.screen.session.state
    return {
        sid: (
            st.status,
            sorted((i, t.evidence) for i, t in st.ticks.items()),
            st.decision,
            st.skip_reason,
            st.visits,
        )
        for sid, st in state.steps.items()
    }


async def select_step(pilot, step_id: str) -> None:
    steps = pilot.app.screen.query_one("#steps", OptionList)
    steps.focus()
    index = steps.index_of(step_id)
    steps.highlighted = index
    await settle(pilot)


async def test_quit_and_reopen_restores_the_exact_state(
    declare, make_app, journal_path, clock, catalog, roster
):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("1", "2")
        await settle(pilot)
        await pilot.press(*"phish.eml", "enter")
        await pilot.press("4")
        clock.advance(timedelta(minutes=6))
        await pilot.press("d", "y")  # triage done with item 3 open; acknowledged
        await settle(pilot)
        await pilot.press("s")
        await paste(pilot, "SOC already scoped it")
        await pilot.press("enter")
        await settle(pilot)
        clock.advance(timedelta(minutes=3))
        await pilot.press("o", "1")  # credentials handed over: revoke-access
        await settle(pilot)
        await pilot.press("2", "3")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        select = dialog.query_one("#milestone-name", Select)
        select.focus()
        await pilot.press("enter", "down", "enter")  # started -> detected
        dialog.query_one("#milestone-when", Input).focus()
        await pilot.press(*"-30m", "tab", *"SIEM", "enter")
        await settle(pilot)
        await pilot.press("t", "2")  # investigating
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        before = view(app)
        states = step_states(app)
        milestones = dict(app.screen.session.state.milestones)
        assert "Now: Cut the attacker out of exposed accounts" in before["#step-title"]
        assert "[x] 2. Password reset" in before["#checklist"]
        assert set(milestones) == {"declared", "acknowledged", "detected"}
        await pilot.press("ctrl+q", "y")  # timers are running: the desk asks first
        await settle(pilot)
    assert app.return_code == 0

    # A new process: its own connection, its own desk, the same journal file.
    with Journal.open(journal_path, clock=clock) as reopened:
        desk = Desk(reopened, catalog=catalog, roster=roster, clock=clock, actor=ACTOR)
        again = make_app(iid, desk_=desk)
        async with run(again) as pilot:
            await settle(pilot)
            assert view(again) == before
            assert step_states(again) == states
            assert again.screen.session.state.milestones == milestones
            assert states["triage"][0:2] == ("done", [(0, None), (1, "phish.eml"), (3, None)])
            assert states["scope-campaign"][0] == "skipped"
            assert states["scope-campaign"][3] == "SOC already scoped it"
            assert states["credentials-entered"][2] == (
                0,
                "Yes, at least one account is exposed",
                "revoke-access",
            )
            # Looking back at the decision shows the option taken.
            await select_step(pilot, "credentials-entered")
            assert "● 1. Yes, at least one account is exposed" in text_of(
                again.screen.query_one("#step-decision")
            )
            await select_step(pilot, "triage")
            assert (
                "[x] 2. Original message saved as an attachment with full headers "
                '(evidence) "phish.eml"' in text_of(again.screen.query_one("#checklist"))
            )
            assert "[ ] 3. Reporter asked" in text_of(again.screen.query_one("#checklist"))
