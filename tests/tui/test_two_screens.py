"""Two responders on one journal: each screen shows the other's actions within a second.

Each responder has their own Journal connection (as a second irdesk process would: the
same SQLite file, another connection) and their own Desk; both apps run in one event loop.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tui_helpers import (
    ACTOR,
    notify_calls,
    rows,
    run,
    screen_text,
    settle,
    text_of,
    toasts,
    wait_until,
)

from irdesk.domain.incident import K
from irdesk.services.desk import Desk
from irdesk.store import Journal
from irdesk.tui.screens.home import HomeScreen

SECOND = 1.5  # the runner polls every 0.5 s and home every 1 s; slack for a busy machine


@pytest.fixture
def bob(journal_path, clock, catalog, roster):
    """A second responder with their own connection to the same journal file."""
    with Journal.open(journal_path, clock=clock) as other:
        yield Desk(other, catalog=catalog, roster=roster, clock=clock, actor="bob")


def timeline(app) -> str:
    return text_of(app.screen.query_one("#timeline"))


def checklist(app) -> str:
    return text_of(app.screen.query_one("#checklist"))


async def test_two_runners_see_each_other(declare, make_app, bob, journal):
    iid = declare().incident_id
    alice_app, bob_app = make_app(iid), make_app(iid, desk_=bob)
    async with run(alice_app) as alice, run(bob_app) as bobs:
        await settle(alice)
        await settle(bobs)
        await alice.press("n", *"on it", "enter")
        await settle(alice)
        await wait_until(bobs, lambda: "alice        note       on it" in timeline(bob_app))

        await bobs.press("1")
        await settle(bobs)
        assert rows(journal, iid)[-1].actor == "bob"
        await wait_until(alice, lambda: "[x] 1. Incident acknowledged" in checklist(alice_app))
        assert "bob          checked    Incident acknowledged and severity set" in timeline(
            alice_app
        )

        # Bob finishes the step alice is looking at: her "Now" moves on with the pointer.
        await bobs.press("d", "y")
        await settle(bobs)
        await wait_until(
            alice,
            lambda: text_of(alice_app.screen.query_one("#step-title")).startswith(
                "Now: Find every recipient and every click"
            ),
        )
        assert "acknowledged 09:00" in text_of(alice_app.screen.query_one("#incident-header"))

        # Alice raises the severity; bob's header follows.
        await alice.press("v", "1", "enter")
        await settle(alice)
        await wait_until(
            bobs, lambda: " · SEV1 · " in text_of(bob_app.screen.query_one("#incident-header"))
        )


async def test_a_plain_second_connection_writing_shows_up(declare, make_app, bob, journal):
    """Another process's writes (here: a bare Journal connection) reach the screen."""
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        session = bob.session(iid)
        session.note("firewall change ticket CHG-1234 raised")
        took = await wait_until(pilot, lambda: "firewall change ticket CHG-1234" in timeline(app))
        assert took < SECOND
        assert "bob          note       firewall change ticket CHG-1234 raised" in timeline(app)


async def test_home_lists_an_incident_declared_elsewhere(make_app, bob, journal):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        bob.declare(
            bob.catalog.playbooks["ransomware"],
            title="File server encrypted",
            severity="SEV1",
            commander="bob",
        )
        await wait_until(
            pilot, lambda: "File server encrypted" in text_of(app.screen.query_one("#incidents"))
        )
        assert text_of(app.screen.query_one("#incidents")).startswith(
            "INC-0001 | File server encrypted | SEV1 | open"
        )


async def test_an_escalation_fired_by_both_screens_is_recorded_and_sent_once(
    declare, make_app, bob, journal, clock, notify_log
):
    """Both screens tick in the same second and both see the timer lapse before either
    wrote: one escalation row, one notify run, and no error on the slower screen."""
    iid = declare().incident_id
    alice_app, bob_app = make_app(iid), make_app(iid, desk_=bob)
    async with run(alice_app) as alice, run(bob_app) as bobs:
        await settle(alice)
        await settle(bobs)
        clock.advance(timedelta(minutes=20))
        bob_session = bob_app.screen.session
        bob_session.refresh = lambda: []  # bob's screen has not seen alice's write yet
        alice_app.screen.tick_clock()
        await settle(alice)
        bob_app.screen.tick_clock()
        await settle(bobs)
        del bob_session.refresh
        assert [(e.payload["level"], e.actor) for e in rows(journal, iid, K.ESCALATED)] == [
            (1, "system")
        ]
        assert rows(journal, iid, K.ESCALATED)[0].payload["fired_by"].startswith(f"{ACTOR}@")
        assert len(notify_calls(notify_log)) == 1
        assert len(rows(journal, iid, K.NOTIFIED)) == 1
        assert "not recorded" not in toasts(bob_app)
        assert "already used" not in screen_text(bob_app)
        await wait_until(
            bobs, lambda: "escalated to level 1" in text_of(bob_app.screen.query_one("#timers"))
        )


