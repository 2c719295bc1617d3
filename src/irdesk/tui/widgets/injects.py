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

STATUS_MARK = {"met": "✔", "late": "◐", "missed": "✘", "pending": "⏳", "waiting": "…", "n/a": "–"}
STATUS_STYLE = {
    "met": "green",
    "late": "yellow",
    "missed": "bold red",
    "pending": "",
    "waiting": "dim",
    "n/a": "dim",
}
INJECT_MARK = {"delivered": "✔", "skipped": "↷", "waiting": "…", "scheduled": "·"}


class InjectBanner(VerticalScroll):
    """Every inject nobody has acknowledged yet, whole, newest first (``i`` acknowledges the
    top one); hidden when there is none. Scrolls when they are longer than its room."""

    def compose(self) -> ComposeResult:
        yield Static(id="inject-banner-text")

    def on_mount(self) -> None:
        self.border_title = "NEW INJECT (i to acknowledge)"

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
            self.query_one("#inject-banner-text", Static).update(text)
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
        for part in (_ratings(state, now), _expectations(state, now), _injects(state, now)):
            text.append_text(part)
        text.rstrip()
        self.query_one("#drill-panel", Static).update(text)


def _ratings(state: IncidentState, now: datetime) -> Text:
    rated = Text()
    ratings = engine.objective_ratings(state, now)
    if ratings:
        rated.append("Objectives", style="bold")
        rated.append(" (B shows the rating rule)\n", style="dim")
    for rating in ratings:
        letter = rating.rating or "–"
        rated.append(f" {letter} ", style="bold reverse" if rating.rating else "dim")
        rated.append_text(literal(f" {rating.objective.text}"))
        rated.append(f"  {rating.label}" + (" (so far)" if rating.provisional else ""), style="dim")
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
        expected.append("\n")
    return expected


def _injects(state: IncidentState, now: datetime) -> Text:
    drill = engine.drill_state(state)
    ended = drill is not None and drill.ended
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
        elif ended:
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
