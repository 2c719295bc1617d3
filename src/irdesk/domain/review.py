"""After-action review: root cause, what went well, what to improve, lessons, improvement items.

Everything is journaled as entries of the incident (or drill) under review, and folded into
``state.ext["review"]`` like the rest of the incident state; :func:`review_state` is the
typed accessor. The review keeps working after the incident is closed: that is when it
happens. Saving it marks it finished; changing it afterwards needs reopening it.

Entry kinds and payloads (part of the journal format: never rename one):

``review.root_cause``    {method: "free"|"five-whys", text, whys: [str, ...], problem}
                         ``free``: the root cause in a sentence; ``five-whys``: the problem
                         statement the whys start from (``problem``, absent before it was
                         asked), the whys and the root cause they lead to (``text``). The
                         latest entry of each method counts (an earlier one was a draft);
                         neither replaces the other
``review.note``          {section: "went_well"|"to_improve"|"lesson", text, replaces: seq|null}
                         ``replaces`` names an earlier note whose text this one replaces
``review.note.removed``  {note: seq, reason}
``improvement.added``    {item: "INC-0003-1", what, owner, due: "YYYY-MM-DD"|null,
                          step: step id|null, poete: one of POETE|null,
                          kind: "detection" (absent for a general item),
                          issue: the area for improvement it answers (optional),
                          organization: the owner's organisation (optional),
                          start: "YYYY-MM-DD" (optional)}
                         ``what`` is the corrective action; ``poete`` its capability element
``improvement.updated``  {item, changes: {what|owner|due|step|poete|issue|organization|start:
                          new value}, reason}
``improvement.closed``   {item, outcome: "done"|"dropped", note}
                         always appended to the incident that owns the item
``review.saved``         {summary}
``review.reopened``      {reason}

The fold here needs no playbook, so listing improvement items across a journal can fold the
review entries alone (:meth:`ReviewState.fold`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from irdesk.domain.entry import Entry
from irdesk.domain.incident import K

if TYPE_CHECKING:
    from irdesk.domain.fold import IncidentState


class RK:
    """Review entry kinds. The strings are part of the journal format: never rename one."""

    ROOT_CAUSE = "review.root_cause"
    NOTE = "review.note"
    NOTE_REMOVED = "review.note.removed"
    SAVED = "review.saved"
    REOPENED = "review.reopened"
    IMPROVEMENT_ADDED = "improvement.added"
    IMPROVEMENT_UPDATED = "improvement.updated"
    IMPROVEMENT_CLOSED = "improvement.closed"


REVIEW_KINDS: frozenset[str] = frozenset(
    {
        RK.ROOT_CAUSE,
        RK.NOTE,
        RK.NOTE_REMOVED,
        RK.SAVED,
        RK.REOPENED,
        RK.IMPROVEMENT_ADDED,
        RK.IMPROVEMENT_UPDATED,
        RK.IMPROVEMENT_CLOSED,
    }
)

#: Root-cause methods.
FREE = "free"
FIVE_WHYS = "five-whys"
METHODS: tuple[str, ...] = (FREE, FIVE_WHYS)

#: Note sections, in the order a report shows them, with their headings.
SECTIONS: dict[str, str] = {
    "went_well": "What went well",
    "to_improve": "What to improve",
    "lesson": "Lessons learned",
}

#: POETE: the elements of a capability an improvement can concern.
POETE: tuple[str, ...] = ("planning", "organization", "equipment", "training", "exercise")

#: Outcomes of an improvement item.
OPEN = "open"
DONE = "done"
DROPPED = "dropped"
OUTCOMES: tuple[str, ...] = (DONE, DROPPED)

#: Kinds of improvement item. A ``detection`` item asks for a detection rule that would
#: catch the incident again: it counts as done once a rule citing the incident
#: (``source: past-incident``) exists and a scan has used it (irdesk.domain.checklist).
GENERAL = "general"
DETECTION = "detection"
ITEM_KINDS: tuple[str, ...] = (GENERAL, DETECTION)

#: Fields of an improvement item that ``improvement.updated`` may change.
UPDATABLE: tuple[str, ...] = (
    "what",
    "owner",
    "due",
    "step",
    "poete",
    "issue",
    "organization",
    "start",
)
#: Updatable fields holding a date, and optional text fields (empty reads as none).
DATE_FIELDS: tuple[str, ...] = ("due", "start")
OPTIONAL_TEXT: tuple[str, ...] = ("step", "poete", "issue", "organization")

EXT_KEY = "review"
_CONTENT_KINDS = frozenset({RK.ROOT_CAUSE, RK.NOTE, RK.IMPROVEMENT_ADDED})


# --------------------------------------------------------------------------- state parts


@dataclass
class RootCause:
    method: str  # FREE | FIVE_WHYS
    text: str  # the conclusion (free text, or the root cause the whys lead to)
    whys: tuple[str, ...]
    at: datetime
    actor: str
    seq: int
    revisions: int = 1  # how many entries of this method there were (drafts included)
    problem: str = ""  # five whys: the problem statement they start from


@dataclass
class ReviewNote:
    seq: int  # the entry that added it (stable: replacing keeps it)
    section: str
    text: str
    at: datetime
    actor: str
    edited_seq: int | None = None  # the entry that last replaced the text


@dataclass
class Improvement:
    item: str  # "INC-0003-1": the incident id and a number
    incident_id: str
    what: str
    owner: str
    due: date | None
    step: str | None
    poete: str | None
    added_at: datetime
    added_by: str
    seq: int
    kind: str = GENERAL  # general | detection
    issue: str | None = None  # the area for improvement the action answers
    organization: str | None = None  # the owner's organisation
    start: date | None = None
    status: str = OPEN  # open | done | dropped
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_note: str = ""
    updates: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due is not None and self.due < today

    def sort_key(self, today: date) -> tuple[int, date, str, int]:
        """Overdue first, then by due date (none last), then by incident and number."""
        return (
            0 if self.overdue(today) else 1,
            self.due or date.max,
            self.incident_id,
            item_number(self.item),
        )


@dataclass
class ReviewState:
    root_cause: RootCause | None = None  # the root cause in a sentence (method free)
    five_whys: RootCause | None = None  # the five whys (method five-whys)
    notes: dict[int, ReviewNote] = field(default_factory=dict)  # by seq, in order added
    improvements: dict[str, Improvement] = field(default_factory=dict)  # by item id
    saved_at: datetime | None = None
    saved_by: str | None = None
    summary: str = ""
    saves: int = 0
    reopened_at: datetime | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None
    entries: int = 0  # review and improvement entries seen
    last_at: datetime | None = None
    incident_id: str = ""

    locked: bool = False  # saved and not reopened since
    content: int = 0  # root-cause, note and improvement entries seen

    # ----------------------------------------------------------------- queries
    @property
    def status(self) -> str:
        """``empty`` (nothing recorded), ``draft`` (recorded but not saved, or reopened
        since it was saved), ``saved``."""
        if self.locked:
            return "saved"
        return "draft" if self.content or self.saves else "empty"

    @property
    def saved(self) -> bool:
        return self.locked

    @property
    def analysed(self) -> bool:
        """A root cause or a five-whys analysis was recorded."""
        return self.root_cause is not None or self.five_whys is not None

    def section(self, name: str) -> list[ReviewNote]:
        return [n for n in self.notes.values() if n.section == name]

    def open_items(self) -> list[Improvement]:
        return [i for i in self.improvements.values() if i.is_open]

    def next_item_id(self, incident_id: str) -> str:
        numbers = [item_number(i) for i in self.improvements]
        return f"{incident_id}-{max(numbers, default=0) + 1}"

    # ----------------------------------------------------------------- folding
    @classmethod
    def fold(cls, entries: Iterable[Entry]) -> ReviewState:
        """The review alone, from an incident's entries (other kinds are passed over)."""
        state = cls()
        for entry in entries:
            if entry.kind in REVIEW_KINDS:
                state.apply(entry)
            elif entry.kind == K.DECLARED:
                state.incident_id = entry.incident_id
        return state

    def apply(self, e: Entry) -> None:
        handler = _APPLY.get(e.kind)
        if handler is None:
            return
        if not self.incident_id:
            self.incident_id = e.incident_id
        self.entries += 1
        if e.kind in _CONTENT_KINDS:
            self.content += 1
        self.last_at = e.recorded_at
        handler(self, e, e.payload)


