"""Compose a report's sections (:mod:`irdesk.report.sections`) from its model: every
choice about what the report says is made here, once, for Markdown and HTML alike:
which sections appear, which rows each holds and in what order, the phrases, the
times and durations as the report writes them, the tone of each status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from irdesk.domain import review as _review
from irdesk.domain.events import MILESTONES
from irdesk.domain.models import END
from irdesk.report.format import (
    TIME_NOTE,
    exercise_clock,
    plural,
    span,
    utc,
    utc_minute,
)
from irdesk.report.model import (
    CarriedItem,
    DrillSection,
    EscalationRow,
    Evidence,
    ExpectationRow,
    ImprovementView,
    InjectRow,
    Report,
    StepVisit,
)
from irdesk.report.sections import (
    CarriedLine,
    ChartSection,
    DecisionLine,
    DefectLine,
    Defects,
    Drill,
    EscalationLine,
    EvidenceLine,
    Exercise,
    ExpectationLine,
    Finding,
    HotwashLine,
    ImprovementLine,
    InjectLine,
    Integrity,
    Masthead,
    MetricLine,
    Metrics,
    MilestoneLine,
    NoteGroup,
    ObjectiveAnalysis,
    People,
    PersonLine,
    Review,
    RoleChange,
    RoleLine,
    Section,
    SeverityLine,
    StepLine,
    Steps,
    Summary,
    Tile,
    Tiles,
    TimelineSection,
    TimerLine,
    Timers,
    Tone,
)


def build_sections(report: Report) -> tuple[Section, ...]:
    """The report's sections, in reading order (timers and drill only when there are)."""
    sections: list[Section] = [
        _masthead(report),
        _tiles(report),
        _summary(report),
    ]
    if report.drill is not None:
        sections.append(_exercise(report, report.drill))
    sections += [
        _people(report),
        _metrics(report),
        ChartSection(report.chart),
        _steps(report),
    ]
    if report.timers:
        sections.append(_timers(report))
    if report.defects:
        sections.append(_defects(report))
    if report.drill is not None:
        sections.append(_drill(report.drill))
    sections += [
        _after_action(report),
        _integrity(report),
        TimelineSection(
            plural(len(report.timeline), "entry", "entries"),
            report.timeline,
            report.flags,
            _left_out(report),
        ),
    ]
    return tuple(sections)


def _left_out(report: Report) -> str:
    n = report.counts.get("internal_left_out", 0)
    if not n:
        return ""
    return (
        f"{plural(n, 'entry', 'entries')} marked internal (notes for the team only, and "
        f"corrections of them) {'is' if n == 1 else 'are'} left out of this report; "
        "irdesk report --include-internal includes them."
    )


def _tone(ok: bool, checked: bool) -> Tone:
    return "good" if ok else ("bad" if checked else "warn")


def _masthead(report: Report) -> Masthead:
    o = report.overview
    return Masthead(
        report_kind=(
            "Drill after-action report and improvement plan" if o.is_drill else "Incident report"
        ),
        incident_id=o.incident_id,
        title=o.title,
        generated_at=utc(report.generated_at),
        generator=report.generator,
        time_note=TIME_NOTE,
        playbook_id=o.playbook_id,
        playbook_version=o.playbook_version,
        head=report.head,
        warning=report.chain.warning,
    )


def _tiles(report: Report) -> Tiles:
    o = report.overview
    metrics = {m.key: m for m in report.metrics}
    tiles = [
        Tile("Peak severity", o.peak_severity or o.severity, False),
        Tile("Status", o.status, False),
        Tile("Duration", span(o.duration) if o.duration is not None else "—", False),
    ]
    for key in ("time_to_detect", "time_to_acknowledge", "time_to_contain", "time_to_resolve"):
        m = metrics[key]
        tiles.append(Tile(m.label, m.short, m.value is None))
    over = sum(1 for v in report.visits if v.overrun)
    tiles.append(Tile("Steps over time", str(over), False))
    return Tiles(tuple(tiles))


def _summary(report: Report) -> Summary:
    o = report.overview
    return Summary(
        headline=report.headline,
        closing_summary=o.summary,
        review_summary=report.review.summary,
        incident_id=o.incident_id,
        mode="drill" if o.is_drill else "live incident",
        incident_title=o.title,
        severity=o.severity_text,
        severity_history=tuple(
            SeverityLine(utc(c.at), c.previous or "", c.severity, c.actor, c.reason)
            for c in o.severity_history
        )
        if len(o.severity_history) > 1
        else (),
        status=o.status,
        declared_at=utc(o.declared_at),
        declared_by=o.declared_by,
        closed_at=utc(o.closed_at) if o.closed_at else "",
        outcome=o.outcome,
        duration=span(o.duration),
        playbook_title=o.playbook_title,
        playbook_id=o.playbook_id,
        playbook_version=o.playbook_version,
        playbook_sha256=o.playbook_sha256,
        scenario_title=o.scenario_title or "",
        scenario_id=o.scenario_id or "",
        scenario_sha256=o.scenario_sha256 or "",
        entries=plural(o.entry_count, "entry", "entries"),
        chain=report.chain.text,
        chain_tone=_tone(report.chain.ok, report.chain.checked),
        links=tuple(f"{link.label or 'link'}: {link.url}" for link in o.links),
    )


