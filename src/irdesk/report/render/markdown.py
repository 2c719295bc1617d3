"""The report as Markdown: the sections of :mod:`irdesk.report.sections`, laid out as
headings, tables and lists, every piece of user text escaped with
:func:`~irdesk.report.escape.md`. Nothing here decides what the report says.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TextIO

from irdesk.report.chart.text import text_chart
from irdesk.report.compose import build_sections
from irdesk.report.escape import head, md, not_a_head
from irdesk.report.format import NOT_RECORDED
from irdesk.report.model import Report
from irdesk.report.render.buffer import to_text
from irdesk.report.sections import (
    ChartSection,
    Defects,
    Drill,
    Exercise,
    Finding,
    Integrity,
    Masthead,
    Metrics,
    People,
    PersonLine,
    Review,
    Steps,
    Summary,
    Tiles,
    TimelineSection,
    Timers,
)
from irdesk.text import visible

Write = Callable[[str], Any]

#: The width of the text chart in a Markdown report (a code block: read in an editor).
CHART_WIDTH = 110


def write_markdown(report: Report, out: TextIO) -> None:
    w = out.write
    for section in build_sections(report):
        _WRITERS[section.kind](section, w)


def to_markdown(report: Report) -> str:
    return to_text(write_markdown, report)


def _masthead(s: Masthead, w: Write) -> None:
    if s.warning:
        w(f"> **{md(s.warning)}**\n\n")
    w(f"# {md(s.incident_id)}: {md(s.title)}\n\n")
    w(f"*{s.report_kind}, generated {s.generated_at} UTC by {md(s.generator)}. {s.time_note}*\n\n")


def _tiles(s: Tiles, w: Write) -> None:
    """Markdown has no tile layout; every tile's figure is in the summary or the metrics."""


def _summary(s: Summary, w: Write) -> None:
    w(f"## {s.title}\n\n")
    for line in s.headline:
        w(f"{md(line)}\n")
    w("\n")
    if s.closed_at:
        closed = f"{s.closed_at} (after {s.duration})"
    else:
        closed = f"not closed ({s.duration} so far)"
    rows = [
        ("Incident", f"{md(s.incident_id)} ({s.mode})"),
        ("Title", md(s.incident_title)),
        ("Severity", md(s.severity)),
        ("Status", md(s.status)),
        ("Declared", f"{s.declared_at} by {md(s.declared_by)}"),
        ("Closed", closed),
        *([("Outcome", md(s.outcome))] if s.outcome else []),
        (
            "Playbook",
            f"{md(s.playbook_title)} (`{md(s.playbook_id)}` version {md(s.playbook_version)})",
        ),
        ("Playbook SHA-256", f"`{md(s.playbook_sha256)}`" if s.playbook_sha256 else "unknown"),
    ]
    if s.scenario_id:
        rows.append(("Scenario", f"{md(s.scenario_title)} (`{md(s.scenario_id)}`)"))
        if s.scenario_sha256:
            rows.append(("Scenario SHA-256", f"`{md(s.scenario_sha256)}`"))
    for link in s.links:
        rows.append(("Link", md(link)))
    rows.append(("Journal", f"{s.entries}; chain {md(s.chain)}"))
    w("| | |\n|---|---|\n")
    for key, value in rows:
        w(f"| {key} | {value} |\n")
    w("\n")
    if s.severity_history:
        w("**Severity history:**\n\n")
        for c in s.severity_history:
            change = f"{md(c.previous)} → {md(c.severity)}" if c.previous else md(c.severity)
            why = f": {md(c.reason)}" if c.reason else ""
            declared = "" if c.previous else " (declared)"
            w(f"- {c.at}: {change}{declared} by {md(c.actor)}{why}\n")
        w("\n")
    if s.closing_summary:
        w(f"**Closing summary:** {md(s.closing_summary)}\n\n")
    if s.review_summary:
        w(f"**Review summary:** {md(s.review_summary)}\n\n")


def _people(s: People, w: Write) -> None:
    w(f"## {s.title}\n\n| Role | Held by | Changes |\n|---|---|---|\n")
    for r in s.roles:
        changes = "; ".join(
            f"{c.at} {md(c.before)} → {md(c.after)}" if c.before else f"{c.at} {md(c.after)}"
            for c in r.changes
        )
        w(f"| {md(r.title)} | {md(r.held_by)} | {changes} |\n")
    w("\n")
    if s.unassigned:
        w(f"Roles nobody held: {', '.join(md(t) for t in s.unassigned)}.\n\n")
    _people_table(s.people, "| Person | Roles |", w)


