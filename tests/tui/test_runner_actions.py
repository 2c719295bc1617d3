"""Every runner action, driven by keys: the journal rows written and what the screen shows.

Each test declares an incident on the tests' copy of the account-compromise playbook
through the service (fixed clock, actor alice, commander alice), opens it in the app at 130x40 and
acts with ``pilot.press``. Assertions read the journal with the store API (kind, payload,
actor, role, times) and the screen as a person would (widget text or the whole terminal).
"""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, OptionList, Select
from tui_helpers import (
    ACTOR,
    START,
    kinds,
    last,
    paste,
    rows,
    run,
    screen_text,
    settle,
    text_of,
    wait_until,
)

from irdesk.domain.incident import K
from irdesk.tui.modals.close import CloseDialog
from irdesk.tui.modals.correct import CorrectDialog
from irdesk.tui.modals.milestone import MilestoneDialog
from irdesk.tui.modals.note import NoteDialog
from irdesk.tui.modals.prompts import ChoicePrompt, ConfirmPrompt, NotePrompt, TextPrompt
from irdesk.tui.modals.role import RoleDialog
from irdesk.tui.screens.runner import RunnerScreen

TRIAGE_1 = "Incident acknowledged and severity set"
TRIAGE_2 = "Original message saved as an attachment with full headers"
TRIAGE_3 = "Reporter asked whether they clicked, entered credentials or approved MFA"


def checklist(app) -> str:
    return text_of(app.screen.query_one("#checklist", OptionList))


def header(app) -> str:
    return text_of(app.screen.query_one("#incident-header"))


def timeline(app) -> str:
    return text_of(app.screen.query_one("#timeline"))


def step_title(app) -> str:
    return text_of(app.screen.query_one("#step-title"))


def steps(app) -> str:
    return text_of(app.screen.query_one("#steps", OptionList))


# --------------------------------------------------------------------------- checklist