def _people(report: Report) -> People:
    held = [r for r in report.roles if r.person or r.history]
    return People(
        roles=tuple(
            RoleLine(
                r.title,
                r.person or "nobody",
                tuple(RoleChange(utc(at), prev, to) for at, prev, to in r.history if to),
            )
            for r in held
        ),
        # A drill exercises some of the playbook's roles, not all: the ones nobody held
        # are no finding there.
        unassigned=()
        if report.drill is not None
        else tuple(r.title for r in report.roles if not r.person and not r.history),
        people=tuple(PersonLine(p.name, p.roles, f"{p.entries:,}") for p in report.people),
    )


def _metrics(report: Report) -> Metrics:
    recorded = {m.name for m in report.milestones}
    return Metrics(
        metrics=tuple(
            MetricLine(
                m.label,
                m.start,
                m.end,
                m.text,
                m.value is not None,
                "bad" if m.value is not None and m.value < timedelta(0) else "",
                m.backdated if m.value is not None else (),
            )
            for m in report.metrics
        ),
        milestones=tuple(
            MilestoneLine(
                m.name,
                utc(m.at),
                utc(m.recorded_at) if m.backdated else "",
                m.actor,
                m.via_step,
                m.backdate_reason,
            )
            for m in report.milestones
        ),
        missing=tuple(name for name in MILESTONES if name not in recorded),
    )


def _step_result(v: StepVisit) -> str:
    """What happened to a visit, in words (user text included raw)."""
    if v.status == "skipped":
        return f"skipped: {v.skip_reason or ''}"
    if v.status == "decided":
        return f"decided: {v.decision or ''}"
    if v.status == "done":
        return "done" if v.activated else "done out of order"
    return "not finished"


def _visit_actual(v: StepVisit, report: Report) -> str:
    """How long a visit took, on the timers' clock (the exercise clock in a drill)."""
    if not v.start_known:
        return "start not recorded"
    start, end = v.on_clock
    if end is None:
        end = report.chart.end
        return (
            f"{span(end - start)} so far"
            if report.chart.open_end
            else f"{span(end - start)}, unfinished"
        )
    return span(end - start)


def _unreached(report: Report, step_id: str) -> str:
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


def _steps(report: Report) -> Steps:
    rows: list[StepLine] = []
    for s in report.steps:
        expected = span(s.expected) if s.expected else "—"
        if not s.visits:
            rows.append(
                StepLine(
                    s.number,
                    s.title,
                    None,
                    s.phase,
                    expected,
                    False,
                    "—",
                    "",
                    _unreached(report, s.id),
                    None,
                    "",
                )
            )
            continue
        for v in s.visits:
            rows.append(
                StepLine(
                    s.number,
                    s.title,
                    v.visit if len(s.visits) > 1 else None,
                    s.phase,
                    expected,
                    True,
                    _visit_actual(v, report),
                    span(v.overrun) if v.overrun else "",
                    _step_result(v),
                    (s.checked, s.checklist) if s.checklist and v is s.visits[-1] else None,
                    v.actor or "",
                )
            )
    return Steps(
        rows=tuple(rows),
        decisions=tuple(
            DecisionLine(utc(v.end), s.title, v.decision or "", v.actor or "")
            for s, v in report.decisions
        ),
        evidence=tuple(EvidenceLine(s.title, e) for s, e in report.evidence),
    )


_TIMER_TONES: dict[str, Tone] = {
    "met": "good",
    "late": "bad",
    "lapsed": "bad",
    "acknowledged": "warn",
}


def _escalation(e: EscalationRow) -> EscalationLine:
    return EscalationLine(
        at=utc(e.at),
        timer=e.timer,
        level=f"{e.level}" + (f" (reminder {e.repeat})" if e.repeat else ""),
        notified=f"{e.role}: {', '.join(e.people) if e.people else 'nobody on the roster'}",
        notify=e.notify,
        acknowledged=bool(e.acknowledged_by),
        ack=(
            f"{e.acknowledged_by}, {utc(e.acknowledged_at)}"
            if e.acknowledged_by
            else "not acknowledged"
        ),
        late=_late(e),
    )


