"""One sentence per journal entry, shared by the live timeline, replay, reports and the CLI.

The incident's kinds are described here; the drill's, the review's and the finding's
descriptions come from their modules and are composed below, so an entry always reads the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from irdesk.domain import drill, finding, review
from irdesk.domain.clock import parse_ts
from irdesk.domain.durations import format_duration
from irdesk.domain.entry import Entry
from irdesk.domain.incident import K

LABELS: dict[str, str] = {
    K.DECLARED: "declared",
    K.NOTE: "note",
    K.TICKED: "checked",
    K.UNTICKED: "unchecked",
    K.STEP_DONE: "done",
    K.STEP_SKIPPED: "skipped",
    K.DECIDED: "decided",
    K.MILESTONE: "milestone",
    K.SEVERITY: "severity",
    K.STATUS: "status",
    K.ROLE: "role",
    K.ESCALATED: "escalate",
    K.NOTIFIED: "notify",
    K.ESCALATION_ACK: "ack",
    K.PAGED: "page",
    K.CLOSED: "closed",
    K.REOPENED: "reopened",
    K.CORRECTION: "correction",
    K.LINK: "link",
    K.UPDATE: "update",
}

_Describer = Callable[[dict[str, Any], Entry], str]
_DESCRIBERS: dict[str, _Describer] = {}


def label(entry: Entry) -> str:
    if entry.damage is not None:
        return "DAMAGED"
    return LABELS.get(entry.kind, entry.kind)


def describe(entry: Entry) -> str:
    """What happened, in plain words (user text included as is: the caller makes it safe)."""
    if entry.damage is not None:
        return f"entry {entry.seq} ({entry.kind}) cannot be read: {entry.damage}"
    fn = _DESCRIBERS.get(entry.kind)
    text = fn(entry.payload, entry) if fn else _generic(entry.payload)
    if entry.corrects is not None and entry.kind != K.CORRECTION:
        text += f" (corrects entry {entry.corrects})"
    return text


def _generic(payload: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in payload.items() if not str(k).endswith("_source"))


def _describer(kind: str) -> Callable[[_Describer], _Describer]:
    def wrap(fn: _Describer) -> _Describer:
        _DESCRIBERS[kind] = fn
        return fn

    return wrap


@_describer(K.DECLARED)
def _(p: dict[str, Any], e: Entry) -> str:
    what = "drill" if p.get("mode") == "drill" else "incident"
    text = (
        f"{what} declared: {p.get('title', '')} ({p.get('severity', '')}) "
        f"on playbook {p.get('playbook_id', '')} v{p.get('playbook_version', '')}"
    )
    if p.get("commander"):
        text += f"; commander {p['commander']}"
    return text


#: how an internal note (for the team only, left out of reports unless asked) is marked
INTERNAL = "[internal] "


@_describer(K.NOTE)
def _(p: dict[str, Any], e: Entry) -> str:
    text = (INTERNAL if p.get("internal") is True else "") + str(p.get("text", ""))
    for item in p.get("attachments") or ():
        text += f" [{attached(item)}]"
    return text


def attached(item: dict[str, Any]) -> str:
    """An attachment of a note in words: a link, or a file with its size and SHA-256."""
    if item.get("url"):
        return f"link {item['url']}"
    size = item.get("size")
    return (
        f"file {item.get('path')} ({item.get('resolved')}, {size:,} bytes, "
        f"SHA-256 {item.get('sha256')})"
        if isinstance(size, int)
        else f"file {item.get('path')}"
    )


@_describer(K.UPDATE)
def _(p: dict[str, Any], e: Entry) -> str:
    where = f" (written to {p['written_to']})" if p.get("written_to") else ""
    return f"status update issued{where}"


@_describer(K.LINK)
def _(p: dict[str, Any], e: Entry) -> str:
    return f"{p.get('label') or 'link'}: {p.get('url', '')}"


@_describer(K.TICKED)
def _(p: dict[str, Any], e: Entry) -> str:
    text = str(p.get("text", f"item {p.get('item')}"))
    if p.get("evidence"):
        text += f' (evidence: "{p["evidence"]}")'
    if p.get("marks"):
        text += f" → milestone {p['marks']}"
    return text


@_describer(K.UNTICKED)
def _(p: dict[str, Any], e: Entry) -> str:
    return f"{p.get('text', '')} (unticked)"


@_describer(K.STEP_DONE)
def _(p: dict[str, Any], e: Entry) -> str:
    text = str(p.get("title", p.get("step", "")))
    if p.get("marks"):
        text += f" → milestone {p['marks']}"
    return text


@_describer(K.STEP_SKIPPED)
def _(p: dict[str, Any], e: Entry) -> str:
    return f"{p.get('title', p.get('step', ''))}: {p.get('reason', '')}"


@_describer(K.DECIDED)
def _(p: dict[str, Any], e: Entry) -> str:
    return f"{p.get('title', p.get('step', ''))} → {p.get('label', '')}"


@_describer(K.MILESTONE)
def _(p: dict[str, Any], e: Entry) -> str:
    text = str(p.get("name", ""))
    if e.backdate_reason:
        text += f" (backdated: {e.backdate_reason})"
    return text


@_describer(K.SEVERITY)
def _(p: dict[str, Any], e: Entry) -> str:
    text = f"{p.get('from') or '?'} → {p.get('severity', '')}"
    return text + (f": {p['reason']}" if p.get("reason") else "")


@_describer(K.STATUS)
def _(p: dict[str, Any], e: Entry) -> str:
    return f"{p.get('from') or '?'} → {p.get('status', '')}"


@_describer(K.ROLE)
def _(p: dict[str, Any], e: Entry) -> str:
    if p.get("handoff"):
        text = f"{p.get('role')} handed off from {p.get('from')} to {p.get('person')}"
    else:
        text = f"{p.get('role')} → {p.get('person')}"
    return text + (f" ({p['reason']})" if p.get("reason") else "")


@_describer(K.ESCALATED)
def _(p: dict[str, Any], e: Entry) -> str:
    again = f", reminder {p['repeat']}" if p.get("repeat") else ""
    who = ", ".join(p.get("people") or []) or "nobody on the roster"
    text = f"{p.get('timer')} → level {p.get('level')}{again} ({p.get('role')}: {who})"
    if p.get("late_reason"):
        late = late_by(p, e)
        text += f"; fired {format_duration(late)} late" if late else "; fired late"
        text += f": {p['late_reason']}"
    return text


def late_by(p: dict[str, Any], e: Entry) -> timedelta | None:
    """How long after its ``due_at`` an escalation entry was recorded."""
    try:
        due = parse_ts(str(p.get("due_at")))
    except ValueError:
        return None
    return e.occurred_at - due if e.occurred_at > due else None


@_describer(K.NOTIFIED)
def _(p: dict[str, Any], e: Entry) -> str:
    what = (
        f"page (entry {p['page_seq']})"
        if p.get("page_seq")
        else f"{p.get('timer')} level {p.get('level')}"
    )
    whom = f" to {p['person']}" if p.get("person") else ""
    if p.get("error"):
        return f"notify command failed for {what}{whom}: {p['error']}"
    return f"notified for {what}{whom}"


@_describer(K.PAGED)
def _(p: dict[str, Any], e: Entry) -> str:
    who = ", ".join(p.get("people") or []) or "nobody"
    role = f" ({p['role']})" if p.get("role") else ""
    return f"paged {who}{role}: {p.get('text', '')}"


@_describer(K.ESCALATION_ACK)
def _(p: dict[str, Any], e: Entry) -> str:
    if "timers" in p:
        timers = ", ".join(str(t) for t in p["timers"])
        text = "incident acknowledged" + (f" ({timers} escalation)" if timers else "")
    else:
        text = f"{p.get('timer')} escalation acknowledged"
    if p.get("milestone"):
        text += f" → milestone {p['milestone']}"
    return text


@_describer(K.CLOSED)
def _(p: dict[str, Any], e: Entry) -> str:
    return "closed" + (f": {p['summary']}" if p.get("summary") else "")


@_describer(K.REOPENED)
def _(p: dict[str, Any], e: Entry) -> str:
    return f"reopened: {p.get('reason', '')}"


@_describer(K.CORRECTION)
def _(p: dict[str, Any], e: Entry) -> str:
    was = f" ({p['was']})" if p.get("was") else ""
    return f"entry {e.corrects}{was}: {p.get('text', '')}"


for _kind, (_label, _fn) in (
    *drill.DESCRIBERS.items(),
    *review.DESCRIBERS.items(),
    *finding.DESCRIBERS.items(),
):
    LABELS[_kind] = _label
    _DESCRIBERS[_kind] = _fn
