"""The incident part of the fold: its entry kinds, the parts of its state, and what each
incident entry does to the state (:data:`HANDLERS`).

The handlers here, the drill's (:mod:`irdesk.domain.drill`) and the review's
(:mod:`irdesk.domain.review`) are composed in one table in :mod:`irdesk.domain.fold`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from irdesk.domain.clock import local_when, parse_ts
from irdesk.domain.entry import Entry
from irdesk.domain.kinds import K as K
from irdesk.domain.kinds import outcome_words as outcome_words
from irdesk.domain.models import END, Timer
from irdesk.errors import ActionError as ActionError

if TYPE_CHECKING:
    from irdesk.domain.fold import IncidentState


STATUSES: tuple[str, ...] = (
    "open",
    "investigating",
    "containing",
    "eradicating",
    "recovering",
    "monitoring",
    "closed",
)
OPEN_STATUS = "open"
#: How an incident ended (``incident.closed``'s ``outcome``; absent in older journals:
#: resolved). A duplicate names the incident it duplicates, a hand-over whom it went to.
OUTCOMES: tuple[str, ...] = ("resolved", "false-positive", "duplicate", "handed-over")


#: an escalation recorded more than this after it was due is late (the watcher looks every
#: few seconds, a screen every second: a minute means nobody was looking)
LATE_AFTER = timedelta(minutes=1)


class Collision(ActionError):
    """A step action that collides with one somebody else recorded first (the same step
    decided, done or skipped, or the same item ticked, while this screen still showed it
    open). The message names who did what, and when."""


class Unconfirmed(ActionError):
    """An action that is possible but probably a slip (impact started after it was
    detected): done only once the person confirms it. The message says what is odd."""

    def __init__(self, odd: str) -> None:
        super().__init__(f"{odd}; check the times, or confirm that is so")


def impact_after_detection(
    started: datetime | None, detected: datetime | None, now: datetime
) -> str | None:
    """What is odd when impact is said to have started after it was detected, else None."""
    if started is None or detected is None or started <= detected:
        return None
    return (
        f"impact started at {local_when(started, now)}, after it was detected at "
        f"{local_when(detected, now)}"
    )


# --------------------------------------------------------------------------- state parts


@dataclass
class Tick:
    at: datetime
    actor: str
    evidence: str | None = None
    seq: int = 0


@dataclass
class StepState:
    id: str
    status: str = "pending"  # pending | active | done | skipped
    started_at: datetime | None = None  # first activation (or first touch if out of order)
    activated_at: datetime | None = None  # start of the current visit
    finished_at: datetime | None = None
    finished_seq: int = 0
    left_seq: int = -1  # seq at which the pointer last left this step
    visits: int = 0
    ticks: dict[int, Tick] = field(default_factory=dict)
    skip_reason: str | None = None
    decision: tuple[int, str, str] | None = None  # (option index, label, next)
    actor: str | None = None  # who finished it

    @property
    def finished(self) -> bool:
        return self.status in ("done", "skipped")


@dataclass(frozen=True)
class Clash:
    """A step action the journal holds although the step (or item) had already been
    finished (or ticked) by then: written by a screen that had not seen the first one yet
    (two processes racing, or an older journal). The fold keeps the first, applies nothing
    of this one, and keeps both here so every view shows them side by side.

    ``conflict`` is True when the two say different things (another option chosen, done
    against skipped); False when the second only repeats the first.
    """

    seq: int
    step: str
    item: int | None  # a checklist item (0-based), None for the step itself
    actor: str
    at: datetime
    what: str  # what the late action says: "chose 'Isolate'", "done", "skipped: ..."
    first_seq: int
    first_actor: str
    first_at: datetime
    first_what: str

    @property
    def conflict(self) -> bool:
        return self.what != self.first_what

    @property
    def text(self) -> str:
        """The clash in words (user text included raw: make it visible to show it)."""
        head = "CONFLICT" if self.conflict else "repeated"
        return (
            f"{head}: {self.actor} {self.what} after {self.first_actor} {self.first_what} "
            f"(entry {self.first_seq}); the first stands"
        )


@dataclass(frozen=True)
class SeverityChange:
    """The severity the incident was declared with, or a change of it."""

    severity: str
    previous: str | None  # None: the severity it was declared with
    at: datetime
    actor: str
    reason: str
    seq: int


@dataclass
class MilestoneState:
    name: str
    at: datetime  # occurred
    recorded_at: datetime
    actor: str
    seq: int
    backdate_reason: str | None = None
    via_step: str | None = None


@dataclass
class Escalation:
    timer: str
    level: int
    repeat: int  # 0 for the level's first firing, n for the n-th re-notification
    role: str
    people: tuple[str, ...]
    at: datetime  # when it fired (was recorded)
    seq: int
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    due_at: datetime | None = None  # when it was due (None in entries older than that)
    late_reason: str | None = None  # why it fired late, as the firer saw it
    fired_by: str = ""  # what fired it: watcher, screen, cli

    @property
    def late_by(self) -> timedelta | None:
        """How long after its due time it fired, when that is more than :data:`LATE_AFTER`."""
        if self.due_at is None:
            return None
        late = self.at - self.due_at
        return late if late > LATE_AFTER else None


@dataclass(frozen=True)
class Link:
    """A ticket, a chat channel or any page the incident is worked in (``link.added``)."""

    url: str
    label: str
    at: datetime
    actor: str
    seq: int


@dataclass(frozen=True)
class Page:
    """Someone paged a role or a person by hand (``page.sent``)."""

    target: str
    role: str | None
    people: tuple[str, ...]
    text: str
    at: datetime
    seq: int
    actor: str


@dataclass(frozen=True)
class TimerView:
    timer: Timer
    state: str  # waiting | running | lapsed | met | late | acknowledged
    started_at: datetime | None
    deadline: datetime | None
    stopped_at: datetime | None
    remaining: timedelta | None  # negative when lapsed
    escalations: tuple[Escalation, ...]


@dataclass(frozen=True)
class DueEscalation:
    timer: Timer
    level: int
    repeat: int
    role: str
    due_at: datetime

    @property
    def uid_suffix(self) -> str:
        return f"esc/{self.timer.id}/{self.level}/{self.repeat}"


def due_levels(
    timer: Timer,
    started_at: datetime,
    now: datetime,
    fired: set[tuple[str, int, int]],
) -> list[DueEscalation]:
    """The levels of ``timer``'s escalation path that are due at ``now`` and not in
    ``fired`` ((timer, level, repeat) already journaled), the timer having started at
    ``started_at``. Each level fires once; after the last level, ``repeat`` re-notifies it,
    and after a long gap only the latest re-notification is due (not a burst)."""
    due: list[DueEscalation] = []
    if not timer.escalate:
        return due
    offsets = timer.level_offsets()
    for level, offset in zip(timer.escalate, offsets, strict=True):
        at = started_at + offset
        if now >= at and (timer.id, level.level, 0) not in fired:
            due.append(DueEscalation(timer, level.level, 0, level.role, at))
    last = timer.escalate[-1]
    last_at = started_at + offsets[-1]
    if timer.repeat and now >= last_at + timer.repeat:
        n = int((now - last_at) / timer.repeat)
        if (timer.id, last.level, n) not in fired:
            due.append(DueEscalation(timer, last.level, n, last.role, last_at + n * timer.repeat))
    return due


# --------------------------------------------------------------------------- handlers

Handler = Callable[["IncidentState", Entry, dict[str, Any]], None]


def _declared(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.incident_id = e.incident_id
    s.title = str(p.get("title", ""))
    s.mode = str(p.get("mode", "live"))
    s.severity = str(p.get("severity", ""))
    s.severity_history.append(SeverityChange(s.severity, None, e.occurred_at, e.actor, "", e.seq))
    s.scenario_id = p.get("scenario_id")
    s.declared_at = e.occurred_at
    s.declared_by = e.actor
    commander = p.get("commander")
    if commander:
        s.roles["commander"] = str(commander)
    s._milestone(e, "declared")
    if s.playbook.steps:
        s._activate(s.playbook.steps[0].id, e.occurred_at, e.seq)


def _ticked(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    step_id = str(p.get("step"))
    st = s.steps.get(step_id)
    if st is not None:
        item = int(p.get("item", -1))
        if not s._clashes(e, p, st, item):
            st.ticks[item] = Tick(e.occurred_at, e.actor, p.get("evidence"), e.seq)
            if st.started_at is None:
                st.started_at = e.occurred_at
    if p.get("marks"):  # the item marks a milestone (never moves one already recorded)
        s._milestone(e, str(p["marks"]), via_step=step_id)


def _unticked(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    st = s.steps.get(str(p.get("step")))
    if st is not None:
        st.ticks.pop(int(p.get("item", -1)), None)


def _marks(s: IncidentState, e: Entry, p: dict[str, Any], step_id: str) -> None:
    """A finished step's milestone; ``closed`` closes the incident, as by hand."""
    if p.get("marks") == "closed":
        _closed(s, e, p)
        s.milestones["closed"].via_step = step_id
    elif p.get("marks"):
        s._milestone(e, str(p["marks"]), via_step=step_id)