def _late(e: EscalationRow) -> str:
    """For one that fired late: when it was due, how late, and why (as its firer saw)."""
    if e.late_by is None or e.due_at is None:
        return ""
    text = f"due {utc(e.due_at)}: {span(e.late_by)} late"
    return text + (f"; {e.late_reason}" if e.late_reason else "")


def _defects(report: Report) -> Defects:
    return Defects(
        tuple(
            DefectLine(d.text, utc(d.opened_at), utc(d.closed_at) if d.closed_at else "")
            for d in report.defects
        )
    )


def _timers(report: Report) -> Timers:
    return Timers(
        exercise_clock=report.timers[0].clock == "exercise",
        timers=tuple(
            TimerLine(
                t.title,
                t.start,
                t.stop,
                span(t.within),
                t.when(t.started_at) or "—",
                t.when(t.deadline) or "—",
                t.state,
                _TIMER_TONES.get(t.state, ""),
                t.outcome,
            )
            for t in report.timers
        ),
        escalations=tuple(
            _escalation(e)
            for e in sorted((e for t in report.timers for e in t.escalations), key=lambda e: e.at)
        ),
    )


def _drill_clock(d: DrillSection) -> str:
    if d.started_at is None:
        return "The exercise clock was never started."
    text = f"Exercise clock started {utc(d.started_at)}"
    text += f", ended {utc(d.ended_at)}" if d.ended_at else ", not ended"
    text += f": {span(d.exercise_time)} of exercise time"
    if d.planned:
        text += f" ({span(d.planned)} planned)"
    return text + "."


def _inject_status(i: InjectRow) -> str:
    status = i.status + (" early" if i.early else "") + (" (free-form)" if i.added else "")
    if i.status == "skipped":
        status += f": {i.skip_reason or ''}" + (f", {i.skip_detail}" if i.skip_detail else "")
    return status


_RATING_TONES: dict[str, Tone] = {"P": "good", "S": "warn", "M": "bad", "U": "bad"}
_EXPECTATION_TONES: dict[str, Tone] = {"met": "good", "late": "warn", "missed": "bad"}


def _expectation_detail(occurred: timedelta | None, deadline: timedelta | None, why: str) -> str:
    detail = ""
    if occurred is not None:
        detail += f" at {exercise_clock(occurred)}"
    if deadline is not None:
        detail += f" (deadline {exercise_clock(deadline)})"
    if why:
        detail += f": {why}"
    return detail


def _drill(d: DrillSection) -> Drill:
    return Drill(
        clock=_drill_clock(d),
        injects=tuple(
            InjectLine(
                i.id,
                i.sender,
                _inject_status(i),
                utc(i.delivered_at),
                exercise_clock(i.exercise_at),
                i.acknowledged_by or None,
                utc(i.acknowledged_at),
            )
            for i in d.injects
        ),
        expectations=tuple(
            ExpectationLine(
                e.inject,
                e.event,
                span(e.within),
                e.objective or "",
                e.status,
                _EXPECTATION_TONES.get(e.status, ""),
                _expectation_detail(e.occurred_at, e.deadline, e.detail),
            )
            for e in d.expectations
        ),
        hotwash=tuple(
            HotwashLine(q.index + 1, q.question, tuple((a, who) for a, who, _at in q.answers))
            for q in d.hotwash
        ),
        feedback=tuple((f.participant, f.went_well, f.improve) for f in d.feedback),
    )


def _event_words(report: Report, ref: str) -> str:
    """An event reference as people read it: a step by its title, a milestone by name."""
    kind, _, rest = ref.partition(":")
    if kind == "step":
        step, _, state = rest.rpartition(":")
        return f"'{_step_title(report, step)}' {state}"
    if kind == "inject":
        return f"inject {rest} delivered"
    return f"'{ref}' recorded"


def _evidence(e: Evidence, what: str) -> str:
    clock = f", {exercise_clock(e.exercise_at)}" if e.exercise_at is not None else ""
    return f"entry {e.seq}, {utc(e.at)} UTC{clock}: {what}"


def _finding(report: Report, e: ExpectationRow) -> Finding:
    """An expectation as a strength (met) or an area for improvement (late, missed),
    with the entries it rests on."""
    event = _event_words(report, e.event)
    evidence = []
    if e.delivered is not None:
        evidence.append(_evidence(e.delivered, f"inject {e.inject} delivered"))
    if e.happened is not None:
        evidence.append(_evidence(e.happened, event))
    elif e.status == "missed":
        ended = report.drill is not None and report.drill.ended_at is not None
        evidence.append(
            f"no entry records {event} " + ("before the drill ended" if ended else "yet")
        )
    return Finding(
        f"{event} within {span(e.within)} of inject {e.inject}",
        e.status + _expectation_detail(e.occurred_at, e.deadline, e.detail),
        _EXPECTATION_TONES.get(e.status, ""),
        tuple(evidence),
    )


