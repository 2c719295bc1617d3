"""Findings: what the scans found, with the lines they matched; acknowledge, dismiss with a
reason, or declare an incident on the rule's playbook in one key.

Thin over :mod:`irdesk.services.findings`: every action is that service's, journaled by
the app's :meth:`~irdesk.tui.app.IrdeskApp.record` (which waits for a locked journal).
Titles and log lines are shown literally (:func:`irdesk.tui.safe.literal`): a log line is
written by whoever reached the logged service, so it is never markup.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from irdesk.domain.clock import local_when
from irdesk.domain.durations import format_duration
from irdesk.domain.finding import NEW, OPEN, REASONS, FindingState
from irdesk.services.findings import acknowledge, declare_from_finding, dismiss, list_findings
from irdesk.tui.modals.prompts import ChoicePrompt, TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.widgets.tables import cursor_key

TITLE_WIDTH = 44
POLL_SECONDS = 1.0
SHOWN_LINES = 20  # matched lines in the detail panel (the journal keeps up to 100)
COLUMNS = ("id", "status", "rule", "title", "events", "first seen", "acknowledge")


def acknowledge_cell(state: FindingState, now: datetime) -> Text:
    """When it must be acknowledged by, or that it is overdue (escalated by the watcher)."""
    due = state.ack_due
    if state.status != NEW or due is None:
        return Text("")
    if state.overdue(now):
        return Text(f"⚠ overdue since {local_when(due, now)}", style="bold red")
    return Text(f"by {local_when(due, now)}")


def detail(state: FindingState, now: datetime) -> Text:
    """Everything a responder needs to judge the finding, user text made literal."""
    text = Text()
    text.append(f"{state.id} ", style="bold")
    text.append_text(literal(state.title, "bold", single_line=True))
    text.append(f" · {state.severity} · {state.status}\n")
    origin = state.origin + (f" {state.incident}" if state.incident else "")
    text.append_text(literal(f"rule {state.rule} ({origin})", single_line=True))
    text.append_text(literal(f" · playbook {state.playbook or 'none'}", single_line=True))
    if state.acknowledge is not None:
        text.append(f" · acknowledge within {format_duration(state.acknowledge)}")
    text.append("\n")
    key = ", ".join(f"{k}={v}" for k, v in state.key.items()) or "none"
    text.append_text(literal(f"key {key}", single_line=True))
    first = local_when(state.first, now) if state.first else "?"
    last = local_when(state.last, now) if state.last else "?"
    span = first if first == last else f"{first} to {last}"
    text.append(f" · {state.count} event{'s' * (state.count != 1)} {span}")
    if state.distinct is not None:
        text.append(f", {state.distinct} distinct")
    text.append_text(literal(f" · in {state.source} ({', '.join(state.paths)})", single_line=True))
    text.append("\n")
    text.append(f"lines sha256 {state.lines_sha256}\n", style="dim")
    if state.acknowledged_by:
        text.append_text(literal(f"acknowledged by {state.acknowledged_by}\n", "green"))
    if state.status not in OPEN:
        why = REASONS.get(state.reason or "", state.declared_as or "")
        text.append_text(literal(f"{state.status} by {state.closed_by}: {why}\n", "dim"))
        if state.note:
            text.append_text(literal(f"note: {state.note}", "dim", single_line=True))
            text.append("\n")
    text.append("\nmatched lines\n", style="bold")
    for line in state.lines[:SHOWN_LINES]:
        text.append("│ ", style="dim")
        text.append_text(literal(line, single_line=True))
        text.append("\n")
    more = state.count - min(len(state.lines), SHOWN_LINES)
    if more > 0:
        text.append(f"… and {more} more (irdesk findings {state.id})\n", style="dim")
    return text


class FindingsScreen(Screen[None]):
    """The findings the scans recorded, open ones first; the highlighted one in detail."""

    DEFAULT_CSS = """
    FindingsScreen #findings { height: 1fr; min-height: 6; }
    FindingsScreen #finding-scroll { height: 2fr; border: round $primary-darken-2; }
    FindingsScreen #findings-head { height: auto; padding: 0 1; }
    FindingsScreen #finding-detail { padding: 0 1; }
    """

    BINDINGS = [
        Binding("a", "acknowledge", "Acknowledge", id="findings.ack"),
        Binding("x", "dismiss_finding", "Dismiss", id="findings.dismiss"),
        Binding("n", "declare", "Declare incident", id="findings.declare"),
        Binding("t", "toggle_all", "Open/all", id="findings.all"),
        Binding("c", "checklist", "Checklist", id="findings.checklist"),
        Binding("escape", "back", "Back", id="findings.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self.states: dict[str, FindingState] = {}
        self._signature: object = None

    def compose(self) -> ComposeResult:
        yield Static(id="findings-head")
        yield DataTable(id="findings", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="finding-scroll"):
            yield Static(id="finding-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#findings", DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.query_one("#finding-scroll").border_title = "Finding"
        self.reload()
        table.focus()
        self.set_interval(POLL_SECONDS, self._poll)

    # ----------------------------------------------------------------- showing
    def _records_signature(self) -> object:
        journal = self.app.desk.journal
        return tuple((r.id, r.status, r.updated_at) for r in journal.incidents(chain="finding"))

    def _poll(self) -> None:
        """Findings recorded or changed by a scan, a watcher or another responder."""
        from irdesk.tui.writes import polling

        with polling():
            if self._records_signature() != self._signature:
                self.reload()

    def reload(self) -> None:
        desk = self.app.desk
        now = desk.clock.now()
        self._signature = self._records_signature()
        found = list_findings(desk.journal, None if self.show_all else OPEN)
        self.states = {f.id: f for f in found}
        table = self.query_one("#findings", DataTable)
        keep = table.cursor_row
        table.clear()
        for state in found:
            style = "" if state.is_open else "dim"
            title = literal(state.title, style, single_line=True)
            title.truncate(TITLE_WIDTH, overflow="ellipsis")
            table.add_row(
                Text(state.id, style=style or "bold"),
                Text(state.status, style=style or ("yellow" if state.status == NEW else "")),
                literal(state.rule, style),
                title,
                Text(str(state.count), style=style),
                Text(local_when(state.first, now) if state.first else "", style=style),
                acknowledge_cell(state, now),
                key=state.id,
            )
        if keep is not None and 0 < table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        new = sum(1 for f in found if f.status == NEW)
        head = Text("Findings", style="bold")
        shown = "all" if self.show_all else "open"
        head.append(f" · {len(found)} {shown} · {new} new", style="dim")
        if not found and not self.show_all:
            head.append("\nNo open findings (t shows the closed ones too).", style="dim")
        elif not found:
            head.append(
                "\nNo findings. irdesk scan (or irdesk watch with a scan: section) records them.",
                style="dim",
            )
        self.query_one("#findings-head", Static).update(head)
        self._show_detail()

    def _highlighted(self) -> FindingState | None:
        return self.states.get(cursor_key(self.query_one("#findings", DataTable)) or "")

    def _show_detail(self) -> None:
        state = self._highlighted()
        panel = self.query_one("#finding-detail", Static)
        if state is None:
            panel.update(Text(""))
            return
        panel.update(detail(state, self.app.desk.clock.now()))

    @on(DataTable.RowHighlighted, "#findings")
    def _moved(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    # ----------------------------------------------------------------- acting
    def _chosen(self) -> FindingState | None:
        state = self._highlighted()
        if state is None:
            self.notify("no finding to act on")
        return state

    def action_acknowledge(self) -> None:
        state = self._chosen()
        if state is None:
            return
        desk = self.app.desk
        self.app.record(
            "acknowledgement",
            lambda: acknowledge(desk.journal, state.id, actor=desk.actor),
            then=self.reload,
        )

    def action_dismiss_finding(self) -> None:
        state = self._chosen()
        if state is None:
            return
        desk = self.app.desk

        def reason_chosen(reason: str | None) -> None:
            if reason is None:
                return
            self.app.push_screen(
                TextPrompt(
                    f"Dismiss {state.id} as {REASONS[reason]}",
                    "A note (optional; journaled with it)",
                    required=False,
                    save=lambda note: dismiss(
                        desk.journal, state.id, reason, actor=desk.actor, note=note
                    ),
                ),
                lambda _: self.reload(),
            )

        self.app.push_screen(
            ChoicePrompt(
                f"Dismiss {state.id}: why?",
                [(label, reason) for reason, label in REASONS.items()],
                note="It closes without an incident; the checklist counts false positives.",
            ),
            reason_chosen,
        )

    def action_declare(self) -> None:
        """An incident on the rule's playbook, the finding attached as evidence; then its
        runner."""
        state = self._chosen()
        if state is None:
            return
        desk = self.app.desk
        declared = []

        def write() -> None:
            if not declared:
                declared.append(declare_from_finding(desk, state.id)[0])

        def opened() -> None:
            self.reload()
            self.app.show_runner(declared[0])

        self.app.record("declaration", write, then=opened)

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.reload()

    def action_checklist(self) -> None:
        from irdesk.tui.screens.checklist import ChecklistScreen

        self.app.push_screen(ChecklistScreen())

    def action_back(self) -> None:
        self.dismiss(None)
