"""After-action review and the report view.

The review screen journals root cause (free text or five whys), what went well, what to
improve, lessons and improvement items. The report view shows the after-action report
built by :mod:`irdesk.report` (headline, metrics, step chart, sections) and writes it
to Markdown, HTML or JSON with one key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Markdown, Select, Static

from irdesk import paths
from irdesk.domain.clock import SystemClock
from irdesk.domain.durations import DurationError, parse_duration
from irdesk.domain.review import POETE, SECTIONS
from irdesk.report.chart.text import text_chart
from irdesk.report.render.markdown import to_markdown
from irdesk.services.incident import IncidentSession
from irdesk.services.review import ReviewSession, export_report, open_report, today_of
from irdesk.tui.modals import ChoicePrompt, Dialog, TextPrompt, _error_line
from irdesk.tui.safe import clean, literal

TUI_TIMELINE_ROWS = 400  # beyond this the view leaves the timeline to the exports
REPORT_FORMATS = {"md": "Markdown", "html": "HTML", "json": "JSON"}


@dataclass(frozen=True)
class ImprovementRequest:
    what: str
    owner: str
    due: date | None
    step: str | None
    poete: str | None


def parse_due(text: str, today: date) -> date | None:
    """A due date as typed: 2026-12-15, or days from today such as 14d."""
    raw = text.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return today + timedelta(days=parse_duration(raw.removeprefix("+")).days)
    except DurationError:
        raise ValueError(f"{raw!r}: write a date (2026-12-15) or days from today (14d)") from None


class ImprovementDialog(Dialog[ImprovementRequest]):
    """What, owner, due date, the playbook step it concerns, the POETE element."""

    def __init__(self, steps: list[tuple[str, str]], people: list[str], today: date) -> None:
        super().__init__("Add an improvement item")
        self.steps = steps
        self.people = people
        self.today = today

    def compose(self) -> ComposeResult:
        from textual.suggester import SuggestFromList

        with VerticalScroll(classes="dialog dialog-wide"):
            yield Label("Add an improvement item", classes="dialog-title")
            yield Label("What will change")
            yield Input(
                compact=True, id="imp-what", placeholder="e.g. alert on new inbox forwarding rules"
            )
            yield Label("Owner (a person or role)")
            yield Input(
                compact=True,
                id="imp-owner",
                placeholder="who makes it happen",
                suggester=SuggestFromList(self.people, case_sensitive=False),
            )
            yield Label("Due (2026-12-15, or 14d from today; empty: no date)")
            yield Input(compact=True, id="imp-due", placeholder="14d")
            yield Label("Playbook step it concerns (optional)")
            yield Select(self.steps, id="imp-step", compact=True, prompt="no particular step")
            yield Label("POETE element (optional)")
            yield Select(
                [(p.capitalize(), p) for p in POETE], id="imp-poete", compact=True, prompt="none"
            )
            yield _error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", id="add", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#imp-what", Input).focus()

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#add")
    def submit(self) -> None:
        what = self.query_one("#imp-what", Input).value.strip()
        owner = self.query_one("#imp-owner", Input).value.strip()
        if not what or not owner:
            self.show_error("an improvement needs what will change and an owner")
            return
        try:
            due = parse_due(self.query_one("#imp-due", Input).value, self.today)
        except ValueError as exc:
            self.show_error(str(exc))
            return
        step = self.query_one("#imp-step", Select).value
        poete = self.query_one("#imp-poete", Select).value
        self.dismiss(
            ImprovementRequest(
                what,
                owner,
                due,
                None if step is Select.NULL else str(step),
                None if poete is Select.NULL else str(poete),
            )
        )


class ReviewScreen(Screen[None]):
    """The after-action review of one incident or drill; everything is journaled."""

    BINDINGS = [
        Binding("c", "root_cause", "Root cause", id="review.root_cause"),
        Binding("w", "five_whys", "Five whys", id="review.five_whys"),
        Binding("g", "note('went_well')", "Went well", id="review.went_well"),
        Binding("i", "note('to_improve')", "To improve", id="review.to_improve"),
        Binding("l", "note('lesson')", "Lesson", id="review.lesson"),
        Binding("a", "add_improvement", "Add item", id="review.add_item"),
        Binding("x", "close_item", "Done/drop item", id="review.close_item"),
        Binding("s", "save", "Save review", id="review.save"),
        Binding("o", "reopen", "Reopen", id="review.reopen", show=False),
        Binding("R", "report", "Report", id="review.report"),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    def __init__(self, session: IncidentSession) -> None:
        super().__init__()
        self.review = ReviewSession(session)

    @property
    def session(self) -> IncidentSession:
        return self.review.session

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="review"):
            yield Static(id="review-head")
            yield Static(id="review-body")
            yield DataTable(id="improvements", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#improvements", DataTable)
        table.border_title = "Improvement plan"
        table.add_columns("item", "what", "owner", "due", "step", "POETE", "status")
        self.refresh_view()
        self.set_interval(1.0, self._poll)

    def _poll(self) -> None:
        if self.session.journal.has_changed() and self.review.refresh():
            self.refresh_view()

    def refresh_view(self) -> None:
        review = self.review.state
        state = self.session.state
        head = Text("After-action review  ", style="bold")
        head.append(f"{state.incident_id} ", style="bold reverse")
        head.append(" ")
        head.append_text(literal(state.title, "bold", single_line=True))
        head.append(f"  ({'drill' if state.mode == 'drill' else 'incident'}, {state.status})")
        status = {
            "empty": ("not started", "yellow"),
            "draft": ("draft", "yellow"),
            "saved": ("saved", "green"),
        }.get(review.status, (review.status, ""))
        head.append(f"\nreview: {status[0]}", style=f"bold {status[1]}")
        if review.saved and review.saved_by:
            head.append_text(literal(f" by {review.saved_by}", "dim"))
        self.query_one("#review-head", Static).update(head)

        body = Text()
        body.append("\nRoot cause", style="bold underline")
        body.append("  (c free text · w five whys)\n", style="dim")
        cause = review.root_cause
        if cause is None:
            body.append("  not recorded yet\n", style="dim")
        else:
            for n, why in enumerate(cause.whys, start=1):
                body.append(f"  why {n}: ")
                body.append_text(literal(why))
                body.append("\n")
            if cause.text:
                body.append("  root cause: " if cause.whys else "  ")
                body.append_text(literal(cause.text, "bold"))
                body.append("\n")
        for section, title in SECTIONS.items():
            key = {"went_well": "g", "to_improve": "i", "lesson": "l"}[section]
            body.append(f"\n{title}", style="bold underline")
            body.append(f"  ({key} to add)\n", style="dim")
            notes = review.section(section)
            if not notes:
                body.append("  nothing yet\n", style="dim")
            for note in notes:
                body.append("  • ")
                body.append_text(literal(note.text))
                body.append_text(literal(f"  ({note.actor})", "dim"))
                body.append("\n")
        body.append("\n")
        self.query_one("#review-body", Static).update(body)

        table = self.query_one("#improvements", DataTable)
        table.clear()
        today = today_of(self.session.now())
        for imp in review.improvements.values():
            overdue = imp.status == "open" and imp.due is not None and imp.due < today
            status = imp.status + (" (overdue)" if overdue else "")
            table.add_row(
                imp.item,
                literal(imp.what, single_line=True),
                literal(imp.owner, single_line=True),
                str(imp.due or ""),
                imp.step or "",
                imp.poete or "",
                Text(
                    status,
                    style="bold red" if overdue else ("green" if imp.status == "done" else ""),
                ),
                key=imp.item,
            )
        if not review.improvements:
            table.add_row(
                "",
                Text("no improvement items yet (a to add)", style="dim"),
                "",
                "",
                "",
                "",
                "",
                key="__none__",
            )

    # ----------------------------------------------------------------- actions
    def _do(self, fn, *args, **kwargs) -> bool:  # noqa: ANN001
        try:
            fn(*args, **kwargs)
        except Exception as exc:  # ActionError or a journal error: a message, not a crash
            self.notify(clean(str(exc)), severity="warning")
            return False
        self.refresh_view()
        return True

    def action_root_cause(self) -> None:
        current = self.review.state.root_cause

        def got(text: str | None) -> None:
            if text:
                self._do(self.review.set_root_cause, text)

        self.app.push_screen(
            TextPrompt(
                "Root cause",
                "What made this incident possible? (replaces any earlier one)",
                initial=current.text if current and not current.whys else "",
            ),
            got,
        )

    def action_five_whys(self) -> None:
        whys: list[str] = []

        def ask() -> None:
            n = len(whys) + 1
            self.app.push_screen(
                TextPrompt(
                    f"Five whys: why {n}", "Why did that happen? (empty to stop)", required=False
                ),
                got,
            )

        def got(text: str | None) -> None:
            if text is None:
                return  # escape: nothing recorded
            if text and len(whys) < 5:
                whys.append(text)
                if len(whys) < 5:
                    ask()
                    return
            if not whys:
                return

            def conclude(cause: str | None) -> None:
                if cause is not None:
                    self._do(self.review.set_root_cause, cause, whys=whys)

            self.app.push_screen(
                TextPrompt("Five whys", "So the root cause is:", initial=whys[-1], required=False),
                conclude,
            )

        ask()

    def action_note(self, section: str) -> None:
        def got(text: str | None) -> None:
            if text:
                self._do(self.review.add_note, section, text)

        self.app.push_screen(TextPrompt(SECTIONS[section], "Add a point"), got)

    def action_add_improvement(self) -> None:
        playbook = self.session.playbook
        steps = [(f"{s.title} ({s.id})", s.id) for s in playbook.steps]
        people = [p.name for p in self.session.roster.people] + [r.id for r in playbook.roles]

        def got(request: ImprovementRequest | None) -> None:
            if request:
                self._do(
                    self.review.add_improvement,
                    request.what,
                    owner=request.owner,
                    due=request.due,
                    step=request.step,
                    poete=request.poete,
                )

        self.app.push_screen(ImprovementDialog(steps, people, today_of(self.session.now())), got)

    def action_close_item(self) -> None:
        table = self.query_one("#improvements", DataTable)
        if not table.row_count:
            return
        item = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if not item or item == "__none__":
            self.notify("choose an improvement item first")
            return

        def outcome(chosen: str | None) -> None:
            if not chosen:
                return

            def got(note: str | None) -> None:
                if note:
                    self._do(self.review.close_improvement, item, chosen, note)

            self.app.push_screen(
                TextPrompt(f"{item}: {chosen}", "Note (what was done, or why it was dropped)"), got
            )

        self.app.push_screen(
            ChoicePrompt(f"Close {item}", [("done", "done"), ("dropped", "dropped")]), outcome
        )

    def action_save(self) -> None:
        def got(summary: str | None) -> None:
            if summary is not None:
                self._do(self.review.save, summary)

        self.app.push_screen(
            TextPrompt("Save the review", "Summary for the report (optional)", required=False), got
        )

    def action_reopen(self) -> None:
        def got(reason: str | None) -> None:
            if reason:
                self._do(self.review.reopen, reason)

        self.app.push_screen(TextPrompt("Reopen the review", "Why?"), got)

    def action_report(self) -> None:
        self.app.push_screen(ReportScreen(self.session.journal.path, self.session.incident_id))

    def action_back(self) -> None:
        self.dismiss(None)


class ReportScreen(Screen[None]):
    """The after-action report in the terminal; m/h/j write it to a file."""

    BINDINGS = [
        Binding("m", "export('md')", "Write Markdown", id="report.markdown"),
        Binding("h", "export('html')", "Write HTML", id="report.html"),
        Binding("j", "export('json')", "Write JSON", id="report.json"),
        Binding("escape", "back", "Back", id="report.back"),
    ]

    def __init__(self, journal_path: Path, incident_id: str) -> None:
        super().__init__()
        self.journal_path = journal_path
        self.incident_id = incident_id
        self.report = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report-view"):
            yield Static(f"Building the report of {self.incident_id}…", id="report-status")
            yield Static(id="report-chart")
            yield Markdown(id="report-markdown")
        yield Footer()

    def on_mount(self) -> None:
        self.build()

    def on_unmount(self) -> None:
        if self.report is not None:
            self.report.close()

    def _width(self) -> int:
        """The chart's width: the screen less padding (2+2) and a scrollbar (2), and slack."""
        return max(60, min(self.size.width - 8, 160))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def build(self) -> None:
        """Read the journal on a read-only connection of this thread; verify the chain."""
        try:
            report = open_report(self.journal_path, self.incident_id, now=self.app_clock_now())
            chart = text_chart(report, width=self._width())
            markdown = to_markdown(report)
        except Exception as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        if len(report.timeline) > TUI_TIMELINE_ROWS and "\n## Timeline" in markdown:
            markdown = markdown.split("\n## Timeline", 1)[0] + (
                f"\n## Timeline\n\n{len(report.timeline):,} entries: too many to show here. "
                "Write the report (m, h or j) or replay the incident to see them.\n"
            )
        self.app.call_from_thread(self._show, report, chart, markdown)

    def app_clock_now(self):  # noqa: ANN201
        desk = getattr(self.app, "desk", None)
        return (desk.clock if desk is not None else SystemClock()).now()

    def _failed(self, message: str) -> None:
        self.query_one("#report-status", Static).update(
            literal(f"Could not build the report: {message}", "bold red")
        )

    def _show(self, report, chart: list[str], markdown: str) -> None:  # noqa: ANN001
        self.report = report
        status = Text(f"{report.overview.incident_id} after-action report", style="bold")
        status.append(
            f"   m Markdown · h HTML · j JSON: written to {paths.reports_dir()}", style="dim"
        )
        self.query_one("#report-status", Static).update(status)
        self.query_one("#report-chart", Static).update(Text("\n".join(chart)))
        self.query_one("#report-markdown", Markdown).update(markdown)

    def action_export(self, fmt: str) -> None:
        if self.report is None:
            self.notify("the report is still being built")
            return
        target = paths.reports_dir() / f"{self.incident_id}.{fmt}"
        try:
            export_report(self.report, fmt, target)
        except OSError as exc:
            self.notify(clean(f"could not write the report: {exc}"), severity="error")
            return
        self.notify(clean(f"{REPORT_FORMATS[fmt]} report written to {target}"), title="report")

    def action_back(self) -> None:
        self.dismiss(None)
