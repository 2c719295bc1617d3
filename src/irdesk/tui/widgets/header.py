"""The incident's header: id, title, severity, status, time since the declaration, who
holds which role, the milestones reached; in a drill, the exercise clock too."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from irdesk.domain.clock import local_hms
from irdesk.domain.durations import format_clock, format_duration
from irdesk.tui.safe import literal
from irdesk.tui.widgets.repaint import update

if TYPE_CHECKING:
    from irdesk.domain.fold import IncidentState


class IncidentHeader(Static):
    """Two lines (wrapped to at most four) at the top of the runner, drill and replay.

    ``exercise_clock`` adds the drill's exercise clock (reading, planned length, speed and
    whether it runs) to the first line.
    """

    DEFAULT_CSS = """
    IncidentHeader {
        height: auto;
        max-height: 4;
        background: $primary-background;
    }
    """

    def __init__(self, *, exercise_clock: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.exercise_clock = exercise_clock

    def show(self, state: IncidentState, now: datetime, *, actor: str | None = None) -> None:
        update(self, header_text(state, now, exercise_clock=self.exercise_clock, actor=actor))


def acting_as(actor: str, roles: dict[str, str]) -> Text:
    """Who this screen's actions are journaled under, with the roles they hold."""
    held = [role for role, holder in roles.items() if holder == actor]
    text = Text("as ", style="dim")
    text.append_text(literal(actor, "bold", single_line=True))
    if held:
        text.append(f" ({', '.join(held)})", style="dim")
    return text


def header_text(
    state: IncidentState,
    now: datetime,
    *,
    exercise_clock: bool = False,
    actor: str | None = None,
) -> Text:
    """Line 1: the incident and its clock (and who acts, on a screen that writes);
    line 2: roles and milestones. A narrow terminal wraps them rather than cut them."""
    head = Text()
    # the id, severity and status are read from a journal too: shown literally, as the title
    head.append_text(literal(f" {state.incident_id} ", "bold reverse", single_line=True))
    head.append(" ")
    head.append_text(literal(state.title, "bold", single_line=True))
    if state.mode == "drill":
        head.append("  DRILL", style="bold magenta")
    head.append_text(literal(f" · {state.severity} · {state.status} · ", single_line=True))
    head.append(format_clock(state.elapsed(now)))
    if exercise_clock:
        head.append_text(_exercise(state, now))
    if actor is not None:
        head.append("  ·  ")
        head.append_text(acting_as(actor, state.roles))
    roles = Text("\n ")
    holders = [f"{rid} {name}" for rid, name in state.roles.items()]
    roles.append_text(literal(" · ".join(holders) or "no roles assigned", single_line=True))
    reached = [f"{m.name} {local_hms(m.at)[:5]}" for m in state.ordered_milestones()]
    roles.append(" · milestones: " + (" · ".join(reached) or "none"), style="dim")
    for link in state.links:  # the ticket, the chat channel (irdesk link)
        roles.append(" · ")
        roles.append_text(literal(f"{link.label or 'link'} {link.url}", single_line=True))
    head.append_text(roles)
    return head


def _exercise(state: IncidentState, now: datetime) -> Text:
    """The exercise clock: its reading, the planned length, the speed, and whether it runs."""
    from irdesk.domain.drill import DESK_CLOSED, drill_state  # home needs none of it

    extra = Text()
    drill = drill_state(state)
    if drill is None:
        return extra
    extra.append("   exercise ", style="magenta")
    extra.append(format_clock(drill.exercise_elapsed(now)), style="bold magenta")
    if drill.planned:
        extra.append(f" / {format_duration(drill.planned)}", style="magenta")
    extra.append(f" · {drill.speed:g}x · ", style="magenta")
    if not drill.started:
        extra.append("NOT STARTED (P)", style="bold yellow")
    elif drill.ended:
        extra.append("ENDED", style="bold")
    elif drill.paused:
        closed = " (desk was closed)" if drill.pause_reason == DESK_CLOSED else ""
        extra.append(f"PAUSED{closed}", style="bold reverse yellow")
    else:
        extra.append("RUNNING", style="bold green")
    return extra
