"""The report as one self-contained HTML page (its CSS inline, the chart an inline SVG):
the sections of :mod:`irdesk.report.sections` laid out in HTML, every piece of user text
escaped with :func:`~irdesk.report.escape.h`. Nothing here decides what the report says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from irdesk.report.chart.svg import svg_chart
from irdesk.report.escape import h
from irdesk.report.format import NOT_RECORDED
from irdesk.report.model import Report
from irdesk.report.render.buffer import to_text
from irdesk.report.sections import (
    ChartSection,
    Drill,
    Integrity,
    Masthead,
    Metrics,
    People,
    Review,
    Steps,
    Summary,
    Tiles,
    TimelineSection,
    Timers,
    build_sections,
)

Write = Callable[[str], Any]

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
    w = out.write
    sections = build_sections(report)
    masthead = sections[0]
    assert isinstance(masthead, Masthead)
    for section in sections:
        _WRITERS[section.kind](section, w)
    s = masthead
    w(
        f"<footer>{h(s.incident_id)} · playbook {h(s.playbook_id)} v{h(s.playbook_version)} · "
        f'head hash <span class="hash">{h(s.head_hash)}</span> · '
        f"{h(s.generator)}</footer>\n</main>\n</body>\n</html>\n"
    )


def to_html(report: Report) -> str:
    return to_text(write_html, report)


def _masthead(s: Masthead, w: Write) -> None:
    w('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w(
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
    )
    w(f"<title>{h(s.incident_id)}: {h(s.title)}</title>\n<style>{_CSS}</style>\n</head>\n")
    w('<body>\n<main>\n<header class="top">\n')
    w(f'<div class="kind">{s.report_kind} · {h(s.incident_id)}</div>\n<h1>{h(s.title)}</h1>\n')
    w(
        f'<div class="meta">Generated {s.generated_at} UTC by {h(s.generator)}. '
        f"{h(s.time_note)}</div>\n</header>\n"
    )


def _tiles(s: Tiles, w: Write) -> None:
    w('<section class="cards">\n')
    for t in s.tiles:
        w(
            f'<div class="card"><div class="k">{h(t.label)}</div>'
            f'<div class="v {"small" if t.small else ""}">{h(t.value)}</div></div>\n'
        )
    w("</section>\n")


def _summary(s: Summary, w: Write) -> None:
    w('<section class="headline">\n')
    for line in s.headline:
        w(f"<p>{h(line)}</p>\n")
    if s.closing_summary:
        w(f"<p><strong>Closing summary:</strong> {_u(s.closing_summary)}</p>\n")
    if s.review_summary:
        w(f"<p><strong>Review summary:</strong> {_u(s.review_summary)}</p>\n")
    w("</section>\n")
    w(f'<h2>{s.facts_title}</h2>\n<table class="kv">\n')
    rows = [
        ("Incident", f"{h(s.incident_id)} ({s.mode})"),
        ("Title", _u(s.incident_title)),
        ("Severity", h(s.severity)),
        ("Status", h(s.status)),
        ("Declared", f'<span class="t">{s.declared_at}</span> by {h(s.declared_by)}'),
        (
            "Closed",
            f'<span class="t">{s.closed_at}</span> (after {s.duration})'
            if s.closed_at
            else f"not closed ({s.duration} so far)",
        ),
        (
            "Playbook",
            f"{h(s.playbook_title)} (<code>{h(s.playbook_id)}</code> version "
            f"{h(s.playbook_version)})",
        ),
        ("Playbook SHA-256", f'<span class="hash">{h(s.playbook_sha256) or "unknown"}</span>'),
    ]
    if s.scenario_id:
        rows.append(("Scenario", f"{h(s.scenario_title)} (<code>{h(s.scenario_id)}</code>)"))
        if s.scenario_sha256:
            rows.append(("Scenario SHA-256", f'<span class="hash">{h(s.scenario_sha256)}</span>'))
    rows.append(("Journal", f"{s.entries}; {_badge(s.chain, s.chain_tone)}"))
    for k, v in rows:
        w(f"<tr><th>{h(k)}</th><td>{v}</td></tr>\n")
    w("</table>\n")


def _people(s: People, w: Write) -> None:
    w(f"<h2>{s.title}</h2>\n<table>\n<tr><th>Role</th><th>Held by</th><th>Changes</th></tr>\n")
    for r in s.roles:
        changes = "<br>".join(
            f'<span class="t">{c.at}</span> '
            + (f"{h(c.before)} → {h(c.after)}" if c.before else h(c.after))
            for c in r.changes
        )
        w(f"<tr><td>{h(r.title)}</td><td>{h(r.held_by)}</td><td>{changes}</td></tr>\n")
    w("</table>\n")
    if s.unassigned:
        w(f'<p class="muted">Roles nobody held: {h(", ".join(s.unassigned))}.</p>\n')
    if s.people:
        w('<table>\n<tr><th>Person</th><th>Roles</th><th class="num">Journal entries</th></tr>\n')
        for p in s.people:
            w(
                f"<tr><td>{h(p.name)}</td><td>{h(', '.join(p.roles)) or '—'}</td>"
                f'<td class="num">{p.entries}</td></tr>\n'
            )
        w("</table>\n")


def _metrics(s: Metrics, w: Write) -> None:
    w(f"<h2>{s.title}</h2>\n<table>\n<tr><th>Metric</th><th>Measured</th><th>Time</th></tr>\n")
    for m in s.metrics:
        if not m.measured:
            value = f'<span class="muted">{h(m.text)}</span>'
        elif m.tone:
            value = f'<span class="{m.tone}">{h(m.text)}</span>'
        else:
            value = f"<strong>{h(m.text)}</strong>"
        if m.backdated:
            value += f' <span class="muted">(backdated: {h(", ".join(m.backdated))})</span>'
        w(f"<tr><td>{h(m.label)}</td><td>{h(m.start)} → {h(m.end)}</td><td>{value}</td></tr>\n")
    w("</table>\n")
    if s.milestones:
        w(
            "<table>\n<tr><th>Milestone</th><th>Occurred</th><th>Recorded</th><th>By</th>"
            "<th>How it is known</th></tr>\n"
        )
        for ms in s.milestones:
            how = []
            if ms.via_step:
                how.append(f"step {h(ms.via_step)}")
            if ms.backdate_reason:
                how.append(f"backdated: {_u(ms.backdate_reason)}")
            w(
                f'<tr><td>{h(ms.name)}</td><td class="t">{ms.at}</td>'
                f'<td class="t">{ms.recorded_at}</td>'
                f"<td>{h(ms.actor)}</td><td>{'; '.join(how)}</td></tr>\n"
            )
        w("</table>\n")
    if s.missing:
        w(f'<p class="muted">Milestones not recorded: {h(", ".join(s.missing))}.</p>\n')


def _chart(s: ChartSection, w: Write) -> None:
    w(f"<h2>{s.title}</h2>\n")
    w(
        '<p class="muted">Each bar is one visit of a step, from when it started to when it was '
        "finished, over a lighter bar of the time the playbook expects it to take; red is time "
        "beyond that. Dashed lines are milestones. Long idle stretches are compressed "
        "(zigzag, labelled with the time they hide).</p>\n"
    )
    w(f'<div class="chart">{svg_chart(s.chart)}</div>\n')


def _steps(s: Steps, w: Write) -> None:
    w(
        f'<h2>{s.title}</h2>\n<table>\n<tr><th class="num">#</th><th>Step</th><th>Phase</th>'
        "<th>Expected</th><th>Actual</th><th>Result</th><th>By</th></tr>\n"
    )
    for r in s.rows:
        if not r.reached:
            w(
                f'<tr class="muted"><td class="num">{r.number}</td><td>{h(r.title)}</td>'
                f"<td>{h(r.phase)}</td><td>{r.expected}</td><td>{r.actual}</td>"
                f"<td>{r.result}</td><td></td></tr>\n"
            )
            continue
        title = h(r.title) + (f' <span class="muted">(visit {r.visit})</span>' if r.visit else "")
        actual = h(r.actual)
        if r.overrun:
            actual += f' <span class="badge bad">{h(r.overrun)} over</span>'
        result = _u(r.result)
        if r.checklist:
            result += f' <span class="muted">· checklist {r.checklist[0]}/{r.checklist[1]}</span>'
        w(
            f'<tr><td class="num">{r.number}</td><td>{title}</td><td>{h(r.phase)}</td>'
            f"<td>{r.expected}</td><td>{actual}</td><td>{result}</td>"
            f"<td>{h(r.actor)}</td></tr>\n"
        )
    w("</table>\n")
    if s.decisions:
        w("<h3>Decisions taken</h3>\n<ul>\n")
        for d in s.decisions:
            w(
                f'<li><span class="t">{d.at}</span>: {h(d.step_title)} → '
                f"<strong>{h(d.option)}</strong> ({h(d.actor)})</li>\n"
            )
        w("</ul>\n")
    if s.evidence:
        w("<h3>Evidence recorded</h3>\n<ul>\n")
        for e in s.evidence:
            w(f"<li>{h(e.step_title)}: {_u(e.text)}</li>\n")
        w("</ul>\n")


def _timers(s: Timers, w: Write) -> None:
    w(f"<h2>{s.title}</h2>\n")
    if s.exercise_clock:
        w(
            '<p class="muted">Timers of a drill run on the exercise clock (T+, pauses '
            "excluded).</p>\n"
        )
    w(
        "<table>\n<tr><th>Timer</th><th>Window</th>"
        "<th>Started</th><th>Deadline</th><th>Outcome</th></tr>\n"
    )
    for t in s.timers:
        w(
            f"<tr><td>{h(t.title)}</td><td>{h(t.start)} → {h(t.stop)} within {t.within}</td>"
            f'<td class="t">{t.started_at}</td>'
            f'<td class="t">{t.deadline}</td>'
            f"<td>{_badge(t.state, t.tone)} {h(t.outcome)}</td></tr>\n"
        )
    w("</table>\n")
    if not s.escalations:
        w('<p class="muted">No escalation fired.</p>\n')
        return
    w(
        "<table>\n<tr><th>Fired</th><th>Timer</th><th>Level</th><th>Notified</th>"
        "<th>Acknowledged</th></tr>\n"
    )
    for e in s.escalations:
        notify = f'<br><span class="muted">notify {h(e.notify)}</span>' if e.notify else ""
        ack = h(e.ack) if e.acknowledged else f'<span class="bad">{h(e.ack)}</span>'
        w(
            f'<tr><td class="t">{e.at}</td><td>{h(e.timer)}</td><td>{e.level}</td>'
            f"<td>{h(e.notified)}{notify}</td><td>{ack}</td></tr>\n"
        )
    w("</table>\n")


def _drill(s: Drill, w: Write) -> None:
    w(f"<h2>{s.title}</h2>\n")
    w(f"<p>{h(s.clock)}</p>\n")
    if s.ratings:
        w(
            "<h3>Objectives</h3>\n<table>\n<tr><th>Objective</th><th>Rating</th>"
            '<th class="num">Met</th><th class="num">Late</th><th class="num">Missed</th>'
            '<th class="num">n/a</th></tr>\n'
        )
        for r in s.ratings:
            rating = _badge(r.rating, r.tone) + " " + h(r.label) if r.rating else h(r.label)
            if r.provisional:
                rating += ' <span class="muted">(provisional)</span>'
            w(
                f"<tr><td><strong>{h(r.objective)}</strong>: {h(r.text)}</td><td>{rating}</td>"
                f'<td class="num">{r.met}</td><td class="num">{r.late}</td>'
                f'<td class="num">{r.missed}</td><td class="num">{r.void}</td></tr>\n'
            )
        w("</table>\n")
        w(f'<p class="muted u">{h(s.rating_rule)}</p>\n')
    if s.injects:
        w(
            "<h3>Injects</h3>\n<table>\n<tr><th>Inject</th><th>From</th><th>Status</th>"
            "<th>Wall time</th><th>Exercise time</th><th>Acknowledged</th></tr>\n"
        )
        for i in s.injects:
            ack = f"{h(i.acknowledged_by)}, {i.acknowledged_at}" if i.acknowledged_by else ""
            w(
                f"<tr><td>{h(i.id)}</td><td>{h(i.sender)}</td><td>{_u(i.status)}</td>"
                f'<td class="t">{i.delivered_at}</td>'
                f'<td class="t">{i.exercise_at}</td><td>{ack}</td></tr>\n'
            )
        w("</table>\n")
    if s.expectations:
        w(
            "<h3>Expectations</h3>\n<table>\n<tr><th>Inject</th><th>Expected event</th>"
            "<th>Within</th><th>Objective</th><th>Outcome</th></tr>\n"
        )
        for e in s.expectations:
            w(
                f"<tr><td>{h(e.inject)}</td><td>{h(e.event)}</td><td>{e.within}</td>"
                f"<td>{h(e.objective)}</td><td>{_badge(e.status, e.tone)}"
                f"{h(e.detail)}</td></tr>\n"
            )
        w("</table>\n")
    if s.hotwash:
        w("<h3>Hot wash</h3>\n<ol>\n")
        for q in s.hotwash:
            w(f"<li><strong>{h(q.question)}</strong><ul>\n")
            if not q.answers:
                w('<li class="muted">(no answer recorded)</li>\n')
            for answer, actor in q.answers:
                w(f'<li>{_u(answer)} <span class="muted">({h(actor)})</span></li>\n')
            w("</ul></li>\n")
        w("</ol>\n")


def _review(s: Review, w: Write) -> None:
    w(f"<h2>{s.title}</h2>\n")
    if s.status == "saved":
        w(f"<p>{_badge('saved', 'good')} {s.saved_at} by {h(s.saved_by)}</p>\n")
    elif s.status == "draft":
        text = "draft, not saved"
        if s.reopened_at:
            text += f"; reopened {s.reopened_at}: {s.reopen_reason}"
        w(f"<p>{_badge('draft', 'warn')} {h(text)}</p>\n")
    else:
        w(f"<p>{_badge('no review', 'warn')} No review recorded yet.</p>\n")
    w(f"<h3>{s.root_cause_heading}</h3>\n")
    if s.whys:
        w('<ol class="whys">\n')
        for why in s.whys:
            w(f"<li>{_u(why)}</li>\n")
        w("</ol>\n")
        if s.root_cause:
            w(f"<p><strong>Root cause:</strong> {_u(s.root_cause)}</p>\n")
    elif s.root_cause:
        w(f"<p>{_u(s.root_cause)}</p>\n")
    else:
        w(f'<p class="muted">{NOT_RECORDED.capitalize()}.</p>\n')
    for group in s.notes:
        w(f"<h3>{h(group.heading)}</h3>\n")
        if not group.notes:
            w('<p class="muted">Nothing recorded.</p>\n')
            continue
        w("<ul>\n")
        for note in group.notes:
            w(f"<li>{_u(note)}</li>\n")
        w("</ul>\n")
    w("<h3>Improvement plan</h3>\n")
    if s.improvements:
        w(
            "<table>\n<tr><th>ID</th><th>What</th><th>Owner</th><th>Due</th><th>Step</th>"
            "<th>POETE</th><th>Status</th></tr>\n"
        )
        for i in s.improvements:
            status = _badge(i.status, i.tone)
            if i.status != "open":
                status += f" {i.closed_at} ({h(i.closed_by)})" + (
                    f": {_u(i.note)}" if i.note else ""
                )
            due = h(i.due)
            if i.overdue:
                due = f'<span class="bad">{due}</span>'
            w(
                f'<tr><td class="t">{h(i.item)}</td><td>{_u(i.what)}</td><td>{h(i.owner)}</td>'
                f'<td class="t">{due}</td><td>{h(i.step)}</td>'
                f"<td>{h(i.poete)}</td><td>{status}</td></tr>\n"
            )
        w("</table>\n")
    else:
        w('<p class="muted">No improvement items.</p>\n')
    if s.carried:
        w(
            "<h3>Still open from earlier incidents on this playbook</h3>\n<table>\n<tr><th>ID</th>"
            "<th>From</th><th>What</th><th>Owner</th><th>Due</th><th>Step</th></tr>\n"
        )
        for c in s.carried:
            due = h(c.due)
            if c.overdue:
                due = f'<span class="bad">{due}</span>'
            w(
                f'<tr><td class="t">{h(c.item)}</td><td>{h(c.incident_id)}: '
                f"{h(c.incident_title)}</td><td>{_u(c.what)}</td><td>{h(c.owner)}</td>"
                f'<td class="t">{due}</td><td>{h(c.step)}</td></tr>\n'
            )
        w("</table>\n")


def _integrity(s: Integrity, w: Write) -> None:
    w(f"<h2>{s.title}</h2>\n")
    checked = f" ({s.entries} checked)" if s.checked else ""
    w(f"<p>{_badge(s.text, s.tone)}{checked}</p>\n")
    if s.problems:
        w("<ul>\n" + "".join(f"<li>{h(p)}</li>\n" for p in s.problems) + "</ul>\n")
    w(
        f'<p>Head hash (SHA-256 of the last entry): <span class="hash">'
        f"{h(s.head_hash) or 'none'}</span></p>\n"
    )
    w(
        f'<p class="muted">To check: <code>irdesk verify</code> on the journal must list '
        f"{h(s.incident_id)} with this head hash.</p>\n"
    )


def _timeline(s: TimelineSection, w: Write) -> None:
    w(
        f'<h2>{s.title}</h2>\n<p class="muted">Every journal entry '
        f"({s.entries}). <em>Recorded</em> is shown when an entry was "
        "written later than it happened.</p>\n"
    )
    w(
        '<table class="timeline">\n<tr><th class="num">#</th><th>Occurred</th><th>Recorded</th>'
        "<th>Who</th><th>Kind</th><th>What</th></tr>\n"
    )
    esc = h
    for seq, occurred, recorded, actor, role, label, text, reason, fixes in s.rows():
        what = esc(text)
        if reason:
            what += f" (backdated: {esc(reason)})"
        if fixes:
            what += f" <em>(corrected by entry {fixes})</em>"
        who = esc(actor) + (f" ({esc(role)})" if role else "")
        w(
            f'<tr><td class="num">{seq}</td><td class="t">{occurred}</td>'
            f'<td class="t">{recorded}</td><td>{who}</td><td>{esc(label)}</td>'
            f'<td class="u">{what}</td></tr>\n'
        )
    w("</table>\n")


_WRITERS: dict[str, Callable[[Any, Write], None]] = {
    Masthead.kind: _masthead,
    Tiles.kind: _tiles,
    Summary.kind: _summary,
    People.kind: _people,
    Metrics.kind: _metrics,
    ChartSection.kind: _chart,
    Steps.kind: _steps,
    Timers.kind: _timers,
    Drill.kind: _drill,
    Review.kind: _review,
    Integrity.kind: _integrity,
    TimelineSection.kind: _timeline,
}
