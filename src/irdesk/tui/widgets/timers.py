"""The playbook's timers: waiting, running (time left), lapsed and escalated (with who was
called and whether it was acknowledged), or met."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from irdesk.domain.clock import local_hms
from irdesk.domain.durations import format_clock, format_duration
from irdesk.domain.fold import IncidentState
from irdesk.tui.safe import literal
from irdesk.tui.widgets.repaint import same, update


class TimerPanel(Static):
    """One line per timer of the playbook. ``exercise_time`` shows the moment a timer was
    met on the drill's exercise clock instead of the wall clock."""

    DEFAULT_CSS = """
    TimerPanel {
        height: auto;
        border: round $warning;
    }
    """

    def __init__(self, *, exercise_time: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.exercise_time = exercise_time
        self._subtitle: Text | None = None

    def on_mount(self) -> None:
        self.border_title = "Timers"

    def show(self, state: IncidentState, now: datetime, watching: str | None = None) -> None:
        """``watching``: None to say nothing of a watcher, "" when one is running, else the
        sentence saying nobody is (escalations then fire only while a screen is open)."""
        text = Text()

        def line(words: str, style: str = "") -> None:
            # titles come from the playbook, names from the journal: shown literally
            text.append_text(literal(words, style, single_line=True))
            text.append("\n")

        for view in state.timers(now):
            title = view.timer.title
            if view.state == "waiting":
                line(f"  {title}: waits for {view.timer.start}", "dim")
            elif view.state == "running":
                line(f"  {title}: {format_duration(view.remaining)} left")
            elif view.state in ("lapsed", "acknowledged"):
                last = view.escalations[-1] if view.escalations else None
                late = format_duration(-view.remaining) if view.remaining is not None else ""
                words = f"⚠ {title}: LAPSED {late} ago"
                if last:
                    who = ", ".join(last.people) or last.role
                    words += f" → escalated to level {last.level} ({last.role}: {who})"
                    if last.late_by is not None:
                        words += f", {format_duration(last.late_by)} late"
                if view.state == "acknowledged" and last is not None:
                    line(words + f" · acknowledged by {last.acknowledged_by}", "yellow")
                else:
                    line(words + "   [a] acknowledge", "bold red")
            else:
                word = "met" if view.state == "met" else "met late"
                line(
                    f"  {title}: {word} at {self._moment(state, view.stopped_at)}",
                    "green" if view.state == "met" else "yellow",
                )
        due = state.update_due()
        if due is not None:  # the playbook's status update cadence (updates:)
            left = due - now
            if left.total_seconds() > 0:
                line(f"  Status update: due in {format_duration(left)} (by {local_hms(due)[:5]})")
            else:
                overdue = format_duration(-left)
                line(f"⚠ Status update: OVERDUE by {overdue}   [u] compose", "bold red")
        if not state.playbook.timers:
            text.append("  this playbook has no timers", style="dim")
        text.rstrip()
        update(self, text)
        if watching is None:
            subtitle = None
        elif watching:
            subtitle = Text(f"▲ {watching}", style="yellow")
        else:
            subtitle = Text("watcher running", style="green")
        if not same(self._subtitle, subtitle):  # the border reads back as markup: kept here
            self._subtitle = self.border_subtitle = subtitle

    def _moment(self, state: IncidentState, when: datetime | None) -> str:
        """A moment on the timers' clock: the wall clock, or the exercise clock in a drill."""
        if not self.exercise_time:
            return local_hms(when) if when else ""
        if when is None or state.declared_at is None:
            return ""
        return f"exercise {format_clock(when - state.declared_at)}"
