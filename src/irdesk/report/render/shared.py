"""Phrases the Markdown and HTML renderers both write (a step's result, a visit's time, an
inject's status...), so the two formats say the same thing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TextIO

from irdesk.domain import review as _review
from irdesk.domain.models import END
from irdesk.report.format import span, utc
from irdesk.report.model import (
    CarriedItem,
    DefectRow,
    DrillSection,
    EscalationRow,
    ImprovementView,
    InjectRow,
    Report,
    ReviewSection,
    StepVisit,
)


def step_result(v: StepVisit) -> str:
    """What happened to a visit, in words (user text included raw: callers escape)."""
    if v.status == "skipped":
        return f"skipped: {v.skip_reason or ''}"
    if v.status == "decided":
        return f"decided: {v.decision or ''}"
    if v.status == "done":
        return "done" if v.activated else "done out of order"
    return "not finished"


def visit_actual(v: StepVisit, report: Report) -> str:
    if not v.start_known:
        return "start not recorded"
    if v.end is None:
        end = report.chart.end
        return (
            f"{span(end - v.start)} so far"
            if report.chart.open_end
            else f"{span(end - v.start)}, unfinished"
        )
    return span(v.end - v.start)


def fired_text(e: EscalationRow) -> str:
    """When an escalation fired, and for a late one when it was due and why it was late."""
    text = utc(e.at)
    late = e.late_by
    if late is not None and e.due_at is not None:
        text += f" (due {utc(e.due_at)}: {span(late)} late"
        text += f"; {e.late_reason})" if e.late_reason else ")"
    return text


def defect_text(d: DefectRow) -> str:
    """A defect and how long it was open (``still open`` when it is)."""
    until = f"closed {utc(d.closed_at)}" if d.closed_at else "still open"
    return f"{d.text} (opened {utc(d.opened_at)}, {until})"


def escalation_who(e: EscalationRow) -> str:
    return f"{e.role}: {', '.join(e.people) if e.people else 'nobody on the roster'}"


def ack_text(e: EscalationRow) -> str:
    if e.acknowledged_by:
        return f"{e.acknowledged_by}, {utc(e.acknowledged_at)}"
    return "not acknowledged"


def due_text(item: ImprovementView | CarriedItem) -> str:
    if item.due is None:
        return "no date"
    return item.due.isoformat() + (" (overdue)" if item.overdue else "")


def inject_status(i: InjectRow) -> str:
    status = i.status + (" early" if i.early else "") + (" (free-form)" if i.added else "")
    if i.status == "skipped":
        status += f": {i.skip_reason or ''}" + (f", {i.skip_detail}" if i.skip_detail else "")
    return status


def unreached(report: Report, step_id: str) -> str:
    """Why a step has no visit: "not reached" when the path could still (or could, when
    the incident closed) lead to it from where it stands, else "not on the path taken"."""
    state = report.state
    if state is None or state.current is None:
        return "not on the path taken"
    playbook = state.playbook
    seen: set[str] = set()
    todo = [state.current]
    while todo:
        current = todo.pop()
        if current in seen or current == END:
            continue
        seen.add(current)
        try:
            step = playbook.step(current)
        except KeyError:
            continue
        if step.decision:
            todo.extend(option.next for option in step.decision)
        else:
            todo.append(playbook.next_after(current))
    return "not reached" if step_id in seen else "not on the path taken"


def step_title(report: Report, step: str | None) -> str:
    if not step:
        return "—"
    for s in report.steps:
        if s.id == step:
            return s.title
    return step


def drill_clock_text(d: DrillSection) -> str:
    if d.started_at is None:
        return "The exercise clock was never started."
    text = f"Exercise clock started {utc(d.started_at)}"
    text += f", ended {utc(d.ended_at)}" if d.ended_at else ", not ended"
    text += f": {span(d.exercise_time)} of exercise time"
    if d.planned:
        text += f" ({span(d.planned)} planned)"
    return text + "."


def whys_heading(rv: ReviewSection) -> str:
    return "Five whys" if rv.root_cause_method == _review.FIVE_WHYS else "Root cause"


def split_ts(ts: str) -> tuple[str, str]:
    """format_ts text → (date, time to the second)."""
    return ts[:10], ts[11:19]


def to_text(writer: Callable[[Report, TextIO], None], report: Report) -> str:
    buf = io.StringIO()
    writer(report, buf)
    return buf.getvalue()
