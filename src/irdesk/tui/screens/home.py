"""Home: open incidents first (with what is overdue), recent closed ones, playbooks, contacts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from irdesk.domain.clock import local_hms, local_when
from irdesk.errors import IrdeskError
from irdesk.services.defects import ledger
from irdesk.services.heartbeat import watch_status
from irdesk.tui.safe import literal
from irdesk.tui.widgets.header import acting_as
from irdesk.tui.widgets.repaint import look, update
from irdesk.tui.widgets.tables import LiveTable, cursor_key
from irdesk.tui.writes import polling

if TYPE_CHECKING:
    from irdesk.domain.models import Playbook, Roster
    from irdesk.formats.loader import FileResult
    from irdesk.services.board import Board, BoardRow
    from irdesk.services.desk import Newest
    from irdesk.store import IncidentRecord, Journal

RECENT_CLOSED = 15
FINDINGS_COUNTED = 999  # home counts new findings up to this many ("999+" beyond)
OPEN_SHOWN = 50  # the newest open ones; a line says where the others are
#: the row that says more open incidents exist than home lists, and where they are
MORE = "__more__"
# The playbook comes last: where the table is narrow, it is the column cut off.
INCIDENT_COLUMNS = (
    "id",
    "title",
    "severity",
    "status",
    "commander",
    "attention",
    "updated",
    "playbook",
)
TITLE_WIDTH = 36  # longer titles end in "…" so severity, status and time stay on screen
NAME_WIDTH = 12
DEFECTS_SHOWN = 1  # the first open defect is quoted on home; irdesk defects lists them all


def _cut(text: Text, width: int) -> Text:
    text.truncate(width, overflow="ellipsis")
    return text


#: columns the board fills in after the list is shown: fixed widths, so filling them
#: changes no other column (and needs no new layout)
BOARD_WIDTHS = {"commander": NAME_WIDTH, "attention": 22}


def _add_columns(table: DataTable) -> None:
    for name in INCIDENT_COLUMNS:
        table.add_column(name, key=name, width=BOARD_WIDTHS.get(name))


def _commander_cell(row: BoardRow | None) -> Text:
    if row is None or not row.commander:
        return Text("")
    return _cut(literal(row.commander, single_line=True), NAME_WIDTH)


def _hm(when: datetime) -> str:
    return local_hms(when)[:5]


def attention(row: BoardRow | None, now: datetime) -> Text:
    """What needs attention in an open incident: the escalation level fired and not
    acknowledged (since, and when the next one is due), a running timer's deadline, the
    injects delivered and not acknowledged."""
    text = Text()
    if row is None:
        return text
    esc = row.escalation
    if esc is not None and esc.level is not None and esc.since is not None:
        text.append(f"⚠ L{esc.level} {_hm(esc.since)}", style="bold red")
        if esc.next_due is not None:
            text.append(f", next {_hm(esc.next_due)}", style="red")
    elif esc is not None and esc.next_due is not None:
        text.append(f"escalates {_hm(esc.next_due)}")  # any timer: not only ack
    if row.unacknowledged_injects:
        n = row.unacknowledged_injects
        if text:
            text.append(" · ")
        text.append(f"{n} inject{'s' * (n != 1)} to ack", style="yellow")
    return text


def _incident_cells(
    record: IncidentRecord, known: BoardRow | None, now: datetime, outcome: str = ""
) -> list[Text]:
    """An incident's row, in INCIDENT_COLUMNS order (closed ones dimmed; one that did not
    simply end resolved says how it ended: false positive, duplicate of..., handed over)."""
    style = "" if record.status != "closed" else "dim"
    mode = " (drill)" if record.mode == "drill" else ""
    status = f"closed: {outcome}" if outcome else record.status
    return [
        Text(record.id, style=style or "bold"),
        _cut(literal(record.title + mode, style, single_line=True), TITLE_WIDTH),
        Text(record.severity, style=style),
        literal(status, style or "yellow", single_line=True),
        _commander_cell(known),
        attention(known, now),
        Text(local_when(record.updated_at, now) if record.updated_at else "", style=style),
        Text(record.playbook_id, style=style),
    ]


#: a row of home's incidents table: its key, what it was made of (None: made each time),
#: its cells, and how each of them looks
_Shown = tuple[str, object, list[Text], list[tuple[object, ...]]]


def _note_row(text: str, lead: str) -> list[Text]:
    """A row that is not an incident: the empty journal's hint, the line about more."""
    blank = [Text("") for _ in INCIDENT_COLUMNS[2:]]
    return [Text(lead, style="dim"), Text(text, style="dim"), *blank]


