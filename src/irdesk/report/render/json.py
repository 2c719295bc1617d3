"""The report as JSON (schema ``irdesk.report/1``, see ``docs/report.schema.json``), the
timeline streamed row by row.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from irdesk.domain import review as _review
from irdesk.report.escape import not_a_head
from irdesk.report.format import iso, seconds
from irdesk.report.model import Evidence, ImprovementView, Report, ReviewSection
from irdesk.report.render.buffer import to_text
from irdesk.text import visible

SCHEMA = "irdesk.report/1"


def report_document(report: Report) -> dict[str, Any]:
    """Everything but the timeline, as the JSON document's top-level object (see
    ``docs/report.schema.json``); :func:`write_json` adds the timeline, streamed."""
    o = report.overview
    v = visible
    rv = report.review
    d = report.drill
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "warning": report.chain.warning or None,
        "generated_at": iso(report.generated_at),
        "generator": v(report.generator),
        "timezone": "UTC",
        "incident": {
            "id": v(o.incident_id),
            "mode": o.mode,
            "title": v(o.title),
            "severity": v(o.severity),
            "peak_severity": v(o.peak_severity or o.severity),
            "severity_history": [
                {
                    "at": iso(c.at),
                    "from": v(c.previous) if c.previous else None,
                    "to": v(c.severity),
                    "actor": v(c.actor),
                    "reason": v(c.reason) or None,
                    "seq": c.seq,
                }
                for c in o.severity_history
            ],
            "status": v(o.status),
            "declared_at": iso(o.declared_at),
            "declared_by": v(o.declared_by),
            "closed_at": iso(o.closed_at),
            "outcome": v(o.outcome) or None,
            "unfinished_at_close": [v(t) for t in o.unfinished],
            "duration_seconds": seconds(o.duration),
            "summary": v(o.summary) or None,
            "entry_count": o.entry_count,
            "links": [
                {
                    "label": v(link.label) or None,
                    "url": v(link.url),
                    "added_at": iso(link.at),
                    "added_by": v(link.actor),
                }
                for link in o.links
            ],
        },
        "headline": [v(line) for line in report.headline],
        "playbook": {
            "id": v(o.playbook_id),
            "title": v(o.playbook_title),
            "version": v(o.playbook_version),
            "sha256": v(o.playbook_sha256),
        },
        "scenario": None
        if not o.scenario_id
        else {
            "id": v(o.scenario_id),
            "title": v(o.scenario_title or ""),
            "sha256": v(o.scenario_sha256) if o.scenario_sha256 else None,
        },
        "roles": [
            {
                "role": v(r.role),
                "title": v(r.title),
                "person": v(r.person) if r.person else None,
                "history": [
                    {"at": iso(at), "from": v(prev) if prev else None, "to": v(to)}
                    for at, prev, to in r.history
                ],
            }
            for r in report.roles
        ],
        "people": [
            {"name": v(p.name), "roles": [v(r) for r in p.roles], "entries": p.entries}
            for p in report.people
        ],
        "milestones": [
            {
                "name": m.name,
                "occurred_at": iso(m.at),
                "recorded_at": iso(m.recorded_at),
                "actor": v(m.actor),
                "backdate_reason": v(m.backdate_reason) if m.backdate_reason else None,
                "via_step": m.via_step,
            }
            for m in report.milestones
        ],
        "metrics": [
            {
                "key": m.key,
                "label": m.label,
                "from": m.start,
                "to": m.end,
                "seconds": seconds(m.value),
                "text": m.text,
                "missing": list(m.missing),
                "backdated": list(m.backdated),
            }
            for m in report.metrics
        ],
        "steps": [
            {
                "id": s.id,
                "number": s.number,
                "title": v(s.title),
                "phase": s.phase,
                "role": s.role,
                "expected_seconds": seconds(s.expected),
                "status": s.status,
                "decision_point": s.is_decision,
                "checklist": {"checked": s.checked, "items": s.checklist},
                "evidence": [v(e) for e in s.evidence],
                "visits": [
                    {
                        "visit": x.visit,
                        "started_at": iso(x.start) if x.start_known else None,
                        "finished_at": iso(x.end),
                        "status": x.status,
                        "actor": v(x.actor) if x.actor else None,
                        "seconds": seconds(x.duration),
                        "overrun_seconds": seconds(x.overrun),
                        "decision": v(x.decision) if x.decision else None,
                        "skip_reason": v(x.skip_reason) if x.skip_reason is not None else None,
                        "in_order": x.activated,
                    }
                    for x in s.visits
                ],
            }
            for s in report.steps
        ],
        "timers": [
            {
                "id": t.id,
                "title": v(t.title),
                "start": t.start,
                "stop": t.stop,
                "within_seconds": seconds(t.within),
                "state": t.state,
                "started_at": iso(t.started_at),
                "deadline": iso(t.deadline),
                "stopped_at": iso(t.stopped_at),
                "stopped_by_close": t.stopped_by_close,
                "clock": t.clock,
                "outcome": v(t.outcome),
                "escalations": [
                    {
                        "level": e.level,
                        "repeat": e.repeat,
                        "role": v(e.role),
                        "people": [v(p) for p in e.people],
                        "at": iso(e.at),
                        "acknowledged_by": v(e.acknowledged_by) if e.acknowledged_by else None,
                        "acknowledged_at": iso(e.acknowledged_at),
                        "notify": v(e.notify) or None,
                        "due_at": iso(e.due_at),
                        "late_by_seconds": seconds(e.late_by),
                        "late_reason": v(e.late_reason) if e.late_reason else None,
                        "fired_by": e.fired_by or None,
                    }
                    for e in t.escalations
                ],
            }
            for t in report.timers
        ],
        "drill": None
        if d is None
        else {
            "setting": v(d.scenario_summary) or None,
            "started_at": iso(d.started_at),
            "ended_at": iso(d.ended_at),
            "ended_by": v(d.ended_by) if d.ended_by else None,
            "exercise_seconds": seconds(d.exercise_time),
            "planned_seconds": seconds(d.planned),
            "injects": [
                {
                    "id": v(i.id),
                    "from": v(i.sender),
                    "text": v(i.text),
                    "status": i.status,
                    "free_form": i.added,
                    "delivered_at": iso(i.delivered_at),
                    "exercise_at_seconds": seconds(i.exercise_at),
                    "due_at_seconds": seconds(i.due_at),
                    "early": i.early,
                    "skip_reason": i.skip_reason,
                    "skip_detail": v(i.skip_detail) or None,
                    "acknowledged_by": v(i.acknowledged_by) if i.acknowledged_by else None,
                    "acknowledged_at": iso(i.acknowledged_at),
                }
                for i in d.injects
            ],
            "expectations": [
                {
                    "inject": v(e.inject),
                    "event": v(e.event),
                    "within_seconds": seconds(e.within),
                    "objective": v(e.objective) if e.objective else None,
                    "status": e.status,
                    "deadline_seconds": seconds(e.deadline),
                    "occurred_at_seconds": seconds(e.occurred_at),
                    "detail": v(e.detail) or None,
                    "delivered_entry": _evidence_json(e.delivered),
                    "event_entry": _evidence_json(e.happened),
                }
                for e in d.expectations
            ],
            "objectives": [
                {
                    "id": v(r.objective),
                    "text": v(r.text),
                    "rating": r.rating,
                    "label": r.label,
                    "met": r.met,
                    "late": r.late,
                    "missed": r.missed,
                    "not_applicable": r.void,
                    "provisional": r.provisional,
                }
                for r in d.ratings
            ],
            "rating_rule": d.rating_rule,
            "hotwash": [
                {
                    "index": q.index,
                    "question": v(q.question),
                    "answers": [
                        {"answer": v(a), "actor": v(who), "at": iso(at)} for a, who, at in q.answers
                    ],
                }
                for q in d.hotwash
            ],
            "hotwash_done": d.hotwash_done,
            "feedback": [
                {
                    "participant": v(f.participant),
                    "went_well": v(f.went_well),
                    "improve": v(f.improve),
                    "at": iso(f.at),
                }
                for f in d.feedback
            ],
        },
        "review": {
            "status": rv.status,
            "saved_at": iso(rv.saved_at),
            "saved_by": v(rv.saved_by) if rv.saved_by else None,
            "summary": v(rv.summary) or None,
            "reopened_at": iso(rv.reopened_at),
            "reopen_reason": v(rv.reopen_reason) if rv.reopen_reason else None,
            "root_cause": _root_cause_json(rv),
            "five_whys": None
            if not rv.whys
            else {
                "problem": v(rv.problem) or None,
                "whys": [v(x) for x in rv.whys],
                "leads_to": v(rv.whys_lead_to) or None,
                "actor": v(rv.whys_by) if rv.whys_by else None,
            },
            "notes": {
                section: [
                    {"text": v(n.text), "actor": v(n.actor), "at": iso(n.at)}
                    for n in rv.notes.get(section, ())
                ]
                for section in _review.SECTIONS
            },
            "improvements": [_improvement_json(i) for i in rv.improvements],
        },
        "carried_over": [
            {
                "item": v(c.item),
                "incident_id": v(c.incident_id),
                "incident_title": v(c.incident_title),
                "declared_at": iso(c.declared_at),
                "what": v(c.what),
                "owner": v(c.owner),
                "due": c.due.isoformat() if c.due else None,
                "step": c.step,
                "poete": c.poete,
                "overdue": c.overdue,
                "issue": v(c.issue) if c.issue else None,
                "organization": v(c.organization) if c.organization else None,
                "start": c.start.isoformat() if c.start else None,
            }
            for c in report.carried
        ],
        "defects": [
            {
                "key": v(d.key),
                "area": v(d.area),
                "text": v(d.text),
                "opened_at": iso(d.opened_at),
                "closed_at": iso(d.closed_at),
            }
            for d in report.defects
        ],
        "chain": {
            "verified": report.chain.checked,
            "ok": report.chain.ok if report.chain.checked else None,
            "entries_checked": report.chain.entries,
            "head": report.head or None,
            "head_seq": report.chain.head_seq,
            "head_hash": report.chain.head_hash,
            "check": f"irdesk verify --expect {report.head}" if report.head else None,
            "problems": [v(p) for p in report.chain.problems],
            "altered": [{"seq": seq, "problem": v(text)} for seq, text in report.chain.altered],
        },
        "clashes": [
            {
                "seq": c.seq,
                "step": c.step,
                "item": c.item + 1 if c.item is not None else None,
                "conflict": c.conflict,
                "actor": v(c.actor),
                "at": iso(c.at),
                "what": v(c.what),
                "first_seq": c.first_seq,
                "first_actor": v(c.first_actor),
                "first_at": iso(c.first_at),
                "first_what": v(c.first_what),
            }
            for c in report.clashes
        ],
        "chart": {
            "start": iso(report.chart.start),
            "end": iso(report.chart.end),
            "open_end": report.chart.open_end,
            "clock": "wall" if report.chart.origin is None else "exercise",
            "bars": [
                {
                    "step": b.step,
                    "visit": b.visit,
                    "start": iso(b.start),
                    "end": iso(b.end),
                    "finished": b.finished,
                    "status": b.status,
                    "expected_seconds": seconds(b.expected),
                }
                for b in report.chart.bars
            ],
            "milestones": [{"name": n, "at": iso(at)} for n, at in report.chart.milestones],
        },
        "counts": dict(sorted(report.counts.items())),
    }
    return doc


def _evidence_json(e: Evidence | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"seq": e.seq, "at": iso(e.at), "exercise_at_seconds": seconds(e.exercise_at)}


def _root_cause_json(rv: ReviewSection) -> dict[str, Any] | None:
    """The root cause in a sentence, or (when only the five whys were recorded) where the
    whys lead, as ``irdesk.report/1`` has always carried it; the whole five whys are in
    ``five_whys``."""
    v = visible
    if rv.root_cause:
        text, whys, method, actor = rv.root_cause, (), _review.FREE, rv.root_cause_by
    elif rv.whys:
        text, whys, method, actor = rv.whys_lead_to, rv.whys, _review.FIVE_WHYS, rv.whys_by
    else:
        return None
    return {
        "method": method,
        "text": v(text),
        "whys": [v(x) for x in whys],
        "actor": v(actor) if actor else None,
    }


def _improvement_json(i: ImprovementView) -> dict[str, Any]:
    v = visible
    return {
        "item": v(i.item),
        "what": v(i.what),
        "owner": v(i.owner),
        "due": i.due.isoformat() if i.due else None,
        "step": i.step,
        "step_title": v(i.step_title) if i.step_title else None,
        "poete": i.poete,
        "issue": v(i.issue) if i.issue else None,
        "organization": v(i.organization) if i.organization else None,
        "start": i.start.isoformat() if i.start else None,
        "status": i.status,
        "overdue": i.overdue,
        "added_at": iso(i.added_at),
        "added_by": v(i.added_by),
        "closed_at": iso(i.closed_at),
        "closed_by": v(i.closed_by) if i.closed_by else None,
        "note": v(i.note) or None,
    }


_AT = "\\u0040"  # "@" in a JSON string, as an escape


def _its_head_only(text: str, head: str) -> str:
    """JSON text with the ``@`` of every head-like run in its strings escaped (the same
    string once decoded, see :mod:`irdesk.report.escape`) but the report's own head."""
    inert = not_a_head(text, _AT)
    return inert.replace(not_a_head(head, _AT), head) if head else inert