def _done(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    step_id = str(p.get("step"))
    st = s.steps.get(step_id)
    if st is not None and s._clashes(e, p, st):
        return
    s._finish(e, step_id, "done")
    _marks(s, e, p, step_id)


def _skipped(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    step_id = str(p.get("step"))
    st = s.steps.get(step_id)
    if st is None or s._clashes(e, p, st):
        return
    st.skip_reason = str(p.get("reason", ""))
    s._finish(e, step_id, "skipped")


def _decided(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    step_id = str(p.get("step"))
    st = s.steps.get(step_id)
    if st is None or s._clashes(e, p, st):
        return
    st.decision = (int(p.get("option", 0)), str(p.get("label", "")), str(p.get("next", END)))
    s._finish(e, step_id, "done")
    _marks(s, e, p, step_id)


def _milestone(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s._milestone(e, str(p.get("name")))


def _severity(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    previous, s.severity = s.severity, str(p.get("severity", s.severity))
    s.severity_history.append(
        SeverityChange(
            s.severity, previous, e.occurred_at, e.actor, str(p.get("reason") or ""), e.seq
        )
    )


def _status(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.status = str(p.get("status", s.status))


def _role(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    role, person = p.get("role"), p.get("person")
    if role:
        if person:
            s.roles[str(role)] = str(person)
        else:
            s.roles.pop(str(role), None)


def _escalated(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.escalations.append(
        Escalation(
            str(p.get("timer")),
            int(p.get("level", 1)),
            int(p.get("repeat", 0)),
            str(p.get("role", "")),
            tuple(p.get("people", ())),
            e.occurred_at,
            e.seq,
            # a drill's due times are on the exercise clock: it is never late
            due_at=_moment(p.get("due_at")) if s.mode != "drill" else None,
            late_reason=str(p["late_reason"]) if p.get("late_reason") else None,
            fired_by=str(p.get("firer", "")),
        )
    )


def _moment(value: object) -> datetime | None:
    """A time a payload holds as ISO 8601 text (None when absent or unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_ts(value)
    except ValueError:
        return None


def _paged(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.pages.append(
        Page(
            str(p.get("target", "")),
            str(p["role"]) if p.get("role") else None,
            tuple(str(n) for n in p.get("people", ())),
            str(p.get("text", "")),
            e.occurred_at,
            e.seq,
            e.actor,
        )
    )


def _notified(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.notifications.append({**p, "at": e.occurred_at, "seq": e.seq})


def _escalation_ack(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    """One timer's escalation (``timer``), or the incident with every escalation fired so
    far (``timers``, maybe none: acknowledged before any timer lapsed)."""
    timers = [str(t) for t in p["timers"]] if "timers" in p else [str(p.get("timer"))]
    for esc in s.escalations:
        if esc.timer in timers and esc.acknowledged_by is None:
            esc.acknowledged_by = e.actor
            esc.acknowledged_at = e.occurred_at
    if p.get("milestone"):
        s._milestone(e, str(p["milestone"]))


def _closed(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.status = "closed"
    s.closed_at = e.occurred_at
    s.outcome = outcome_words(p) if e.kind == K.CLOSED else "resolved"
    s._milestone(e, "closed")


def _reopened(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.status = str(p.get("status", OPEN_STATUS))
    s.closed_at = None
    s.outcome = ""
    s.milestones.pop("closed", None)


@dataclass(frozen=True)
class Correction:
    """A correction of an earlier entry: the original stays; this is shown beside it."""

    seq: int
    corrects: int
    actor: str
    at: datetime
    text: str  # what was wrong (user text raw)

    @property
    def aside(self) -> str:
        return f"corrected by entry {self.seq} ({self.actor}): {self.text}"


def _correction(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    if e.corrects is not None:
        s.corrections.setdefault(e.corrects, []).append(
            Correction(e.seq, e.corrects, e.actor, e.occurred_at, str(p.get("text", "")))
        )


def _note(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.notes += 1
    if p.get("internal") is True:
        s.internal_notes.add(e.seq)


def _update(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.updates.append(e.occurred_at)


def _link(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.links.append(Link(str(p["url"]), str(p.get("label") or ""), e.occurred_at, e.actor, e.seq))


HANDLERS: dict[str, Handler] = {
    K.DECLARED: _declared,
    K.TICKED: _ticked,
    K.UNTICKED: _unticked,
    K.STEP_DONE: _done,
    K.STEP_SKIPPED: _skipped,
    K.DECIDED: _decided,
    K.MILESTONE: _milestone,
    K.SEVERITY: _severity,
    K.STATUS: _status,
    K.ROLE: _role,
    K.ESCALATED: _escalated,
    K.NOTIFIED: _notified,
    K.ESCALATION_ACK: _escalation_ack,
    K.PAGED: _paged,
    K.CLOSED: _closed,
    K.REOPENED: _reopened,
    K.NOTE: _note,
    K.CORRECTION: _correction,
    K.LINK: _link,
    K.UPDATE: _update,
}
