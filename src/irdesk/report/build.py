"""Build a report from an incident's entries in one streaming pass: the same fold every
screen uses, step visits followed as the pointer moves, the timeline spooled as entries
stream past.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from irdesk.domain import drill as _drill
from irdesk.domain import review as _review
from irdesk.domain.checklist import Coverage
from irdesk.domain.clock import to_utc
from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import K, StepState
from irdesk.domain.metrics import measure
from irdesk.domain.models import Playbook, Scenario
from irdesk.report.format import join_words, plural, span, utc_minute
from irdesk.report.model import (
    Bar,
    CarriedItem,
    ChainStatus,
    Chart,
    DefectRow,
    DrillSection,
    EscalationRow,
    Evidence,
    ExpectationRow,
    FeedbackRow,
    HotwashRow,
    ImprovementView,
    InjectRow,
    Metric,
    MilestoneRow,
    NoteRow,
    Overview,
    Person,
    RatingRow,
    Report,
    ReviewSection,
    RoleHolder,
    StepRow,
    StepVisit,
    TimerRow,
)
from irdesk.report.timeline import SPOOL_IN_MEMORY, Timeline

SYSTEM_ACTOR = "system"


class _Visits:
    """Follows the step pointer during the fold and records every visit of every step."""

    FINISHING = (K.STEP_DONE, K.STEP_SKIPPED, K.DECIDED)

    def __init__(self, state: IncidentState) -> None:
        self.state = state
        self.open: dict[str, StepVisit] = {}
        self.by_step: dict[str, list[StepVisit]] = {}

    def _new(self, step_id: str, start: datetime, activated: bool) -> StepVisit:
        visits = self.by_step.setdefault(step_id, [])
        try:
            expected = self.state.playbook.step(step_id).within
        except KeyError:
            expected = None
        visit = StepVisit(
            step_id,
            len(visits) + 1,
            start,
            expected=expected,
            activated=activated,
            clock_start=self.state.timer_time(start),
        )
        visits.append(visit)
        return visit

    def after(self, entry: Entry, path_before: int) -> None:
        state = self.state
        if entry.kind in self.FINISHING:
            step_id = str(entry.payload.get("step"))
            st: StepState | None = state.steps.get(step_id)
            if st is not None and st.finished_seq == entry.seq:
                visit = self.open.pop(step_id, None)
                if visit is None:  # finished out of order (never activated)
                    visit = self._new(step_id, st.started_at or entry.occurred_at, False)
                visit.end = st.finished_at
                if st.finished_at is not None:
                    visit.clock_end = state.timer_time(st.finished_at)
                visit.actor = entry.actor
                if entry.kind == K.STEP_SKIPPED:
                    visit.status = "skipped"
                    visit.skip_reason = st.skip_reason
                elif entry.kind == K.DECIDED:
                    visit.status = "decided"
                    visit.decision = st.decision[1] if st.decision else None
                else:
                    visit.status = "done"
        for step_id in state.path[path_before:]:
            st = state.steps[step_id]
            self.open[step_id] = self._new(step_id, st.activated_at or entry.occurred_at, True)


def build_report(
    playbook: Playbook,
    entries: Iterable[Entry],
    *,
    now: datetime,
    scenario: Scenario | None = None,
    chain: ChainStatus | None = None,
    carried: Sequence[CarriedItem] = (),
    covered: Sequence[Coverage] = (),
    defects: Sequence[DefectRow] = (),
    generator: str = "irdesk",
    spool_limit: int = SPOOL_IN_MEMORY,
    include_internal: bool = False,
) -> Report:
    """Read an incident's entries once (in seq order) and build its report.

    ``playbook`` and ``scenario`` are the ones the incident ran with (kept in its first
    entry: see :func:`irdesk.services.incident.playbook_of`). ``chain`` is what verify said,
    ``carried`` the items still open from earlier incidents on the same playbook,
    ``defects`` the desk's defects that were open while it ran, ``now``
    the report's time (for an open incident: how long things have been running).
    Internal notes (for the team only), and corrections of them, are left out of the
    timeline unless ``include_internal``; ``counts["internal_left_out"]`` says how many.
    ``covered``: the scanned rules that cite this incident; they make its open detection
    improvement items count as done.
    """
    state = IncidentState(playbook, scenario)
    visits = _Visits(state)
    timeline = Timeline(spool_limit)
    entries_by: Counter[str] = Counter()
    roles_seen: dict[str, set[str]] = {}
    role_history: dict[str, list[tuple[datetime, str | None, str]]] = {}
    genesis: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    last_seq, last_hash = 0, ""
    closing_summary = ""
    closing_unfinished: list[Any] = []
    apply = state.apply
    add = timeline.add
    finishing = _Visits.FINISHING
    events = state.events
    event_seqs: dict[str, int] = {}  # each event: the entry that made it happen
    for entry in entries:
        if entry.seq <= state.last_seq:
            continue
        path_before = len(state.path)
        damaged = len(state.damaged)
        known = len(events)
        apply(entry)
        if len(events) != known:
            for ref in list(events)[known:]:
                event_seqs[ref] = entry.seq
        if len(state.damaged) > damaged and entry.damage is None:
            # the fold could not apply it as written: the report shows it as damaged too
            entry = replace(entry, damage=state.damaged[-1][1], payload={})
        kind = entry.kind
        if kind in finishing or len(state.path) != path_before:
            visits.after(entry, path_before)
        last_seq, last_hash = entry.seq, entry.hash
        entries_by[entry.actor] += 1
        if not include_internal and (
            entry.seq in state.internal_notes or entry.corrects in state.internal_notes
        ):
            counts["internal_left_out"] += 1  # for the team only: not in this report
            continue
        add(entry)
        if entry.role:
            roles_seen.setdefault(entry.actor, set()).update(entry.role.split(", "))
        if entry.backdate_reason is not None:
            counts["backdated"] += 1
        if kind == K.CORRECTION:
            counts["corrections"] += 1
        elif kind == K.NOTE:
            counts["notes"] += 1
        elif kind == K.CLOSED:
            closing_summary = str(entry.payload.get("summary") or "")
            closing_unfinished = entry.payload.get("unfinished") or []
        elif kind == K.MILESTONE:
            name = str(entry.payload.get("name"))
            if events.get(name) == entry.occurred_at:  # a milestone recorded again
                event_seqs[name] = entry.seq
        elif kind == K.DECLARED:
            genesis = entry.payload
            if entry.payload.get("commander"):
                role_history.setdefault("commander", []).append(
                    (entry.occurred_at, None, str(entry.payload["commander"]))
                )
        elif kind == K.ROLE:
            role, person = entry.payload.get("role"), entry.payload.get("person")
            if role:
                role_history.setdefault(str(role), []).append(
                    (entry.occurred_at, entry.payload.get("from"), str(person or ""))
                )
    counts["entries"] = state.entry_count

    overview = _overview(state, genesis, playbook, scenario, now, closing_summary)
    if state.closed:
        titles = {s.id: s.title for s in playbook.steps}
        overview = replace(
            overview,
            outcome=state.outcome,
            unfinished=tuple(titles.get(str(s), str(s)) for s in closing_unfinished),
        )
    end = state.closed_at if state.closed and state.closed_at else now
    steps = _steps(state, visits)
    chart = _chart(state, steps, end, open_end=not state.closed)
    review = _review_section(state, playbook, now, covered[0] if covered else None)
    report = Report(
        generated_at=now,
        generator=generator,
        overview=overview,
        headline=(),
        roles=_roles(state, playbook, role_history),
        people=_people(state, playbook, entries_by, roles_seen, role_history),
        milestones=tuple(
            MilestoneRow(m.name, m.at, m.recorded_at, m.actor, m.backdate_reason, m.via_step)
            for m in sorted(state.ordered_milestones(), key=lambda m: (m.at, m.seq))
        ),
        metrics=tuple(Metric(**vars(m)) for m in measure(state)),
        steps=steps,
        chart=chart,
        timers=_timers(state, now),
        drill=_drill_section(state, now, event_seqs),
        review=review,
        carried=tuple(carried),
        # the head of what this report read (verify may have seen more)
        chain=(chain if chain is not None else ChainStatus.unchecked()).at(last_seq, last_hash),
        timeline=timeline,
        counts=dict(counts),
        state=state,
        defects=tuple(defects),
        clashes=tuple(state.clashes),
    )
    report.headline = _headline(report)
    return report


def _overview(
    state: IncidentState,
    genesis: dict[str, Any],
    playbook: Playbook,
    scenario: Scenario | None,
    now: datetime,
    summary: str,
) -> Overview:
    end = state.closed_at if state.closed and state.closed_at else now
    duration = end - state.declared_at if state.declared_at else None
    return Overview(
        incident_id=state.incident_id,
        title=state.title,
        mode=state.mode,
        severity=state.severity,
        peak_severity=state.peak_severity,
        severity_history=tuple(state.severity_history),
        status=state.status,
        declared_at=state.declared_at,
        declared_by=state.declared_by,
        closed_at=state.closed_at if state.closed else None,
        duration=duration,
        summary=summary,
        playbook_id=str(genesis.get("playbook_id") or playbook.id),
        playbook_title=str(genesis.get("playbook_title") or playbook.title),
        playbook_version=str(genesis.get("playbook_version") or playbook.version),
        playbook_sha256=str(
            genesis.get("playbook_sha256") or (playbook.source.sha256 if playbook.source else "")
        ),
        scenario_id=genesis.get("scenario_id") or (scenario.id if scenario else None),
        scenario_title=genesis.get("scenario_title") or (scenario.title if scenario else None),
        scenario_sha256=genesis.get("scenario_sha256"),
        entry_count=state.entry_count,
        links=tuple(state.links),
    )


def _role_title(playbook: Playbook, role: str) -> str:
    try:
        return playbook.role(role).title
    except KeyError:
        return role


def _roles(
    state: IncidentState,
    playbook: Playbook,
    history: dict[str, list[tuple[datetime, str | None, str]]],
) -> tuple[RoleHolder, ...]:
    rows = []
    ids = [r.id for r in playbook.roles] + sorted(set(history) - {r.id for r in playbook.roles})
    for role in ids:
        rows.append(
            RoleHolder(
                role,
                _role_title(playbook, role),
                state.roles.get(role),
                tuple(history.get(role, ())),
            )
        )
    return tuple(rows)


def _people(
    state: IncidentState,
    playbook: Playbook,
    entries_by: Counter[str],
    roles_seen: dict[str, set[str]],
    history: dict[str, list[tuple[datetime, str | None, str]]],
) -> tuple[Person, ...]:
    held: dict[str, set[str]] = {}
    for role, changes in history.items():
        for _at, _from, person in changes:
            if person:
                held.setdefault(person, set()).add(role)
    for person, roles in roles_seen.items():
        held.setdefault(person, set()).update(roles)
    drill = _drill.drill_state(state)
    participants = set(drill.participants) if drill is not None else set()
    names = (set(entries_by) | set(held) | participants) - {SYSTEM_ACTOR}
    order = {r.id: n for n, r in enumerate(playbook.roles)}
    people = []
    for name in sorted(names, key=lambda n: (-entries_by.get(n, 0), n)):
        roles = sorted(held.get(name, ()), key=lambda r: (order.get(r, 99), r))
        people.append(
            Person(name, tuple(_role_title(playbook, r) for r in roles), entries_by.get(name, 0))
        )
    return tuple(people)


def _steps(state: IncidentState, visits: _Visits) -> tuple[StepRow, ...]:
    rows = []
    for number, step in enumerate(state.playbook.steps, 1):
        st = state.steps[step.id]
        evidence = tuple(t.evidence for _, t in sorted(st.ticks.items()) if t.evidence)
        rows.append(
            StepRow(
                id=step.id,
                number=number,
                title=step.title,
                phase=str(step.phase),
                role=step.role,
                expected=step.within,
                status=st.status,
                is_decision=step.is_decision,
                visits=tuple(visits.by_step.get(step.id, ())),
                checked=len(st.ticks),
                checklist=len(step.checklist),
                evidence=evidence,
            )
        )
    return tuple(rows)


def _chart(
    state: IncidentState, steps: Sequence[StepRow], end: datetime, *, open_end: bool
) -> Chart:
    # on the timers' clock: in a drill the exercise clock (pauses do not count)
    clock = state.timer_time
    end = clock(end)
    titles = {s.id: s.title for s in steps}
    bars = []
    for visit in sorted((v for s in steps for v in s.visits), key=lambda v: (v.start, v.step)):
        start, finished = visit.on_clock
        bars.append(
            Bar(
                visit.step,
                titles.get(visit.step, visit.step),
                visit.visit,
                start,
                finished if finished is not None else max(end, start),
                visit.end is not None,
                visit.expected,
                visit.status,
                visit.start_known,
            )
        )
    marks = tuple((m.name, clock(m.at)) for m in state.ordered_milestones())
    times = [b.start for b in bars] + [b.end for b in bars] + [at for _, at in marks]
    if state.declared_at is not None:
        times.append(state.declared_at)
    if not times:
        times = [end]
    start = min(times)
    stop = max(max(times), start + timedelta(minutes=1))
    origin = state.declared_at if "drill" in state.ext else None
    return Chart(start, stop, tuple(bars), marks, open_end, origin)


def _timers(state: IncidentState, now: datetime) -> tuple[TimerRow, ...]:
    # several runs (one per person) make one cell: "sent", or what failed
    runs: dict[int, list[str]] = {}
    for n in state.notifications:
        seq = n.get("escalation_seq")
        if isinstance(seq, int):
            who = f"{n['person']}: " if n.get("person") else ""
            runs.setdefault(seq, []).append(f"{who}{n['error']}" if n.get("error") else "")
    notify = {
        seq: "sent" if not any(found) else "failed: " + "; ".join(r for r in found if r)
        for seq, found in runs.items()
    }
    rows = []
    # in a drill, timers read the exercise clock (declared_at + exercise time)
    origin = state.declared_at if "drill" in state.ext else None
    for view in state.timers(now):
        timer = view.timer
        escalations = tuple(
            EscalationRow(
                e.timer,
                e.level,
                e.repeat,
                e.role,
                e.people,
                e.at,
                e.acknowledged_by,
                e.acknowledged_at,
                notify.get(e.seq, ""),
                e.due_at,
                e.late_reason,
                e.fired_by,
            )
            for e in view.escalations
        )
        by_close = view.state in ("met", "late") and state.event_time(timer.stop) is None
        rows.append(
            TimerRow(
                timer.id,
                timer.title,
                str(timer.start),
                str(timer.stop),
                timer.within,
                view.state,
                view.started_at,
                view.deadline,
                view.stopped_at,
                by_close,
                escalations,
                origin,
            )
        )
    return tuple(rows)


def _setting(scenario: Scenario | None) -> str:
    """The scenario's setting: the first paragraph of its summary (what follows is often
    meant for the facilitator)."""
    if scenario is None:
        return ""
    return scenario.summary.strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def _expectation_row(
    v: _drill.ExpectationView,
    drill: _drill.DrillState,
    state: IncidentState,
    event_seqs: Mapping[str, int],
) -> ExpectationRow:
    """An expectation with the entries its outcome rests on: the inject's delivery and
    the entry that recorded the expected event."""
    inject = drill.injects.get(v.inject)
    delivered = None
    if inject is not None and inject.delivered and inject.delivered_at is not None:
        delivered = Evidence(inject.seq, inject.delivered_at, inject.exercise_at)
    happened = None
    wall = state.events.get(v.event)
    if v.occurred_at is not None and wall is not None and v.event in event_seqs:
        happened = Evidence(event_seqs[v.event], wall, v.occurred_at)
    return ExpectationRow(
        v.inject,
        v.event,
        v.within,
        v.objective,
        v.status,
        v.deadline,
        v.occurred_at,
        _expectation_detail(v),
        delivered,
        happened,
    )


def _drill_section(
    state: IncidentState, now: datetime, event_seqs: Mapping[str, int]
) -> DrillSection | None:
    drill = _drill.drill_state(state)
    if drill is None:
        return None
    injects = tuple(
        InjectRow(
            v.state.id,
            v.state.sender,
            v.state.text,
            v.status,
            v.state.added,
            v.state.delivered_at,
            v.state.exercise_at,
            v.due_at,
            v.state.early,
            v.state.skip_reason,
            v.state.skip_detail,
            v.state.acknowledged_by,
            v.state.acknowledged_at,
        )
        for v in _drill.inject_views(state, now)
    )
    expectations = tuple(
        _expectation_row(v, drill, state, event_seqs) for v in _drill.expectation_views(state, now)
    )
    ratings = tuple(
        RatingRow(
            r.objective.id,
            r.objective.text,
            r.rating,
            r.label,
            r.met,
            r.late,
            r.missed,
            r.void,
            r.provisional,
        )
        for r in _drill.objective_ratings(state, now)
    )
    hotwash = tuple(
        HotwashRow(i, q, tuple((a.answer, a.actor, a.at) for a in drill.answers_to(i)))
        for i, q in enumerate(drill.questions)
    )
    return DrillSection(
        _setting(drill.scenario),
        drill.started_at,
        drill.ended_at,
        drill.ended_by,
        drill.exercise_elapsed(now),
        drill.planned,
        injects,
        expectations,
        ratings,
        hotwash,
        drill.hotwash_done,
        _drill.RATING_RULE,
        tuple(FeedbackRow(f.participant, f.went_well, f.improve, f.at) for f in drill.feedback),
    )


def _expectation_detail(v: _drill.ExpectationView) -> str:
    """Why an expectation stands as it does; a facilitator's mark says it was by hand."""
    if v.manual is None:
        return v.detail
    note = f": {v.manual.note}" if v.manual.note else ""
    return f"marked by hand by {v.manual.actor} (the rule said {v.automatic}){note}"


