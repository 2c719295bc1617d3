"""The drill briefing: what the facilitator reads out before starting the exercise clock."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Markdown

from irdesk.domain.drill import RATING_RULE
from irdesk.domain.durations import format_duration
from irdesk.report.escape import md
from irdesk.services.drill import DrillSession
from irdesk.services.improvements import item_line, open_items_on_playbook
from irdesk.text import visible
from irdesk.tui.modals.dialog import Dialog
from irdesk.tui.safe import literal


class DrillBriefing(Dialog[bool]):
    """What the facilitator reads out before starting the exercise clock."""

    BINDINGS = [Binding("escape", "cancel", "Later", id="briefing.later")]

    def __init__(self, session: DrillSession) -> None:
        super().__init__("Drill briefing")
        self.session = session

    def compose(self) -> ComposeResult:
        scenario = self.session.scenario
        drill = self.session.drill
        with Vertical(classes="dialog dialog-wide dialog-tall"):
            yield Label(
                literal(scenario.title if scenario else self.session.state.title),
                classes="dialog-title",
            )
            with VerticalScroll(id="briefing-body"):
                lines = []
                if scenario is not None:
                    lines.append(
                        f"**Planned duration:** {format_duration(scenario.duration)}"
                        f" · **injects:** {len(scenario.injects)} · **playbook:** "
                        f"{scenario.playbook}\n"
                    )
                items = open_items_on_playbook(self.session)
                if items:  # what earlier runs said to fix: has it been?
                    lines.append("**Improvement items still open on this playbook**\n")
                    lines.extend(f"- {md(item_line(row))}" for row in items)
                    lines.append("")
                if scenario is not None:
                    lines.append(visible(scenario.summary) or "")
                    lines.append("\n**Objectives**\n")
                    lines.extend(f"- {visible(o.text)}" for o in scenario.objectives)
                lines.append("\n**How objectives are rated**\n")
                lines.extend(visible(line) + "\n" for line in RATING_RULE.split("\n"))
                yield Markdown("\n".join(lines))
            started = drill.started
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    "Resume" if started else "Start the exercise clock",
                    id="start",
                    variant="success",
                )
                yield Button("Later", id="later")

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "start")
