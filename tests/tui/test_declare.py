"""Declaring from the home screen: the dialog, its checks, and the rows it writes."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Select
from tui_helpers import ACTOR, START, TUI, paste, rows, run, screen_text, settle, text_of

from irdesk.domain.incident import K
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.tui.modals.declare import DeclareDialog
from irdesk.tui.screens.home import HomeScreen
from irdesk.tui.screens.runner import RunnerScreen


async def choose(pilot, select: Select, value: str) -> None:
    """Pick a Select option by value with the keyboard (open, arrow to it, enter)."""
    select.focus()
    await pilot.press("enter")
    await settle(pilot)
    values = [v for _, v in select._options]
    steps = values.index(value) - values.index(select.value)
    for _ in range(abs(steps)):
        await pilot.press("down" if steps > 0 else "up")
    await pilot.press("enter")
    await settle(pilot)
    assert select.value == value


def error_line(app) -> str:
    line = app.screen.query_one("#dialog-error")
    return text_of(line) if line.display else ""


async def test_declare_with_backdated_times_opens_the_runner(make_app, journal, clock):
    clock.advance(timedelta(minutes=40))  # 09:40
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DeclareDialog)
        # The on-call commander from the roster is proposed.
        assert dialog.query_one("#declare-commander", Input).value == "Ada Moreno"
        assert dialog.query_one("#declare-title", Input).has_focus
        await paste(pilot, "CFO mailbox sending invoices")
        await choose(pilot, dialog.query_one("#declare-playbook", Select), "account-compromise")
        await choose(pilot, dialog.query_one("#declare-severity", Select), "SEV1")
        dialog.query_one("#declare-detected", Input).focus()
        await pilot.press(*"-25m")
        dialog.query_one("#declare-started", Input).focus()
        await pilot.press(*"08:55")
        dialog.query_one("#declare-reason", Input).focus()
        await paste(pilot, "SIEM alert 09:15; first bad sign-in 08:55")
        await pilot.click("#declare")
        await settle(pilot)

        assert isinstance(app.screen, RunnerScreen)
        [record] = journal.incidents()
        iid = record.id
        assert (iid, record.title, record.severity, record.status, record.playbook_id) == (
            "INC-0001",
            "CFO mailbox sending invoices",
            "SEV1",
            "open",
            "account-compromise",
        )
        declared, started, detected = rows(journal, iid)
        assert declared.kind == K.DECLARED
        assert (declared.actor, declared.role) == (ACTOR, None)  # alice declares for Ada
        assert declared.occurred_at == declared.recorded_at == START + timedelta(minutes=40)
        playbook = app.desk.catalog.playbooks["account-compromise"]
        assert {k: v for k, v in declared.payload.items()} == {
            "mode": "live",
            "title": "CFO mailbox sending invoices",
            "severity": "SEV1",
            "playbook_id": "account-compromise",
            "playbook_version": "1",
            "playbook_sha256": playbook.source.sha256,
            "scenario_id": None,
            "scenario_sha256": None,
            "commander": "Ada Moreno",
            "playbook_title": "Phishing leading to account compromise",
            "playbook_source": playbook.source.text,
        }
        reason = "SIEM alert 09:15; first bad sign-in 08:55"
        assert (started.kind, started.payload) == (K.MILESTONE, {"name": "started"})
        assert started.occurred_at == START - timedelta(minutes=5)
        assert started.recorded_at == START + timedelta(minutes=40)
        assert started.backdate_reason == reason
        assert (detected.kind, detected.payload) == (K.MILESTONE, {"name": "detected"})
        assert detected.occurred_at == START + timedelta(minutes=15)
        assert detected.backdate_reason == reason

        header = text_of(app.screen.query_one("#incident-header"))
        assert header.startswith(" INC-0001  CFO mailbox sending invoices · SEV1 · open · ")
        assert "commander Ada Moreno" in header
        assert "milestones: started 08:55 · detected 09:15 · declared 09:40" in header
        assert "Now: Take ownership and triage the report" in text_of(
            app.screen.query_one("#step-title")
        )

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        # the board: the commander, and when the acknowledge timer lapses
        assert text_of(app.screen.query_one("#incidents")) == (
            "INC-0001 | CFO mailbox sending invoices | SEV1 | open | Ada Moreno | "
            "escalates 10:00 | 09:40:00 | account-compromise"
        )


async def test_declare_now_with_enter_and_defaults(make_app, journal, desk):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        commander = dialog.query_one("#declare-commander", Input)
        commander.focus()
        await pilot.press("ctrl+u", *ACTOR)  # alice takes command herself
        dialog.query_one("#declare-title", Input).focus()
        await pilot.press(*"AWS key", "enter")  # enter in any field declares
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        [declared] = rows(journal, "INC-0001")
        first = sorted(desk.catalog.playbooks.values(), key=lambda p: p.title)[0]
        assert declared.payload["playbook_id"] == first.id == "leaked-secret"
        assert declared.payload["severity"] == "SEV2"
        assert declared.payload["commander"] == ACTOR
        assert declared.role == "commander"
        assert declared.backdate_reason is None


async def test_dialog_refuses_what_it_cannot_record(make_app, journal):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        await pilot.click("#declare")
        await settle(pilot)
        assert error_line(app) == "give the incident a title"
        assert dialog.query_one("#declare-title", Input).has_focus
        await pilot.press(*"Odd login")
        dialog.query_one("#declare-detected", Input).focus()
        await pilot.press(*"soon", "enter")
        await settle(pilot)
        assert error_line(app).startswith("detected: cannot read 'soon' as a time")
        await pilot.press(*["backspace"] * 4, *"-10m", "enter")
        await settle(pilot)
        assert error_line(app) == "earlier times need a reason: how do we know?"
        assert dialog.query_one("#declare-reason", Input).has_focus
        dialog.query_one("#declare-started", Input).focus()
        await paste(pilot, "2026-11-24 09:00")
        await pilot.press("enter")
        await settle(pilot)
        assert error_line(app) == "started: that time is in the future"
        dialog.query_one("#declare-commander", Input).value = ""
        dialog.query_one("#declare-started", Input).value = ""
        await pilot.click("#declare")
        await settle(pilot)
        assert error_line(app) == "name the incident commander"
        assert "name the incident commander" in screen_text(app)
        assert journal.incidents() == []
        # Cancel leaves without writing anything.
        await pilot.click("#cancel")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert journal.incidents() == []


async def test_changing_playbook_changes_the_severities(
    journal, clock, roster, roster_path, tmp_path, make_app
):
    own = tmp_path / "p1.yaml"
    text = (TUI / "playbooks" / "leaked-secret.yaml").read_text()
    text = text.replace("id: leaked-secret", "id: own-scale", 1)
    text = text.replace("title: Leaked secret or credential", "title: Own scale", 1)
    assert "\nseverities:" not in text
    own.write_text(
        text.replace("\ncontact_point:", "\nseverities: [P1, P2, P3]\ncontact_point:", 1)
    )
    catalog = Catalog.load([(TUI / "playbooks", True), (own, False)])
    assert "own-scale" in catalog.playbooks, catalog.invalid
    desk = Desk(journal, catalog=catalog, roster=roster, clock=clock, actor=ACTOR)
    app = make_app(desk_=desk)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        severity = dialog.query_one("#declare-severity", Select)
        assert [v for _, v in severity._options] == ["SEV1", "SEV2", "SEV3", "SEV4"]
        await choose(pilot, dialog.query_one("#declare-playbook", Select), "own-scale")
        assert [v for _, v in severity._options] == ["P1", "P2", "P3"]
        assert severity.value == "P2"
        dialog.query_one("#declare-title", Input).focus()
        await pilot.press(*"Scale", "enter")
        await settle(pilot)
        assert journal.incidents()[0].severity == "P2"
        assert journal.incidents()[0].playbook_id == "own-scale"


async def test_enter_on_a_playbook_row_declares_on_that_playbook(make_app, journal):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#playbooks")
        table.focus()
        await pilot.press("down", "down")  # third by title: account-compromise
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeclareDialog)
        assert app.screen.query_one("#declare-playbook", Select).value == "account-compromise"


async def test_impact_started_after_detection_is_asked_about(make_app, journal, clock):
    """Issue 12: impact "started" after "detected" was accepted without a question. The
    dialog asks (Declare again confirms); both times are then recorded as given."""
    clock.advance(timedelta(minutes=40))  # 09:40
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        await paste(pilot, "Odd login")
        dialog.query_one("#declare-detected", Input).value = "09:10"
        dialog.query_one("#declare-started", Input).value = "09:20"
        dialog.query_one("#declare-reason", Input).value = "EDR console"
        await pilot.click("#declare")
        await settle(pilot)
        assert error_line(app).startswith("impact started at 09:20:00, after it was detected")
        assert error_line(app).endswith("09:10:00? Declare again to confirm")
        assert journal.incidents() == []
        dialog.query_one("#declare-reason", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen), error_line(app)
        [record] = journal.incidents()
        _declared, started, detected = rows(journal, record.id)
        assert (started.payload, detected.payload) == ({"name": "started"}, {"name": "detected"})
        assert started.occurred_at == START + timedelta(minutes=20)
        assert detected.occurred_at == START + timedelta(minutes=10)