def item_number(item: str) -> int:
    """The number at the end of an item id (0 when there is none)."""
    tail = item.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def item_incident(item: str) -> str:
    """The incident that owns an item: ``INC-0003-1`` → ``INC-0003``."""
    head, _, tail = item.rpartition("-")
    return head if head and tail.isdigit() else ""


def parse_due(value: object) -> date | None:
    """A journaled due date, leniently (a malformed one reads as none)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- fold handlers


def _root_cause(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    """A free-text root cause and a five-whys analysis are kept side by side: each
    entry replaces only the earlier one of its own method."""
    whys = tuple(str(w) for w in (p.get("whys") or ()) if str(w).strip())
    method = str(p.get("method") or (FIVE_WHYS if whys else FREE))
    if method not in METHODS:
        method = FIVE_WHYS if whys else FREE
    earlier = r.five_whys if method == FIVE_WHYS else r.root_cause
    found = RootCause(
        method,
        str(p.get("text", "")),
        whys,
        e.occurred_at,
        e.actor,
        e.seq,
        earlier.revisions + 1 if earlier else 1,
        str(p.get("problem") or ""),
    )
    if method == FIVE_WHYS:
        r.five_whys = found
    else:
        r.root_cause = found


def _note(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    replaces = p.get("replaces")
    if isinstance(replaces, int) and replaces in r.notes:
        note = r.notes[replaces]
        note.text = str(p.get("text", ""))
        note.edited_seq = e.seq
        section = str(p.get("section") or note.section)
        if section in SECTIONS:
            note.section = section
        return
    section = str(p.get("section", ""))
    if section not in SECTIONS:
        section = "lesson"
    r.notes[e.seq] = ReviewNote(e.seq, section, str(p.get("text", "")), e.occurred_at, e.actor)


def _note_removed(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    note = p.get("note")
    if isinstance(note, int):
        r.notes.pop(note, None)


def _saved(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    r.saved_at = e.occurred_at
    r.saved_by = e.actor
    r.summary = str(p.get("summary", "") or "")
    r.saves += 1
    r.locked = True


def _reopened(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    r.reopened_at = e.occurred_at
    r.reopened_by = e.actor
    r.reopen_reason = str(p.get("reason", ""))
    r.locked = False


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _improvement_added(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    item = str(p.get("item") or r.next_item_id(e.incident_id))
    if item in r.improvements:
        return  # a second entry with the same id (cannot be written by irdesk): keep the first
    kind = str(p.get("kind") or GENERAL)
    r.improvements[item] = Improvement(
        item=item,
        incident_id=item_incident(item) or e.incident_id,
        what=str(p.get("what", "")),
        owner=str(p.get("owner", "")),
        due=parse_due(p.get("due")),
        step=_opt(p.get("step")),
        poete=_opt(p.get("poete")),
        added_at=e.occurred_at,
        added_by=e.actor,
        seq=e.seq,
        kind=kind if kind in ITEM_KINDS else GENERAL,
        issue=_opt(p.get("issue")),
        organization=_opt(p.get("organization")),
        start=parse_due(p.get("start")),
    )


def _improvement_updated(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    found = r.improvements.get(str(p.get("item")))
    changes = p.get("changes")
    if found is None or not isinstance(changes, dict):
        return
    for key, value in changes.items():
        if key in DATE_FIELDS:
            setattr(found, key, parse_due(value))
        elif key in OPTIONAL_TEXT:
            setattr(found, key, _opt(value))
        elif key in ("what", "owner"):
            setattr(found, key, str(value))
    found.updates += 1


def _improvement_closed(r: ReviewState, e: Entry, p: dict[str, Any]) -> None:
    found = r.improvements.get(str(p.get("item")))
    if found is None or not found.is_open:
        return
    outcome = str(p.get("outcome", DONE))
    found.status = outcome if outcome in OUTCOMES else DONE
    found.closed_at = e.occurred_at
    found.closed_by = e.actor
    found.close_note = str(p.get("note", "") or "")


_APPLY = {
    RK.ROOT_CAUSE: _root_cause,
    RK.NOTE: _note,
    RK.NOTE_REMOVED: _note_removed,
    RK.SAVED: _saved,
    RK.REOPENED: _reopened,
    RK.IMPROVEMENT_ADDED: _improvement_added,
    RK.IMPROVEMENT_UPDATED: _improvement_updated,
    RK.IMPROVEMENT_CLOSED: _improvement_closed,
}


# --------------------------------------------------------------------------- the incident fold


def review_state(state: IncidentState) -> ReviewState:
    """The review part of an incident's state (an empty one when nothing was recorded)."""
    found = state.ext.get(EXT_KEY)
    if found is None:
        found = ReviewState(incident_id=state.incident_id)
        state.ext[EXT_KEY] = found
    return found


