"""The incident state machine: an incident's state is a pure fold over its journal entries.

The live runner, a reopened session, a second responder's screen, replay and the report
all build state with :meth:`IncidentState.apply`, so they cannot disagree. Nothing here
reads a clock: timers are evaluated against a ``now`` the caller passes in.

Flow: the first step becomes active when the incident is declared. Completing, skipping or
deciding the *active* step moves the pointer to the next one (its ``next``, the chosen
option, or the following step). Steps can also be completed out of order (parallel work);
when the pointer later reaches such a step it passes over it. Reaching a step that was
finished on an earlier visit (a loop) activates it again for a new visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES, EventRef
from irdesk.domain.models import END, Playbook, Scenario, Step, Timer


class K:
    """Entry kinds. The strings are part of the journal format: never rename one."""

    DECLARED = "incident.declared"
    NOTE = "note"
    TICKED = "check.ticked"
    UNTICKED = "check.unticked"
    STEP_DONE = "step.done"
    STEP_SKIPPED = "step.skipped"
    DECIDED = "decision.made"
    MILESTONE = "milestone"
    SEVERITY = "severity.changed"
    STATUS = "status.changed"
    ROLE = "role.assigned"
    ESCALATED = "escalation.fired"
    NOTIFIED = "notify.ran"
    ESCALATION_ACK = "escalation.acknowledged"
    CLOSED = "incident.closed"
    REOPENED = "incident.reopened"
    CORRECTION = "correction"


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


class ActionError(ValueError):
    """An action that makes no sense in the current state (the message is for people)."""


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
    at: datetime
    seq: int
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


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


# --------------------------------------------------------------------------- the fold


@dataclass
class IncidentState:
    playbook: Playbook
    scenario: Scenario | None = None
    incident_id: str = ""
    title: str = ""
    mode: str = "live"
    severity: str = ""
    status: str = OPEN_STATUS
    declared_at: datetime | None = None
    declared_by: str = ""
    scenario_id: str | None = None
    steps: dict[str, StepState] = field(default_factory=dict)
    current: str | None = None  # the active step's id; None when the path has ended
    path: list[str] = field(default_factory=list)  # steps in the order the pointer visited
    milestones: dict[str, MilestoneState] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # role id -> person name
    events: dict[str, datetime] = field(default_factory=dict)  # first occurrence of each
    escalations: list[Escalation] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    notes: int = 0
    closed_at: datetime | None = None
    last_seq: int = 0
    last_at: datetime | None = None
    entry_count: int = 0
    # State kept by feature modules (drills, reviews) through register_handler; keyed by
    # feature name. Those modules provide typed accessors.
    ext: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.steps:
            self.steps = {s.id: StepState(s.id) for s in self.playbook.steps}

    # ----------------------------------------------------------------- building
    @classmethod
    def fold(
        cls, playbook: Playbook, entries: Iterable[Entry], scenario: Scenario | None = None
    ) -> IncidentState:
        state = cls(playbook, scenario)
        for entry in entries:
            state.apply(entry)
        return state

    def apply(self, entry: Entry) -> None:
        """Advance the state by one entry. Entries must come in sequence order."""
        if entry.seq <= self.last_seq:
            return  # already applied (a refresh that overlapped)
        self.last_seq = entry.seq
        self.last_at = entry.recorded_at
        self.entry_count += 1
        handler = _HANDLERS.get(entry.kind)
        if handler is not None:
            handler(self, entry, entry.payload)

    # ----------------------------------------------------------------- queries
    @property
    def closed(self) -> bool:
        return self.status == "closed"

    @property
    def current_step(self) -> Step | None:
        return self.playbook.step(self.current) if self.current else None

    def event_time(self, ref: EventRef) -> datetime | None:
        return self.events.get(str(ref))

    def elapsed(self, now: datetime) -> timedelta:
        if self.declared_at is None:
            return timedelta(0)
        end = self.closed_at if self.closed and self.closed_at else now
        return end - self.declared_at

    def timer_time(self, when: datetime) -> datetime:
        """Where timers read time: the wall clock, or in a drill the exercise clock.

        A drill (``ext["drill"]``, see irdesk.domain.drill) maps a wall time to the exercise
        clock's reading, so pausing the exercise pauses the playbook's timers too and
        speeding it up speeds them up. Before the exercise clock starts it reads zero.
        """
        drill = self.ext.get("drill")
        if drill is None or self.declared_at is None:
            return when
        return self.declared_at + drill.exercise_time(when)

    def step_overdue(self, step_id: str, now: datetime) -> timedelta | None:
        """How long past its expected duration an active step is, if it is."""
        step = self.playbook.step(step_id)
        st = self.steps[step_id]
        if st.status != "active" or step.within is None or st.activated_at is None:
            return None
        over = self.timer_time(now) - self.timer_time(st.activated_at) - step.within
        return over if over > timedelta(0) else None

    def timers(self, now: datetime) -> list[TimerView]:
        return [self.timer_view(t, now) for t in self.playbook.timers]

    def timer_view(self, timer: Timer, now: datetime) -> TimerView:
        fired = tuple(e for e in self.escalations if e.timer == timer.id)
        started = self.event_time(timer.start)
        stopped = self.event_time(timer.stop)
        now = self.timer_time(now)
        started = self.timer_time(started) if started is not None else None
        stopped = self.timer_time(stopped) if stopped is not None else None
        if started is None:
            return TimerView(timer, "waiting", None, None, stopped, None, fired)
        deadline = started + timer.within
        if stopped is not None and stopped >= started:
            state = "met" if stopped <= deadline else "late"
            return TimerView(timer, state, started, deadline, stopped, deadline - stopped, fired)
        if self.closed:
            return TimerView(
                timer, "late" if fired else "met", started, deadline, self.closed_at, None, fired
            )
        remaining = deadline - now
        acknowledged = any(e.acknowledged_by for e in fired)
        state = (
            "running"
            if remaining > timedelta(0)
            else ("acknowledged" if acknowledged else "lapsed")
        )
        return TimerView(timer, state, started, deadline, None, remaining, fired)

    def due_escalations(self, now: datetime) -> list[DueEscalation]:
        """Escalations whose time has come and that are not in the journal yet.

        Each level fires once; after the last level, ``repeat`` re-notifies it. If irdesk
        was not running for a while, only the latest re-notification is due (not a burst).
        Acknowledging a timer's escalation, or its stop event, ends its escalation.
        """
        if self.closed:
            return []
        due: list[DueEscalation] = []
        fired = {(e.timer, e.level, e.repeat) for e in self.escalations}
        for timer in self.playbook.timers:
            if not timer.escalate:
                continue
            view = self.timer_view(timer, now)
            if view.state not in ("lapsed",) or view.started_at is None:
                continue
            clock_now = self.timer_time(now)
            offsets = timer.level_offsets()
            for level, offset in zip(timer.escalate, offsets, strict=True):
                at = view.started_at + offset
                if clock_now >= at and (timer.id, level.level, 0) not in fired:
                    due.append(DueEscalation(timer, level.level, 0, level.role, at))
            last = timer.escalate[-1]
            last_at = view.started_at + offsets[-1]
            if timer.repeat and clock_now >= last_at + timer.repeat:
                n = int((clock_now - last_at) / timer.repeat)
                if (timer.id, last.level, n) not in fired:
                    due.append(
                        DueEscalation(timer, last.level, n, last.role, last_at + n * timer.repeat)
                    )
        return due

    def milestone_time(self, name: str) -> datetime | None:
        found = self.milestones.get(name)
        return found.at if found else None

    def ordered_milestones(self) -> list[MilestoneState]:
        return [self.milestones[m] for m in MILESTONES if m in self.milestones]

    # ----------------------------------------------------------------- action checks
    def check_open(self) -> None:
        if self.closed:
            raise ActionError(f"{self.incident_id} is closed; reopen it first")

    def check_tick(self, step_id: str, item: int) -> Step:
        self.check_open()
        step = self._known_step(step_id)
        if not 0 <= item < len(step.checklist):
            raise ActionError(f"step {step.title!r} has no checklist item {item + 1}")
        if self.steps[step_id].status == "skipped":
            raise ActionError(f"step {step.title!r} was skipped")
        return step

    def check_finish(self, step_id: str) -> Step:
        self.check_open()
        step = self._known_step(step_id)
        st = self.steps[step_id]
        if st.finished and self.current != step_id:
            raise ActionError(f"step {step.title!r} is already {st.status}")
        return step

    def check_done(self, step_id: str) -> Step:
        step = self.check_finish(step_id)
        if step.decision:
            raise ActionError(f"{step.title!r} is a decision: choose one of its options")
        return step

    def check_skip(self, step_id: str, reason: str) -> Step:
        step = self.check_finish(step_id)
        if step.decision:
            raise ActionError(
                f"{step.title!r} is a decision and cannot be skipped: choose the option that fits"
            )
        if not reason.strip():
            raise ActionError("skipping a step needs a reason")
        return step

    def check_decide(self, step_id: str, option: int) -> Step:
        step = self.check_finish(step_id)
        if not step.decision:
            raise ActionError(f"{step.title!r} is not a decision")
        if not 0 <= option < len(step.decision):
            raise ActionError(f"{step.title!r} has no option {option + 1}")
        return step

    def _known_step(self, step_id: str) -> Step:
        try:
            return self.playbook.step(step_id)
        except KeyError:
            raise ActionError(f"playbook {self.playbook.id!r} has no step {step_id!r}") from None

    # ----------------------------------------------------------------- flow helpers
    def _record_event(self, ref: str, at: datetime) -> None:
        self.events.setdefault(ref, at)

    def _activate(self, step_id: str, at: datetime, seq: int) -> None:
        """Move the pointer to ``step_id`` (passing over steps finished out of order)."""
        guard = len(self.steps) + 1
        target: str | None = step_id
        while target is not None and target != END and guard > 0:
            guard -= 1
            st = self.steps[target]
            if st.finished and st.finished_seq > st.left_seq:
                # finished out of order since the pointer last left it: pass over it
                st.left_seq = seq
                target = self._after(target)
                continue
            st.status = "active"
            st.visits += 1
            st.ticks = {} if st.visits > 1 else st.ticks
            st.activated_at = at
            st.skip_reason = None if st.visits > 1 else st.skip_reason
            if st.started_at is None:
                st.started_at = at
            self.current = target
            self.path.append(target)
            self._record_event(f"step:{target}:started", at)
            return
        self.current = None

    def _after(self, step_id: str) -> str | None:
        st = self.steps[step_id]
        if st.decision is not None:
            return st.decision[2]
        return self.playbook.next_after(step_id)

    def _finish(self, entry: Entry, step_id: str, status: str) -> None:
        st = self.steps.get(step_id)
        if st is None:
            return
        st.status = status
        st.finished_at = entry.occurred_at
        st.finished_seq = entry.seq
        st.actor = entry.actor
        if st.started_at is None:
            st.started_at = entry.occurred_at
        if status == "done":
            self._record_event(f"step:{step_id}:done", entry.occurred_at)
        if self.current == step_id:
            st.left_seq = entry.seq
            nxt = self._after(step_id)
            if nxt is None or nxt == END:
                self.current = None
            else:
                self._activate(nxt, entry.occurred_at, entry.seq)

    def _milestone(self, entry: Entry, name: str, via_step: str | None = None) -> None:
        """Record a milestone. One recorded by hand replaces an earlier one (a correction);
        a step's ``marks`` never moves a milestone that is already recorded."""
        if name not in MILESTONES:
            return
        if via_step is not None and name in self.milestones:
            return
        self.milestones[name] = MilestoneState(
            name,
            entry.occurred_at,
            entry.recorded_at,
            entry.actor,
            entry.seq,
            entry.backdate_reason,
            via_step,
        )
        self.events[name] = entry.occurred_at


