"""The report as one self-contained HTML page (its CSS inline, the chart an inline SVG),
every piece of user text escaped with :func:`~irdesk.report.escape.h`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TextIO

from irdesk.domain import review as _review
from irdesk.domain.events import MILESTONES
from irdesk.domain.incident import K
from irdesk.report.chart.svg import svg_chart
from irdesk.report.escape import h
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

_CSS = """
:root { --ink:#1a202c; --muted:#4a5568; --line:#e2e8f0; --soft:#f7fafc; --accent:#2b6cb0;
  --bad:#c53030; --warn:#b7791f; --good:#2f855a; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--ink); margin: 0; background: #fff; line-height: 1.45; font-size: 15px; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 32px 48px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
header.top .kind { text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
  color: var(--muted); font-weight: 600; }
h1 { font-size: 26px; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
.meta { color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px;
  margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
  background: var(--soft); }
.card .k { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.card .v { font-size: 20px; font-weight: 650; margin-top: 2px; }
.card .v.small { font-size: 15px; }
.headline p { margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; font-size: 13px; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.t, .t { font-variant-numeric: tabular-nums; white-space: nowrap; }
.u { white-space: pre-wrap; overflow-wrap: anywhere; }
table.kv th { width: 190px; background: none; color: var(--muted); font-size: 14px; }
.hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px;
  overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; background: var(--line); }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.badge.good { background: #c6f6d5; color: #22543d; }
.badge.bad { background: #fed7d7; color: #822727; }
.badge.warn { background: #feebc8; color: #7b341e; } .muted { color: var(--muted); }
.chart { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
.timeline td { font-size: 13px; padding: 4px 8px; }
ol.whys li { margin: 3px 0; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
  padding-top: 10px; }
@media print { main { padding: 0; max-width: none; } .chart { border: none; }
  tr, .card { page-break-inside: avoid; } h2 { page-break-after: avoid; } }
"""


def _badge(text: str, tone: str = "") -> str:
    return f'<span class="badge {tone}">{h(text)}</span>'


def _u(text: object) -> str:
    """User text in a span that keeps its line breaks."""
    return f'<span class="u">{h(text)}</span>'


def write_html(report: Report, out: TextIO) -> None:
    o = report.overview
    w = out.write
    kind = "Drill report" if o.is_drill else "Incident report"
    w('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w(
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
    )
    w(f"<title>{h(o.incident_id)}: {h(o.title)}</title>\n<style>{_CSS}</style>\n</head>\n")
    w('<body>\n<main>\n<header class="top">\n')
    w(f'<div class="kind">{kind} · {h(o.incident_id)}</div>\n<h1>{h(o.title)}</h1>\n')
    w(
        f'<div class="meta">Generated {utc(report.generated_at)} UTC by {h(report.generator)}. '
        f"{h(TIME_NOTE)}</div>\n</header>\n"
    )
    # key figures
    metrics = {m.key: m for m in report.metrics}
    cards = [
        ("Severity", o.severity, ""),
        ("Status", o.status, ""),
        ("Duration", span(o.duration) if o.duration is not None else "—", ""),
    ]
    for key in ("time_to_detect", "time_to_acknowledge", "time_to_contain", "time_to_resolve"):
        m = metrics[key]
        cards.append((m.label, m.short, "small" if m.value is None else ""))
    over = sum(1 for v in report.visits if v.overrun)
    cards.append(("Steps over time", str(over), ""))
    w('<section class="cards">\n')
    for k, v, cls in cards:
        w(f'<div class="card"><div class="k">{h(k)}</div><div class="v {cls}">{h(v)}</div></div>\n')
    w("</section>\n")
    w('<section class="headline">\n')
    for line in report.headline:
        w(f"<p>{h(line)}</p>\n")
    if o.summary:
        w(f"<p><strong>Closing summary:</strong> {_u(o.summary)}</p>\n")
    if report.review.summary:
        w(f"<p><strong>Review summary:</strong> {_u(report.review.summary)}</p>\n")
    w("</section>\n")
    _html_overview(report, w)
    _html_people(report, w)
    _html_metrics(report, w)
    w("<h2>Response chart</h2>\n")
    w(
        '<p class="muted">Each bar is one visit of a step, from when it started to when it was '
        "finished, over a lighter bar of the time the playbook expects it to take; red is time "
        "beyond that. Dashed lines are milestones. Long idle stretches are compressed "
        "(zigzag, labelled with the time they hide).</p>\n"
    )
    w(f'<div class="chart">{svg_chart(report)}</div>\n')
    _html_steps(report, w)
    _html_timers(report, w)
    if report.drill is not None:
        _html_drill(report, w)
    _html_review(report, w)
    _html_chain(report, w)
    _html_timeline(report, w)
    w(
        f"<footer>{h(o.incident_id)} · playbook {h(o.playbook_id)} v{h(o.playbook_version)} · "
        f'head hash <span class="hash">{h(report.chain.head_hash)}</span> · '
        f"{h(report.generator)}</footer>\n</main>\n</body>\n</html>\n"
    )


def _html_overview(report: Report, w: Callable[[str], Any]) -> None:
    o = report.overview
    w('<h2>Overview</h2>\n<table class="kv">\n')
    rows = [
        ("Incident", f"{h(o.incident_id)} ({'drill' if o.is_drill else 'live incident'})"),
        ("Title", _u(o.title)),
        ("Severity", h(o.severity)),
        ("Status", h(o.status)),
        ("Declared", f'<span class="t">{utc(o.declared_at)}</span> by {h(o.declared_by)}'),
        (
            "Closed",
            f'<span class="t">{utc(o.closed_at)}</span> (after {span(o.duration)})'
            if o.closed_at
            else f"not closed ({span(o.duration)} so far)",
        ),
        (
            "Playbook",
            f"{h(o.playbook_title)} (<code>{h(o.playbook_id)}</code> version "
            f"{h(o.playbook_version)})",
        ),
        ("Playbook SHA-256", f'<span class="hash">{h(o.playbook_sha256) or "unknown"}</span>'),
    ]
    if o.scenario_id:
        rows.append(("Scenario", f"{h(o.scenario_title or '')} (<code>{h(o.scenario_id)}</code>)"))
        if o.scenario_sha256:
            rows.append(("Scenario SHA-256", f'<span class="hash">{h(o.scenario_sha256)}</span>'))
    tone = "good" if report.chain.ok else ("bad" if report.chain.checked else "warn")
    rows.append(
        (
            "Journal",
            f"{plural(o.entry_count, 'entry', 'entries')}; {_badge(report.chain.text, tone)}",
        )
    )
    for k, v in rows:
        w(f"<tr><th>{h(k)}</th><td>{v}</td></tr>\n")
    w("</table>\n")


def _html_people(report: Report, w: Callable[[str], Any]) -> None:
    w(
        "<h2>People and roles</h2>\n<table>\n<tr><th>Role</th><th>Held by</th>"
        "<th>Changes</th></tr>\n"
    )
    for r in report.roles:
        if not r.person and not r.history:
            continue
        changes = "<br>".join(
            f'<span class="t">{utc(at)}</span> ' + (f"{h(prev)} → {h(to)}" if prev else h(to))
            for at, prev, to in r.history
            if to
        )
        w(f"<tr><td>{h(r.title)}</td><td>{h(r.person or 'nobody')}</td><td>{changes}</td></tr>\n")
    w("</table>\n")
    unassigned = [r.title for r in report.roles if not r.person and not r.history]
    if unassigned:
        w(f'<p class="muted">Roles nobody held: {h(", ".join(unassigned))}.</p>\n')
    if report.people:
        w('<table>\n<tr><th>Person</th><th>Roles</th><th class="num">Journal entries</th></tr>\n')
        for p in report.people:
            w(
                f"<tr><td>{h(p.name)}</td><td>{h(', '.join(p.roles)) or '—'}</td>"
                f'<td class="num">{p.entries:,}</td></tr>\n'
            )
        w("</table>\n")


def _html_metrics(report: Report, w: Callable[[str], Any]) -> None:
    w(
        "<h2>Milestones and metrics</h2>\n<table>\n<tr><th>Metric</th><th>Measured</th>"
        "<th>Time</th></tr>\n"
    )
    for m in report.metrics:
        if m.value is None:
            value = f'<span class="muted">{h(m.text)}</span>'
        elif m.value < timedelta(0):
            value = f'<span class="bad">{h(m.text)}</span>'
        else:
            value = f"<strong>{h(m.text)}</strong>"
        if m.backdated and m.value is not None:
            value += f' <span class="muted">(backdated: {h(", ".join(m.backdated))})</span>'
        w(f"<tr><td>{h(m.label)}</td><td>{h(m.start)} → {h(m.end)}</td><td>{value}</td></tr>\n")
    w("</table>\n")
    if report.milestones:
        w(
            "<table>\n<tr><th>Milestone</th><th>Occurred</th><th>Recorded</th><th>By</th>"
            "<th>How it is known</th></tr>\n"
        )
        for m in report.milestones:
            how = []
            if m.via_step:
                how.append(f"step {h(m.via_step)}")
            if m.backdate_reason:
                how.append(f"backdated: {_u(m.backdate_reason)}")
            w(
                f'<tr><td>{h(m.name)}</td><td class="t">{utc(m.at)}</td>'
                f'<td class="t">{utc(m.recorded_at) if m.backdated else ""}</td>'
                f"<td>{h(m.actor)}</td><td>{'; '.join(how)}</td></tr>\n"
            )
        w("</table>\n")
    recorded = {m.name for m in report.milestones}
    missing = [name for name in MILESTONES if name not in recorded]
    if missing:
        w(f'<p class="muted">Milestones not recorded: {h(", ".join(missing))}.</p>\n')


def _html_steps(report: Report, w: Callable[[str], Any]) -> None:
    w(
        '<h2>Steps</h2>\n<table>\n<tr><th class="num">#</th><th>Step</th><th>Phase</th>'
        "<th>Expected</th><th>Actual</th><th>Result</th><th>By</th></tr>\n"
    )
    for s in report.steps:
        expected = span(s.expected) if s.expected else "—"
        if not s.visits:
            why = unreached(report, s.id)
            w(
                f'<tr class="muted"><td class="num">{s.number}</td><td>{h(s.title)}</td>'
                f"<td>{h(s.phase)}</td><td>{expected}</td><td>—</td><td>{why}</td><td></td></tr>\n"
            )
            continue
        for v in s.visits:
            title = h(s.title) + (
                f' <span class="muted">(visit {v.visit})</span>' if len(s.visits) > 1 else ""
            )
            actual = h(visit_actual(v, report))
            if v.overrun:
                actual += f' <span class="badge bad">{h(span(v.overrun))} over</span>'
            result = _u(step_result(v))
            if s.checklist and v is s.visits[-1]:
                result += f' <span class="muted">· checklist {s.checked}/{s.checklist}</span>'
            w(
                f'<tr><td class="num">{s.number}</td><td>{title}</td><td>{h(s.phase)}</td>'
                f"<td>{expected}</td><td>{actual}</td><td>{result}</td>"
                f"<td>{h(v.actor or '')}</td></tr>\n"
            )
    w("</table>\n")
    decisions = report.decisions
    if decisions:
        w("<h3>Decisions taken</h3>\n<ul>\n")
        for s, v in decisions:
            w(
                f'<li><span class="t">{utc(v.end)}</span>: {h(s.title)} → '
                f"<strong>{h(v.decision or '')}</strong> ({h(v.actor or '')})</li>\n"
            )
        w("</ul>\n")
    evidence = report.evidence
    if evidence:
        w("<h3>Evidence recorded</h3>\n<ul>\n")
        for s, e in evidence:
            w(f"<li>{h(s.title)}: {_u(e)}</li>\n")
        w("</ul>\n")


def _html_timers(report: Report, w: Callable[[str], Any]) -> None:
    if not report.timers:
        return
    w("<h2>Timers and escalations</h2>\n")
    if report.timers[0].clock == "exercise":
        w(
            '<p class="muted">Timers of a drill run on the exercise clock (T+, pauses '
            "excluded).</p>\n"
        )
    w(
        "<table>\n<tr><th>Timer</th><th>Window</th>"
        "<th>Started</th><th>Deadline</th><th>Outcome</th></tr>\n"
    )
    tones = {"met": "good", "late": "bad", "lapsed": "bad", "acknowledged": "warn"}
    for t in report.timers:
        w(
            f"<tr><td>{h(t.title)}</td><td>{h(t.start)} → {h(t.stop)} within {span(t.within)}</td>"
            f'<td class="t">{t.when(t.started_at) or "—"}</td>'
            f'<td class="t">{t.when(t.deadline) or "—"}</td>'
            f"<td>{_badge(t.state, tones.get(t.state, ''))} {h(t.outcome)}</td></tr>\n"
        )
    w("</table>\n")
    fired = sorted((e for t in report.timers for e in t.escalations), key=lambda e: e.at)
    if fired:
        w(
            "<table>\n<tr><th>Fired</th><th>Timer</th><th>Level</th><th>Notified</th>"
            "<th>Acknowledged</th></tr>\n"
        )
        for e in fired:
            level = f"{e.level}" + (f" (reminder {e.repeat})" if e.repeat else "")
            notify = f'<br><span class="muted">notify {h(e.notify)}</span>' if e.notify else ""
            ack = (
                h(ack_text(e)) if e.acknowledged_by else '<span class="bad">not acknowledged</span>'
            )
            w(
                f'<tr><td class="t">{h(fired_text(e))}</td><td>{h(e.timer)}</td><td>{level}</td>'
                f"<td>{h(escalation_who(e))}{notify}</td><td>{ack}</td></tr>\n"
            )
        w("</table>\n")
    else:
        w('<p class="muted">No escalation fired.</p>\n')
    if report.defects:
        w("<p>Readiness defects open while it ran (<code>irdesk defects</code>):</p>\n<ul>\n")
        w("".join(f"<li>{h(defect_text(d))}</li>\n" for d in report.defects) + "</ul>\n")


def _html_drill(report: Report, w: Callable[[str], Any]) -> None:
    d = report.drill
    assert d is not None
    w("<h2>Drill</h2>\n")
    w(f"<p>{h(drill_clock_text(d))}</p>\n")
    tones = {"P": "good", "S": "warn", "M": "bad", "U": "bad"}
    if d.ratings:
        w(
            "<h3>Objectives</h3>\n<table>\n<tr><th>Objective</th><th>Rating</th>"
            '<th class="num">Met</th><th class="num">Late</th><th class="num">Missed</th>'
            '<th class="num">n/a</th></tr>\n'
        )
        for r in d.ratings:
            rating = (
                _badge(r.rating, tones.get(r.rating, "")) + " " + h(r.label)
                if r.rating
                else h(r.label)
            )
            if r.provisional:
                rating += ' <span class="muted">(provisional)</span>'
            w(
                f"<tr><td><strong>{h(r.objective)}</strong>: {h(r.text)}</td><td>{rating}</td>"
                f'<td class="num">{r.met}</td><td class="num">{r.late}</td>'
                f'<td class="num">{r.missed}</td><td class="num">{r.void}</td></tr>\n'
            )
        w("</table>\n")
        w(f'<p class="muted u">{h(d.rating_rule)}</p>\n')
    if d.injects:
        w(
            "<h3>Injects</h3>\n<table>\n<tr><th>Inject</th><th>From</th><th>Status</th>"
            "<th>Wall time</th><th>Exercise time</th><th>Acknowledged</th></tr>\n"
        )
        for i in d.injects:
            status = inject_status(i)
            ack = f"{h(i.acknowledged_by)}, {utc(i.acknowledged_at)}" if i.acknowledged_by else ""
            w(
                f"<tr><td>{h(i.id)}</td><td>{h(i.sender)}</td><td>{_u(status)}</td>"
                f'<td class="t">{utc(i.delivered_at)}</td>'
                f'<td class="t">{exercise_clock(i.exercise_at)}</td><td>{ack}</td></tr>\n'
            )
        w("</table>\n")
    if d.expectations:
        tone = {"met": "good", "late": "warn", "missed": "bad"}
        w(
            "<h3>Expectations</h3>\n<table>\n<tr><th>Inject</th><th>Expected event</th>"
            "<th>Within</th><th>Objective</th><th>Outcome</th></tr>\n"
        )
        for e in d.expectations:
            detail = ""
            if e.occurred_at is not None:
                detail += f" at {exercise_clock(e.occurred_at)}"
            if e.deadline is not None:
                detail += f" (deadline {exercise_clock(e.deadline)})"
            if e.detail:
                detail += f": {e.detail}"
            w(
                f"<tr><td>{h(e.inject)}</td><td>{h(e.event)}</td><td>{span(e.within)}</td>"
                f"<td>{h(e.objective or '')}</td><td>{_badge(e.status, tone.get(e.status, ''))}"
                f"{h(detail)}</td></tr>\n"
            )
        w("</table>\n")
    if d.hotwash:
        w("<h3>Hot wash</h3>\n<ol>\n")
        for q in d.hotwash:
            w(f"<li><strong>{h(q.question)}</strong><ul>\n")
            if not q.answers:
                w('<li class="muted">(no answer recorded)</li>\n')
            for answer, actor, _at in q.answers:
                w(f'<li>{_u(answer)} <span class="muted">({h(actor)})</span></li>\n')
            w("</ul></li>\n")
        w("</ol>\n")


def _html_review(report: Report, w: Callable[[str], Any]) -> None:
    rv = report.review
    w("<h2>After-action review</h2>\n")
    if rv.status == "saved":
        w(f"<p>{_badge('saved', 'good')} {utc(rv.saved_at)} by {h(rv.saved_by or '')}</p>\n")
    elif rv.status == "draft":
        text = "draft, not saved"
        if rv.reopened_at:
            text += f"; reopened {utc(rv.reopened_at)}: {rv.reopen_reason or ''}"
        w(f"<p>{_badge('draft', 'warn')} {h(text)}</p>\n")
    else:
        w(f"<p>{_badge('no review', 'warn')} No review recorded yet.</p>\n")
    w(f"<h3>{whys_heading(rv)}</h3>\n")
    if rv.whys:
        w('<ol class="whys">\n')
        for why in rv.whys:
            w(f"<li>{_u(why)}</li>\n")
        w("</ol>\n")
        if rv.root_cause:
            w(f"<p><strong>Root cause:</strong> {_u(rv.root_cause)}</p>\n")
    elif rv.root_cause:
        w(f"<p>{_u(rv.root_cause)}</p>\n")
    else:
        w(f'<p class="muted">{NOT_RECORDED.capitalize()}.</p>\n')
    for section, heading in _review.SECTIONS.items():
        notes = rv.notes.get(section, ())
        w(f"<h3>{h(heading)}</h3>\n")
        if not notes:
            w('<p class="muted">Nothing recorded.</p>\n')
            continue
        w("<ul>\n")
        for note in notes:
            w(f"<li>{_u(note.text)}</li>\n")
        w("</ul>\n")
    w("<h3>Improvement plan</h3>\n")
    if rv.improvements:
        w(
            "<table>\n<tr><th>ID</th><th>What</th><th>Owner</th><th>Due</th><th>Step</th>"
            "<th>POETE</th><th>Status</th></tr>\n"
        )
        for i in rv.improvements:
            if i.status == "open":
                status = _badge("open", "bad" if i.overdue else "")
            else:
                status = (
                    _badge(i.status, "good" if i.status == "done" else "")
                    + f" {utc_minute(i.closed_at)} ({h(i.closed_by or '')})"
                    + (f": {_u(i.note)}" if i.note else "")
                )
            due = h(due_text(i))
            if i.overdue:
                due = f'<span class="bad">{due}</span>'
            w(
                f'<tr><td class="t">{h(i.item)}</td><td>{_u(i.what)}</td><td>{h(i.owner)}</td>'
                f'<td class="t">{due}</td><td>{h(i.step_title or i.step or "—")}</td>'
                f"<td>{h(i.poete or '—')}</td><td>{status}</td></tr>\n"
            )
        w("</table>\n")
    else:
        w('<p class="muted">No improvement items.</p>\n')
    if report.carried:
        w(
            "<h3>Still open from earlier incidents on this playbook</h3>\n<table>\n<tr><th>ID</th>"
            "<th>From</th><th>What</th><th>Owner</th><th>Due</th><th>Step</th></tr>\n"
        )
        for c in report.carried:
            due = h(due_text(c))
            if c.overdue:
                due = f'<span class="bad">{due}</span>'
            w(
                f'<tr><td class="t">{h(c.item)}</td><td>{h(c.incident_id)}: '
                f"{h(c.incident_title)}</td><td>{_u(c.what)}</td><td>{h(c.owner)}</td>"
                f'<td class="t">{due}</td><td>{h(step_title(report, c.step))}</td></tr>\n'
            )
        w("</table>\n")


def _html_chain(report: Report, w: Callable[[str], Any]) -> None:
    c = report.chain
    w("<h2>Journal integrity</h2>\n")
    tone = "good" if c.ok else ("bad" if c.checked else "warn")
    checked = f" ({plural(c.entries, 'entry', 'entries')} checked)" if c.checked else ""
    w(f"<p>{_badge(c.text, tone)}{checked}</p>\n")
    if c.problems:
        w("<ul>\n" + "".join(f"<li>{h(p)}</li>\n" for p in c.problems) + "</ul>\n")
    w(
        f'<p>Head hash (SHA-256 of the last entry): <span class="hash">'
        f"{h(c.head_hash) or 'none'}</span></p>\n"
    )
    w(
        f'<p class="muted">To check: <code>irdesk verify</code> on the journal must list '
        f"{h(report.overview.incident_id)} with this head hash.</p>\n"
    )


def _html_timeline(report: Report, w: Callable[[str], Any]) -> None:
    tl = report.timeline
    w(
        f'<h2>Timeline</h2>\n<p class="muted">Every journal entry '
        f"({plural(len(tl), 'entry', 'entries')}). <em>Recorded</em> is shown when an entry was "
        "written later than it happened.</p>\n"
    )
    w(
        '<table class="timeline">\n<tr><th class="num">#</th><th>Occurred</th><th>Recorded</th>'
        "<th>Who</th><th>Kind</th><th>What</th></tr>\n"
    )
    last_day = ""
    corrected = tl.corrected_by
    esc = h
    for row in tl:
        day, clock = split_ts(row.occurred_at)
        occurred = clock if day == last_day else f"{day} {clock}"
        last_day = day
        recorded = ""
        if row.recorded_at:
            rday, rclock = split_ts(row.recorded_at)
            recorded = rclock if rday == day else f"{rday} {rclock}"
        text = esc(row.text)
        if row.backdate_reason and row.kind != K.MILESTONE:
            text += f" (backdated: {esc(row.backdate_reason)})"
        if row.seq in corrected:
            text += " <em>(corrected by entry " + ", ".join(map(str, corrected[row.seq])) + ")</em>"
        who = esc(row.actor) + (f" ({esc(row.role)})" if row.role else "")
        w(
            f'<tr><td class="num">{row.seq}</td><td class="t">{occurred}</td>'
            f'<td class="t">{recorded}</td><td>{who}</td><td>{esc(row.label)}</td>'
            f'<td class="u">{text}</td></tr>\n'
        )
    w("</table>\n")


def to_html(report: Report) -> str:
    return to_text(write_html, report)
