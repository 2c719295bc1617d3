"""Domain objects: frozen dataclasses built by :mod:`irdesk.formats.loader`.

Sequences are tuples so a loaded playbook can be shared freely and never changes under
anybody's feet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from irdesk.domain.events import EventRef

END = "end"
DEFAULT_SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
STALE_AFTER = timedelta(days=365)


class Phase(StrEnum):
    PREPARATION = "preparation"
    DETECTION = "detection"
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    POST_INCIDENT = "post-incident"


PHASES: tuple[str, ...] = tuple(p.value for p in Phase)


@dataclass(frozen=True)
class Source:
    """Where a model came from: the file and the SHA-256 of its bytes."""

    path: Path
    sha256: str
    bundled: bool = False
    text: str | None = field(default=None, repr=False)  # the file as read (kept in the journal)


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    duties: str = ""


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    evidence: bool = False
    marks: str | None = None  # a milestone ticking it records (e.g. "acknowledged")


@dataclass(frozen=True)
class DecisionOption:
    label: str
    next: str  # step id or END


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    phase: Phase
    role: str | None = None
    within: timedelta | None = None
    marks: str | None = None  # a milestone name
    instructions: str = ""
    checklist: tuple[ChecklistItem, ...] = ()
    next: str | None = None  # explicit next step id or END; None = the following step
    decision: tuple[DecisionOption, ...] = ()

    @property
    def is_decision(self) -> bool:
        return bool(self.decision)


@dataclass(frozen=True)
class EscalationLevel:
    level: int  # 1-based
    role: str
    after: timedelta  # after the previous level (level 1: zero, it fires at `within`)


@dataclass(frozen=True)
class Timer:
    id: str
    title: str
    start: EventRef
    stop: EventRef
    within: timedelta
    escalate: tuple[EscalationLevel, ...] = ()
    repeat: timedelta | None = None

    def level_offsets(self) -> tuple[timedelta, ...]:
        """When each escalation level fires, counted from the timer's start."""
        offsets = []
        at = self.within
        for level in self.escalate:
            at = at + level.after
            offsets.append(at)
        return tuple(offsets)


@dataclass(frozen=True)
class Playbook:
    id: str
    title: str
    version: str
    owner: str
    reviewed: date
    contact_point: str
    roles: tuple[Role, ...]
    steps: tuple[Step, ...]
    timers: tuple[Timer, ...] = ()
    summary: str = ""
    references: tuple[str, ...] = ()
    severities: tuple[str, ...] = DEFAULT_SEVERITIES
    source: Source | None = field(default=None, compare=False)
    #: how often a status update is due at each severity (``updates:``); none: no reminder
    updates: tuple[tuple[str, timedelta], ...] = ()

    def update_every(self, severity: str) -> timedelta | None:
        """The status update cadence at ``severity`` (None: no reminder)."""
        return dict(self.updates).get(severity)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def role(self, role_id: str) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)

    def next_after(self, step_id: str) -> str:
        """Where a non-decision step leads: its ``next`` or the following step or END."""
        step = self.step(step_id)
        if step.next is not None:
            return step.next
        ids = [s.id for s in self.steps]
        index = ids.index(step_id)
        return ids[index + 1] if index + 1 < len(ids) else END

    def is_stale(self, today: date) -> bool:
        return today - self.reviewed > STALE_AFTER


@dataclass(frozen=True)
class Objective:
    id: str
    text: str


@dataclass(frozen=True)
class Expectation:
    event: EventRef
    within: timedelta
    objective: str | None = None


@dataclass(frozen=True)
class Inject:
    id: str
    at: timedelta
    text: str
    sender: str = ""  # `from:` in YAML
    expect: tuple[Expectation, ...] = ()
    unless: EventRef | None = None
    after: EventRef | None = None
    facilitator: str = ""  # for the facilitator's eyes only, never the players'


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    playbook: str
    duration: timedelta
    objectives: tuple[Objective, ...]
    injects: tuple[Inject, ...]
    summary: str = ""
    questions: tuple[str, ...] = ()
    source: Source | None = field(default=None, compare=False)
    facilitator: str = ""  # for the facilitator's eyes only, never the players'

    def inject(self, inject_id: str) -> Inject:
        for inject in self.injects:
            if inject.id == inject_id:
                return inject
        raise KeyError(inject_id)


@dataclass(frozen=True)
class Away:
    """A person is away (not reachable) from ``start`` to ``end``, both days included."""

    start: date
    end: date
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Person:
    name: str
    roles: tuple[str, ...] = ()
    contact: str = ""
    on_call: bool = False
    phone: str = ""
    email: str = ""
    handle: str = ""
    away: tuple[Away, ...] = ()

    def away_on(self, day: date) -> bool:
        return any(a.covers(day) for a in self.away)

    @property
    def reachable(self) -> bool:
        """Has any way to be reached (free-text contact or a detail a command can use)."""
        return bool(self.contact.strip() or self.phone or self.email or self.handle)


#: how long a notify command may run before it is killed (with everything it started)
NOTIFY_TIMEOUT = timedelta(seconds=15)


@dataclass(frozen=True)
class Notify:
    command: tuple[str, ...]
    timeout: timedelta = NOTIFY_TIMEOUT


@dataclass(frozen=True)
class Roster:
    people: tuple[Person, ...]
    notify: Notify | None = None
    source: Source | None = field(default=None, compare=False)

    def holders(self, role_id: str) -> tuple[Person, ...]:
        return tuple(p for p in self.people if role_id in p.roles)

    def on_call(self, role_id: str) -> tuple[Person, ...]:
        """People on call for a role, or everyone holding it when nobody is marked on call."""
        holders = self.holders(role_id)
        return tuple(p for p in holders if p.on_call) or holders

    def on_call_on(self, role_id: str, day: date) -> tuple[Person, ...]:
        """Who is paged for a role on ``day``: the holders who are not away, those marked
        on call among them, or all of them when none of those is marked on call."""
        present = tuple(p for p in self.holders(role_id) if not p.away_on(day))
        return tuple(p for p in present if p.on_call) or present

    def person(self, name: str) -> Person | None:
        """A person by name (exact, else ignoring case)."""
        for person in self.people:
            if person.name == name:
                return person
        folded = name.casefold()
        for person in self.people:
            if person.name.casefold() == folded:
                return person
        return None


EMPTY_ROSTER = Roster(people=())