# --------------------------------------------------------------------------- handlers


def _declared(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.incident_id = e.incident_id
    s.title = str(p.get("title", ""))
    s.mode = str(p.get("mode", "live"))
    s.severity = str(p.get("severity", ""))
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
    st = s.steps.get(str(p.get("step")))
    if st is not None:
        st.ticks[int(p.get("item", -1))] = Tick(e.occurred_at, e.actor, p.get("evidence"), e.seq)
        if st.started_at is None:
            st.started_at = e.occurred_at


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
    s._finish(e, step_id, "done")
    _marks(s, e, p, step_id)


def _skipped(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    step_id = str(p.get("step"))
    st = s.steps.get(step_id)
    if st is not None:
        st.skip_reason = str(p.get("reason", ""))
    s._finish(e, step_id, "skipped")


def _decided(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    step_id = str(p.get("step"))
    st = s.steps.get(step_id)
    if st is None:
        return
    st.decision = (int(p.get("option", 0)), str(p.get("label", "")), str(p.get("next", END)))
    s._finish(e, step_id, "done")
    _marks(s, e, p, step_id)


def _milestone(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s._milestone(e, str(p.get("name")))


def _severity(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.severity = str(p.get("severity", s.severity))


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
        )
    )


def _notified(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.notifications.append({**p, "at": e.occurred_at, "seq": e.seq})


def _escalation_ack(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    timer = str(p.get("timer"))
    for esc in s.escalations:
        if esc.timer == timer and esc.acknowledged_by is None:
            esc.acknowledged_by = e.actor
            esc.acknowledged_at = e.occurred_at
    if p.get("milestone"):
        s._milestone(e, str(p["milestone"]))


def _closed(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.status = "closed"
    s.closed_at = e.occurred_at
    s._milestone(e, "closed")


def _reopened(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.status = str(p.get("status", OPEN_STATUS))
    s.closed_at = None
    s.milestones.pop("closed", None)


def _note(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    s.notes += 1


_HANDLERS = {
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
    K.CLOSED: _closed,
    K.REOPENED: _reopened,
    K.NOTE: _note,
}
_CORE_KINDS = frozenset(_HANDLERS)


def register_handler(kind: str, handler) -> None:
    """Let a feature module (drills, reviews) extend the fold with its own entry kinds.

    ``handler(state, entry, payload)`` keeps its data under ``state.ext[<feature>]``.
    A kind already handled here can be extended too: both handlers run, core's first.
    """
    if kind in _HANDLERS and kind in _CORE_KINDS:
        core = _HANDLERS[kind]

        def both(state, entry, payload):  # noqa: ANN001
            core(state, entry, payload)
            handler(state, entry, payload)

        _HANDLERS[kind] = both
    else:
        _HANDLERS[kind] = handler


def fold_prefixes(
    playbook: Playbook, entries: list[Entry], scenario: Scenario | None = None
) -> Iterator[IncidentState]:
    """The state after each prefix of ``entries`` (used by tests of replay equivalence)."""
    for n in range(len(entries) + 1):
        yield IncidentState.fold(playbook, entries[:n], scenario)
