"""The help screen lists every key of the screen underneath; the palette has the actions."""

from __future__ import annotations

from textual.command import CommandPalette
from tui_helpers import paste, rows, run, screen_text, settle, text_of

from irdesk.domain.incident import K
from irdesk.tui.modals.declare import DeclareDialog
from irdesk.tui.modals.prompts import TextPrompt
from irdesk.tui.screens.help import HelpScreen
from irdesk.tui.screens.home import HomeScreen
from irdesk.tui.screens.runner import RunnerScreen

RUNNER_ACTIONS = (
    "Add a note",
    "Complete step",
    "Skip step",
    "Choose decision option",
    "Record milestone",
    "Change severity",
    "Change status",
    "Assign role",
    "Acknowledge escalation",
    "Contacts",
    "Close incident",
)


def help_lines(app) -> list[str]:
    return [line.strip() for line in text_of(app.screen.query_one("#help-text")).splitlines()]


async def test_help_on_the_runner_lists_every_binding(declare, make_app):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        lines = help_lines(app)
        for binding in RunnerScreen.BINDINGS:
            assert any(
                line.endswith(f"[{binding.id}]") and binding.description in line for line in lines
            ), binding.id
        # Keys read as a person types them, each apart from its description.
        assert "space        Tick   [runner.tick]" in lines
        assert "esc          Home   [runner.back]" in lines
        assert "1            Tick item 1   [runner.tick_1]" in lines
        assert "?            Help   [app.help]" in lines
        assert "^q, q        Quit   [app.quit]" in lines
        assert "command palette (ctrl+p)" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)


async def test_help_on_home_and_back_with_question_mark(make_app):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        lines = help_lines(app)
        assert "n            Declare incident   [home.declare]" in lines
        assert "p            Contacts   [home.contacts]" in lines
        assert not any("runner." in line for line in lines)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_palette_lists_the_runner_actions_and_runs_one(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for action in RUNNER_ACTIONS:
            assert action in titles
        assert "Declare an incident" in titles and "Help: keys" in titles
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"add note")
        await pilot.pause(0.3)  # the palette searches in the background
        assert "Write a note to the timeline" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await paste(pilot, "from the palette")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(journal, iid, K.NOTE)[0].payload == {"text": "from the palette"}


async def test_palette_declares_from_home_and_hides_runner_actions(make_app):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Add a note" not in titles and "Close incident" not in titles
        await pilot.press("ctrl+p", *"declare")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeclareDialog)
