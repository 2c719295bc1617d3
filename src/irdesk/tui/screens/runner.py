"""The runner: one incident, step by step. What to do now, what is overdue, what just happened."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from irdesk.tui.screens.responder import Responder
from irdesk.tui.widgets.layout import incident_layout


class RunnerScreen(Responder):
    """A live incident: header, steps, the chosen step, timers and timeline. The keys and
    what keeps the view live are the responder's (:class:`Responder`)."""

    def compose(self) -> ComposeResult:
        yield from incident_layout()
        yield Footer()

    def on_mount(self) -> None:
        self.start_live()
