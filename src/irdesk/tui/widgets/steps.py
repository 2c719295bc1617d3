"""The playbook's steps by phase, each with its state (done, active, pending, skipped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from irdesk.domain.durations import format_duration
from irdesk.domain.fold import IncidentState
from irdesk.domain.models import PHASES
from irdesk.tui.safe import literal
from irdesk.tui.widgets.repaint import show_options

STATE_MARK = {"done": "✔", "active": "▶", "pending": "·", "skipped": "↷"}


class StepList(OptionList):
    """The steps of the incident's playbook, grouped by phase; the active one shows how
    long it has run (in bold yellow once overdue). Moving the highlight posts
    :class:`StepHighlighted`, enter posts :class:`StepChosen`."""

    DEFAULT_CSS = """
    StepList, StepList:focus {
        border: round $primary;
    }
    """

    @dataclass
    class StepHighlighted(Message):
        """The highlight moved to a step. Only the newest matters: a quicker key repeat
        than the screen can follow replaces the highlights it has not handled yet."""

        step_list: StepList
        step_id: str

        @property
        def control(self) -> StepList:
            return self.step_list

        def can_replace(self, message: Message) -> bool:
            return (
                isinstance(message, StepList.StepHighlighted)
                and message.step_list is self.step_list
            )

    @dataclass
    class StepChosen(Message):
        """Enter (or a click) on a step."""

        step_list: StepList
        step_id: str

        @property
        def control(self) -> StepList:
            return self.step_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.step_ids: list[str] = []  # per option; "" for a phase heading

    def on_mount(self) -> None:
        self.border_title = "Steps"

    def show(self, state: IncidentState, now: datetime, selected: str | None) -> None:
        """Every step as ``state`` has it, at ``now``; ``selected`` stays highlighted."""
        options: list[Option] = []
        ids: list[str] = []
        for phase in PHASES:
            members = [step for step in state.playbook.steps if step.phase == phase]
            if not members:
                continue
            options.append(Option(Text(phase.upper(), style="bold dim"), disabled=True))
            ids.append("")
            for step in members:
                st = state.steps[step.id]
                line = Text(f" {STATE_MARK[st.status]} ")
                line.append_text(literal(step.title, single_line=True))
                if st.status == "skipped":
                    line.stylize("dim")
                if st.status == "active" and st.activated_at:
                    running = state.running_for(st.activated_at, now)
                    line.append(f"  {format_duration(running)}", style="cyan")
                    if state.step_overdue(step.id, now):
                        line.stylize("bold yellow")
                options.append(Option(line, id=step.id))
                ids.append(step.id)
        show_options(self, options)  # a tick redraws no step; finishing one, two
        self.step_ids = ids
        self.highlighted = ids.index(selected) if selected in ids else None

    def index_of(self, step_id: str) -> int:
        """The option index of a step (ValueError for a step the list does not show)."""
        return self.step_ids.index(step_id)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.StepHighlighted(self, event.option.id))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.StepChosen(self, event.option.id))