def _review_section(
    state: IncidentState, playbook: Playbook, now: datetime, covered: Coverage | None
) -> ReviewSection:
    r = _review.review_state(state)
    today = to_utc(now).date()
    titles = {s.id: s.title for s in playbook.steps}
    items = tuple(
        _improvement_view(
            i, titles, today, covered if i.is_open and i.kind == _review.DETECTION else None
        )
        for i in sorted(r.improvements.values(), key=lambda i: _review.item_number(i.item))
    )
    notes = {
        section: tuple(NoteRow(n.text, n.actor, n.at) for n in r.section(section))
        for section in _review.SECTIONS
    }
    rc, why = r.root_cause, r.five_whys
    return ReviewSection(
        status=r.status,
        saved_at=r.saved_at if r.saved else None,
        saved_by=r.saved_by if r.saved else None,
        summary=r.summary if r.saved else "",
        reopened_at=r.reopened_at,
        reopen_reason=r.reopen_reason,
        root_cause=rc.text if rc else "",
        root_cause_by=rc.actor if rc else None,
        problem=why.problem if why else "",
        whys=why.whys if why else (),
        whys_lead_to=why.text if why else "",
        whys_by=why.actor if why else None,
        notes=notes,
        improvements=items,
    )


def _improvement_view(
    i: _review.Improvement, titles: Mapping[str, str], today: date, covered: Coverage | None
) -> ImprovementView:
    """An item as the report shows it; an open detection item a scanned rule covers
    counts as done, since the scan first used that rule."""
    return ImprovementView(
        i.item,
        i.what,
        i.owner,
        i.due,
        i.step,
        titles.get(i.step or ""),
        i.poete,
        "done" if covered else i.status,
        False if covered else i.overdue(today),
        i.issue,
        i.organization,
        i.start,
        i.added_at,
        i.added_by,
        covered.since if covered else i.closed_at,
        "irdesk scan" if covered else i.closed_by,
        covered.text() if covered else i.close_note,
    )


