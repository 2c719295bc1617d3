"""Snapshots of the dialogs that keep the record true (the note with its internal box,
closing with its outcome and the unfinished steps, correcting an entry) and of a runner
showing a conflict the journal holds: fixed clock, size and journal label.

After an intended change, regenerate with ``pytest --snapshot-update`` and look at the
SVGs under ``__snapshots__/test_truth_dialogs_snapshots/``.
"""

from __future__ import annotations

from datetime import timedelta

from tui_helpers import SIZE, settle

from irdesk.domain.incident import K


def test_note_dialog_marked_internal(declare, make_app, snap_compare):
    iid = declare(title="CFO mailbox").incident_id

    async def open_dialog(pilot) -> None:
        await settle(pilot)
        await pilot.press("n", *"bridge PIN 4471", "tab", "space")
        await settle(pilot)

    assert snap_compare(make_app(iid), terminal_size=SIZE, run_before=open_dialog)


def test_close_dialog_names_the_unfinished_steps(declare, make_app, clock, snap_compare):
    session = declare(title="CFO mailbox")
    clock.advance(timedelta(minutes=10))
    session.complete("triage")

    async def open_dialog(pilot) -> None:
        await settle(pilot)
        await pilot.press("c", *"handed to the vendor's SOC")
        await settle(pilot)

    assert snap_compare(make_app(session.incident_id), terminal_size=SIZE, run_before=open_dialog)


def test_correct_dialog_offers_the_selected_steps_latest_entry(
    declare, make_app, clock, snap_compare
):
    session = declare(title="CFO mailbox")
    session.note("bridge open")
    clock.advance(timedelta(minutes=2))
    session.tick("triage", 0)

    async def open_dialog(pilot) -> None:
        await settle(pilot)
        await pilot.press("x", *"ticked by mistake")
        await settle(pilot)

    assert snap_compare(make_app(session.incident_id), terminal_size=SIZE, run_before=open_dialog)


def test_runner_shows_a_conflicting_decision(declare, journal, make_app, clock, snap_compare):
    session = declare(title="CFO mailbox")
    session.complete("triage")
    session.complete("scope-campaign")
    clock.advance(timedelta(minutes=4))
    session.decide("credentials-entered", 0)
    option = session.playbook.step("credentials-entered").decision[1]
    payload = {"step": "credentials-entered", "option": 1, "label": option.label}
    journal.append(
        session.incident_id,
        K.DECIDED,
        {**payload, "next": option.next, "visit": 1},
        actor="Ben Kaur",
    )

    async def select_decision(pilot) -> None:
        await settle(pilot)
        await pilot.press("up")
        await settle(pilot)

    assert snap_compare(
        make_app(session.incident_id), terminal_size=SIZE, run_before=select_decision
    )
