"""The player view's widgets: the exercise clock in big digits, every delivered inject in
full (newest first and prominent), and what the team has recorded.

They read only what :func:`irdesk.domain.drill.player_injects` and
:func:`irdesk.domain.drill.team_lines` give them: delivered injects without their
facilitator notes, and the team's own entries. Upcoming injects, expectations, ratings and
facilitator text never reach these widgets, so they cannot show them.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Digits, Static

from irdesk.domain import drill as engine
from irdesk.domain.describe import describe, label
from irdesk.domain.durations import format_clock, format_duration
from irdesk.domain.entry import Entry
from irdesk.domain.fold import IncidentState
from irdesk.text import reflowed
from irdesk.tui.safe import literal

CLOCK_STYLE = {
    "not started": "bold yellow",
    "running": "bold green",
    "paused": "bold reverse yellow",
    "ended": "bold",
}


class ExerciseClock(Horizontal):
    """The exercise clock in big digits, with whether it runs and the planned length."""

    DEFAULT_CSS = """
    ExerciseClock {
        height: auto;
        padding: 0 1;
    }
    ExerciseClock Digits {
        width: auto;
        color: $accent;
    }
    ExerciseClock #player-clock-words {
        width: 1fr;
        padding: 1 2;
    }
    """

    def compose(self) -> ComposeResult:
        yield Digits("00:00:00", id="player-digits")
        yield Static(id="player-clock-words")

    def show(self, state: IncidentState, now: datetime) -> None:
        drill = engine.drill_state(state)
        if drill is None:
            return
        self.query_one(Digits).update(format_clock(drill.exercise_elapsed(now)))
        where = engine.clock_state(drill)
        words = Text("exercise time\n", style="dim")
        words.append(where.upper(), style=CLOCK_STYLE[where])
        if drill.running and drill.speed != 1:
            words.append(f"  {drill.speed:g}x", style="bold magenta")
        if drill.planned is not None:
            words.append(f"\nplanned {format_duration(drill.planned)}", style="dim")
        self.query_one("#player-clock-words", Static).update(words)


class InjectCard(Static):
    """One delivered inject, whole: who sent it, when, and every line of its text."""

    DEFAULT_CSS = """
    InjectCard {
        height: auto;
        border: round $secondary;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    InjectCard.newest {
        border: heavy $warning;
        background: $warning 15%;
        padding: 1 2;
    }
    """

    def show(self, inject: engine.PlayerInject, *, newest: bool) -> None:
        self.set_class(newest, "newest")
        self.border_title = "LATEST" if newest else None
        head = literal(inject.sender or "Facilitator", "bold", single_line=True)
        if inject.exercise_at is not None:
            head.append(f"   at {format_clock(inject.exercise_at)}", style="dim")
        head.append("\n\n")
        head.append_text(literal(reflowed(inject.text), "bold" if newest else ""))
        self.update(head)


class InjectFeed(VerticalScroll):
    """Every delivered inject in full, newest first, then the situation at the start (the
    scenario's summary). Scrolls; nothing is cut or folded away."""

    DEFAULT_CSS = """
    InjectFeed {
        width: 2fr;
        padding: 0 1;
    }
    InjectFeed #player-situation {
        height: auto;
        border: round $panel;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="player-waiting")
        yield Static(id="player-situation")

    def on_mount(self) -> None:
        self.border_title = "Injects (newest first)"

    def show(self, state: IncidentState) -> None:
        injects = engine.player_injects(state)
        cards = list(self.query(InjectCard))
        if len(cards) < len(injects):  # new ones go on top; the others move down
            new = [InjectCard(classes="inject-card") for _ in range(len(injects) - len(cards))]
            self.mount(*new, before=cards[0] if cards else self.query_one("#player-waiting"))
            cards = new + cards
        for index, (card, inject) in enumerate(zip(cards, injects, strict=False)):
            card.show(inject, newest=index == 0)
        waiting = self.query_one("#player-waiting", Static)
        waiting.display = not injects
        waiting.update(Text("No inject yet: listen for the first one.", style="dim italic"))
        situation = Text("The situation at the start\n", style="bold")
        summary = state.scenario.summary.strip() if state.scenario else ""
        situation.append_text(literal(reflowed(summary or state.title)))
        self.query_one("#player-situation", Static).update(situation)


class TeamRecord(VerticalScroll):
    """Who is on the team, and what it has recorded (notes, decisions, steps done...),
    newest first."""

    DEFAULT_CSS = """
    TeamRecord {
        width: 1fr;
        border: round $primary;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="player-record")

    def on_mount(self) -> None:
        self.border_title = "What the team has recorded"

    def show(self, state: IncidentState, entries: list[Entry]) -> None:
        lines = engine.team_lines(state, entries)
        text = Text()
        drill = engine.drill_state(state)
        if drill is not None and drill.participants:
            text.append("Team: ", style="bold")
            text.append_text(literal(", ".join(drill.participants), single_line=True))
            text.append("\n\n")
        if not lines:
            text.append("Nothing recorded yet.", style="dim italic")
        for line in reversed(lines):
            text.append(format_clock(line.exercise_at), style="dim")
            text.append(f"  {label(line.entry)}", style="bold")
            text.append_text(literal(f"  {line.actor}", "dim", single_line=True))
            text.append("\n")
            text.append_text(literal(describe(line.entry)))
            text.append("\n\n")
        text.rstrip()
        self.query_one("#player-record", Static).update(text)


class PlayerBody(Horizontal):
    """The injects beside the team's record."""

    DEFAULT_CSS = """
    PlayerBody {
        height: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        yield InjectFeed(id="player-injects")
        yield TeamRecord(id="player-team")