def _on_declared(state: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    state.ext.setdefault(EXT_KEY, ReviewState(incident_id=e.incident_id))


def _incident_handler(state: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    review_state(state).apply(e)


#: What the review's entry kinds do to an incident's state (and incident.declared, which
#: starts an empty review). Composed with the others in irdesk.domain.fold.
HANDLERS = {K.DECLARED: _on_declared, **dict.fromkeys(sorted(REVIEW_KINDS), _incident_handler)}


# --------------------------------------------------------------------------- descriptions


POETE_LABELS = {p: p.capitalize() for p in POETE}


def _describe_root_cause(p: dict[str, Any], e: Entry) -> str:
    whys = [str(w) for w in (p.get("whys") or ()) if str(w).strip()]
    text = str(p.get("text", ""))
    if whys:
        chain = " → ".join(f"why {n}: {w}" for n, w in enumerate(whys, 1))
        problem = f"problem: {p['problem']} → " if p.get("problem") else ""
        return f"root cause (five whys): {problem}{chain}" + (
            f"; root cause: {text}" if text else ""
        )
    return f"root cause: {text}"


def _describe_note(p: dict[str, Any], e: Entry) -> str:
    heading = SECTIONS.get(str(p.get("section")), "review note")
    text = f"{heading.lower()}: {p.get('text', '')}"
    if p.get("replaces"):
        text += f" (replaces entry {p['replaces']})"
    return text


def _describe_note_removed(p: dict[str, Any], e: Entry) -> str:
    text = f"review note {p.get('note')} removed"
    return text + (f": {p['reason']}" if p.get("reason") else "")


def _item_details(p: dict[str, Any]) -> str:
    parts = [f"owner {p.get('owner', '')}"]
    if p.get("organization"):
        parts[0] += f" ({p['organization']})"
    if p.get("start"):
        parts.append(f"from {p['start']}")
    parts.append(f"due {p['due']}" if p.get("due") else "no due date")
    if p.get("step"):
        parts.append(f"step {p['step']}")
    if p.get("poete"):
        parts.append(f"POETE {p['poete']}")
    if p.get("kind") == DETECTION:
        parts.append("a detection rule")
    return ", ".join(parts)


def _describe_added(p: dict[str, Any], e: Entry) -> str:
    issue = f" for: {p['issue']}" if p.get("issue") else ""
    return f"improvement {p.get('item', '')}: {p.get('what', '')}{issue} ({_item_details(p)})"


def _describe_updated(p: dict[str, Any], e: Entry) -> str:
    changes = p.get("changes")
    if not isinstance(changes, dict):
        changes = {}
    what = ", ".join(f"{k} → {v if v not in (None, '') else 'none'}" for k, v in changes.items())
    text = f"improvement {p.get('item', '')} changed: {what}"
    return text + (f" ({p['reason']})" if p.get("reason") else "")


def _describe_closed(p: dict[str, Any], e: Entry) -> str:
    text = f"improvement {p.get('item', '')} {p.get('outcome', DONE)}"
    return text + (f": {p['note']}" if p.get("note") else "")


def _describe_saved(p: dict[str, Any], e: Entry) -> str:
    return "review saved" + (f": {p['summary']}" if p.get("summary") else "")


def _describe_reopened(p: dict[str, Any], e: Entry) -> str:
    return "review reopened" + (f": {p['reason']}" if p.get("reason") else "")


#: How the review's entries read (kind: label, sentence); composed in irdesk.domain.describe.
DESCRIBERS = {
    RK.ROOT_CAUSE: ("root cause", _describe_root_cause),
    RK.NOTE: ("review", _describe_note),
    RK.NOTE_REMOVED: ("review", _describe_note_removed),
    RK.SAVED: ("review", _describe_saved),
    RK.REOPENED: ("review", _describe_reopened),
    RK.IMPROVEMENT_ADDED: ("improve", _describe_added),
    RK.IMPROVEMENT_UPDATED: ("improve", _describe_updated),
    RK.IMPROVEMENT_CLOSED: ("improve", _describe_closed),
}
