"""After-action review and the report view.

The review screen journals root cause (free text or five whys), what went well, what to
improve, lessons and improvement items. The report view shows the after-action report
built by :mod:`irdesk.report` (headline, metrics, step chart, sections) and writes it
to Markdown, HTML or JSON with one key.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from irdesk.domain.review import SECTIONS
from irdesk.services.incident import IncidentSession
from irdesk.services.review import ReviewSession, today_of
from irdesk.tui.modals.improvement import ImprovementDialog, ImprovementRequest
from irdesk.tui.modals.prompts import ChoicePrompt, TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.screens.report import ReportScreen
from irdesk.tui.widgets.header import acting_as
from irdesk.tui.writes import polling


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
        # what fits a narrow terminal first; the report has the plan's HSEEP column order
        table.add_columns(
            "item",
            "corrective action",
            "owner",
            "due",
            "status",
            "element",
            "organisation",
            "start",
            "area for improvement",
            "step",
        )
        self.refresh_view()
        self.set_interval(1.0, self._poll)

    def _poll(self) -> None:
        with polling():
            # a reader of its own: the runner underneath polls the same journal (and
            # refreshes the same session), so its "changed" says nothing to this screen
            if self.session.journal.has_changed(f"review {self.session.incident_id}"):
                self.review.refresh()
                self.refresh_view()

    def show_actor(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        review = self.review.state
        state = self.session.state
        head = Text("After-action review  ", style="bold")
        head.append(f"{state.incident_id} ", style="bold reverse")
        head.append(" ")
        head.append_text(literal(state.title, "bold", single_line=True))
        head.append(f"  ({'drill' if state.mode == 'drill' else 'incident'}, {state.status})")
        head.append("  ·  ")
        head.append_text(acting_as(self.session.actor, state.roles))
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
        if not review.analysed:
            body.append("  not recorded yet\n", style="dim")
        if review.root_cause is not None:
            body.append("  ")
            body.append_text(literal(review.root_cause.text, "bold"))
            body.append("\n")
        whys = review.five_whys
        if whys is not None:
            body.append("  Five whys\n", style="underline")
            if whys.problem:
                body.append("  problem: ")
                body.append_text(literal(whys.problem, "bold"))
                body.append("\n")
            for n, why in enumerate(whys.whys, start=1):
                body.append(f"  why {n}: ")
                body.append_text(literal(why))
                body.append("\n")
            if whys.text:
                body.append("  they lead to: ")
                body.append_text(literal(whys.text, "bold"))
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
                Text(
                    status,
                    style="bold red" if overdue else ("green" if imp.status == "done" else ""),
                ),
                imp.poete or "",
                literal(imp.organization or "", single_line=True),
                str(imp.start or ""),
                literal(imp.issue or "", single_line=True),
                imp.step or "",
                key=imp.item,
            )
        if not review.improvements:
            table.add_row(
                "",
                Text("no improvement items yet (a to add)", style="dim"),
                *[""] * 8,
                key="__none__",
            )

    # ----------------------------------------------------------------- actions
    def _ask(self, prompt: TextPrompt) -> None:
        """A prompt that records what is typed (its ``save``); the view follows."""
        self.app.push_screen(prompt, self._shown_if_recorded)

    def _shown_if_recorded(self, result: object) -> None:
        if result is not None:
            self.refresh_view()

    def action_root_cause(self) -> None:
        current = self.review.state.root_cause
        self._ask(
            TextPrompt(
                "Root cause",
                "What made this incident possible? (replaces the earlier sentence; "
                "the five whys are kept)",
                initial=current.text if current else "",
                save=self.review.set_root_cause,
            )
        )

    def action_five_whys(self) -> None:
        """The problem statement first, then up to five whys, then where they lead."""
        whys: list[str] = []
        earlier = self.review.state.five_whys
        problem: list[str] = []

        def stated(text: str | None) -> None:
            if text:  # escape: nothing asked further, nothing recorded
                problem.append(text)
                ask()

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
            self._ask(
                TextPrompt(
                    "Five whys",
                    "So the root cause is:",
                    initial=whys[-1],
                    required=False,
                    save=lambda cause: self.review.set_five_whys(problem[0], whys, cause),
                )
            )

        self.app.push_screen(
            TextPrompt(
                "Five whys: the problem",
                "What went wrong? The problem statement the whys start from",
                initial=earlier.problem if earlier else "",
            ),
            stated,
        )

    def action_note(self, section: str) -> None:
        self._ask(
            TextPrompt(
                SECTIONS[section],
                "Add a point",
                save=lambda text: self.review.add_note(section, text),
            )
        )

    def action_add_improvement(self) -> None:
        playbook = self.session.playbook
        steps = [(f"{s.title} ({s.id})", s.id) for s in playbook.steps]
        people = [p.name for p in self.session.roster.people] + [r.id for r in playbook.roles]

        def save(request: ImprovementRequest) -> object:
            return self.review.add_improvement(
                request.what,
                owner=request.owner,
                due=request.due,
                step=request.step,
                poete=request.poete,
                issue=request.issue,
                organization=request.organization,
                start=request.start,
                kind=request.kind,
            )

        self.app.push_screen(
            ImprovementDialog(steps, people, today_of(self.session.now()), save=save),
            self._shown_if_recorded,
        )

    def action_close_item(self) -> None:
        table = self.query_one("#improvements", DataTable)
        if not table.row_count:
            return
        item = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if not item or item == "__none__":
            self.notify("choose an improvement item first")
            return

        def outcome(chosen: str | None) -> None:
            if chosen:
                self._ask(
                    TextPrompt(
                        f"{item}: {chosen}",
                        "Note (what was done, or why it was dropped)",
                        save=lambda note: self.review.close_improvement(item, chosen, note),
                    )
                )

        self.app.push_screen(
            ChoicePrompt(f"Close {item}", [("done", "done"), ("dropped", "dropped")]), outcome
        )

    def action_save(self) -> None:
        self._ask(
            TextPrompt(
                "Save the review",
                "Summary for the report (optional)",
                required=False,
                save=self.review.save,
            )
        )

    def action_reopen(self) -> None:
        self._ask(TextPrompt("Reopen the review", "Why?", save=self.review.reopen))

    def action_report(self) -> None:
        self.app.push_screen(ReportScreen(self.session.journal.path, self.session.incident_id))

    def action_back(self) -> None:
        self.dismiss(None)