def _people_table(people: tuple[PersonLine, ...], heading: str, w: Write) -> None:
    """People with the roles they held and their journal entries (nothing when none)."""
    if not people:
        return
    w(f"{heading} Journal entries |\n|---|---|---:|\n")
    for p in people:
        w(f"| {md(p.name)} | {', '.join(md(r) for r in p.roles) or '—'} | {p.entries} |\n")
    w("\n")


def _metrics(s: Metrics, w: Write) -> None:
    w(f"## {s.title}\n\n| Metric | Measured | Time |\n|---|---|---|\n")
    for m in s.metrics:
        note = f" (backdated: {', '.join(m.backdated)})" if m.backdated else ""
        w(f"| {m.label} | {m.start} → {m.end} | {md(m.text)}{note} |\n")
    w("\n")
    if s.milestones:
        w("| Milestone | Occurred | Recorded | By | How it is known |\n|---|---|---|---|---|\n")
        for ms in s.milestones:
            how = []
            if ms.via_step:
                how.append(f"step {md(ms.via_step)}")
            if ms.backdate_reason:
                how.append(f"backdated: {md(ms.backdate_reason)}")
            w(f"| {ms.name} | {ms.at} | {ms.recorded_at} | {md(ms.actor)} | {'; '.join(how)} |\n")
        w("\n")
    if s.missing:
        w(f"Milestones not recorded: {', '.join(s.missing)}.\n\n")


def _fence(lines: list[str]) -> str:
    """A code fence longer than any run of backticks or tildes in the lines."""
    longest = max((len(m) for line in lines for m in re.findall(r"`+|~+", line)), default=0)
    return "`" * max(3, longest + 1)


def _chart(s: ChartSection, w: Write) -> None:
    w(f"## {s.title}\n\n")
    lines = text_chart(s.chart, CHART_WIDTH)
    fence = _fence(lines)
    w(f"{fence}text\n")
    for line in lines:
        # a code block has no escapes: a head-like label's "@" is drawn as a full-width "＠"
        w(not_a_head(visible(line), "＠") + "\n")
    w(f"{fence}\n\n")


def _steps(s: Steps, w: Write) -> None:
    w(f"## {s.title}\n\n")
    w("| # | Step | Phase | Expected | Actual | Result | By |\n|---:|---|---|---|---|---|---|\n")
    for r in s.rows:
        if not r.reached:
            w(
                f"| {r.number} | {md(r.title)} | {md(r.phase)} | {r.expected} | {r.actual} | "
                f"{r.result} | |\n"
            )
            continue
        title = md(r.title) + (f" (visit {r.visit})" if r.visit else "")
        actual = r.actual + (f", **{r.overrun} over**" if r.overrun else "")
        result = md(r.result)
        if r.checklist:
            result += f"; checklist {r.checklist[0]}/{r.checklist[1]}"
        w(
            f"| {r.number} | {title} | {md(r.phase)} | {r.expected} | {actual} | {result} | "
            f"{md(r.actor)} |\n"
        )
    w("\n")
    if s.decisions:
        w("Decisions taken:\n\n")
        for d in s.decisions:
            w(f"- {d.at}: {md(d.step_title)} → **{md(d.option)}** ({md(d.actor)})\n")
        w("\n")
    if s.evidence:
        w("Evidence recorded:\n\n")
        for e in s.evidence:
            w(f"- {md(e.step_title)}: {md(e.text)}\n")
        w("\n")


def _timers(s: Timers, w: Write) -> None:
    w(f"## {s.title}\n\n")
    if s.exercise_clock:
        w("Timers of a drill run on the exercise clock (T+, pauses excluded).\n\n")
    w("| Timer | Window | Started | Deadline | Outcome |\n|---|---|---|---|---|\n")
    for t in s.timers:
        w(
            f"| {md(t.title)} | {t.start} → {t.stop} within {t.within} | "
            f"{t.started_at} | {t.deadline} | {md(t.outcome)} |\n"
        )
    w("\n")
    if not s.escalations:
        w("No escalation fired.\n\n")
        return
    w("| Fired | Timer | Level | Notified | Acknowledged |\n|---|---|---|---|---|\n")
    for e in s.escalations:
        notify = f"; notify {md(e.notify)}" if e.notify else ""
        at = e.at + (f" ({md(e.late)})" if e.late else "")
        w(f"| {at} | {md(e.timer)} | {e.level} | {md(e.notified)}{notify} | {md(e.ack)} |\n")
    w("\n")


