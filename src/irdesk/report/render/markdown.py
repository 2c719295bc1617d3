"""The report as Markdown: every piece of user text escaped with
:func:`~irdesk.report.escape.md`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TextIO

from irdesk.domain import review as _review
from irdesk.domain.events import MILESTONES
from irdesk.domain.incident import K
from irdesk.report.chart.text import text_chart
from irdesk.report.escape import md
from irdesk.report.format import (
    NOT_RECORDED,
    TIME_NOTE,
    exercise_clock,
    plural,
    span,
    utc,
    utc_minute,
)
from irdesk.report.model import Report
from irdesk.report.render.shared import (
    ack_text,
    defect_text,
    drill_clock_text,
    due_text,
    escalation_who,
    fired_text,
    inject_status,
    split_ts,
    step_result,
    step_title,
    to_text,
    unreached,
    visit_actual,
    whys_heading,
)
from irdesk.text import visible


def write_markdown(report: Report, out: TextIO) -> None:
    o = report.overview
    w = out.write
    kind = "Drill report" if o.is_drill else "Incident report"
    w(f"# {md(o.incident_id)}: {md(o.title)}\n\n")
    w(
        f"*{kind}, generated {utc(report.generated_at)} UTC by {md(report.generator)}. "
        f"{TIME_NOTE}*\n\n"
    )
    w("## Summary\n\n")
    for line in report.headline:
        w(f"{md(line)}\n")
    w("\n")
    rows = [
        ("Incident", f"{md(o.incident_id)} ({'drill' if o.is_drill else 'live incident'})"),
        ("Title", md(o.title)),
        ("Severity", md(o.severity)),
        ("Status", md(o.status)),
        ("Declared", f"{utc(o.declared_at)} by {md(o.declared_by)}"),
        (
            "Closed",
            f"{utc(o.closed_at)} (after {span(o.duration)})"
            if o.closed_at
            else f"not closed ({span(o.duration)} so far)",
        ),
        (
            "Playbook",
            f"{md(o.playbook_title)} (`{md(o.playbook_id)}` version {md(o.playbook_version)})",
        ),
        ("Playbook SHA-256", f"`{md(o.playbook_sha256)}`" if o.playbook_sha256 else "unknown"),
    ]
    if o.scenario_id:
        rows.append(("Scenario", f"{md(o.scenario_title or '')} (`{md(o.scenario_id)}`)"))
        if o.scenario_sha256:
            rows.append(("Scenario SHA-256", f"`{md(o.scenario_sha256)}`"))
    rows.append(
        ("Journal", f"{plural(o.entry_count, 'entry', 'entries')}; chain {md(report.chain.text)}")
    )
    w("| | |\n|---|---|\n")
    for key, value in rows:
        w(f"| {key} | {value} |\n")
    w("\n")
    _md_closing(report, w)
    _md_people(report, w)
    _md_metrics(report, w)
    _md_chart(report, w)
    _md_steps(report, w)
    _md_timers(report, w)
    if report.drill is not None:
        _md_drill(report, w)
    _md_review(report, w)
    _md_chain(report, w)
    _md_timeline(report, w)


def _md_closing(report: Report, w: Callable[[str], Any]) -> None:
    rv = report.review
    if report.overview.summary:
        w(f"**Closing summary:** {md(report.overview.summary)}\n\n")
    if rv.summary:
        w(f"**Review summary:** {md(rv.summary)}\n\n")


def _md_people(report: Report, w: Callable[[str], Any]) -> None:
    w("## People and roles\n\n| Role | Held by | Changes |\n|---|---|---|\n")
    for r in report.roles:
        if not r.person and not r.history:
            continue
        changes = "; ".join(
            f"{utc(at)} {md(prev)} → {md(to)}" if prev else f"{utc(at)} {md(to)}"
            for at, prev, to in r.history
            if to
        )
        w(f"| {md(r.title)} | {md(r.person or 'nobody')} | {changes} |\n")
    unassigned = [r.title for r in report.roles if not r.person and not r.history]
    w("\n")
    if unassigned:
        w(f"Roles nobody held: {', '.join(md(t) for t in unassigned)}.\n\n")
    if report.people:
        w("| Person | Roles | Journal entries |\n|---|---|---:|\n")
        for p in report.people:
            w(f"| {md(p.name)} | {', '.join(md(r) for r in p.roles) or '—'} | {p.entries:,} |\n")
        w("\n")


def _md_metrics(report: Report, w: Callable[[str], Any]) -> None:
    w("## Milestones and metrics\n\n| Metric | Measured | Time |\n|---|---|---|\n")
    for m in report.metrics:
        note = (
            f" (backdated: {', '.join(m.backdated)})" if m.backdated and m.value is not None else ""
        )
        w(f"| {m.label} | {m.start} → {m.end} | {md(m.text)}{note} |\n")
    w("\n")
    if report.milestones:
        w("| Milestone | Occurred | Recorded | By | How it is known |\n|---|---|---|---|---|\n")
        for m in report.milestones:
            recorded = utc(m.recorded_at) if m.backdated else ""
            how = []
            if m.via_step:
                how.append(f"step {md(m.via_step)}")
            if m.backdate_reason:
                how.append(f"backdated: {md(m.backdate_reason)}")
            w(f"| {m.name} | {utc(m.at)} | {recorded} | {md(m.actor)} | {'; '.join(how)} |\n")
        w("\n")
    missing = [name for name in MILESTONES if name not in {m.name for m in report.milestones}]
    if missing:
        w(f"Milestones not recorded: {', '.join(missing)}.\n\n")


def _md_fence(lines: list[str]) -> tuple[str, str]:
    longest = max((len(m) for line in lines for m in re.findall(r"`+|~+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return fence, fence


def _md_chart(report: Report, w: Callable[[str], Any]) -> None:
    w("## Response chart\n\n")
    lines = text_chart(report, 110)
    opening, closing = _md_fence(lines)
    w(f"{opening}text\n")
    for line in lines:
        w(visible(line) + "\n")
    w(f"{closing}\n\n")


def _md_steps(report: Report, w: Callable[[str], Any]) -> None:
    w("## Steps\n\n")
    w("| # | Step | Phase | Expected | Actual | Result | By |\n|---:|---|---|---|---|---|---|\n")
    for s in report.steps:
        expected = span(s.expected) if s.expected else "—"
        if not s.visits:
            w(
                f"| {s.number} | {md(s.title)} | {md(s.phase)} | {expected} | — | "
                f"{unreached(report, s.id)}"
                f" | |\n"
            )
            continue
        for v in s.visits:
            title = md(s.title) + (f" (visit {v.visit})" if len(s.visits) > 1 else "")
            actual = visit_actual(v, report)
            if v.overrun:
                actual += f", **{span(v.overrun)} over**"
            result = md(step_result(v))
            if s.checklist and v is s.visits[-1]:
                result += f"; checklist {s.checked}/{s.checklist}"
            w(
                f"| {s.number} | {title} | {md(s.phase)} | {expected} | {actual} | {result} | "
                f"{md(v.actor or '')} |\n"
            )
    w("\n")
    decisions = report.decisions
    if decisions:
        w("Decisions taken:\n\n")
        for s, v in decisions:
            w(f"- {utc(v.end)}: {md(s.title)} → **{md(v.decision or '')}** ({md(v.actor or '')})\n")
        w("\n")
    evidence = report.evidence
    if evidence:
        w("Evidence recorded:\n\n")
        for s, e in evidence:
            w(f"- {md(s.title)}: {md(e)}\n")
        w("\n")


def _md_timers(report: Report, w: Callable[[str], Any]) -> None:
    if not report.timers:
        return
    w("## Timers and escalations\n\n")
    if report.timers[0].clock == "exercise":
        w("Timers of a drill run on the exercise clock (T+, pauses excluded).\n\n")
    w("| Timer | Window | Started | Deadline | Outcome |\n|---|---|---|---|---|\n")
    for t in report.timers:
        w(
            f"| {md(t.title)} | {t.start} → {t.stop} within {span(t.within)} | "
            f"{t.when(t.started_at) or '—'} | {t.when(t.deadline) or '—'} | {md(t.outcome)} |\n"
        )
    w("\n")
    fired = [e for t in report.timers for e in t.escalations]
    if fired:
        w("| Fired | Timer | Level | Notified | Acknowledged |\n|---|---|---|---|---|\n")
        for e in sorted(fired, key=lambda e: e.at):
            level = f"{e.level}" + (f" (reminder {e.repeat})" if e.repeat else "")
            notify = f"; notify {md(e.notify)}" if e.notify else ""
            who = md(escalation_who(e)) + notify
            w(f"| {md(fired_text(e))} | {md(e.timer)} | {level} | {who} | {md(ack_text(e))} |\n")
        w("\n")
    else:
        w("No escalation fired.\n\n")
    if report.defects:
        w("Readiness defects open while it ran (`irdesk defects`):\n\n")
        for d in report.defects:
            w(f"- {md(defect_text(d))}\n")
        w("\n")


def _md_drill(report: Report, w: Callable[[str], Any]) -> None:
    d = report.drill
    assert d is not None
    w("## Drill\n\n")
    w(drill_clock_text(d) + "\n\n")
    if d.ratings:
        w(
            "### Objectives\n\n| Objective | Rating | Met | Late | Missed | n/a |\n"
            "|---|---|---:|---:|---:|---:|\n"
        )
        for r in d.ratings:
            rating = f"**{r.rating}**: {md(r.label)}" if r.rating else md(r.label)
            if r.provisional:
                rating += " (provisional)"
            w(
                f"| {md(r.objective)}: {md(r.text)} | {rating} | {r.met} | {r.late} | "
                f"{r.missed} | {r.void} |\n"
            )
        w("\n")
        w("How ratings are given: " + md(d.rating_rule.replace("\n", " ")) + "\n\n")
    if d.injects:
        w(
            "### Injects\n\n| Inject | From | Status | Wall time | Exercise time | "
            "Acknowledged |\n|---|---|---|---|---|---|\n"
        )
        for i in d.injects:
            status = inject_status(i)
            ack = f"{md(i.acknowledged_by)}, {utc(i.acknowledged_at)}" if i.acknowledged_by else ""
            w(
                f"| {md(i.id)} | {md(i.sender)} | {md(status)} | {utc(i.delivered_at)} | "
                f"{exercise_clock(i.exercise_at)} | {ack} |\n"
            )
        w("\n")
    if d.expectations:
        w(
            "### Expectations\n\n| Inject | Expected event | Within | Objective | Outcome |\n"
            "|---|---|---|---|---|\n"
        )
        for e in d.expectations:
            outcome = e.status
            if e.occurred_at is not None:
                outcome += f" at {exercise_clock(e.occurred_at)}"
            if e.deadline is not None:
                outcome += f" (deadline {exercise_clock(e.deadline)})"
            if e.detail:
                outcome += f": {e.detail}"
            w(
                f"| {md(e.inject)} | {md(e.event)} | {span(e.within)} | {md(e.objective or '')} "
                f"| {md(outcome)} |\n"
            )
        w("\n")
    if d.hotwash:
        w("### Hot wash\n\n")
        for q in d.hotwash:
            w(f"{q.index + 1}. **{md(q.question)}**\n")
            if not q.answers:
                w("   - (no answer recorded)\n")
            for answer, actor, _at in q.answers:
                w(f"   - {md(answer)} ({md(actor)})\n")
        w("\n")


def _md_review(report: Report, w: Callable[[str], Any]) -> None:
    rv = report.review
    w("## After-action review\n\n")
    if rv.status == "saved":
        w(f"Review saved {utc(rv.saved_at)} by {md(rv.saved_by or '')}.\n\n")
    elif rv.status == "draft":
        text = "Review in progress (draft, not saved)"
        if rv.reopened_at:
            text += f"; reopened {utc(rv.reopened_at)}: {md(rv.reopen_reason or '')}"
        w(text + ".\n\n")
    else:
        w("No review recorded yet.\n\n")
    w(f"### {whys_heading(rv)}\n\n")
    if rv.whys:
        for n, why in enumerate(rv.whys, 1):
            w(f"{n}. {md(why)}\n")
        w("\n")
        if rv.root_cause:
            w(f"**Root cause:** {md(rv.root_cause)}\n\n")
    elif rv.root_cause:
        w(f"{md(rv.root_cause)}\n\n")
    else:
        w(f"{NOT_RECORDED.capitalize()}.\n\n")
    for section, heading in _review.SECTIONS.items():
        notes = rv.notes.get(section, ())
        w(f"### {heading}\n\n")
        if not notes:
            w("Nothing recorded.\n\n")
            continue
        for note in notes:
            w(f"- {md(note.text)}\n")
        w("\n")
    w("### Improvement plan\n\n")
    if rv.improvements:
        w("| ID | What | Owner | Due | Step | POETE | Status |\n|---|---|---|---|---|---|---|\n")
        for i in rv.improvements:
            status = i.status
            if i.status != "open":
                status += f" {utc_minute(i.closed_at)} ({md(i.closed_by or '')})"
                if i.note:
                    status += f": {md(i.note)}"
            w(
                f"| {md(i.item)} | {md(i.what)} | {md(i.owner)} | {due_text(i)} | "
                f"{md(i.step_title or i.step or '—')} | {md(i.poete or '—')} | {status} |\n"
            )
        w("\n")
    else:
        w("No improvement items.\n\n")
    if report.carried:
        w("### Still open from earlier incidents on this playbook\n\n")
        w("| ID | From | What | Owner | Due | Step |\n|---|---|---|---|---|---|\n")
        for c in report.carried:
            w(
                f"| {md(c.item)} | {md(c.incident_id)}: {md(c.incident_title)} | {md(c.what)} | "
                f"{md(c.owner)} | {due_text(c)} | {md(step_title(report, c.step))} |\n"
            )
        w("\n")


def _md_chain(report: Report, w: Callable[[str], Any]) -> None:
    c = report.chain
    w("## Journal integrity\n\n")
    if c.checked:
        w(f"Hash chain {md(c.text)} ({plural(c.entries, 'entry', 'entries')} checked).\n\n")
    else:
        w("The hash chain was not verified for this report.\n\n")
    for p in c.problems:
        w(f"- {md(p)}\n")
    if c.problems:
        w("\n")
    w(f"Head hash (SHA-256 of the last entry): `{md(c.head_hash) or 'none'}`\n\n")
    w(
        f"To check: `irdesk verify` on the journal must list {md(report.overview.incident_id)} "
        "with this head hash.\n\n"
    )


def _md_timeline(report: Report, w: Callable[[str], Any]) -> None:
    tl = report.timeline
    w(
        f"## Timeline\n\nEvery journal entry ({plural(len(tl), 'entry', 'entries')}). "
        "*Recorded* is shown when an entry was written later than it happened.\n\n"
    )
    w("| # | Occurred | Recorded | Who | Kind | What |\n|---:|---|---|---|---|---|\n")
    last_day = ""
    corrected = tl.corrected_by
    for row in tl:
        day, clock = split_ts(row.occurred_at)
        occurred = clock if day == last_day else f"{day} {clock}"
        last_day = day
        recorded = ""
        if row.recorded_at:
            rday, rclock = split_ts(row.recorded_at)
            recorded = rclock if rday == day else f"{rday} {rclock}"
        text = md(row.text)
        if row.backdate_reason and row.kind != K.MILESTONE:
            text += f" (backdated: {md(row.backdate_reason)})"
        if row.seq in corrected:
            text += " (corrected by entry " + ", ".join(map(str, corrected[row.seq])) + ")"
        who = md(row.actor) + (f" ({md(row.role)})" if row.role else "")
        w(f"| {row.seq} | {occurred} | {recorded} | {who} | {md(row.label)} | {text} |\n")
    w("\n")


def to_markdown(report: Report) -> str:
    return to_text(write_markdown, report)