_json_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C-accelerated


def write_json(report: Report, out: TextIO) -> None:
    """The report as JSON (schema ``irdesk.report/1``), the timeline streamed row by row."""
    doc = report_document(report)
    body = _its_head_only(json.dumps(doc, indent=2, ensure_ascii=False), report.head)
    out.write(body[:-2])  # the object without its closing "\n}"
    out.write(',\n  "timeline": [')
    corrected = report.timeline.corrected_by
    flags = report.flags
    q = _json_str  # timeline fields are already visible (see Timeline)
    first = True
    for row in report.timeline:
        fixes = corrected.get(row.seq)
        item = (
            f'{{"seq": {row.seq}, "occurred_at": "{row.occurred_at}", '
            f'"recorded_at": "{row.recorded_at or row.occurred_at}", "actor": {q(row.actor)}, '
            f'"role": {q(row.role) if row.role else "null"}, "kind": {q(row.kind)}, '
            f'"label": {q(row.label)}, "text": {q(row.text)}, "backdate_reason": '
            f"{q(row.backdate_reason) if row.backdate_reason else 'null'}, "
            f'"corrects": {"null" if row.corrects is None else row.corrects}, '
            f'"corrected_by": [{", ".join(map(str, fixes)) if fixes else ""}], '
            f'"flags": [{", ".join(q(visible(f)) for f in flags.get(row.seq, ()))}]}}'
        )
        if "@" in item:
            item = not_a_head(item, _AT)
        out.write(("\n    " if first else ",\n    ") + item)
        first = False
    out.write("\n  ]\n}\n" if not first else "]\n}\n")


def to_json(report: Report) -> str:
    return to_text(write_json, report)