async def test_digit_ticks_an_item_and_again_unticks_it(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert f"[ ] 1. {TRIAGE_1}" in checklist(app)
        await pilot.press("1")
        await settle(pilot)
        tick = last(journal, iid)
        assert tick.kind == K.TICKED
        assert tick.payload == {"step": "triage", "item": 0, "text": TRIAGE_1, "visit": 1}
        assert (tick.actor, tick.role) == (ACTOR, "commander")
        assert tick.occurred_at == tick.recorded_at == START
        assert tick.backdate_reason is None
        assert f"[x] 1. {TRIAGE_1}" in checklist(app)
        assert f"checked    {TRIAGE_1}" in timeline(app)

        await pilot.press("1")
        await settle(pilot)
        untick = last(journal, iid)
        assert untick.kind == K.UNTICKED
        assert untick.payload == {"step": "triage", "item": 0, "text": TRIAGE_1, "visit": 1}
        assert f"[ ] 1. {TRIAGE_1}" in checklist(app)
        assert "(unticked)" in timeline(app)


async def test_space_ticks_the_highlighted_item(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        items = app.screen.query_one("#checklist", OptionList)
        items.focus()
        await pilot.press("down", "down")  # item 3 (no evidence needed)
        await settle(pilot)
        assert items.highlighted == 2
        await pilot.press("space")
        await settle(pilot)
        tick = last(journal, iid)
        assert tick.kind == K.TICKED
        assert tick.payload == {"step": "triage", "item": 2, "text": TRIAGE_3, "visit": 1}
        assert f"[x] 3. {TRIAGE_3}" in checklist(app)
        assert f"[ ] 1. {TRIAGE_1}" in checklist(app)


async def test_evidence_item_asks_for_a_note_and_journals_it(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "Evidence for: Original message saved" in screen_text(app)
        # Escape cancels: nothing journaled, the item stays open.
        await pilot.press(*"half", "escape")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert "[ ] 2. " in checklist(app)
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.query_one("#prompt-input", Input).value == ""
        # An empty note is refused on the spot and nothing is journaled.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "this cannot be empty" in screen_text(app)
        assert kinds(journal, iid) == [K.DECLARED]
        await paste(pilot, "phish-0912.eml in case folder")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        tick = last(journal, iid)
        assert tick.kind == K.TICKED
        assert tick.payload == {
            "step": "triage",
            "item": 1,
            "text": TRIAGE_2,
            "evidence": "phish-0912.eml in case folder",
            "visit": 1,
        }
        assert tick.actor == ACTOR
        assert "[x] 2. " in checklist(app)
        assert '"phish-0912.eml in case folder"' in checklist(app)
        assert '(evidence: "phish-0912.eml in case folder")' in timeline(app)


# --------------------------------------------------------------------------- steps


async def test_done_with_open_items_confirms_then_moves_to_next_step(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        assert "4 checklist item(s) are not ticked" in screen_text(app)
        await pilot.press("n")  # no: nothing written
        await settle(pilot)
        assert kinds(journal, iid) == [K.DECLARED]

        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        done = last(journal, iid)
        assert done.kind == K.STEP_DONE
        assert done.payload == {
            "step": "triage",
            "title": "Take ownership and triage the report",
            "marks": "acknowledged",
            "visit": 1,
        }
        assert (done.actor, done.role, done.occurred_at) == (ACTOR, "commander", START)
        # The pointer moved on; the finished step is marked done; its milestone is shown.
        assert step_title(app).startswith("Now: Find every recipient and every click")
        assert "✔ Take ownership and triage the" in steps(app)
        assert "▶ Find every recipient" in steps(app)
        assert "acknowledged 09:00" in header(app)
        assert (
            "done       Take ownership and triage the report → milestone acknowledged"
            in timeline(app)
        )


async def test_done_with_every_item_ticked_needs_no_confirmation(declare, make_app, journal, clock):
    session = declare()
    iid = session.incident_id
    for item in (0, 2, 3):
        session.tick("triage", item)
    session.tick("triage", 1, "phish.eml")
    clock.advance(timedelta(minutes=4))
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        done = last(journal, iid)
        assert done.kind == K.STEP_DONE and done.payload["step"] == "triage"
        assert done.occurred_at == START + timedelta(minutes=4)
        assert "Now: Find every recipient" in step_title(app)


async def test_skip_needs_a_reason_and_journals_it(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "Why skip Take ownership and triage the report?" in screen_text(app)
        await pilot.press("enter")  # empty reason: refused
        await settle(pilot)
        assert "this cannot be empty" in screen_text(app)
        assert kinds(journal, iid) == [K.DECLARED]
        await paste(pilot, "reported by the SOC, already triaged")
        await pilot.press("enter")
        await settle(pilot)
        skipped = last(journal, iid)
        assert skipped.kind == K.STEP_SKIPPED
        assert skipped.payload == {
            "step": "triage",
            "title": "Take ownership and triage the report",
            "reason": "reported by the SOC, already triaged",
            "visit": 1,
        }
        assert skipped.actor == ACTOR
        assert "↷ Take ownership and triage the" in steps(app)
        assert "Now: Find every recipient" in step_title(app)
        assert "skipped    Take ownership and triage the report: reported by the SOC" in timeline(
            app
        )


async def test_decision_option_chosen_by_digit_branches_the_path(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    session.complete("triage")
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("o")  # scope-campaign is not a decision: said so, nothing written
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert "this step is not a decision" in screen_text(app)
        assert kinds(journal, iid) == [K.DECLARED, K.STEP_DONE]
        session.complete("scope-campaign")  # meanwhile, another responder finishes it
        # the runner's poll picks it up
        await wait_until(pilot, lambda: "Now: Did anyone hand over" in step_title(app))
        await settle(pilot)
        assert "Now: Did anyone hand over credentials or approve MFA?" in step_title(app)
        assert "○ 2. No, the lure was only delivered or clicked → block-indicators" in text_of(
            app.screen.query_one("#step-decision")
        )
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        text = screen_text(app)
        assert "1. Yes, at least one account is exposed" in text
        assert "2. No, the lure was only delivered or clicked" in text
        await pilot.press("2")
        await settle(pilot)
        decided = last(journal, iid)
        assert decided.kind == K.DECIDED
        assert decided.payload == {
            "step": "credentials-entered",
            "title": "Did anyone hand over credentials or approve MFA?",
            "option": 1,
            "label": "No, the lure was only delivered or clicked",
            "next": "block-indicators",
            "visit": 1,  # what its author saw
        }
        assert decided.actor == ACTOR
        # The branch skips revoke-access and hunt-persistence: straight to block-indicators.
        assert "Now: Purge the lure and block the indicators" in step_title(app)
        assert app.screen.session.state.current == "block-indicators"
        assert "▶ Purge the lure and block" in steps(app)
        assert "· Cut the attacker out of" in steps(app)
        assert (
            "decided    Did anyone hand over credentials or approve MFA? → No, the lure"
            in timeline(app)
        )


async def test_done_on_a_decision_opens_the_options(declare, make_app, journal):
    session = declare()
    session.complete("triage")
    session.complete("scope-campaign")
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        await pilot.press("enter")  # the first option is highlighted
        await settle(pilot)
        decided = last(journal, session.incident_id)
        assert decided.kind == K.DECIDED
        assert (decided.payload["option"], decided.payload["next"]) == (0, "revoke-access")
        assert "Now: Cut the attacker out of exposed accounts" in step_title(app)


# --------------------------------------------------------------------------- notes, milestones


async def test_note_is_journaled_and_shown_on_the_timeline(declare, make_app, journal, clock):
    session = declare()
    iid = session.incident_id
    clock.advance(90)
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NotePrompt)
        await paste(pilot, "Finance confirms no payment was made")
        await pilot.press("enter")
        await settle(pilot)
        note = last(journal, iid)
        assert note.kind == K.NOTE
        assert note.payload == {"text": "Finance confirms no payment was made"}
        assert (note.actor, note.role) == (ACTOR, "commander")
        assert note.occurred_at == note.recorded_at == START + timedelta(seconds=90)
        assert "09:01:30 alice        note       Finance confirms no payment was made" in timeline(
            app
        )


async def test_an_internal_note_is_journaled_so_and_marked_on_the_timeline(
    declare, make_app, journal
):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await paste(pilot, "bridge PIN 4471")
        await pilot.press("tab", "space", "shift+tab", "enter")
        await settle(pilot)
        note = last(journal, iid)
        assert note.payload == {"text": "bridge PIN 4471", "internal": True}
        assert "note       [internal] bridge PIN 4471" in timeline(app)


async def test_a_note_attaches_a_file_with_its_sha256_from_the_dialog(
    declare, make_app, journal, tmp_path
):
    """The note dialog's last field attaches a file (hashed when the note is recorded) or a
    URL; a file that cannot be read is said in the dialog and what was typed stays."""
    import hashlib

    evidence = tmp_path / "phish.eml"
    evidence.write_bytes(b"From: ceo@example.org\r\n\r\nplease pay")
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await paste(pilot, "the lure, as received")
        await pilot.press("tab", "tab")  # past the internal checkbox, to the attachment
        await paste(pilot, str(tmp_path / "missing.eml"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)  # refused: nothing recorded, text kept
        assert last(journal, iid).kind != K.NOTE
        app.screen.query_one("#note-attach").value = str(evidence)
        await pilot.press("enter")
        await settle(pilot)
        note = last(journal, iid)
        assert note.payload["text"] == "the lure, as received"
        [attached] = note.payload["attachments"]
        assert attached["sha256"] == hashlib.sha256(evidence.read_bytes()).hexdigest()
        assert attached["size"] == evidence.stat().st_size


async def test_a_slip_is_corrected_from_the_runner_and_shown_beside_the_original(
    declare, make_app, journal
):
    session = declare()
    iid = session.incident_id
    session.note("first note")
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("1")  # the slip: item 1 ticked by mistake
        await settle(pilot)
        tick = last(journal, iid)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CorrectDialog)
        # the selected step's latest entry is offered first
        assert dialog.query_one("#correct-entry", Select).value == tick.seq
        await paste(pilot, "ticked by mistake: not acknowledged yet")
        await pilot.press("enter")
        await settle(pilot)
        fix = last(journal, iid)
        assert (fix.kind, fix.corrects) == (K.CORRECTION, tick.seq)
        assert fix.payload["text"] == "ticked by mistake: not acknowledged yet"
        assert rows(journal, iid, K.TICKED) == [tick]  # the original stays
        assert (
            f"entry {tick.seq} (checked: Incident acknowledged and severity set): ticked by "
            "mistake" in timeline(app)
        )
        # the replay and a reopened runner show it beside the original itself
        state = app.screen.session.state
        assert state.asides(tick.seq) == [
            (
                f"corrected by entry {fix.seq} ({ACTOR}): ticked by mistake: not acknowledged yet",
                False,
            )
        ]


async def choose_in_select(pilot, select: Select, label: str) -> None:
    """Open a Select with the keyboard and pick the option whose text starts with label."""
    select.focus()
    await pilot.press("enter")
    await settle(pilot)
    prompts = [str(p) for p, _ in select._options]
    target = next(i for i, p in enumerate(prompts) if p.startswith(label))
    current = next(i for i, (_, v) in enumerate(select._options) if v == select.value)
    key = "down" if target >= current else "up"
    for _ in range(abs(target - current)):
        await pilot.press(key)
    await pilot.press("enter")
    await settle(pilot)


async def test_milestone_now(declare, make_app, journal, clock):
    session = declare()
    iid = session.incident_id
    clock.advance(timedelta(minutes=7))
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MilestoneDialog)
        await choose_in_select(pilot, dialog.query_one("#milestone-name", Select), "contained")
        assert dialog.query_one("#milestone-name", Select).value == "contained"
        await pilot.click("#record")
        await settle(pilot)
        milestone = last(journal, iid)
        assert milestone.kind == K.MILESTONE
        assert milestone.payload == {"name": "contained"}
        assert milestone.occurred_at == milestone.recorded_at == START + timedelta(minutes=7)
        assert milestone.backdate_reason is None
        assert "contained 09:07" in header(app)


async def test_backdated_milestone_keeps_both_times_and_the_reason(
    declare, make_app, journal, clock
):
    session = declare()
    iid = session.incident_id
    clock.advance(timedelta(minutes=45))
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        await choose_in_select(pilot, dialog.query_one("#milestone-name", Select), "detected")
        dialog.query_one("#milestone-when", Input).focus()
        await pilot.press(*"-30m", "enter")  # no reason yet: refused
        await settle(pilot)
        assert isinstance(app.screen, MilestoneDialog)
        assert "an earlier time needs a reason" in screen_text(app)
        assert rows(journal, iid, K.MILESTONE) == []
        assert dialog.query_one("#milestone-reason", Input).has_focus
        await paste(pilot, "first SIEM alert at 09:15")
        await pilot.press("enter")
        await settle(pilot)
        [milestone] = rows(journal, iid, K.MILESTONE)
        assert milestone.payload == {"name": "detected"}
        assert milestone.recorded_at == START + timedelta(minutes=45)
        assert milestone.occurred_at == START + timedelta(minutes=15)
        assert milestone.backdate_reason == "first SIEM alert at 09:15"
        assert "detected 09:15" in header(app)
        assert (
            "09:15:00 alice        milestone  detected (backdated: first SIEM alert at "
            "09:15)  (journaled 09:45:00)"
        ) in timeline(app)


async def test_milestone_times_that_cannot_be_recorded(declare, make_app, journal):
    session = declare()
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        when = app.screen.query_one("#milestone-when", Input)
        when.focus()
        await paste(pilot, "2026-11-23 09:05")  # five minutes from now
        await pilot.press("enter")
        await settle(pilot)
        assert "that time is in the future" in screen_text(app)
        when.value = ""
        await pilot.press(*"soon", "enter")
        await settle(pilot)
        assert "cannot read 'soon' as a time" in screen_text(app)
        when.value = ""
        # A clock time later than now means yesterday: earlier, so it needs a reason.
        await pilot.press(*"09:30", "enter")
        await settle(pilot)
        assert "an earlier time needs a reason" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert kinds(journal, session.incident_id) == [K.DECLARED]


# --------------------------------------------------------------------------- severity, status


async def test_severity_change_with_reason(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert " · SEV2 · open · " in header(app)
        await pilot.press("v", "2", "enter")  # SEV2 again (the reason may be empty): refused
        await settle(pilot)
        assert "severity is already SEV2" in screen_text(app)
        assert kinds(journal, iid) == [K.DECLARED]
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        await pilot.press("1")  # SEV1
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "Why SEV1?" in screen_text(app)
        await paste(pilot, "admin account confirmed lost")
        await pilot.press("enter")
        await settle(pilot)
        change = last(journal, iid)
        assert change.kind == K.SEVERITY
        assert change.payload == {
            "severity": "SEV1",
            "from": "SEV2",
            "reason": "admin account confirmed lost",
        }
        assert (change.actor, change.role) == (ACTOR, "commander")
        assert journal.incident(iid).severity == "SEV1"
        assert " · SEV1 · open · " in header(app)
        assert "severity   SEV2 → SEV1: admin account confirmed lost" in timeline(app)


async def test_status_change(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        assert "closed" not in text_of(app.screen.query_one("#choice-list"))
        await pilot.press("3")  # containing
        await settle(pilot)
        change = last(journal, iid)
        assert change.kind == K.STATUS
        assert change.payload == {"status": "containing", "from": "open"}
        assert change.actor == ACTOR
        assert journal.incident(iid).status == "containing"
        assert " · SEV2 · containing · " in header(app)
        assert "status     open → containing" in timeline(app)


# --------------------------------------------------------------------------- roles


async def test_assign_a_role_from_the_roster(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RoleDialog)
        await choose_in_select(pilot, dialog.query_one("#role-id", Select), "Scribe")
        assert "not assigned yet" in screen_text(app)
        dialog.query_one("#role-person", Input).focus()
        await pilot.press(*"Lena")
        await pilot.press("right")  # accept the roster suggestion
        assert dialog.query_one("#role-person", Input).value == "Lena Fischer"
        await pilot.press("enter")
        await settle(pilot)
        assigned = last(journal, iid)
        assert assigned.kind == K.ROLE
        assert assigned.payload == {
            "role": "scribe",
            "person": "Lena Fischer",
            "from": None,
            "handoff": False,
        }
        assert (assigned.actor, assigned.role) == (ACTOR, "commander")
        assert "scribe Lena Fischer" in header(app)
        assert "role       scribe → Lena Fischer" in timeline(app)


async def test_commander_handoff_is_explicit(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert dialog.query_one("#role-id", Select).value == "commander"
        assert "now held by alice: this is a handoff" in screen_text(app)
        dialog.query_one("#role-person", Input).focus()
        await paste(pilot, "Ada Moreno")
        await pilot.press("tab")
        await paste(pilot, "end of shift")
        await pilot.press("enter")
        await settle(pilot)
        handoff = last(journal, iid)
        assert handoff.kind == K.ROLE
        assert handoff.payload == {
            "role": "commander",
            "person": "Ada Moreno",
            "from": "alice",
            "handoff": True,
            "reason": "end of shift",
        }
        assert (handoff.actor, handoff.role) == (ACTOR, "commander")
        assert "commander Ada Moreno" in header(app)
        assert "commander handed off from alice to Ada Moreno (end of shift)" in timeline(app)
        # alice no longer holds a role: her next entry carries none.
        await pilot.press("n", *"over to Ada", "enter")
        await settle(pilot)
        assert last(journal, iid).role is None


# --------------------------------------------------------------------------- close


async def test_close_with_summary_then_actions_are_refused(declare, make_app, journal, clock):
    session = declare()
    iid = session.incident_id
    clock.advance(timedelta(hours=2))
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("c", *"typo", "escape")  # escape cancels: still open
        await settle(pilot)
        assert rows(journal, iid, K.CLOSED) == []
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CloseDialog)
        # closing warns about the steps it leaves undone, by name (up to the decision)
        assert (
            "3 steps unfinished: 'Take ownership and triage the report', 'Find every "
            "recipient and every click', 'Did anyone hand over credentials or approve MFA?'"
        ) in " ".join(text_of(app.screen.query_one("#close-unfinished")).split())
        await paste(pilot, "false positive: lure never delivered")
        await pilot.press("enter")
        await settle(pilot)
        closed = last(journal, iid)
        assert closed.kind == K.CLOSED
        assert closed.payload == {
            "summary": "false positive: lure never delivered",
            "outcome": "resolved",
            "unfinished": ["triage", "scope-campaign", "credentials-entered"],
        }
        assert closed.occurred_at == START + timedelta(hours=2)
        record = journal.incident(iid)
        assert (record.status, record.closed_at) == ("closed", START + timedelta(hours=2))
        assert type(app.screen).__name__ == "ReviewScreen"  # closing opens the review
        await pilot.press("escape")
        await settle(pilot)
        assert " · closed · 02:00:00" in header(app)
        assert "closed     closed: false positive" in timeline(app)
        count = len(rows(journal, iid))
        await pilot.press("1")
        await settle(pilot)
        assert f"{iid} is closed; reopen it first" in screen_text(app)
        assert len(rows(journal, iid)) == count
        await pilot.press("c")
        await settle(pilot)
        assert "already closed" in screen_text(app)


async def test_closing_as_a_duplicate_names_the_original_and_home_shows_it(
    declare, make_app, journal
):
    original = declare(title="First report").incident_id
    iid = declare(title="Same phish, second report").incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await paste(pilot, "same lure")
        dialog = app.screen
        assert isinstance(dialog, CloseDialog)
        dialog.query_one("#close-outcome", Select).value = "duplicate"
        await settle(pilot)
        await pilot.press("enter")  # the original is not named yet: refused on the spot
        await settle(pilot)
        assert "duplicate of (incident id): this cannot be empty" in screen_text(app)
        dialog.query_one("#close-detail", Input).value = "INC-9999"
        await pilot.press("enter")
        await settle(pilot)
        assert "no incident INC-9999 in this journal" in screen_text(app)
        assert rows(journal, iid, K.CLOSED) == []
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one("#close-outcome", Select).value = "duplicate"
        await settle(pilot)
        app.screen.query_one("#close-detail", Input).value = original
        await pilot.press("enter")
        await settle(pilot)
        closed = last(journal, iid)
        assert (closed.payload["outcome"], closed.payload["duplicate_of"]) == (
            "duplicate",
            original,
        )
        await pilot.press("escape")  # the review
        await settle(pilot)
        await pilot.press("escape")  # home
        await settle(pilot)
        assert f"closed: duplicate of {original}" in screen_text(app)


async def test_escape_returns_home_and_home_lists_the_change(declare, make_app, journal):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("t", "2")  # investigating
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        row = text_of(app.screen.query_one("#incidents"))
        assert (
            f"{iid} | Phished mailbox | SEV2 | investigating | alice | escalates 09:20 | "
            "09:00:00 | account-compromise" in row
        )
