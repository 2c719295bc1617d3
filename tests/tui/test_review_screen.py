"""The after-action review and report screens (issue #6), driven by keys on a fixed clock.

Closing an incident opens its review; every review action is journaled (root cause by five
whys, notes per section, improvement items added and closed, save and reopen) and shown
literally. The report screen builds the report in a worker thread, shows the step chart and
the Markdown, and m/h/j write it under $IRDESK_HOME/reports. Incidents are declared on the
tests' copy of the account-compromise playbook (actor alice, 130x40).
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

from helpers_store import attacker
from textual.widgets import DataTable, Input, Markdown
from tui_helpers import ACTOR, START, kinds, paste, rows, run, screen_text, settle, text_of, toasts

from irdesk import paths
from irdesk.domain.incident import K
from irdesk.domain.review import RK
from irdesk.services.desk import Desk
from irdesk.services.review import ReviewSession, improvement_rows
from irdesk.store import Journal
from irdesk.tui.modals.improvement import ImprovementDialog
from irdesk.tui.modals.prompts import ChoicePrompt, TextPrompt
from irdesk.tui.screens import report as report_screen
from irdesk.tui.screens.report import ReportScreen
from irdesk.tui.screens.review import ReviewScreen

WHYS = [
    "The assistant approved an MFA prompt he had not started",
    "Push approvals carry no number to match",
    "Nobody owns the MFA policy since the IAM team was reorganised",
]
ROOT_CAUSE = "No owner for the MFA policy"
ROOT_CAUSE_SENTENCE = "Push MFA without number matching, and no owner for the policy"
PROBLEM = "The CEO's mailbox was read by an attacker for two days"
HOSTILE = "[bold]MFA fatigue[/bold] [link=https://evil.example]policy[/link] \x1b[31mred"
HOSTILE_SHOWN = "[bold]MFA fatigue[/bold] [link=https://evil.example]policy[/link] ␛[31mred"


# --------------------------------------------------------------------------- helpers


def head(app) -> str:
    return str(app.screen.query_one("#review-head").content)


def body(app) -> str:
    return str(app.screen.query_one("#review-body").content)


def plan(app) -> str:
    return text_of(app.screen.query_one("#improvements", DataTable))


async def close_into_review(pilot, summary: str) -> None:
    """Close the incident on the runner: its review opens."""
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    await answer(pilot, summary)


async def answer(pilot, text: str) -> None:
    """Type into the prompt on top and press enter (an empty text just presses enter)."""
    if text:
        await paste(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


async def open_report_view(app, pilot, path: Path, incident_id: str) -> None:
    """Open the report view of an incident and wait until it is built."""
    app.push_screen(ReportScreen(path, incident_id))
    await app.workers.wait_for_complete()
    await settle(pilot)


def seed_review(desk, declare, *, title: str = "Phished mailbox") -> str:
    """A closed incident with a review written through the services: root cause by five
    whys, one note per section, two improvement items (one done), saved."""
    session = declare(title=title)
    session.close("contained; payment recalled")
    review = ReviewSession(session)
    review.set_five_whys(PROBLEM, WHYS, ROOT_CAUSE)
    review.set_root_cause(ROOT_CAUSE_SENTENCE)
    review.add_note("went_well", "Helpdesk escalated the CFO's payment request within minutes")
    review.add_note("to_improve", "Nobody knew who could call the bank")
    review.add_note("lesson", "A password reset is not a session revocation")
    review.add_improvement(
        "Enforce number matching for MFA push",
        owner="Ada Moreno",
        due=START.date() + timedelta(days=14),
        step="revoke-access",
        poete="equipment",
        issue="An MFA push was approved by habit",
        organization="IT operations",
        start=START.date(),
    )
    review.add_improvement(
        "Bank call-back list in the finance runbook",
        owner="comms",
        due=START.date() + timedelta(days=30),
        poete="planning",
    )
    review.close_improvement(f"{session.incident_id}-2", "done", "added to runbook v4")
    review.save("Reviewed with the response team")
    return session.incident_id


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        self.tags.append(tag)


# --------------------------------------------------------------------------- review


async def test_review_by_keys_from_closing_to_reopening(declare, make_app, journal, clock):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        # ---- closing the incident opens its review
        await close_into_review(pilot, "Phish contained; CFO payment recalled")
        assert rows(journal, iid, K.CLOSED)[-1].payload == {
            "summary": "Phish contained; CFO payment recalled",
            "outcome": "resolved",
            "unfinished": ["triage", "scope-campaign", "credentials-entered"],
        }
        assert isinstance(app.screen, ReviewScreen)
        review = app.screen
        assert head(app) == (
            f"After-action review  {iid}  Phished mailbox  (incident, closed)"
            "  ·  as alice (commander)\nreview: not started"
        )
        assert "Root cause  (c free text · w five whys)\n  not recorded yet" in body(app)

        # ---- five whys: the problem statement first, three whys, an empty answer
        # stops, then the conclusion
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "Five whys: the problem" in screen_text(app)
        await answer(pilot, PROBLEM)
        for n, why in enumerate(WHYS, start=1):
            assert isinstance(app.screen, TextPrompt)
            assert f"Five whys: why {n}" in screen_text(app)
            await answer(pilot, why)
        assert f"Five whys: why {len(WHYS) + 1}" in screen_text(app)
        await answer(pilot, "")  # stop asking
        assert isinstance(app.screen, TextPrompt)
        assert "So the root cause is:" in screen_text(app)
        conclusion = app.screen.query_one("#prompt-input", Input)
        assert conclusion.value == WHYS[-1]  # the last why, offered as the conclusion
        assert rows(journal, iid, RK.ROOT_CAUSE) == []  # nothing until it is concluded
        await pilot.press("ctrl+u")
        await answer(pilot, ROOT_CAUSE)
        [cause] = rows(journal, iid, RK.ROOT_CAUSE)
        assert cause.payload == {
            "method": "five-whys",
            "problem": PROBLEM,
            "text": ROOT_CAUSE,
            "whys": WHYS,
        }
        assert (cause.actor, cause.role) == (ACTOR, "commander")
        assert app.screen is review
        assert f"  problem: {PROBLEM}\n" in body(app)
        for n, why in enumerate(WHYS, start=1):
            assert f"  why {n}: {why}\n" in body(app)
        assert f"  they lead to: {ROOT_CAUSE}\n" in body(app)
        assert head(app).endswith("review: draft")

        # ---- c: the root cause in a sentence, kept beside the five whys
        await pilot.press("c")
        await settle(pilot)
        await answer(pilot, "Push MFA without number matching")
        assert f"  they lead to: {ROOT_CAUSE}\n" in body(app)
        assert "  Push MFA without number matching\n" in body(app)
        assert review.review.state.five_whys.whys == tuple(WHYS)

        # ---- g / i / l: one note per section; hostile text is kept and shown literally
        await pilot.press("g")
        await settle(pilot)
        assert "What went well" in screen_text(app) and "Add a point" in screen_text(app)
        await answer(pilot, "Helpdesk escalated within minutes")
        await pilot.press("i")
        await settle(pilot)
        await answer(pilot, HOSTILE)
        await pilot.press("l")
        await settle(pilot)
        await answer(pilot, "A password reset is not a session revocation")
        notes = [(e.payload, e.actor) for e in rows(journal, iid, RK.NOTE)]
        assert notes == [
            (
                {
                    "section": "went_well",
                    "text": "Helpdesk escalated within minutes",
                    "replaces": None,
                },
                ACTOR,
            ),
            ({"section": "to_improve", "text": HOSTILE, "replaces": None}, ACTOR),
            (
                {
                    "section": "lesson",
                    "text": "A password reset is not a session revocation",
                    "replaces": None,
                },
                ACTOR,
            ),
        ]
        assert "What went well  (g to add)\n  • Helpdesk escalated within minutes  (alice)" in body(
            app
        )
        assert f"What to improve  (i to add)\n  • {HOSTILE_SHOWN}  (alice)" in body(app)
        assert (
            "Lessons learned  (l to add)\n  • A password reset is not a session "
            "revocation  (alice)" in body(app)
        )
        shown = screen_text(app)
        assert HOSTILE_SHOWN in shown  # not bold, not a link, no escape reaching the terminal
        assert "\x1b" not in body(app)

        # ---- a: an improvement item: the area it answers, owner and organisation, the
        # start date filled in with today, due in 14 days, step and capability element
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ImprovementDialog)
        start = app.screen.query_one("#imp-start", Input)
        assert start.value == START.date().isoformat()  # a value, saved as shown
        # the due date's placeholder reads as an example, not as a value (issue 15)
        assert app.screen.query_one("#imp-due", Input).placeholder.startswith("e.g. ")
        await paste(pilot, "Enforce number matching for MFA push")
        await pilot.press("tab")
        await paste(pilot, "An MFA push was approved by habit")
        await pilot.press("tab")
        await paste(pilot, "Ada Moreno")
        await pilot.press("tab")
        await paste(pilot, "IT operations")
        await pilot.press("tab", "tab")  # the start date stays today
        await paste(pilot, "14d")
        await pilot.press("tab")  # the step Select: no step, triage, scope-campaign...
        await pilot.press("enter", "down", "down", "down", "down", "enter")
        await settle(pilot)
        await pilot.press("tab")  # POETE: none, planning, organization, equipment...
        await pilot.press("enter", "down", "down", "down", "enter")
        await settle(pilot)
        dialog = app.screen
        assert "Cut the attacker out of exposed accounts (revoke-access)" in screen_text(app)
        assert str(dialog.query_one("#imp-step").value) == "revoke-access"
        assert str(dialog.query_one("#imp-poete").value) == "equipment"
        await pilot.press("tab")
        assert app.focused is dialog.query_one("#add")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is review
        [added] = rows(journal, iid, RK.IMPROVEMENT_ADDED)
        due = START.date() + timedelta(days=14)
        assert due.isoformat() == "2026-12-07"
        assert (added.payload, added.actor) == (
            {
                "item": f"{iid}-1",
                "what": "Enforce number matching for MFA push",
                "owner": "Ada Moreno",
                "due": due.isoformat(),
                "step": "revoke-access",
                "poete": "equipment",
                "issue": "An MFA push was approved by habit",
                "organization": "IT operations",
                "start": START.date().isoformat(),
            },
            ACTOR,
        )
        assert plan(app) == (
            f"{iid}-1 | Enforce number matching for MFA push | Ada Moreno | 2026-12-07 | "
            "open | equipment | IT operations | 2026-11-23 | An MFA push was approved by "
            "habit | revoke-access"
        )

        # ---- x: close the highlighted item as done, with a note
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        assert f"Close {iid}-1" in screen_text(app)
        await pilot.press("1")  # done
        await settle(pilot)
        assert f"{iid}-1: done" in screen_text(app)
        await answer(pilot, "number matching enforced tenant-wide")
        [closed] = rows(journal, iid, RK.IMPROVEMENT_CLOSED)
        assert closed.payload == {
            "item": f"{iid}-1",
            "outcome": "done",
            "note": "number matching enforced tenant-wide",
        }
        assert "| 2026-12-07 | done | equipment |" in plan(app)

        # ---- s: save with a summary; after that, changes are refused until reopened
        await pilot.press("s")
        await settle(pilot)
        assert "Save the review" in screen_text(app)
        await answer(pilot, "Reviewed with the response team")
        [saved] = rows(journal, iid, RK.SAVED)
        assert (saved.payload, saved.actor) == (
            {"summary": "Reviewed with the response team"},
            ACTOR,
        )
        assert head(app).endswith("review: saved by alice")
        before = kinds(journal, iid)
        await pilot.press("g")
        await settle(pilot)
        await answer(pilot, "one more thing")
        assert kinds(journal, iid) == before
        # refused: the dialog stays with the reason and what was typed, escape leaves it
        assert "Not recorded: the review was saved; reopen it to change it" in screen_text(app)
        assert "one more thing" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "one more thing" not in body(app)

        # ---- o: reopen with a reason; then it can change again
        await pilot.press("o")
        await settle(pilot)
        assert "Reopen the review" in screen_text(app)
        await answer(pilot, "the vendor sent new sign-in logs")
        [reopened] = rows(journal, iid, RK.REOPENED)
        assert reopened.payload == {"reason": "the vendor sent new sign-in logs"}
        assert head(app).endswith("review: draft")
        await pilot.press("g")
        await settle(pilot)
        await answer(pilot, "one more thing")
        assert rows(journal, iid, RK.NOTE)[-1].payload["text"] == "one more thing"
        assert "  • one more thing  (alice)" in body(app)
        assert journal.verify().ok


async def test_the_review_follows_writes_made_elsewhere(desk, declare, make_app, journal, clock):
    """An item added from another terminal (irdesk improvements add) shows on the review
    screen, also when the runner underneath picked the write up first: the journal's
    change flag is read once, by whichever screen polls first."""
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await close_into_review(pilot, "contained")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        runner = app.screen_stack[-2]
        with Journal.open(journal.path, clock=clock) as other:
            elsewhere = Desk(other, catalog=desk.catalog, clock=clock, actor="bob")
            ReviewSession(elsewhere.session(iid)).add_improvement("Added elsewhere", owner="bob")
        runner.poll()  # the runner's interval came first and refreshed the shared session
        review._poll()
        await settle(pilot)
        assert "Added elsewhere" in plan(app)


async def test_improvement_dialog_refuses_what_it_cannot_journal(declare, make_app, journal):
    session = declare()
    session.close("")
    iid = session.incident_id
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        app.open_review(iid)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        await paste(pilot, "Alert on new forwarding rules")
        await pilot.press("enter")  # no owner yet
        await settle(pilot)
        assert app.screen is dialog
        assert "an improvement needs what will change and an owner" in screen_text(app)
        await pilot.press("tab", "tab")
        await paste(pilot, "Ravi Iyer")
        await pilot.press("tab", "tab", "tab")
        await paste(pilot, "next week")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert "'next week': write a date (2026-12-15) or days from today (14d)" in screen_text(app)
        assert rows(journal, iid, RK.IMPROVEMENT_ADDED) == []
        await pilot.press("ctrl+u")
        await paste(pilot, "2026-12-15")
        await pilot.press("enter")
        await settle(pilot)
        [added] = rows(journal, iid, RK.IMPROVEMENT_ADDED)
        assert added.payload["due"] == "2026-12-15"
        assert (added.payload["step"], added.payload["poete"]) == (None, None)
        assert "issue" not in added.payload and "organization" not in added.payload


# --------------------------------------------------------------------------- report


async def test_report_screen_shows_and_writes_the_report(
    desk, declare, make_app, journal, irdesk_home: Path, repo: Path
):
    iid = seed_review(desk, declare)
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        # Home: v opens the review of the highlighted incident, R there opens the report.
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await settle(pilot)
        report = app.screen
        assert isinstance(report, ReportScreen)
        reports = irdesk_home / "reports"
        status = str(report.query_one("#report-status").content)
        assert status.startswith(
            f"{iid} after-action report   m Markdown · h HTML · j JSON: written to {reports}"
        )
        chart = str(report.query_one("#report-chart").content)
        assert "█ actual" in chart and "│ milestone" in chart
        assert "▼declared" in chart and "▼closed" in chart
        source = report.query_one("#report-markdown", Markdown).source
        assert source.startswith(f"# {iid}: Phished mailbox")
        assert ROOT_CAUSE in source
        assert "Enforce number matching for MFA push" in source
        assert "Incident report, generated 2026-11-23 09:00:00 UTC" in screen_text(app)
        assert not reports.exists()  # nothing is written until asked

        for key, ext, label in (
            ("m", "md", "Markdown"),
            ("h", "html", "HTML"),
            ("j", "json", "JSON"),
        ):
            await pilot.press(key)
            await settle(pilot)
            target = reports / f"{iid}.{ext}"
            assert target.is_file(), ext
            assert f"{label} report written to {target}" in toasts(app)

        markdown = (reports / f"{iid}.md").read_text(encoding="utf-8")
        assert markdown.startswith("#")
        assert markdown.startswith(f"# {iid}: Phished mailbox")
        assert ROOT_CAUSE in markdown and ROOT_CAUSE_SENTENCE in markdown

        html = (reports / f"{iid}.html").read_text(encoding="utf-8")
        tags = Tags()
        tags.feed(html)
        tags.close()
        assert tags.tags[0] == "html" and "body" in tags.tags and "table" in tags.tags
        assert "script" not in tags.tags
        assert f"<title>{iid}: Phished mailbox</title>" in html

        data = json.loads((reports / f"{iid}.json").read_text(encoding="utf-8"))
        schema = json.loads((repo / "docs" / "report.schema.json").read_text())
        assert data["schema"] == schema["properties"]["schema"]["const"] == "irdesk.report/1"
        assert set(schema["required"]) <= set(data)
        assert data["incident"]["id"] == iid
        assert data["review"]["root_cause"]["text"] == ROOT_CAUSE_SENTENCE
        assert data["review"]["five_whys"]["leads_to"] == ROOT_CAUSE
        assert data["review"]["five_whys"]["problem"] == PROBLEM
        assert [i["item"] for i in data["review"]["improvements"]] == [f"{iid}-1", f"{iid}-2"]

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)


async def test_open_item_carries_over_to_a_later_incident_on_the_same_playbook(
    desk, declare, make_app, journal, clock
):
    first = seed_review(desk, declare, title="Phished mailbox in March")
    # Another playbook's open item must not show up in an account-compromise report.
    other = declare(playbook="endpoint-malware-or-loss", title="Laptop left on a train")
    other.close("")
    ReviewSession(other).add_improvement("Full-disk encryption check", owner="Ravi Iyer")
    clock.advance(timedelta(days=20))  # the first item (due in 14 days) is now overdue
    later = declare(title="Phished mailbox in April")
    assert [r.item for r in improvement_rows(journal, today=clock.now().date())] == [
        f"{first}-1",
        f"{other.incident_id}-1",
    ]

    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await open_report_view(app, pilot, journal.path, later.incident_id)
        source = app.screen.query_one("#report-markdown", Markdown).source
        assert "### Still open from earlier incidents on this playbook" in source
        carried = source.split("### Still open from earlier incidents on this playbook")[1]
        assert (
            f"| {first}-1 | {first}: Phished mailbox in March | Enforce number matching "
            "for MFA push | Ada Moreno (IT operations) |"
        ) in carried
        assert "overdue" in carried.split("\n\n")[1]
        assert f"{first}-2" not in source  # done: not carried over
        assert "Full-disk encryption check" not in source  # another playbook
        await pilot.press("escape")
        await settle(pilot)

        # Closing the item takes it off the next report.
        ReviewSession(desk.session(first)).close_improvement(f"{first}-1", "done", "enforced")
        await open_report_view(app, pilot, journal.path, later.incident_id)
        source = app.screen.query_one("#report-markdown", Markdown).source
        assert "Still open from earlier incidents" not in source
        assert f"{first}-1" not in source


async def test_the_report_view_and_its_export_say_first_that_the_chain_is_broken(
    desk, declare, make_app, journal
):
    session = declare(title="Tampered later")
    note = session.note("the bridge is open")
    conn = attacker(journal.path)
    conn.execute(
        "UPDATE entries SET payload = json_set(payload, '$.text', 'nothing') "
        "WHERE incident_id = ? AND seq = ?",
        (session.incident_id, note.seq),
    )
    conn.close()
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await open_report_view(app, pilot, journal.path, session.incident_id)
        status = text_of(app.screen.query_one("#report-status"))
        assert status.startswith(
            f"WARNING: the hash chain of this journal is BROKEN at entry {note.seq}"
        )
        await pilot.press("m")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "The journal's hash chain is BROKEN" in toasts(app)


async def test_the_report_export_asks_whether_to_include_internal_notes(
    desk, declare, make_app, journal
):
    session = declare(title="With a PIN")
    session.note("bridge PIN 4471", internal=True)
    session.note("all hands on the bridge")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await open_report_view(app, pilot, journal.path, session.incident_id)
        source = app.screen.query_one("#report-markdown", Markdown).source
        assert "4471" not in source and "1 entry marked internal" in source
        written = paths.reports_dir() / f"{session.incident_id}.md"
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        await pilot.press("1")  # leave them out
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "4471" not in written.read_text(encoding="utf-8")
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("2")  # include them
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "\\[internal\\] bridge PIN 4471" in written.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- snapshot


def test_review_screen_snapshot(desk, declare, make_app, snap_compare):
    """A saved review: five whys, a note in each section, an open and a done item."""
    iid = seed_review(desk, declare)
    app = make_app()

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        pilot.app.open_review(iid)
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReviewScreen)

    assert snap_compare(app, terminal_size=(130, 40), run_before=run_before)


async def test_writing_the_report_leaves_the_ui_thread_and_a_failure_is_shown_once(
    declare, make_app, irdesk_home, monkeypatch
):
    """m/h/j write the report in a worker thread (a long incident's HTML takes a while);
    a report that cannot be written is said once, by the app, and the screen stays."""
    iid = declare().incident_id
    threads: list[str] = []
    export = report_screen.export_report

    def watched(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads.append(threading.current_thread().name)
        return export(*args, **kwargs)

    monkeypatch.setattr(report_screen, "export_report", watched)
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        await pilot.press("m")
        await settle(pilot)
        assert threads and threads[0] != threading.main_thread().name
        assert (irdesk_home / "reports" / f"{iid}.md").is_file()

        (irdesk_home / "reports").rename(irdesk_home / "reports.old")
        (irdesk_home / "reports").write_text("a file where the folder should be")
        app.clear_notifications()
        await pilot.press("h")
        await settle(pilot)
        shown = toasts(app)
        assert shown.count("report not written") == 1
        assert f"cannot write {irdesk_home / 'reports' / iid}.html" in shown
        assert isinstance(app.screen, ReportScreen)


async def test_an_improvement_item_of_kind_detection(declare, make_app, journal):
    """The dialog's kind: a detection item asks for a rule that would catch this again."""
    session = declare()
    session.close("")
    iid = session.incident_id
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        app.open_review(iid)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert str(dialog.query_one("#imp-kind").value) == "general"
        await pilot.press("shift+tab")  # from "what" back to the kind
        await pilot.press("enter", "down", "enter")
        await settle(pilot)
        assert str(dialog.query_one("#imp-kind").value) == "detection"
        await pilot.press("tab")
        await paste(pilot, "Rule for MFA push floods")
        await pilot.press("tab", "tab")  # past the area for improvement it answers
        await paste(pilot, "Ravi Iyer")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is not dialog
    [added] = rows(journal, iid, RK.IMPROVEMENT_ADDED)
    assert (added.payload["what"], added.payload["kind"]) == (
        "Rule for MFA push floods",
        "detection",
    )