def _defects(s: Defects, w: Write) -> None:
    w(f"## {s.title}\n\nFrom the desk's readiness checks (`irdesk defects`).\n\n")
    for d in s.defects:
        until = f"closed {d.closed}" if d.closed else "still open"
        w(f"- {md(d.text)} (opened {d.opened}, {until})\n")
    w("\n")


def _drill(s: Drill, w: Write) -> None:
    w(f"## {s.title}\n\n{s.clock}\n\n")
    if s.injects:
        w(
            "### Injects\n\n| Inject | From | Status | Wall time | Exercise time | "
            "Acknowledged |\n|---|---|---|---|---|---|\n"
        )
        for i in s.injects:
            ack = f"{md(i.acknowledged_by)}, {i.acknowledged_at}" if i.acknowledged_by else ""
            w(
                f"| {md(i.id)} | {md(i.sender)} | {md(i.status)} | {i.delivered_at} | "
                f"{i.exercise_at} | {ack} |\n"
            )
        w("\n")
    if s.expectations:
        w(
            "### Expectations\n\n| Inject | Expected event | Within | Objective | Outcome |\n"
            "|---|---|---|---|---|\n"
        )
        for e in s.expectations:
            w(
                f"| {md(e.inject)} | {md(e.event)} | {e.within} | {md(e.objective)} "
                f"| {md(e.status + e.detail)} |\n"
            )
        w("\n")
    if s.hotwash:
        w("### Hot wash\n\n")
        for q in s.hotwash:
            w(f"{q.number}. **{md(q.question)}**\n")
            if not q.answers:
                w("   - (no answer recorded)\n")
            for answer, actor in q.answers:
                w(f"   - {md(answer)} ({md(actor)})\n")
        w("\n")
    if s.feedback:
        w("### Participant feedback\n\n| Participant | Went well | To improve |\n|---|---|---|\n")
        for who, good, improve in s.feedback:
            w(f"| {md(who)} | {md(good) or '—'} | {md(improve) or '—'} |\n")
        w("\n")


def _findings(heading: str, findings: tuple[Finding, ...], w: Write) -> None:
    if not findings:
        return
    w(f"**{heading}**\n\n")
    for f in findings:
        w(f"- {md(f.text)}: {md(f.outcome)}\n")
        for line in f.evidence:
            w(f"  - {md(line)}\n")
    w("\n")


def _exercise(s: Exercise, w: Write) -> None:
    w(f"## {s.title}\n\n| | |\n|---|---|\n")
    w(f"| Exercise | {md(s.name)} (`{md(s.scenario_id)}`) |\n")
    w(f"| Drill | {md(s.drill_id)} |\n")
    w(f"| Wall time | {s.wall} |\n")
    w(f"| Exercise time | {s.exercise} |\n")
    if s.setting:
        w(f"| Scenario | {md(s.setting)} |\n")
    w("\n")
    _people_table(s.participants, "| Participant | Roles held |", w)
    w(f"## {s.analysis_title}\n\n")
    for o in s.objectives:
        rating = f"**{o.rating}**, {md(o.label)}" if o.rating else md(o.label)
        if o.provisional:
            rating += " (provisional)"
        name = f"{md(o.objective)}: {md(o.text)}" if o.objective else md(o.text)
        w(f"### {name}\n\nRating: {rating}.\n\n")
        _findings("Strengths", o.strengths, w)
        _findings("Areas for improvement", o.areas, w)
        _findings("Not evaluated", o.not_evaluated, w)
        if not (o.strengths or o.areas or o.not_evaluated):
            w("No expectation counts towards this objective.\n\n")
    w("How ratings are given: " + md(s.rating_rule.replace("\n", " ")) + "\n\n")