def _headline(report: Report) -> tuple[str, ...]:
    o = report.overview
    lines = []
    what = "Drill" if o.is_drill else "Incident"
    when = f"declared {utc_minute(o.declared_at)} UTC by {o.declared_by}"
    if o.closed_at:
        lines.append(
            f"{what} {o.incident_id} ({o.severity_text}) was {when} and closed "
            f"{utc_minute(o.closed_at)} UTC, {span(o.duration)} later"
            + (f" ({o.outcome})." if o.outcome and o.outcome != "resolved" else ".")
        )
        if o.unfinished:
            steps = join_words([repr(t) for t in o.unfinished])
            lines.append(
                f"It was closed with {plural(len(o.unfinished), 'step')} unfinished: {steps}."
            )
    else:
        lines.append(
            f"{what} {o.incident_id} ({o.severity_text}) was {when}; it is still "
            f"{o.status} ({span(o.duration)} so far)."
        )
    metrics = {m.key: m for m in report.metrics}
    facts = []
    for key, words in (
        ("time_to_acknowledge", "acknowledged"),
        ("time_to_contain", "contained"),
        ("time_to_resolve", "resolved"),
    ):
        m = metrics[key]
        if m.value is not None and m.value >= timedelta(0):
            origin = "after declaration" if m.start == "declared" else "after detection"
            facts.append(f"{words} {span(m.value)} {origin}")
    if facts:
        clock = " (exercise time)" if o.is_drill else ""
        lines.append("It was " + ", ".join(facts) + clock + ".")
    unmeasured = [m for m in report.metrics if m.value is None]
    if unmeasured:
        absent = [name for name in MILESTONES if any(name in m.missing for m in unmeasured)]
        names = join_words([f"'{a}'" for a in absent], "or")
        what = join_words([m.label.lower() for m in unmeasured])
        lines.append(
            f"No {names} milestone was recorded, so {what} "
            f"{'is' if len(unmeasured) == 1 else 'are'} not measured."
        )
    finished = [v for v in report.visits if v.end is not None]
    over = [v for v in finished if v.overrun]
    skipped = [v for v in finished if v.status == "skipped"]
    steps_text = f"{plural(len(finished), 'step')} finished"
    if over:
        steps_text += (
            f", {len(over)} over its expected time"
            if len(over) == 1
            else f", {len(over)} over their expected time"
        )
    if skipped:
        steps_text += f", {len(skipped)} skipped"
    fired = sum(len(t.escalations) for t in report.timers)
    if fired:
        steps_text += f"; {plural(fired, 'escalation')} fired"
    lines.append(steps_text[0].upper() + steps_text[1:] + ".")
    titles = {s.id: s.title for s in report.steps}
    for clash in report.clashes:
        if clash.conflict:
            lines.append(f"On {titles.get(clash.step, clash.step)!r}: {clash.text}.")
    if report.drill is not None and report.drill.ratings:
        rated = ", ".join(f"{r.objective} {r.rating or '–'}" for r in report.drill.ratings)
        lines.append(f"Objective ratings: {rated}.")
    rv = report.review
    open_items = sum(1 for i in rv.improvements if i.status == "open")
    if rv.status == "empty":
        lines.append("No after-action review has been recorded yet.")
    else:
        state = "saved" if rv.status == "saved" else "a draft (not saved)"
        lines.append(
            f"The after-action review is {state}, with "
            f"{plural(len(rv.improvements), 'improvement item')} "
            f"({open_items} open)."
        )
    if report.carried:
        lines.append(
            f"{plural(len(report.carried), 'improvement item')} from earlier "
            f"incidents on this playbook {'is' if len(report.carried) == 1 else 'are'}"
            " still open."
        )
    return tuple(lines)
