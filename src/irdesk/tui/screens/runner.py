"""The runner: one incident, step by step. What to do now, what is overdue, what just happened."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from irdesk.tui.screens.responder import Responder
from irdesk.tui.widgets.header import IncidentHeader
from irdesk.tui.widgets.step_panel import StepPanel
from irdesk.tui.widgets.steps import StepList
from irdesk.tui.widgets.timeline import Timeline
from irdesk.tui.widgets.timers import TimerPanel


class RunnerScreen(Responder):
    """A live incident: header, steps, the chosen step, timers and timeline. The keys and
    what keeps the view live are the responder's (:class:`Responder`)."""

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="incident-header")
        with Horizontal(id="runner-main"):
            yield StepList(id="steps")
            with Vertical(id="right"):
                yield StepPanel(id="now")
        yield TimerPanel(id="timers")
        yield Timeline(id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.start_live()
