"""The incident screens' layout: the header; the steps beside the chosen step (and what a
screen adds under it); the timers; the timeline. The runner, drill and replay screens
compose it with what each adds; the layout's sizes are in irdesk.tcss."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget

from irdesk.tui.widgets.header import IncidentHeader
from irdesk.tui.widgets.step_panel import StepPanel
from irdesk.tui.widgets.steps import StepList
from irdesk.tui.widgets.timeline import Timeline
from irdesk.tui.widgets.timers import TimerPanel


def incident_layout(
    *,
    under_step: Iterable[Widget] = (),
    exercise_clock: bool = False,
    timeline_title: str = "Timeline",
) -> ComposeResult:
    """The widgets of an incident screen, for its ``compose`` (``exercise_clock``: a
    drill's header and timers read the exercise clock)."""
    yield IncidentHeader(exercise_clock=exercise_clock, id="incident-header")
    with Horizontal(id="runner-main"):
        yield StepList(id="steps")
        with Vertical(id="right"):
            yield StepPanel(id="now")
            yield from under_step
    yield TimerPanel(exercise_time=exercise_clock, id="timers")
    yield Timeline(title=timeline_title, id="timeline")
