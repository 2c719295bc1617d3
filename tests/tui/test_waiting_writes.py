"""A write that waits says so and never throws away what the responder typed (issue 10).

Another process's writer is a plain sqlite3 connection holding ``BEGIN IMMEDIATE`` on the
journal file. The desk under test has its journal opened as ``irdesk`` opens it on screen:
each try waits only ATTEMPT seconds for the lock (irdesk.tui.writes), so the screen can say
it is waiting between tries. Before, a note typed during such a lock was lost after about
six seconds: the dialog had already closed when the write failed.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea
from tui_helpers import (
    ACTOR,
    kinds,
    paste,
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
from irdesk.store import Journal, JournalFull, JournalLocked
from irdesk.tui.modals.declare import DeclareDialog
from irdesk.tui.modals.prompts import NotePrompt, TextPrompt
from irdesk.tui.modals.waiting import JournalWait
from irdesk.tui.screens.runner import RunnerScreen
from irdesk.tui.writes import ATTEMPT, RETRY

WAITING = "Waiting for the journal: another process is writing to it"


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Another process's writer holding the journal's write lock until the block ends."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def desk_on_screen(journal_path, journal, catalog, roster, clock) -> Iterator[Desk]:
    """The desk as ``irdesk`` opens it on screen: short tries for the write lock."""
    with Journal.open(journal_path, clock=clock, timeout=ATTEMPT) as short:
        yield Desk(short, catalog=catalog, roster=roster, clock=clock, actor=ACTOR)


@pytest.fixture
def on_screen(declare, make_app, desk_on_screen):  # noqa: ANN001, ANN201
    """An incident, declared, and the desk on screen made to open on it: (id, app)."""
    iid = declare().incident_id
    return iid, make_app(iid, desk_=desk_on_screen)


async def submit(pilot, key: str, text: str) -> None:  # noqa: ANN001
    """Open a prompt with ``key``, type ``text`` and press enter."""
    await pilot.press(key)
    await paste(pilot, text)
    await pilot.press("enter")


def prompt_text(app) -> str:  # noqa: ANN001
    """What the prompt on top holds: a line (TextPrompt) or a note (NotePrompt)."""
    if isinstance(app.screen, NotePrompt):
        return app.screen.query_one("#note-text", TextArea).text
    return app.screen.query_one("#prompt-input", Input).value


def dialog_text(app) -> str:  # noqa: ANN001
    """What the dialog on top says, each line whole (however the terminal wraps it)."""
    return "\n".join(text_of(widget) for widget in app.screen.query(Static))


async def test_a_note_typed_during_a_lock_waits_on_screen_and_is_recorded(
    on_screen, journal, journal_path
):
    iid, app = on_screen
    async with run(app) as pilot:
        await settle(pilot)
        with write_lock(journal_path):
            await submit(pilot, "n", "Finance confirms no payment was made")
            await wait_until(pilot, lambda: WAITING in dialog_text(app))
            # Still there after several tries: the dialog, the text, and nothing recorded.
            await pilot.pause(3 * RETRY)
            assert isinstance(app.screen, NotePrompt)
            assert prompt_text(app) == "Finance confirms no payment was made"
            assert "What you typed stays here until it is recorded" in dialog_text(app)
            assert rows(journal, iid, K.NOTE) == []
        # The lock is gone: the next try records it and the dialog closes by itself.
        await wait_until(pilot, lambda: isinstance(app.screen, RunnerScreen), timeout=3)
        assert [e.payload for e in rows(journal, iid, K.NOTE)] == [
            {"text": "Finance confirms no payment was made"}
        ]


async def test_a_lock_held_past_the_patience_keeps_the_text_and_enter_tries_again(
    on_screen, journal, journal_path
):
    iid, app = on_screen
    app.write_patience = 1.0
    async with run(app) as pilot:
        await settle(pilot)
        with write_lock(journal_path):
            await submit(pilot, "n", "kept through the lock")
            await wait_until(pilot, lambda: "Not recorded: journal" in dialog_text(app), 4)
            shown = dialog_text(app)
            assert "is locked by another process" in shown
            # the time the person waited, not the last brief try's ("waited 0.2s")
            assert re.search(r"waited (1\.\d|[2-9](\.\d)?)s", shown), shown
            assert "enter tries again" in shown
            assert isinstance(app.screen, NotePrompt)
            assert prompt_text(app) == "kept through the lock"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunnerScreen))
        assert [e.payload for e in rows(journal, iid, K.NOTE)] == [
            {"text": "kept through the lock"}
        ]


async def test_escape_gives_up_a_waiting_write_and_nothing_is_recorded_later(
    on_screen, journal, journal_path
):
    iid, app = on_screen
    async with run(app) as pilot:
        await settle(pilot)
        with write_lock(journal_path):
            await pilot.press("n", *"never mind", "enter")
            await wait_until(pilot, lambda: WAITING in dialog_text(app))
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, RunnerScreen)
        await pilot.pause(3 * RETRY)
        assert kinds(journal, iid) == [K.DECLARED]


async def test_a_full_disk_keeps_the_text_and_says_why(
    on_screen, desk_on_screen, journal, monkeypatch
):
    iid, app = on_screen
    append = desk_on_screen.journal.append

    def full_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        monkeypatch.setattr(desk_on_screen.journal, "append", append)
        raise JournalFull("journal j.db is full (disk full): the write was not recorded")

    async with run(app) as pilot:
        await settle(pilot)
        monkeypatch.setattr(desk_on_screen.journal, "append", full_once)
        await submit(pilot, "s", "SOC scoped it in SOC-881")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "Not recorded: journal j.db is full (disk full)" in dialog_text(app)
        assert prompt_text(app) == "SOC scoped it in SOC-881"
        assert kinds(journal, iid) == [K.DECLARED]
        await pilot.press("enter")  # room was made: try again
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        [skipped] = rows(journal, iid, K.STEP_SKIPPED)
        assert skipped.payload["reason"] == "SOC scoped it in SOC-881"


async def test_a_backdated_milestone_keeps_its_time_and_reason_through_a_lock(
    on_screen, journal, journal_path, clock
):
    iid, app = on_screen
    clock.advance(timedelta(minutes=30))
    async with run(app) as pilot:
        await settle(pilot)
        with write_lock(journal_path):
            await pilot.press("m")
            await settle(pilot)
            dialog = app.screen
            dialog.query_one("#milestone-when", Input).focus()
            await paste(pilot, "-20m")
            dialog.query_one("#milestone-reason", Input).focus()
            await paste(pilot, "first risky sign-in alert")
            await pilot.press("enter")
            await wait_until(pilot, lambda: WAITING in dialog_text(app))
            assert dialog.query_one("#milestone-when", Input).value == "-20m"
            assert dialog.query_one("#milestone-reason", Input).value == (
                "first risky sign-in alert"
            )
        await wait_until(pilot, lambda: isinstance(app.screen, RunnerScreen), timeout=3)
        [milestone] = rows(journal, iid, K.MILESTONE)
        assert milestone.backdate_reason == "first risky sign-in alert"
        assert milestone.recorded_at - milestone.occurred_at == timedelta(minutes=20)


async def test_a_tick_during_a_lock_shows_the_wait_and_lands_when_it_is_free(
    on_screen, journal, journal_path
):
    iid, app = on_screen
    async with run(app) as pilot:
        await settle(pilot)
        with write_lock(journal_path):
            await pilot.press("1")
            await wait_until(pilot, lambda: isinstance(app.screen, JournalWait))
            shown = dialog_text(app)
            assert "Recording: tick Incident acknowledged and severity set" in shown
            assert WAITING in shown
        await wait_until(pilot, lambda: isinstance(app.screen, RunnerScreen), timeout=3)
        [tick] = rows(journal, iid, K.TICKED)
        assert tick.payload["item"] == 0
        assert "[x] 1. Incident acknowledged" in screen_text(app)


async def test_a_declaration_waits_with_everything_typed(
    make_app, desk_on_screen, journal, journal_path
):
    app = make_app(desk_=desk_on_screen)
    async with run(app) as pilot:
        await settle(pilot)
        with write_lock(journal_path):
            await pilot.press("n")
            await settle(pilot)
            await paste(pilot, "CFO mailbox sending invoices")
            await pilot.press("enter")
            await wait_until(pilot, lambda: WAITING in dialog_text(app))
            assert isinstance(app.screen, DeclareDialog)
            assert journal.incidents() == []
        await wait_until(pilot, lambda: isinstance(app.screen, RunnerScreen), timeout=3)
        await settle(pilot)
        [record] = journal.incidents()
        assert record.title == "CFO mailbox sending invoices"
        assert app.screen.session.incident_id == record.id


async def test_escalations_wait_for_the_journal_and_say_so_once(
    on_screen, journal, journal_path, clock
):
    iid, app = on_screen
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=21))  # the acknowledge timer lapsed
        with write_lock(journal_path):
            for _ in range(3):
                app.screen.tick_clock()
                await settle(pilot)
            assert toasts(app).count("waiting for the journal") == 1
            assert "escalations are recorded as soon as it is free" in toasts(app)
            assert rows(journal, iid, K.ESCALATED) == []
        app.screen.tick_clock()
        await settle(pilot)
        [fired] = rows(journal, iid, K.ESCALATED)
        assert fired.payload["timer"] == "acknowledge"


async def test_a_key_write_held_past_the_patience_is_tried_again_with_enter(
    on_screen, journal, journal_path
):
    iid, app = on_screen
    app.write_patience = 1.0
    async with run(app) as pilot:
        await settle(pilot)
        with write_lock(journal_path):
            await pilot.press("3")
            await wait_until(pilot, lambda: "Not recorded: journal" in dialog_text(app), 4)
            assert isinstance(app.screen, JournalWait)
            assert "Enter tries again; escape gives up" in dialog_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunnerScreen))
        assert [e.payload["item"] for e in rows(journal, iid, K.TICKED)] == [2]


async def test_a_notify_commands_outcome_is_recorded_once_the_journal_is_free(
    on_screen, journal, journal_path, clock, notify_log
):
    """The escalation is journaled, its notify command runs in a worker; the journal is
    locked by then: the outcome waits for it instead of being lost."""
    iid, app = on_screen
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=21))
        app.screen.tick_clock()  # escalates; the command starts in a worker thread
        with write_lock(journal_path):
            await app.workers.wait_for_complete()
            await pilot.pause(2 * RETRY)
            assert len(rows(journal, iid, K.ESCALATED)) == 1
            assert rows(journal, iid, K.NOTIFIED) == []
        await wait_until(pilot, lambda: len(rows(journal, iid, K.NOTIFIED)) == 1, timeout=3)
        assert "not recorded" not in toasts(app)


async def test_a_poll_that_finds_the_journal_busy_reads_it_at_the_next_one(
    on_screen, desk_on_screen, journal, monkeypatch
):
    """The desk's journal waits only briefly for a lock, reads included (another process
    recovering the journal after a crash holds it for a moment): the screen's poll skips
    a busy read instead of failing, and picks the writes up at the next poll."""
    iid, app = on_screen
    has_changed = desk_on_screen.journal.has_changed
    busy = []

    def busy_twice(reader: str = "") -> bool:
        if len(busy) < 2:
            busy.append(1)
            raise JournalLocked("journal j.db is locked by another process (waited 0.2s)")
        return has_changed(reader)

    async with run(app) as pilot:
        await settle(pilot)
        monkeypatch.setattr(desk_on_screen.journal, "has_changed", busy_twice)
        journal.append(iid, K.NOTE, {"text": "written elsewhere"}, actor="bob")
        await wait_until(pilot, lambda: "written elsewhere" in screen_text(app), timeout=3)
        assert len(busy) == 2
        assert "locked" not in toasts(app)
