"""A drill's injects: the newest one prominent until acknowledged, and the exercise panel
(objective ratings, expectations with their countdowns, every inject and its schedule)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from irdesk.domain import drill as engine
from irdesk.domain.durations import format_clock
from irdesk.domain.fold import IncidentState
from irdesk.text import reflowed
from irdesk.tui.safe import literal
from irdesk.tui.widgets.repaint import update

STATUS_MARK = {
    "met": "✔",
    "late": "◐",
    "missed": "✘",
    "pending": "⏳",
    "waiting": "…",
    "n/a": "–",
    "not reached": "–",
}
STATUS_STYLE = {
    "met": "green",
    "late": "yellow",
    "missed": "bold red",
    "pending": "",
    "waiting": "dim",
    "n/a": "dim",
    "not reached": "dim",
}
INJECT_MARK = {
    "delivered": "✔",
    "skipped": "↷",
    "waiting": "…",
    "scheduled": "·",
    "not delivered": "–",
}


class InjectBanner(VerticalScroll):
    """Every inject nobody has acknowledged yet, whole, newest first (``i`` acknowledges the
    top one); hidden when there is none. Scrolls when they are longer than its room."""

    def compose(self) -> ComposeResult:
        yield Static(id="inject-banner-text")

    def __init__(self, *, acknowledge_key: str | None = "i", id: str | None = None) -> None:
        super().__init__(id=id)
        self.acknowledge_key = acknowledge_key  # None: read-only (replay)

    def on_mount(self) -> None:
        key = self.acknowledge_key
        self.border_title = f"NEW INJECT ({key} to acknowledge)" if key else "UNACKNOWLEDGED INJECT"

    def show(self, state: IncidentState) -> None:
        drill = engine.drill_state(state)
        waiting = drill.unacknowledged if drill is not None else []
        if waiting:
            text = Text()
            for index, inject in enumerate(reversed(waiting)):
                if index:
                    text.append("\n\n")
                text.append_text(literal(inject.sender or "Facilitator", "bold"))
                if inject.exercise_at is not None:
                    text.append(f"  at {format_clock(inject.exercise_at)}", style="dim")
                text.append("\n")
                text.append_text(literal(reflowed(inject.text)))
            update(self.query_one("#inject-banner-text", Static), text)
            self.border_title = (
                f"{len(waiting)} NEW INJECTS (i acknowledges the top one)"
                if len(waiting) > 1
                else "NEW INJECT (i to acknowledge)"
            )
        self.display = bool(waiting)


class InjectPanel(VerticalScroll):
    """What the facilitator follows, most decision-relevant first: the objectives' ratings
    so far, the expectations, then every inject."""

    DEFAULT_CSS = """
    InjectPanel {
        border: round $secondary;
        padding: 0 1;
    }
    """

    def __init__(self, *, rule_key: str | None = "B", id: str | None = None) -> None:
        super().__init__(id=id)
        self.rule_key = rule_key  # the key that shows the rating rule; None: no such key

    def compose(self) -> ComposeResult:
        yield Static(id="drill-panel")

    def on_mount(self) -> None:
        self.border_title = "Exercise: objectives, expectations, injects"

    def show(self, state: IncidentState, now: datetime, *, acting: str = "") -> None:
        """``acting``: who the team's actions are attributed to, shown first."""
        text = Text()
        if acting:
            text.append("Acting: ", style="bold")
            text.append_text(literal(acting, "bold cyan", single_line=True))
            text.append("  (W switches or adds a participant)\n", style="dim")
        parts = (
            _ratings(state, now, self.rule_key),
            _expectations(state, now),
            _injects(state, now),
        )
        for part in parts:
            text.append_text(part)
        text.rstrip()
        update(self.query_one("#drill-panel", Static), text)  # each second: mostly the same


def _ratings(state: IncidentState, now: datetime, rule_key: str | None) -> Text:
    rated = Text()
    ratings = engine.objective_ratings(state, now)
    if ratings:
        rated.append("Objectives", style="bold")
        rated.append(f" ({rule_key} shows the rating rule)" if rule_key else "", style="dim")
        rated.append("\n")
    for rating in ratings:
        # provisional ratings carry a question mark and never look final
        if rating.rating is None:
            style = "dim"
        else:
            style = "bold reverse" if rating.final else "italic"
        rated.append(f" {rating.letter} ", style=style)
        rated.append_text(literal(f" {rating.objective.text}"))
        rated.append(
            f"  {rating.label}" + (" (provisional)" if rating.provisional else ""), style="dim"
        )
        rated.append("\n")
    return rated


def _expectations(state: IncidentState, now: datetime) -> Text:
    expected = Text()
    expectations = engine.expectation_views(state, now)
    if expectations:
        expected.append("Expectations\n", style="bold")
    for ex in expectations:
        style = STATUS_STYLE.get(ex.status, "")
        expected.append(f" {STATUS_MARK.get(ex.status, '?')} {ex.status:<7} ", style=style)
        words = engine.event_words(state, ex.event)
        expected.append_text(literal(f"{ex.inject} → {words}", style))
        if ex.status == "pending" and ex.remaining is not None:
            expected.append(f"  {format_clock(ex.remaining)} left", style="cyan")
        elif ex.status in ("met", "late") and ex.occurred_at is not None:
            expected.append(f"  at {format_clock(ex.occurred_at)}", style="dim")
        if ex.manual is not None:
            expected.append(f"  by hand (rule: {ex.automatic})", style="italic")
        expected.append("\n")
    return expected


def _injects(state: IncidentState, now: datetime) -> Text:
    injects = Text("Injects\n", style="bold")
    for view in engine.inject_views(state, now):
        st = view.state
        injects.append(f"{INJECT_MARK[view.status]} ")
        injects.append_text(literal(st.id, "bold" if view.status == "delivered" else ""))
        if view.status == "delivered" and st.exercise_at is not None:
            injects.append(
                f" {format_clock(st.exercise_at)}" + (" early" if st.early else ""), style="dim"
            )
        elif view.status == "skipped":
            injects.append_text(literal(f" skipped ({_skip_words(state, st)})", "dim"))
        elif view.status == engine.NOT_DELIVERED:
            injects.append(" not delivered (the drill ended first)", style="dim")
        elif view.status == "waiting":
            waited = engine.event_words(state, view.waiting_for or "")
            injects.append_text(literal(f" waits for {waited}", "dim"))
        elif view.due_in is not None:
            injects.append(f" in {format_clock(view.due_in)}", style="cyan")
        injects.append("\n")
        if view.status == "delivered":  # what the team was told, whole
            sender = f"{st.sender}: " if st.sender else ""
            injects.append_text(literal(sender + reflowed(st.text)))
            injects.append("\n")
        note = st.inject.facilitator.strip() if st.inject is not None else ""
        if note and view.status in ("scheduled", "waiting", "delivered"):
            injects.append("  for you: ", style="dim italic")
            injects.append_text(literal(" ".join(note.split()), "italic"))
            injects.append("\n")
    return injects


def _skip_words(state: IncidentState, st: engine.InjectState) -> str:
    """Why an inject was skipped, in people words (an ``unless`` event by its title)."""
    if st.skip_reason == engine.UNLESS and st.inject is not None and st.inject.unless:
        return f"{engine.event_words(state, str(st.inject.unless))} already happened"
    return f"{st.skip_reason}: {st.skip_detail}"