async def test_a_second_choice_is_refused_on_screen_and_a_raced_one_shows_as_a_conflict(
    declare, make_app, bob, journal
):
    session = declare()
    iid = session.incident_id
    session.complete("triage")
    session.complete("scope-campaign")
    app = make_app(iid)
    async with run(app) as alice:
        await settle(alice)
        await alice.press("o")  # alice opens the options...
        await settle(alice)
        bobs = bob.session(iid)
        bobs.decide("credentials-entered", 0)  # ...bob chooses first, from his terminal
        await alice.press("2")  # alice's screen had not caught up yet
        await settle(alice)
        await wait_until(alice, lambda: "already decided: bob chose" in toasts(app))
        assert [k for k in (r.kind for r in rows(journal, iid)) if k == K.DECIDED] == [K.DECIDED]

        # Two processes racing past that check: the journal holds both. The screen keeps
        # the first and shows the conflict under the options and on the timeline.
        option = session.playbook.step("credentials-entered").decision[1]
        journal.append(
            iid,
            K.DECIDED,
            {
                "step": "credentials-entered",
                "option": 1,
                "label": option.label,
                "next": option.next,
                "visit": 1,
            },
            actor="carol",
        )
        conflict = "CONFLICT: carol chose 'No, the lure was only delivered or clicked' after bob"
        await wait_until(alice, lambda: conflict in timeline(app))
        assert app.screen.session.state.current == "revoke-access"  # bob's choice stands
        await alice.press("up")  # the decision step, in the step list
        await settle(alice)
        assert conflict in text_of(app.screen.query_one("#step-decision"))


async def test_a_runner_opened_from_home_sees_writes_home_polled_first(
    declare, make_app, bob, journal
):
    """Home stays underneath the runner and polls the same journal: when its poll came
    first, the runner still picks the write up (each screen has its own "changed")."""
    iid = declare().incident_id
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        home, runner = app.screen_stack[-2], app.screen
        assert isinstance(home, HomeScreen) and runner.session.incident_id == iid
        bob.session(iid).note("seen by home first")
        home._poll()  # home's interval fired first
        runner.poll()
        runner.show_state()
        await settle(pilot)
        assert "seen by home first" in timeline(app)


async def test_a_conflict_on_a_step_without_options_shows_in_the_step_panel(
    declare, make_app, journal
):
    session = declare()
    iid = session.incident_id
    session.skip("triage", "reporter unreachable")
    # another process, racing, marked the step done after it was skipped
    journal.append(iid, K.STEP_DONE, {"step": "triage", "title": "triage", "visit": 1}, actor="bob")
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("up")  # the skipped step
        await settle(pilot)
        assert app.screen.selected == "triage"
        panel = app.screen.query_one("#now").region
        shown = [
            line[panel.x : panel.right]
            for line in screen_text(app).splitlines()[panel.y : panel.bottom]
        ]
        assert any("skipped: reporter unreachable" in line for line in shown)
        assert any(
            "CONFLICT: bob marked it done after alice skipped it (entry 2)" in line
            for line in shown
        )


async def test_a_refused_reason_keeps_the_dialog_and_what_was_typed(
    declare, make_app, bob, journal
):
    """Alice types why she skips a step while bob finishes it from his terminal: her skip
    is refused, and the dialog stays open with the refusal and her words (nothing typed
    by a responder is thrown away); escape leaves it, and nothing was journaled."""
    from textual.widgets import Input

    from irdesk.tui.modals.prompts import TextPrompt

    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as alice:
        await settle(alice)
        await alice.press("s")
        await settle(alice)
        dialog = app.screen
        assert isinstance(dialog, TextPrompt)
        bob.session(iid).complete("triage")  # bob finishes the step meanwhile
        dialog.query_one(Input).value = "already triaged by the SOC"
        await alice.press("enter")
        await settle(alice)
        assert app.screen is dialog  # refused, and still open
        assert "Not recorded:" in screen_text(app)
        assert dialog.query_one(Input).value == "already triaged by the SOC"
        await alice.press("escape")
        await settle(alice)
        assert app.screen is not dialog
    assert K.STEP_SKIPPED not in [r.kind for r in rows(journal, iid)]
