"""One step as it stands: its title and owner, instructions, decision options, checklist
and how long it has run (or how it was finished)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from irdesk.domain.clock import local_hms
from irdesk.domain.drill import drill_state
from irdesk.domain.durations import format_clock, format_duration
from irdesk.domain.fold import IncidentState
from irdesk.domain.models import Step
from irdesk.text import single_line, visible
from irdesk.tui.safe import literal
from irdesk.tui.widgets.repaint import show_options, update

PATH_ENDED = "The playbook's path has ended. Close the incident when ready (c)."


class StepPanel(Vertical):
    """The step chosen in the step list ("Now:" when it is the active one). Enter on a
    checklist item posts :class:`ItemChosen`; the panel itself never writes."""

    DEFAULT_CSS = """
    StepPanel {
        border: round $accent;
        padding: 0 1;
        #step-title {
            height: auto;
        }
        #step-body {
            height: 1fr;
        }
        #step-instructions {
            margin: 0;
            padding: 0;
        }
        #checklist {
            height: auto;
            max-height: 10;
            border: none;
        }
        #step-meta {
            height: auto;
            max-height: 3;
            color: $text-muted;
        }
        #step-items {
            display: none;
            height: auto;
            max-height: 3;
            color: $warning;
        }
    }
    """

    @dataclass
    class ItemChosen(Message):
        """Enter (or a click) on checklist item ``index`` (0-based) of the shown step."""

        panel: StepPanel
        index: int

        @property
        def control(self) -> StepPanel:
            return self.panel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown_step: str | None = None
        #: step id → open improvement items from earlier runs of the playbook, one line
        #: each (raw text), shown under the step's title
        self.open_items: dict[str, list[str]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="step-title")
        yield Static(id="step-items")
        with VerticalScroll(id="step-body"):
            yield Markdown(id="step-instructions")
            yield Static(id="step-decision")
        yield OptionList(id="checklist")
        yield Static(id="step-meta")

    @property
    def checklist(self) -> OptionList:
        return self.query_one("#checklist", OptionList)

    @property
    def highlighted_item(self) -> int | None:
        """The checklist item under the cursor (None when the step has no checklist)."""
        checklist = self.checklist
        return checklist.highlighted if checklist.display else None

    def show(self, state: IncidentState, step: Step | None, now: datetime) -> None:
        title = self.query_one("#step-title", Static)
        if step is None:
            update(title, PATH_ENDED)
            return
        st = state.steps[step.id]
        owner = state.playbook.role(step.role).title if step.role else "anyone"
        holder = state.roles.get(step.role or "", "")
        head = Text()
        head.append("Now: " if state.current == step.id else f"{st.status.title()}: ", style="bold")
        head.append_text(literal(step.title, "bold"))
        head.append(f"  ({step.phase} · owner: {owner}", style="dim")
        head.append_text(literal(f" – {holder}" if holder else "", "dim"))
        head.append(")", style="dim")
        update(title, head)
        self._show_items(step)
        another = self._shown_step != step.id
        if another:
            self._shown_step = step.id
            self.query_one("#step-instructions", Markdown).update(
                visible(step.instructions) or "_No instructions._"
            )
            self.query_one("#step-body").scroll_home(animate=False)
            self.checklist.clear_options()  # another step's items start from the top
        self._show_decision(state, step)
        self._show_checklist(state, step)
        if another:  # a step just shown starts at its first open item
            self.move_on(state, step, after=-1)
        self.show_meta(state, step, now)

    def _show_items(self, step: Step) -> None:
        """A short marker: the improvement items still open for this step."""
        items = self.open_items.get(step.id, [])
        shown = self.query_one("#step-items", Static)
        shown.display = bool(items)
        if not items:
            return
        text = Text(f"⚑ {len(items)} open improvement item{'s' if len(items) > 1 else ''}: ")
        text.append_text(literal(items[0], single_line=True))
        if len(items) > 1:
            text.append(f" (+{len(items) - 1} more: irdesk improvements)", style="dim")
        update(shown, text)

    def _show_decision(self, state: IncidentState, step: Step) -> None:
        decision = self.query_one("#step-decision", Static)
        decision.display = bool(step.decision)
        if not step.decision:
            return
        chosen_option = state.steps[step.id].decision
        text = Text("Decision (o to choose):\n", style="bold")
        for i, option in enumerate(step.decision):
            chosen = chosen_option is not None and chosen_option[0] == i
            text.append(f"  {'●' if chosen else '○'} {i + 1}. ")
            text.append_text(literal(option.label, "bold" if chosen else ""))
            text.append(f" → {option.next}\n", style="dim")
        for clash in state.conflicts:
            if clash.step == step.id:
                text.append_text(literal(f"  {clash.text}\n", "bold red"))
        update(decision, text)

    def _show_checklist(self, state: IncidentState, step: Step) -> None:
        ticks = state.steps[step.id].ticks
        checklist = self.checklist
        keep = checklist.highlighted
        rows = []
        for i, item in enumerate(step.checklist):
            tick = ticks.get(i)
            line = Text(f"[{'x' if tick else ' '}] {i + 1}. " if i < 9 else "[ ] ")
            line.append_text(literal(item.text))
            if item.evidence:
                line.append(" (evidence)", style="dim italic")
            if tick and tick.evidence:
                line.append_text(literal(f' "{tick.evidence}"', "green"))
            rows.append(Option(line, id=str(i)))
        show_options(checklist, rows)  # a tick redraws its own item, not the others
        checklist.display = bool(step.checklist)
        if step.checklist:
            checklist.highlighted = min(keep or 0, len(step.checklist) - 1)

    def move_on(self, state: IncidentState, step: Step, *, after: int) -> None:
        """Put the cursor on the first open item after item ``after`` (then from the top),
        so that space, pressed again, ticks the next thing to do, not the same one."""
        ticks = state.steps[step.id].ticks
        count = len(step.checklist)
        for index in [*range(after + 1, count), *range(0, after + 1)]:
            if index not in ticks:
                self.checklist.highlighted = index
                return

    def show_meta(self, state: IncidentState, step: Step | None, now: datetime) -> None:
        """The line under the checklist: expected and running time, or how it ended."""
        meta = self.query_one("#step-meta", Static)
        if step is None:
            update(meta, "")
            return
        st = state.steps[step.id]
        parts = []
        if step.within:
            parts.append(f"expected {format_duration(step.within)}")
        if st.status == "active" and st.activated_at:
            parts.append(f"running {format_duration(state.running_for(st.activated_at, now))}")
            over = state.step_overdue(step.id, now)
            if over:
                parts.append(f"OVERDUE by {format_duration(over)}")
        if st.status == "skipped":
            parts.append(f"skipped: {single_line(st.skip_reason or '')}")
        if st.status == "done" and st.finished_at:
            drill = drill_state(state)
            when = local_hms(st.finished_at)
            if drill is not None:  # the exercise time, with the wall time beside it
                when = f"at exercise {format_clock(drill.exercise_time(st.finished_at))} ({when})"
            parts.append(f"done {when} by {visible(st.actor or '')}")
        if st.visits > 1:
            parts.append(f"visit {st.visits}")
        text = Text(" · ".join(parts), style="bold yellow" if "OVERDUE" in str(parts) else "")
        if not step.decision:  # a decision's conflicts are under its options
            for clash in state.conflicts:
                if clash.step == step.id:
                    text.append_text(literal(f"\n{clash.text}", "bold red"))
        update(meta, text)

    @on(OptionList.OptionSelected, "#checklist")
    def _item_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.ItemChosen(self, int(event.option.id)))
