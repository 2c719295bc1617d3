"""The player view: a drill as the room sees it, on a second terminal, a projector or a
browser (``irdesk drill --player ID``).

Read-only: it writes nothing and offers no key but quit. It follows the journal as the
second responder's view does (a cheap ``has_changed`` check every ``POLL_SECONDS``, the clock
every second) and paints the exercise clock, every delivered inject in full, and what the
team has recorded; never the facilitator's notes, upcoming injects or expectations (its
widgets are only given what players may see: :mod:`irdesk.tui.widgets.player`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from irdesk.domain.entry import Entry
from irdesk.services.incident import IncidentSession
from irdesk.tui.safe import literal
from irdesk.tui.screens.responder import POLL_SECONDS
from irdesk.tui.widgets.player import ExerciseClock, InjectFeed, PlayerBody, TeamRecord
from irdesk.tui.writes import polling


class PlayerScreen(Screen[None]):
    """The exercise clock, the delivered injects (newest first) and the team's record."""

    DEFAULT_CSS = """
    PlayerScreen #player-title {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    BINDINGS = [Binding("q", "app.quit", "Quit", id="player.quit")]

    def __init__(self, session: IncidentSession) -> None:
        super().__init__()
        self.session = session
        self.entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="player-title")
        yield ExerciseClock(id="player-clock")
        yield PlayerBody()
        yield Footer()

    def on_mount(self) -> None:
        self.session.refresh()  # what was written since the session was opened
        self.entries = list(self.session.journal.entries(self.session.incident_id))
        self.session.listeners.append(self._on_new_entries)
        title = literal(self.session.state.title, "bold", single_line=True)
        title.append("   player view: injects and the team's record", style="dim")
        self.query_one("#player-title", Static).update(title)
        self.show_state()
        self.set_interval(POLL_SECONDS, self.poll)
        self.set_interval(1.0, self.show_clock)

    def on_unmount(self) -> None:
        if self._on_new_entries in self.session.listeners:
            self.session.listeners.remove(self._on_new_entries)

    def _on_new_entries(self, entries: list[Entry]) -> None:
        self.entries.extend(entries)
        self.show_state()

    def poll(self) -> None:
        """Pick up what the facilitator's desk and the team wrote (never writes)."""
        with polling():
            if self.session.journal.has_changed():
                self.session.refresh()

    def show_clock(self) -> None:
        self.query_one(ExerciseClock).show(self.session.state, self.session.now())

    def show_state(self) -> None:
        state = self.session.state
        self.show_clock()
        self.query_one(InjectFeed).show(state)
        self.query_one(TeamRecord).show(state, self.entries)
