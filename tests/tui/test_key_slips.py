"""Keys a commander under pressure trips over: a dialog open when ctrl+q is pressed, space
pressed again, a number key on a finished step, and another responder's tick."""

from __future__ import annotations

from textual.widgets import OptionList, TextArea
from tui_helpers import kinds, last, rows, run, screen_text, settle, text_of, toasts

from irdesk.domain.incident import K
from irdesk.tui.modals.prompts import ConfirmPrompt, NotePrompt, TextPrompt
from irdesk.tui.screens.runner import RunnerScreen


def checklist(app) -> str:  # noqa: ANN001
    return text_of(app.screen.query_one("#checklist", OptionList))


async def test_ctrl_q_in_an_empty_dialog_quits(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NotePrompt)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app._exit is True  # noqa: SLF001
    assert kinds(journal, iid) == [K.DECLARED]


async def test_ctrl_q_with_text_typed_asks_and_what_follows_never_reaches_the_note(
    declare, make_app, journal
):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"bridge at 10")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        assert "what you typed is not recorded" in screen_text(app)
        # the keys that follow go to the question, not into the note
        await pilot.press(*"abc", "escape")
        await settle(pilot)
        assert isinstance(app.screen, NotePrompt)
        assert app.screen.query_one("#note-text", TextArea).text == "bridge at 10"
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app._exit is True  # noqa: SLF001
    assert kinds(journal, iid) == [K.DECLARED]


async def test_q_in_a_dialog_is_typed_not_quit(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"quarantine", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert last(journal, iid).payload == {"text": "quarantine"}


async def test_space_moves_on_to_the_next_item_instead_of_unticking_the_first(
    declare, make_app, journal
):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        ticks = [(e.kind, e.payload["item"]) for e in rows(journal, iid) if e.kind != K.DECLARED]
        # item 2 asks for evidence: space opened its dialog rather than unticking item 1
        assert ticks == [(K.TICKED, 0)]
        assert isinstance(app.screen, TextPrompt)
        assert "Evidence for" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#checklist", OptionList).highlighted == 1


async def test_a_number_key_never_unticks_an_item_of_a_finished_step(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    session.tick("triage", 0)
    session.complete("triage")
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        app.screen.selected = "triage"
        app.screen.show_state()
        await settle(pilot)
        assert "[x] 1. " in checklist(app)
        before = kinds(journal, iid)
        await pilot.press("1")
        await settle(pilot)
        assert kinds(journal, iid) == before
        assert "[x] 1. " in checklist(app)
        assert "is done: its ticked items stand" in toasts(app)


def test_the_service_refuses_to_untick_a_finished_step(declare):
    import pytest

    from irdesk.domain.incident import ActionError

    session = declare()
    session.tick("triage", 0)
    session.complete("triage")
    with pytest.raises(ActionError, match="is done: its ticked items stand"):
        session.untick("triage", 0)


async def test_a_tick_made_elsewhere_is_not_undone_by_the_same_key_here(
    declare, make_app, journal, desk
):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        # another responder ticks item 1 a moment before this one presses 1
        other = desk.session(iid)
        other.actor = "Kofi Mensah"
        other.tick("triage", 0)
        await pilot.press("1")
        await settle(pilot)
        # whether this screen had seen Kofi's tick yet or not, 1 does not undo it: the
        # service refuses a second tick by name, or the screen asks before an untick
        if isinstance(app.screen, ConfirmPrompt):
            assert "Kofi Mensah ticked 1. " in screen_text(app)
            await pilot.press("escape")
            await settle(pilot)
        else:
            assert "already ticked: Kofi Mensah ticked it" in toasts(app)
        ticked = [e for e in rows(journal, iid) if e.kind in (K.TICKED, K.UNTICKED)]
        assert [(e.kind, e.actor) for e in ticked] == [(K.TICKED, "Kofi Mensah")]
        assert "[x] 1. " in checklist(app)


async def test_unticking_somebody_elses_tick_asks_first(declare, make_app, journal, desk):
    session = declare()
    iid = session.incident_id
    other = desk.session(iid)
    other.actor = "Kofi Mensah"
    other.tick("triage", 0)
    session.tick("triage", 2)
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("3")  # my own tick: unticked at once, and said
        await settle(pilot)
        assert last(journal, iid).kind == K.UNTICKED
        assert "unticked 3. " in toasts(app)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        assert "Kofi Mensah ticked 1. " in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert (last(journal, iid).kind, last(journal, iid).payload["item"]) == (K.UNTICKED, 0)


async def test_a_number_key_beyond_the_checklist_says_so(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        assert kinds(journal, iid) == [K.DECLARED]
        assert "has items 1-" in toasts(app) and "nothing ticked" in toasts(app)
