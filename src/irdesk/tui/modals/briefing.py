"""The drill briefing: what the facilitator reads out before starting the exercise clock."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Markdown, Static

from irdesk.domain.drill import RATING_RULE
from irdesk.domain.durations import format_duration
from irdesk.report.escape import md
from irdesk.services.drill import DrillSession
from irdesk.services.improvements import item_line, open_items_on_playbook
from irdesk.text import visible
from irdesk.tui.modals.dialog import Dialog
from irdesk.tui.modals.participants import add_participant
from irdesk.tui.safe import literal


class DrillBriefing(Dialog[bool]):
    """What the facilitator reads out before starting the exercise clock."""

    BINDINGS = [
        Binding("escape", "cancel", "Later", id="briefing.later"),
        # the focus is on the buttons: these keys read the briefing on, whatever its length
        Binding("pagedown", "read(1)", "Read on", id="briefing.page_down"),
        Binding("pageup", "read(-1)", "Read back", id="briefing.page_up"),
        Binding("down", "read_line(1)", "Read on a line", id="briefing.down", show=False),
        Binding("up", "read_line(-1)", "Read back a line", id="briefing.up", show=False),
    ]

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
                    if scenario.facilitator.strip():
                        # The facilitator's desk only: the player view never shows it.
                        lines.append("\n**For the facilitator** (not on the player view)\n")
                        lines.append(visible(scenario.facilitator))
                lines.append("\n**How objectives are rated**\n")
                lines.extend(visible(line) + "\n" for line in RATING_RULE.split("\n"))
                yield Markdown("\n".join(lines))
            yield Static(id="briefing-participants")
            started = drill.started
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    "Resume" if started else "Start the exercise clock",
                    id="start",
                    variant="success",
                )
                yield Button("Add participant", id="add-participant")
                yield Button("Later", id="later")

    def action_read(self, pages: int) -> None:
        body = self.query_one("#briefing-body", VerticalScroll)
        if pages > 0:
            body.scroll_page_down(animate=False)
        else:
            body.scroll_page_up(animate=False)

    def action_read_line(self, lines: int) -> None:
        body = self.query_one("#briefing-body", VerticalScroll)
        body.scroll_relative(y=lines, animate=False)

    def on_mount(self) -> None:
        self.show_participants()
        self.query_one("#start", Button).focus()

    def show_participants(self) -> None:
        """Who takes part (the team's actions are attributed to them), or how to add them."""
        names = self.session.drill.participants
        text = Text("Participants: ", style="bold")
        if names:
            text.append_text(literal(", ".join(names), single_line=True))
        else:
            text.append("nobody named yet: add them from the roster or by name", style="dim")
        self.query_one("#briefing-participants", Static).update(text)

    @on(Button.Pressed, "#add-participant")
    def add(self, event: Button.Pressed) -> None:
        event.stop()

        def added(name: str) -> None:
            if self.session.acting is None:  # the first one acts until the facilitator switches
                self.session.act_as(name)
            self.show_participants()

        add_participant(self.app, self.session, added)

    @on(Button.Pressed, "#start, #later")
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "start")