def _analysis(
    report: Report,
    expectations: Sequence[ExpectationRow],
    objective: str,
    text: str,
    rating: str | None,
    label: str,
    provisional: bool,
) -> ObjectiveAnalysis:
    """An objective's rating with its expectations sorted into strengths (met), areas
    for improvement (late, missed) and the rest (n/a, or not decided yet)."""
    findings = [(e.status, _finding(report, e)) for e in expectations]
    return ObjectiveAnalysis(
        objective,
        text,
        rating,
        _RATING_TONES.get(rating or "", ""),
        label,
        provisional,
        strengths=tuple(f for status, f in findings if status == "met"),
        areas=tuple(f for status, f in findings if status in ("late", "missed")),
        not_evaluated=tuple(f for status, f in findings if status not in ("met", "late", "missed")),
    )


def _exercise(report: Report, d: DrillSection) -> Exercise:
    o = report.overview
    if d.started_at is None:
        wall = "the exercise clock was never started"
    elif d.ended_at is None:
        wall = f"from {utc(d.started_at)} UTC, not ended"
    else:
        wall = f"{utc(d.started_at)} to {utc(d.ended_at)} UTC"
    exercise = f"{span(d.exercise_time)} of exercise time"
    if d.planned:
        exercise += f" ({span(d.planned)} planned)"
    exercise += f", {exercise_clock(timedelta(0))} to {exercise_clock(d.exercise_time)}"
    by_objective: dict[str, list[ExpectationRow]] = {}
    for e in d.expectations:
        by_objective.setdefault(e.objective or "", []).append(e)
    analyses = [
        _analysis(
            report,
            by_objective.get(r.objective, ()),
            r.objective,
            r.text,
            r.rating,
            r.label,
            r.provisional,
        )
        for r in d.ratings
    ]
    if by_objective.get(""):  # expectations linked to no objective: reported, not rated
        analyses.append(
            _analysis(
                report,
                by_objective[""],
                "",
                "Expectations linked to no objective",
                None,
                "not rated (no objective)",
                False,
            )
        )
    return Exercise(
        name=o.scenario_title or o.title,
        scenario_id=o.scenario_id or "",
        setting=d.scenario_summary,
        drill_id=o.incident_id,
        wall=wall,
        exercise=exercise,
        participants=_people(report).people,
        objectives=tuple(analyses),
        rating_rule=d.rating_rule,
    )


def _due(item: ImprovementView | CarriedItem) -> str:
    if item.due is None:
        return "no date"
    return item.due.isoformat() + (" (overdue)" if item.overdue else "")


def _improvement(i: ImprovementView) -> ImprovementLine:
    if i.status == "open":
        tone: Tone = "bad" if i.overdue else ""
    else:
        tone = "good" if i.status == "done" else ""
    return ImprovementLine(
        item=i.item,
        what=i.what,
        owner=i.owner,
        due=_due(i),
        overdue=i.overdue,
        step=i.step_title or i.step or "—",
        poete=i.poete or "—",
        issue=i.issue or "—",
        organization=i.organization or "—",
        start=i.start.isoformat() if i.start else "—",
        status=i.status,
        tone=tone,
        closed_at=utc_minute(i.closed_at) if i.status != "open" else "",
        closed_by=i.closed_by or "",
        note=i.note,
    )


def _step_title(report: Report, step: str | None) -> str:
    if not step:
        return "—"
    for s in report.steps:
        if s.id == step:
            return s.title
    return step


def _after_action(report: Report) -> Review:
    rv = report.review
    return Review(
        status=rv.status,
        saved_at=utc(rv.saved_at),
        saved_by=rv.saved_by or "",
        reopened_at=utc(rv.reopened_at),
        reopen_reason=rv.reopen_reason or "",
        root_cause=rv.root_cause,
        problem=rv.problem,
        whys=rv.whys,
        whys_lead_to=rv.whys_lead_to,
        notes=tuple(
            NoteGroup(heading, tuple(n.text for n in rv.notes.get(section, ())))
            for section, heading in _review.SECTIONS.items()
        ),
        improvements=tuple(_improvement(i) for i in rv.improvements),
        carried=tuple(
            CarriedLine(
                c.item,
                c.incident_id,
                c.incident_title,
                c.what,
                c.owner + (f" ({c.organization})" if c.organization else ""),
                _due(c),
                c.overdue,
                _step_title(report, c.step),
            )
            for c in report.carried
        ),
    )


def _integrity(report: Report) -> Integrity:
    c = report.chain
    return Integrity(
        checked=c.checked,
        text=c.text,
        tone=_tone(c.ok, c.checked),
        entries=plural(c.entries, "entry", "entries"),
        problems=c.problems,
        incident_id=report.overview.incident_id,
        head=report.head,
        head_seq=c.head_seq,
    )
