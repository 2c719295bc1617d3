"""The timeline: time order (a backdated entry where its time puts it, its journaled time
beside it), search and filter, an entry read whole, notes of several lines."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Select, TextArea
from tui_helpers import paste, rows, run, settle, text_of

from irdesk.domain.incident import K
from irdesk.domain.timeline import EntryFilter
from irdesk.tui.modals.entry import EntryDetail
from irdesk.tui.modals.filter import TimelineFilterDialog
from irdesk.tui.modals.prompts import NotePrompt
from irdesk.tui.widgets.timeline import Timeline


def timeline(app) -> Timeline:  # noqa: ANN001
    return app.screen.query_one("#timeline", Timeline)


async def test_a_backdated_milestone_sits_at_its_time_with_the_journaled_time_beside(
    declare, make_app, clock
):
    session = declare()
    clock.advance(timedelta(minutes=30))
    session.note("containment started")
    session.milestone(
        "detected", occurred_at=clock.now() - timedelta(minutes=20), reason="SIEM alert"
    )
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        lines = text_of(timeline(app)).splitlines()
        times = [line[:8] for line in lines]
        assert times == sorted(times)
        assert lines[1].startswith("09:10:00 alice        milestone  detected")
        assert lines[1].endswith("(journaled 09:30:00)")
        assert lines[2].startswith("09:30:00 alice        note       containment started")


async def test_search_filters_by_kind_actor_and_text_over_the_whole_incident(
    declare, make_app, desk
):
    session = declare()
    iid = session.incident_id
    session.note("bridge PIN is on the wiki")
    other = desk.session(iid)
    other.actor = "Kofi Mensah"
    other.note("firewall rule pushed")
    other.tick("triage", 0)
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TimelineFilterDialog)
        dialog.query_one("#filter-kind", Select).value = "note"
        dialog.query_one("#filter-actor", Select).value = "Kofi Mensah"
        await pilot.press("enter")
        await settle(pilot)
        shown = text_of(timeline(app))
        assert shown.splitlines() == ["09:00:00 Kofi Mensah  note       firewall rule pushed"]
        assert timeline(app).filter == EntryFilter(kind="note", actor="Kofi Mensah")
        assert "kind note, by Kofi Mensah (1 shown; / changes)" in str(timeline(app).border_title)
        # text search, case-insensitive, over what the entry says
        await pilot.press("slash")
        await settle(pilot)
        await pilot.click("#all")
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        await paste(pilot, "pin")
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(timeline(app)).splitlines() == [
            "09:00:00 alice        note       bridge PIN is on the wiki"
        ]
        # a new entry that matches shows up live; one that does not, does not
        session.note("PIN changed")
        session.note("unrelated")
        await settle(pilot)
        await pilot.pause(0.6)
        assert [line[21:] for line in text_of(timeline(app)).splitlines()] == [
            " note       bridge PIN is on the wiki",
            " note       PIN changed",
        ]


async def test_a_note_of_several_lines_is_kept_shown_and_read_whole(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NotePrompt)
        await pilot.press(*"bridge open", "ctrl+j", *"PIN 4411")
        await paste(pilot, "\nline three\nline four\nline five")
        assert app.screen.query_one("#note-text", TextArea).text.count("\n") == 4
        await pilot.press("enter")
        await settle(pilot)
        [note] = rows(journal, iid, K.NOTE)
        assert note.payload == {"text": "bridge open\nPIN 4411\nline three\nline four\nline five"}
        shown = text_of(timeline(app)).splitlines()
        assert shown[-5:] == [
            "09:00:00 alice        note       bridge open",
            " " * 33 + "PIN 4411",
            " " * 33 + "line three",
            " " * 33 + "line four",
            " " * 33 + "… 1 more lines (enter reads it whole)",
        ]
        # l moves into the timeline, enter reads the highlighted entry whole
        await pilot.press("l")
        await settle(pilot)
        assert app.focused is timeline(app)
        assert timeline(app).highlighted_entry == note
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryDetail)
        whole = text_of(app.screen.query_one("#entry-text"))
        assert "bridge open\nPIN 4411\nline three\nline four\nline five" in whole
        assert "by        alice (commander)" in whole
        await pilot.press("escape")
        await settle(pilot)
        assert app.focused is timeline(app)


async def test_an_empty_note_is_refused_in_the_dialog(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n", "ctrl+j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, NotePrompt)
        assert "this cannot be empty" in text_of(app.screen.query_one("#dialog-error"))
        assert rows(journal, iid, K.NOTE) == []


def test_the_filter_matches_kind_actor_and_text(declare):
    session = declare()
    session.note("Bridge PIN 4411")
    [declared, note] = list(session.journal.entries(session.incident_id))
    assert EntryFilter().matches(declared) and EntryFilter().empty
    assert EntryFilter(kind="note").matches(note) and not EntryFilter(kind="note").matches(declared)
    assert EntryFilter(text="pin 44").matches(note)
    assert EntryFilter(actor="alice", text="alice").matches(note)
    assert not EntryFilter(actor="Kofi Mensah").matches(note)
