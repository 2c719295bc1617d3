"""The detection checklist: the rules grouped by where their knowledge came from, when each
was reviewed (overdue ones flagged), the log sources each needs and their health; review a
rule (journaled).

Thin over :mod:`irdesk.services.checklist` (what ``irdesk rules`` prints). The rules files
are read through the desk (:meth:`~irdesk.services.desk.Desk.ruleset`); a file with
problems is named, with its first problem, and its rules are left out, as for a scan.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from irdesk.domain.clock import local_date
from irdesk.formats.rules import RuleSet
from irdesk.services.checklist import (
    GROUPS,
    RuleRow,
    SourceHealth,
    checklist_rows,
    review_due,
    review_rule,
)
from irdesk.tui.modals.prompts import TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.widgets.tables import cursor_key

COLUMNS = ("rule", "title", "reviewed", "review", "sources", "findings")
TITLE_WIDTH = 36
RULE_WIDTH = 28
#: a group's heading row in the table (the head and the detail say it in full)
HEADINGS = {
    "external": "outside knowledge",
    "past-incident": "past incidents",
    "threat-model": "threat models",
}
GROUP_KEY = "group:"  # row keys of the group headings


def health_cell(sources: tuple[SourceHealth, ...]) -> Text:
    text = Text()
    for i, source in enumerate(sources):
        if i:
            text.append(", ")
        if source.defects:
            text.append(f"✘ {source.id}", style="bold red")
        elif source.scanned_at is None:
            text.append(f"? {source.id}", style="yellow")
        else:
            text.append(f"✔ {source.id}", style="green")
    return text


def review_cell(row: RuleRow) -> Text:
    if row.overdue:
        return Text(f"⚠ overdue since {review_due(row).isoformat()}", style="bold red")
    return Text(f"due {review_due(row).isoformat()}", style="dim")


def rule_detail(row: RuleRow) -> Text:
    rule = row.rule
    text = Text()
    text.append(f"{rule.id} ", style="bold")
    text.append_text(literal(rule.title, "bold", single_line=True))
    text.append("\n")
    origin = GROUPS.get(rule.origin, rule.origin)
    cited = rule.reference or rule.incident or ""
    text.append_text(literal(f"{origin}{': ' + cited if cited else ''}", single_line=True))
    text.append("\n")
    where = "bundled" if row.bundled else "yours"
    text.append_text(literal(f"in {row.file.rsplit('/', 1)[-1]} ({where})", single_line=True))
    text.append(f" · severity {rule.severity or '-'} · playbook ")
    text.append_text(literal(rule.playbook or "none", single_line=True))
    text.append("\n")
    text.append(f"reviewed {row.reviewed.isoformat()}")
    if row.last_review is not None:
        review = row.last_review
        text.append_text(
            literal(
                f" (last review journaled by {review.actor}"
                + (f": {review.note}" if review.note else "")
                + ")",
                single_line=True,
            )
        )
    if row.overdue:
        text.append(" · overdue: review it (r)", style="bold red")
    text.append("\n")
    text.append(
        f"findings {row.findings} · open {row.open_findings} · "
        f"false positives {row.false_positives}"
        + (
            f" · first scanned with {row.first_used.strftime('%Y-%m-%d %H:%M')} UTC"
            if row.first_used
            else " · never scanned with"
        )
        + "\n"
    )
    text.append("\nsources\n", style="bold")
    for source in row.sources:
        style = "red" if source.defects else ("yellow" if source.scanned_at is None else "")
        text.append_text(literal(f"  {source.id}: {source.text()}", style, single_line=True))
        text.append("\n")
    return text


class ChecklistScreen(Screen[None]):
    """Every rule, grouped by origin; the highlighted one in detail."""

    DEFAULT_CSS = """
    ChecklistScreen #rules { height: 2fr; min-height: 6; }
    ChecklistScreen #rule-scroll { height: 1fr; border: round $primary-darken-2; }
    ChecklistScreen #checklist-head { height: auto; padding: 0 1; }
    ChecklistScreen #rule-detail { padding: 0 1; }
    """

    BINDINGS = [
        Binding("r", "review", "Review rule", id="checklist.review"),
        Binding("f5", "reload", "Reload", id="checklist.reload"),
        Binding("escape", "back", "Back", id="checklist.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ruleset: RuleSet | None = None
        self.rows: dict[str, RuleRow] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="checklist-head")
        yield DataTable(id="rules", cursor_type="row", zebra_stripes=False)
        with VerticalScroll(id="rule-scroll"):
            yield Static(id="rule-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#rules", DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name, width=RULE_WIDTH if name == "rule" else None)
        self.query_one("#rule-scroll").border_title = "Rule"
        self.action_reload()
        table.focus()

    def action_reload(self) -> None:
        """Read the rules files again (and what the journal says of them)."""
        self.ruleset = self.app.desk.ruleset()
        self.reload()

    def reload(self) -> None:
        desk = self.app.desk
        assert self.ruleset is not None
        today = local_date(desk.clock.now())
        found = checklist_rows(desk.journal, self.ruleset, today=today)
        self.rows = {row.rule.id: row for row in found}
        table = self.query_one("#rules", DataTable)
        keep = table.cursor_row if table.row_count else None
        table.clear()
        group = None
        for row in found:
            if row.rule.origin != group:
                group = row.rule.origin
                heading = Text(f"▸ {HEADINGS.get(group, group)}", style="bold")
                table.add_row(heading, *[Text("") for _ in COLUMNS[1:]], key=GROUP_KEY + group)
            title = literal(row.rule.title, single_line=True)
            title.truncate(TITLE_WIDTH, overflow="ellipsis")
            rule_id = literal(f"  {row.rule.id}")
            rule_id.truncate(RULE_WIDTH, overflow="ellipsis")
            table.add_row(
                rule_id,
                title,
                Text(row.reviewed.isoformat()),
                review_cell(row),
                health_cell(row.sources),
                Text(f"{row.findings} ({row.open_findings} open)" if row.findings else "-"),
                key=row.rule.id,
            )
        if keep is not None and table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        elif table.row_count > 1:
            table.move_cursor(row=1)  # the first rule, under its group's heading
        self._show_head(found)
        self._show_detail()

    def _show_head(self, found: list[RuleRow]) -> None:
        assert self.ruleset is not None
        head = Text("Detection checklist", style="bold")
        overdue = sum(1 for row in found if row.overdue)
        sick = sorted({s.id for row in found for s in row.sources if s.defects})
        head.append(f"  {len(found)} rules", style="dim")
        if overdue:
            head.append(f" · ⚠ {overdue} overdue for review", style="bold red")
        if sick:
            head.append(" · ✘ sources with defects: ", style="red")
            head.append_text(literal(", ".join(sick), "red", single_line=True))
        for result in self.ruleset.results:
            if result.ok:
                continue
            first = result.errors[0] if result.errors else result.path
            head.append("\n✘ ", style="bold red")
            head.append_text(literal(str(first), single_line=True))
            head.append(" (its rules are left out; irdesk validate)", style="dim")
        self.query_one("#checklist-head", Static).update(head)

    def _highlighted(self) -> RuleRow | None:
        return self.rows.get(cursor_key(self.query_one("#rules", DataTable)) or "")

    def _show_detail(self) -> None:
        row = self._highlighted()
        panel = self.query_one("#rule-detail", Static)
        panel.update(rule_detail(row) if row is not None else Text(""))

    @on(DataTable.RowHighlighted, "#rules")
    def _moved(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def action_review(self) -> None:
        row = self._highlighted()
        if row is None:
            self.notify("choose a rule to review")
            return
        desk = self.app.desk
        ruleset = self.ruleset
        assert ruleset is not None
        self.app.push_screen(
            TextPrompt(
                f"Review {row.rule.id}",
                "What you checked or changed (optional; journaled with the file's SHA-256)",
                required=False,
                save=lambda note: review_rule(
                    desk.journal, ruleset, row.rule.id, actor=desk.actor, note=note
                ),
            ),
            lambda _: self.reload(),
        )

    def action_back(self) -> None:
        self.dismiss(None)
