"""The after-action report in the terminal; m, h and j write it to a file."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

from irdesk import paths
from irdesk.domain.clock import SystemClock
from irdesk.errors import IrdeskError
from irdesk.report.chart.text import text_chart
from irdesk.report.render.markdown import to_markdown
from irdesk.services.review import export_report, open_report
from irdesk.text import visible
from irdesk.tui.modals.prompts import ChoicePrompt
from irdesk.tui.safe import literal

if TYPE_CHECKING:
    from irdesk.report.model import Report

TUI_TIMELINE_ROWS = 400  # beyond this the view leaves the timeline to the exports

REPORT_FORMATS = {"md": "Markdown", "html": "HTML", "json": "JSON"}


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
        self.report: Report | None = None
        self._report_lock = threading.Lock()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report-view"):
            yield Static(f"Building the report of {self.incident_id}…", id="report-status")
            yield Static(id="report-chart")
            yield Markdown(id="report-markdown")
        yield Footer()

    def on_mount(self) -> None:
        self.build()

    def on_unmount(self) -> None:
        with self._report_lock:  # an export still writing keeps the report until it is done
            if self.report is not None:
                self.report.close()
                self.report = None

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
        except IrdeskError as error:  # the view says it, where the report would be
            self.app.call_from_thread(self._failed, error.message)
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
        if not self.is_attached:  # closed while it was being built
            report.close()
            return
        self.report = report
        status = Text()
        if report.chain.broken:  # the first thing the view says, as every format does
            status.append_text(literal(report.chain.warning + "\n", "bold red"))
        status.append(f"{report.overview.incident_id} after-action report", style="bold")
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
        left_out = self.report.counts.get("internal_left_out", 0)
        if not left_out:
            self._start_export(fmt, target, include_internal=False)
            return

        def chosen(include: bool | None) -> None:
            if include is not None:
                self._start_export(fmt, target, include_internal=include)

        self.app.push_screen(
            ChoicePrompt(
                "Internal notes",
                [
                    ("Leave them out (a report to share)", False),
                    ("Include them (for the team only)", True),
                ],
                note=f"{left_out} entr{'y is' if left_out == 1 else 'ies are'} marked "
                "internal: notes for the team only.",
            ),
            chosen,
        )

    def _start_export(self, fmt: str, target: Path, *, include_internal: bool) -> None:
        self.notify(f"writing the {REPORT_FORMATS[fmt]} report…", title="report", timeout=3)
        self.export(fmt, target, include_internal)

    @work(thread=True, exit_on_error=False, group="export")
    def export(self, fmt: str, target: Path, include_internal: bool = False) -> None:
        """Write the report to ``target`` away from the UI thread (a long incident's HTML
        takes a while); an error is shown as every other is (the app's ``attempt``). With
        ``include_internal`` the report is built again, with the internal notes."""
        with self._report_lock, self.app.attempt("report not written") as attempt:
            if self.report is None:
                return  # the screen was closed first
            if include_internal:
                with open_report(
                    self.journal_path,
                    self.incident_id,
                    now=self.report.generated_at,
                    include_internal=True,
                ) as whole:
                    export_report(whole, fmt, target)
            else:
                export_report(self.report, fmt, target)
        if attempt.failed:
            return
        written = f"{REPORT_FORMATS[fmt]} report written to {target}"
        if self.report is not None and self.report.chain.broken:
            self.app.call_from_thread(
                self.notify,
                visible(
                    f"{written}. The journal's hash chain is BROKEN: the report says so "
                    "first and marks the altered entries."
                ),
                title="report on a tampered journal",
                severity="error",
            )
            return
        self.app.call_from_thread(self.notify, visible(written), title="report")

    def action_back(self) -> None:
        self.dismiss(None)
