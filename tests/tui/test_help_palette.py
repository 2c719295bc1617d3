"""The help screen lists every key of the screen underneath; the palette has the actions."""

from __future__ import annotations

import re

import pytest
from helpers_replay import script_incident
from textual.command import CommandPalette
from tui_helpers import (
    PLAYBOOKS_AND_SCENARIOS,
    palette_titles,
    paste,
    rows,
    run,
    screen_text,
    settle,
    text_of,
    wait_until,
)

from irdesk.domain.drill import DK
from irdesk.domain.incident import K
from irdesk.formats.catalog import Catalog
from irdesk.services.replay import open_replay
from irdesk.tui.app import IrdeskApp
from irdesk.tui.commands import ACTIONS
from irdesk.tui.keymap import binding_classes, bindings_of, known_bindings
from irdesk.tui.modals.declare import DeclareDialog
from irdesk.tui.modals.prompts import TextPrompt
from irdesk.tui.screens.drill import DrillScreen
from irdesk.tui.screens.help import HelpScreen
from irdesk.tui.screens.home import HomeScreen
from irdesk.tui.screens.replay import ReplayScreen
from irdesk.tui.screens.runner import RunnerScreen

ID = re.compile(r"^[a-z]+\.[a-z_0-9]+$")

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


@pytest.fixture
def scripted_replay(tmp_path):
    path, _, _ = script_incident(tmp_path / "replayed.db", Catalog.load(PLAYBOOKS_AND_SCENARIOS))
    replay = open_replay(path, "INC-0001", Catalog.load(PLAYBOOKS_AND_SCENARIOS))
    yield replay
    replay.journal.close()


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
        titles = await palette_titles(app)
        for action in RUNNER_ACTIONS:
            assert action in titles
        assert "Declare an incident" in titles and "Help: keys" in titles
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"add note")
        # the palette searches in the background
        await wait_until(pilot, lambda: "Write a note to the timeline" in screen_text(app))
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
        titles = await palette_titles(app)
        assert "Add a note" not in titles and "Close incident" not in titles
        await pilot.press("ctrl+p", *"declare")
        await wait_until(pilot, lambda: "Open a new incident on a playbook" in screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeclareDialog)


def test_every_binding_has_an_id_and_a_description():
    """Every key of the desk can be remapped (its id) and explained (its description);
    within one screen no two bindings share an id, and every id the palette names exists."""
    classes = binding_classes()
    assert {RunnerScreen, DrillScreen, ReplayScreen, HomeScreen, HelpScreen} <= set(classes)
    for cls in classes:
        bindings = bindings_of(cls)
        for binding in bindings:
            assert binding.id and binding.description, (cls.__name__, binding)
            assert ID.match(binding.id), binding.id
        ids = [binding.id for binding in bindings]
        assert len(ids) == len(set(ids)), cls.__name__
    assert set(ACTIONS) <= set(known_bindings(classes)), set(ACTIONS) - set(known_bindings(classes))


async def test_help_on_the_drill_lists_the_responders_and_the_facilitators_keys(
    desk, catalog, make_app
):
    session = desk.start_drill(catalog.scenarios["ttx-ceo-phish"])
    session.start_clock()
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DrillScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        lines = help_lines(app)
        assert "n            Note   [runner.note]" in lines
        assert "space        Tick   [runner.tick]" in lines
        assert "P            Start/pause clock   [drill.clock]" in lines
        assert ">            Faster   [drill.faster]" in lines


async def test_palette_on_the_drill_runs_a_facilitator_action(desk, catalog, make_app, journal):
    session = desk.start_drill(catalog.scenarios["ttx-ceo-phish"])
    session.start_clock()
    session.deliver_due()  # the first inject, due at once: nothing else is due
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        titles = await palette_titles(app)
        for action in (*RUNNER_ACTIONS, "Deliver the next inject now", "End the drill"):
            assert action in titles
        await pilot.press("ctrl+p", *"inject now")
        # the palette searches in the background
        await wait_until(
            pilot, lambda: "Deliver the inject that is due next (key: N)" in screen_text(app)
        )
        await pilot.press("enter")
        await settle(pilot)
        delivered = [e.payload["inject"] for e in rows(journal, iid, DK.DELIVERED)]
        assert delivered == ["first-report", "trace-results"]


async def test_palette_on_replay_has_the_transport_and_nothing_that_writes(scripted_replay):
    app = IrdeskApp(None, replay=scripted_replay)
    async with run(app) as pilot:
        await settle(pilot)
        titles = await palette_titles(app)
        assert {"Play or pause", "Jump to a milestone", "Jump to a time"} <= set(titles)
        assert not {"Add a note", "Complete step", "Close incident"} & set(titles)