def findings_line(journal: Journal) -> Text:
    """The findings nobody has looked at yet (a line of its own, only when there are),
    counted with a bounded query: home costs the same however many pile up."""
    new = len(journal.incidents(chain="finding", status="new", limit=FINDINGS_COUNTED + 1))
    if not new:
        return Text("")
    count = f"{FINDINGS_COUNTED}+" if new > FINDINGS_COUNTED else str(new)
    text = Text("\n")
    text.append(f"◆ {count} new finding{'s' * (new != 1)}", style="bold magenta")
    text.append(" to acknowledge, dismiss or declare · f", style="magenta")
    return text


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "declare", "Declare incident", id="home.declare"),
        Binding("d", "drill", "Start drill", id="home.drill"),
        Binding("enter", "open", "Open", id="home.open", show=False),
        Binding("r", "replay", "Replay", id="home.replay"),
        Binding("v", "review", "Review", id="home.review"),
        Binding("R", "report", "Report", id="home.report"),
        Binding("p", "contacts", "Contacts", id="home.contacts"),
        Binding("f", "findings", "Findings", id="home.findings"),
        Binding("f5", "reload", "Reload", id="home.reload"),
    ]

    @dataclass
    class OpenIncident(Message):
        incident_id: str

    @dataclass
    class ReplayIncident(Message):
        incident_id: str

    @dataclass
    class ReviewIncident(Message):
        incident_id: str

    @dataclass
    class ReportIncident(Message):
        incident_id: str

    @dataclass
    class StartDrill(Message):
        pass

    @dataclass
    class Declare(Message):
        playbook_id: str | None = None

    def __init__(self, *, journal_label: str) -> None:
        super().__init__()
        self.journal_label = journal_label

    def compose(self) -> ComposeResult:
        yield Static(id="home-title")
        yield Static(id="home-status")
        yield LiveTable(id="incidents", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="home-bottom"):
            yield DataTable(id="playbooks", cursor_type="row")
            yield Static(id="contact-panel")
        yield Static(id="home-problems")
        yield Footer()

    def on_mount(self) -> None:
        # the board (and the incident domain behind it) is imported by its worker, after
        # the first frame
        self.board: Board | None = None
        self._board_rows: dict[str, BoardRow] = {}
        self._newest: Newest | None = None  # what the incidents table lists
        # what the incidents table shows, row by row: equal reloads redraw nothing, a
        # changed record redraws its changed cells only, an unchanged one is not made again
        self._shown: list[_Shown] = []
        incidents = self.query_one("#incidents", DataTable)
        incidents.border_title = "Incidents"
        _add_columns(incidents)
        playbooks = self.query_one("#playbooks", DataTable)
        playbooks.border_title = "Playbooks (enter: declare on this playbook)"
        playbooks.add_columns("id", "title", "version", "steps", "source")
        self.query_one("#contact-panel").border_title = "Contact point and on call"
        self.reload()
        incidents.focus()
        self.set_interval(1.0, self._poll)

    def _poll(self) -> None:
        if self.app.screen is not self:
            # Under the runner (or a dialog): that screen's own writes would make home
            # read the journal again on every key. It looks when it is back on top.
            return
        with polling():
            if self.app.desk.journal.has_changed():
                self._show_journal()
            else:
                self._show_status()  # a watcher goes stale without writing anything

    def on_screen_resume(self) -> None:
        if self._newest is not None:  # back from another screen: what changed meanwhile
            self._poll()

    def action_reload(self) -> None:
        self.app.reload_catalog()
        self.reload()

    def show_actor(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Everything again: the title (who acts), the journal's part, the playbooks and
        the roster (f5 reads their files again first)."""
        desk = self.app.desk
        title = Text(" irdesk ", style="bold reverse")
        title.append_text(literal(f"  journal {self.journal_label}", "dim"))
        title.append("  ·  ")
        title.append_text(acting_as(desk.actor, {}))
        self._show("#home-title", title)
        first = self._newest is None
        self._show_journal(board=not first)
        if first:
            # The board reads and folds each open incident: once the first frame is up
            # (in a worker, but the interpreter is shared and that frame comes first).
            self.call_after_refresh(self._refresh_board)
        if desk.loaded:
            self._fill_files()
        else:
            # Incidents first; playbooks and roster are parsed once the first frame is up
            # (parsing them meanwhile took the first frame's time).
            self._show("#contact-panel", Text("loading…", style="dim"))
            self.call_after_refresh(self._load_files)

    def _show_journal(self, *, board: bool = True) -> None:
        """What the journal says: the incidents listed, the watcher and defects line, and
        (with ``board``) what needs attention in each open incident. What did not change
        is not drawn again."""
        # the newest few, whatever the size of the journal (irdesk list has them all)
        newest = self._newest = self.app.desk.newest(
            open_limit=OPEN_SHOWN, closed_limit=RECENT_CLOSED
        )
        self._fill_incidents(newest)
        self._show_status()
        if board:
            self._refresh_board()

    def _refresh_board(self) -> None:
        if self._newest is not None:
            # in a worker: the list shows at once
            newest = self._newest
            self._load_board(list(newest.open + newest.closed), self.app.desk.clock.now())

    def _show(self, selector: str, text: Text) -> None:
        """``text`` in the Static at ``selector``, unless it shows exactly that already (home
        is drawn again every second something is written; see irdesk.tui.widgets.repaint)."""
        update(self.query_one(selector, Static), text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="files")
    def _load_files(self) -> None:
        with self.app.attempt("playbooks not loaded") as attempt:
            self.app.desk.load()
        if not attempt.failed:
            self.app.call_from_thread(self._fill_files)

    def _fill_files(self) -> None:
        desk = self.app.desk
        invalid = list(desk.catalog.invalid)
        if desk.roster_result is not None and not desk.roster_result.ok:
            invalid.append(desk.roster_result)
        self._fill_playbooks(list(desk.catalog.playbooks.values()), invalid)
        self._fill_contacts(desk.roster, list(desk.catalog.playbooks.values()))

    # ----------------------------------------------------------------- watcher, defects
    def _show_status(self) -> None:
        """Whether anybody is watching (escalations fire only while a screen is open when
        not), and the desk's open defects."""
        desk = self.app.desk
        now = desk.clock.now()
        watching = watch_status(desk.journal, now)
        line = watching.sentence(lambda t: local_when(t, now))
        text = Text()
        if watching.watching:
            text.append("● ", style="bold green")
            text.append_text(literal(line, "green", single_line=True))
        else:
            lead, _, rest = line.partition(": ")
            text.append(f"▲ {lead}: ", style="bold yellow")
            text.append(f"{rest} (irdesk watch)", style="yellow")
        text.append("\n")
        open_defects = [d for d in ledger(desk.journal).all() if d.open]
        if open_defects:
            text.append(f"▲ {len(open_defects)} open defect", style="bold yellow")
            text.append("s" if len(open_defects) > 1 else "", style="bold yellow")
            text.append(": ", style="yellow")
            for defect in open_defects[:DEFECTS_SHOWN]:
                text.append_text(_cut(literal(defect.text, "yellow", single_line=True), 80))
            text.append(" · irdesk defects", style="dim")
        else:
            text.append("✔ no open defects (irdesk check)", style="dim")
        text.append_text(findings_line(desk.journal))
        self._show("#home-status", text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="board")
    def _load_board(self, records: list[IncidentRecord], now) -> None:  # noqa: ANN001
        """Commander, escalations and unacknowledged injects of each open incident: the
        fold of each, brought up to date in a worker (it reads the journal)."""
        if self.board is None:
            from irdesk.services.board import Board

            self.board = Board(self.app.desk.journal.path)
        try:
            found = self.board.rows(records, now)
        except IrdeskError as error:
            self.app.call_from_thread(self.app.show_error, error, title="board not updated")
            return
        self.app.call_from_thread(self._fill_board, found, now)

    def _fill_board(self, found: dict[str, BoardRow], now) -> None:  # noqa: ANN001
        self._board_rows = found
        if self._newest is not None:
            self._fill_incidents(self._newest)  # the commander and attention cells change

    def _fill_incidents(self, newest: Newest) -> None:
        now = self.app.desk.clock.now()
        today = now.astimezone().date()  # the "updated" cell leaves out today's date
        before = {key: row for key, *row in self._shown}
        rows: list[_Shown] = []

        def add(key: str, made_of: object, make: Callable[[], list[Text]]) -> None:
            # a row made of the same record, board row and outcome is not made again
            old = before.get(key)
            if old is not None and made_of is not None and old[0] == made_of:
                rows.append((key, *old))
            else:
                cells = make()
                rows.append((key, made_of, cells, [look(c) for c in cells]))

        for record in newest.open:
            known = self._board_rows.get(record.id)
            add(record.id, (record, known, today), partial(_incident_cells, record, known, now))
        if newest.more_open:
            add(MORE, None, partial(_note_row, "more open: irdesk list --status open", "…"))
        for record in newest.closed:
            outcome = newest.outcomes.get(record.id, "")
            made_of = (record, outcome, today)
            add(record.id, made_of, partial(_incident_cells, record, None, now, outcome))
        if not rows:
            add(
                "__none__",
                None,
                partial(_note_row, "No incidents yet. Press n to declare one.", "—"),
            )
        shown, self._shown = self._shown, rows
        if [(r[0], r[3]) for r in rows] == [(r[0], r[3]) for r in shown]:
            return  # nothing changed (a heartbeat, another incident's entry): no redraw
        table = self.query_one("#incidents", DataTable)
        if [r[0] for r in rows] == [r[0] for r in shown]:
            # the same rows in the same order: only the cells that changed
            for (key, _, cells, looks), (_, _, _, was) in zip(rows, shown, strict=True):
                for column, cell, a, b in zip(INCIDENT_COLUMNS, cells, looks, was, strict=True):
                    if a != b:
                        table.update_cell(key, column, cell)
            return
        keep = table.cursor_row
        # Columns are rebuilt: DataTable widths only ever grow, so the empty-journal hint or
        # one long title would otherwise push severity, status and time off screen for good.
        table.clear(columns=True)
        _add_columns(table)
        for key, _, cells, _ in rows:
            table.add_row(*cells, key=key)
        if keep is not None and keep < table.row_count:
            table.move_cursor(row=keep)

    def _fill_playbooks(self, playbooks: list[Playbook], invalid: list[FileResult]) -> None:
        table = self.query_one("#playbooks", DataTable)
        table.clear()
        for playbook in sorted(playbooks, key=lambda p: p.title):
            source = "bundled" if playbook.source and playbook.source.bundled else "yours"
            table.add_row(
                playbook.id,
                literal(playbook.title, single_line=True),
                playbook.version,
                str(len(playbook.steps)),
                source,
                key=playbook.id,
            )
        problems = Text()
        for result in invalid:
            first = result.errors[0] if result.errors else None
            problems.append("✘ ", style="bold red")
            problems.append_text(
                literal(str(first) if first else str(result.path), single_line=True)
            )
            if len(result.errors) > 1:
                problems.append(
                    f" (+{len(result.errors) - 1} more; run irdesk validate)", style="dim"
                )
            problems.append("\n")
        self._show("#home-problems", problems)
        panel = self.query_one("#home-problems", Static)
        panel.display = bool(invalid)
        panel.border_title = "Files with problems (not loaded)"

    def _fill_contacts(self, roster: Roster | None, playbooks: list[Playbook]) -> None:
        text = Text()
        points = sorted({p.contact_point for p in playbooks})
        if roster is None or not roster.people:
            text.append("No roster yet.\n", style="bold")
            text.append_text(
                literal(
                    f"Put one at {self.app.roster_path} (see the example in "
                    "the README); roles are filled by typed names until "
                    "then.\n",
                    "dim",
                )
            )
        for role in points:
            text.append(f"Contact point: {role}\n", style="bold")
            if roster is not None:
                for person in roster.on_call(role):
                    text.append_text(literal(f"  {person.name}  {person.contact}\n"))
        if roster is not None and roster.people:
            text.append("\nOn call\n", style="bold")
            for person in roster.people:
                if person.on_call:
                    text.append_text(literal(f"  {person.name} ({', '.join(person.roles)})\n"))
        text.append("\np: all contacts", style="dim")
        self._show("#contact-panel", text)

    # ----------------------------------------------------------------- actions
    def action_declare(self) -> None:
        self.post_message(self.Declare())

    def action_drill(self) -> None:
        self.post_message(self.StartDrill())

    def action_contacts(self) -> None:
        from irdesk.tui.screens.contacts import ContactsScreen

        points: dict[str, list[str]] = {}
        for playbook in self.app.desk.catalog.playbooks.values():
            points.setdefault(playbook.contact_point, []).append(playbook.title)
        self.app.push_screen(ContactsScreen(self.app.desk.roster, None, {}, contact_points=points))

    def action_findings(self) -> None:
        from irdesk.tui.screens.findings import FindingsScreen

        self.app.push_screen(FindingsScreen(), lambda _: self.reload())

    def _highlighted_incident(self) -> str | None:
        key = cursor_key(self.query_one("#incidents", DataTable))
        return key if key and key not in ("__none__", MORE) else None

    def action_open(self) -> None:
        if self.query_one("#incidents", DataTable).has_focus:
            incident = self._highlighted_incident()
            if incident:
                self.post_message(self.OpenIncident(incident))

    def action_review(self) -> None:
        incident = self._highlighted_incident()
        if incident:
            self.post_message(self.ReviewIncident(incident))
        else:
            self.notify("choose an incident to review")

    def action_report(self) -> None:
        incident = self._highlighted_incident()
        if incident:
            self.post_message(self.ReportIncident(incident))
        else:
            self.notify("choose an incident for its report")

    def action_replay(self) -> None:
        incident = self._highlighted_incident()
        if incident:
            self.post_message(self.ReplayIncident(incident))
        else:
            self.notify("choose an incident to replay")

    @on(DataTable.RowSelected, "#incidents")
    def _incident_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value and event.row_key.value not in ("__none__", MORE):
            self.post_message(self.OpenIncident(event.row_key.value))

    @on(DataTable.RowSelected, "#playbooks")
    def _playbook_chosen(self, event: DataTable.RowSelected) -> None:
        self.post_message(self.Declare(event.row_key.value))