def _review(s: Review, w: Write) -> None:
    w(f"## {s.title}\n\n")
    if s.status == "saved":
        w(f"Review saved {s.saved_at} by {md(s.saved_by)}.\n\n")
    elif s.status == "draft":
        text = "Review in progress (draft, not saved)"
        if s.reopened_at:
            text += f"; reopened {s.reopened_at}: {md(s.reopen_reason)}"
        w(text + ".\n\n")
    else:
        w("No review recorded yet.\n\n")
    if s.root_cause:
        w(f"### Root cause\n\n{md(s.root_cause)}\n\n")
    elif not s.whys:
        w(f"### Root cause\n\n{NOT_RECORDED.capitalize()}.\n\n")
    if s.whys:
        w("### Five whys\n\n")
        if s.problem:
            w(f"**Problem:** {md(s.problem)}\n\n")
        for n, why in enumerate(s.whys, 1):
            w(f"{n}. {md(why)}\n")
        w("\n")
        if s.whys_lead_to:
            w(f"**They lead to:** {md(s.whys_lead_to)}\n\n")
    for group in s.notes:
        w(f"### {group.heading}\n\n")
        if not group.notes:
            w("Nothing recorded.\n\n")
            continue
        for note in group.notes:
            w(f"- {md(note)}\n")
        w("\n")
    w("### Improvement plan\n\n")
    if s.improvements:
        w(
            "| ID | Issue / area for improvement | Corrective action | Capability element | "
            "Owner | Organisation | Start | Due | Step | Status |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n"
        )
        for i in s.improvements:
            status = i.status
            if i.status != "open":
                status += f" {i.closed_at} ({md(i.closed_by)})"
                if i.note:
                    status += f": {md(i.note)}"
            w(
                f"| {md(i.item)} | {md(i.issue)} | {md(i.what)} | {md(i.poete)} | "
                f"{md(i.owner)} | {md(i.organization)} | {i.start} | {i.due} | "
                f"{md(i.step)} | {status} |\n"
            )
        w("\n")
    else:
        w("No improvement items.\n\n")
    if s.carried:
        w("### Still open from earlier incidents on this playbook\n\n")
        w("| ID | From | What | Owner | Due | Step |\n|---|---|---|---|---|---|\n")
        for c in s.carried:
            w(
                f"| {md(c.item)} | {md(c.incident_id)}: {md(c.incident_title)} | {md(c.what)} | "
                f"{md(c.owner)} | {c.due} | {md(c.step)} |\n"
            )
        w("\n")


def _integrity(s: Integrity, w: Write) -> None:
    w(f"## {s.title}\n\n")
    if s.checked:
        w(f"Hash chain {md(s.text)} ({s.entries} checked).\n\n")
    else:
        w("The hash chain was not verified for this report.\n\n")
    for p in s.problems:
        w(f"- {md(p)}\n")
    if s.problems:
        w("\n")
    if not s.head:
        w("Head: none (the report read no entry).\n\n")
        return
    label = head(s.head, md)
    w(
        f"Head: `{label}` (entry {s.head_seq} of {md(s.incident_id)}, the last this report "
        "read, with its SHA-256).\n\n"
    )
    w(
        "To check later that the journal still holds what this report read (entries added "
        f"since do not matter):\n\n```sh\nirdesk verify --expect {label}\n```\n\n"
        "or `irdesk verify --expect-file` on this file. Either exits 0 only if the chain is "
        f"intact and entry {s.head_seq} still has this hash; a journal cut short, replaced by "
        "an older copy or rewritten fails.\n\n"
    )


def _timeline(s: TimelineSection, w: Write) -> None:
    w(
        f"## {s.title}\n\nEvery journal entry ({s.entries}). "
        "*Recorded* is shown when an entry was written later than it happened.\n\n"
    )
    if s.left_out:
        w(f"*{s.left_out}*\n\n")
    w("| # | Occurred | Recorded | Who | Kind | What |\n|---:|---|---|---|---|---|\n")
    for seq, occurred, recorded, who, label, what in s.rows(md):
        w(f"| {seq} | {occurred} | {recorded} | {who} | {label} | {what} |\n")
    w("\n")


_WRITERS: dict[str, Callable[[Any, Write], None]] = {
    Masthead.kind: _masthead,
    Tiles.kind: _tiles,
    Summary.kind: _summary,
    People.kind: _people,
    Metrics.kind: _metrics,
    ChartSection.kind: _chart,
    Steps.kind: _steps,
    Timers.kind: _timers,
    Defects.kind: _defects,
    Drill.kind: _drill,
    Exercise.kind: _exercise,
    Review.kind: _review,
    Integrity.kind: _integrity,
    TimelineSection.kind: _timeline,
}
