"""The incident state machine: an incident's state is a pure fold over its journal entries.

The live runner, a reopened session, a second responder's screen, replay and the report
all build state with :meth:`IncidentState.apply`, so they cannot disagree. Nothing here
reads a clock: timers are evaluated against a ``now`` the caller passes in.

Flow: the first step becomes active when the incident is declared. Completing, skipping or
deciding the *active* step moves the pointer to the next one (its ``next``, the chosen
option, or the following step). Steps can also be completed out of order (parallel work);
when the pointer later reaches such a step it passes over it. Reaching a step that was
finished on an earlier visit (a loop) activates it again for a new visit.

What each entry does is said by three parts: the incident's own kinds
(:mod:`irdesk.domain.incident`), the drill's (:mod:`irdesk.domain.drill`) and the
review's (:mod:`irdesk.domain.review`). They are composed here, in one table, in that
order: the same entries always fold the same way, whatever else was imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from irdesk.domain import drill, incident, review
from irdesk.domain.clock import local_hms
from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES, EventRef
from irdesk.domain.incident import (
    OPEN_STATUS,
    ActionError,
    Clash,
    Collision,
    Correction,
    DueEscalation,
    Escalation,
    Handler,
    K,
    Link,
    MilestoneState,
    Page,
    SeverityChange,
    StepState,
    TimerView,
    Unconfirmed,
    impact_after_detection,
)
from irdesk.domain.models import END, Playbook, Scenario, Step, Timer

# --------------------------------------------------------------------------- the state


@dataclass
class IncidentState:
    playbook: Playbook
    scenario: Scenario | None = None
    incident_id: str = ""
    title: str = ""
    mode: str = "live"
    severity: str = ""
    #: the declared severity, then every change, in order (see :attr:`peak_severity`)
    severity_history: list[SeverityChange] = field(default_factory=list)
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
    pages: list[Page] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # tickets, chat channels: in order
    updates: list[datetime] = field(default_factory=list)  # status updates issued
    notes: int = 0
    #: notes for the team only (``internal``): reports leave them out unless asked
    internal_notes: set[int] = field(default_factory=set)
    #: corrections of earlier entries, by the seq they correct (the originals stay)
    corrections: dict[int, list[Correction]] = field(default_factory=dict)
    closed_at: datetime | None = None
    outcome: str = ""  # how it ended, in words (outcome_words), while closed
    last_seq: int = 0
    last_at: datetime | None = None
    entry_count: int = 0
    #: entries that could not be read or applied as written: (seq, why), in order. They
    #: are shown in place by every view; the fold goes on without them.
    damaged: list[tuple[int, str]] = field(default_factory=list)
    #: step actions that came after the step (or item) was already finished (or ticked) by
    #: somebody else: kept, never applied, shown beside the first by every view (in order)
    clashes: list[Clash] = field(default_factory=list)
    # The drill's and the review's parts of the state, keyed "drill" and "review" (their
    # modules provide typed accessors: drill_state, review_state).
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
        self.entry_count += 1
        if entry.damage is not None:
            self.damaged.append((entry.seq, entry.damage))
            return
        self.last_at = entry.recorded_at
        handler = FOLD.get(entry.kind)
        if handler is not None:
            try:
                handler(self, entry, entry.payload)
            except (TypeError, ValueError, KeyError, AttributeError, IndexError):
                # A payload with the wrong shape for its kind (a tampered or foreign
                # journal): shown as damaged where it sits, and the fold goes on.
                self.damaged.append((entry.seq, f"its payload is not a readable {entry.kind}"))

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
        exercise: timedelta = drill.exercise_time(when)
        return self.declared_at + exercise

    def step_overdue(self, step_id: str, now: datetime) -> timedelta | None:
        """How long past its expected duration an active step is, if it is."""
        step = self.playbook.step(step_id)
        st = self.steps[step_id]
        if st.status != "active" or step.within is None or st.activated_at is None:
            return None
        over = self.running_for(st.activated_at, now) - step.within
        return over if over > timedelta(0) else None

    def running_for(self, since: datetime, now: datetime) -> timedelta:
        """How long from ``since`` to ``now`` on the timers' clock: wall time, or in a
        drill exercise time (a step's running time stops while the exercise is paused)."""
        return self.timer_time(now) - self.timer_time(since)

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
        if stopped is not None and stopped < started:
            # the stop happened before the clock started (a backdated milestone: contained
            # before anyone typed the acknowledgement): nothing was left to wait for
            return TimerView(timer, "met", started, deadline, stopped, timer.within, fired)
        if stopped is not None:
            state = "met" if stopped <= deadline else "late"
            return TimerView(timer, state, started, deadline, stopped, deadline - stopped, fired)
        if self.closed:  # stopped by closing: on the timers' clock, like its start
            closed = self.timer_time(self.closed_at) if self.closed_at else now
            return TimerView(
                timer, "late" if fired else "met", started, deadline, closed, None, fired
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
            due += incident.due_levels(timer, view.started_at, self.timer_time(now), fired)
        return due

    def escalation_summary(self, now: datetime) -> EscalationSummary | None:
        """Where the incident's escalations stand (for a board of incidents): the highest
        level fired and not acknowledged, since when, and when the next one falls due (or
        the nearest deadline of a running timer). None when no timer has started."""
        if self.closed:
            return None
        level: int | None = None
        since: datetime | None = None
        upcoming: list[datetime] = []
        for timer in self.playbook.timers:
            view = self.timer_view(timer, now)
            if view.state == "running" and view.deadline is not None:
                upcoming.append(view.deadline)
            if view.state != "lapsed" or view.started_at is None:
                continue
            for e in view.escalations:
                if e.acknowledged_by is None and (level is None or e.level >= level):
                    level, since = e.level, max(e.at, since) if since else e.at
            nxt = _next_due(timer, view.started_at, self.timer_time(now), view.escalations)
            if nxt is not None:
                upcoming.append(nxt)
        if level is None and not upcoming:
            return None
        return EscalationSummary(level, since, min(upcoming) if upcoming else None)

    @property
    def peak_severity(self) -> str:
        """The most severe severity the incident had (playbooks list theirs most severe
        first; one the playbook does not list counts as the least severe)."""
        rank = {name: n for n, name in enumerate(self.playbook.severities)}
        return min(
            (c.severity for c in self.severity_history),
            key=lambda name: rank.get(name, len(rank)),
            default=self.severity,
        )

    @property
    def conflicts(self) -> list[Clash]:
        """The clashes where the second action said something else than the first."""
        return [c for c in self.clashes if c.conflict]

    def clash_at(self, seq: int) -> Clash | None:
        """The clash entry ``seq`` made, if it made one."""
        for clash in reversed(self.clashes):
            if clash.seq == seq:
                return clash
            if clash.seq < seq:
                break
        return None

    def asides(self, seq: int) -> list[tuple[str, bool]]:
        """What every view says beside entry ``seq``: its clash with an earlier action and
        the corrections of it, each as (text, alarming); user text raw."""
        found: list[tuple[str, bool]] = []
        clash = self.clash_at(seq)
        if clash is not None:
            found.append((clash.text, clash.conflict))
        found.extend((c.aside, False) for c in self.corrections.get(seq, ()))
        return found

    def step_outcome(self, step_id: str) -> str:
        """What the last finish of a step said, in the words of :class:`Clash`."""
        st = self.steps[step_id]
        if st.status == "skipped":
            return "skipped it"
        if st.decision is not None:
            return f"chose {st.decision[1]!r}"
        return "marked it done"

    def unfinished_steps(self) -> list[Step]:
        """The steps still to do on the path from the active one: it, then each step the
        path goes on to, up to a decision not taken yet (which is named) or the end.
        What closing the incident now leaves undone."""
        found: list[Step] = []
        target, guard = self.current, len(self.steps) + 1
        while target is not None and target != END and guard > 0:
            guard -= 1
            st = self.steps[target]
            step = self.playbook.step(target)
            if not st.finished or target == self.current:
                found.append(step)
            if step.decision:
                break
            target = self.playbook.next_after(target)
        return found

    def update_due(self) -> datetime | None:
        """When the next status update is due: the playbook's cadence at the current
        severity after the last update issued (or the declaration). None when the playbook
        sets no cadence for it, or the incident is closed."""
        every = self.playbook.update_every(self.severity)
        if every is None or self.closed or self.declared_at is None:
            return None
        return max([self.declared_at, *self.updates]) + every

    def milestone_time(self, name: str) -> datetime | None:
        found = self.milestones.get(name)
        return found.at if found else None

    def ordered_milestones(self) -> list[MilestoneState]:
        return [self.milestones[m] for m in MILESTONES if m in self.milestones]

    # ----------------------------------------------------------------- action checks
    def check_open(self) -> None:
        if self.closed:
            raise ActionError(f"{self.incident_id} is closed; reopen it first")

    def check_milestone_order(self, name: str, at: datetime, now: datetime) -> None:
        """Refuse (:class:`Unconfirmed`) a ``started`` after ``detected``, either way round."""
        started = at if name == "started" else self.milestone_time("started")
        detected = at if name == "detected" else self.milestone_time("detected")
        if name in ("started", "detected"):
            odd = impact_after_detection(started, detected, now)
            if odd is not None:
                raise Unconfirmed(odd)

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
            raise Collision(self.taken(step_id))
        return step

    def taken(self, step_id: str, item: int | None = None) -> str:
        """Who finished a step (ticked an item of it) before, what they did and when: the
        refusal a second responder reads."""
        step = self._known_step(step_id)
        st = self.steps[step_id]
        tick = st.ticks.get(item) if item is not None else None
        at: datetime | None
        if tick is not None:
            what = f"{step.checklist[item].text!r} is already ticked: {tick.actor} ticked it"  # type: ignore[index]
            at, seq = tick.at, tick.seq
        else:
            status = "decided" if st.decision is not None and st.status == "done" else st.status
            what = f"{step.title!r} is already {status}: {st.actor or 'somebody'} " + (
                self.step_outcome(step_id)
            )
            at, seq = st.finished_at, st.finished_seq
        when = f" at {local_hms(at)}" if at is not None else ""
        return f"{what}{when} (entry {seq}); yours was not recorded"

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
    def _clashes(
        self, entry: Entry, payload: dict[str, Any], st: StepState, item: int | None = None
    ) -> bool:
        """Whether a step action (finish of the step ``st``, or tick of its ``item``) comes
        too late: the step is already finished (the item ticked), or its author saw an
        earlier visit of it (``visit`` in the payload). Such an action was refused by the
        screen that wrote it if it could see the first; the journal may hold it all the
        same (two processes racing, an older journal): it is kept as a :class:`Clash` and
        changes nothing."""
        step_id = st.id
        seen = payload.get("visit")
        # visits 0 (not reached yet) and 1 are the same first visit: ticks carry over
        stale = type(seen) is int and max(seen, 1) < st.visits  # an int, never a bool
        first: tuple[int, str, datetime, str] | None = None
        if item is not None:
            tick = st.ticks.get(item)
            if tick is not None:
                first = (tick.seq, tick.actor, tick.at, "ticked it")
            elif not stale:
                return False  # most ticks: nothing to compare
        elif st.finished and self.current != step_id:
            first = (st.finished_seq, st.actor or "", st.finished_at or entry.occurred_at, "")
        if first is None and stale and st.finished_seq:
            first = (st.finished_seq, st.actor or "", st.finished_at or entry.occurred_at, "")
        if first is None:
            return False
        seq, actor, at, words = first
        self.clashes.append(
            Clash(
                entry.seq,
                step_id,
                item,
                entry.actor,
                entry.occurred_at,
                _action_words(entry.kind, payload),
                seq,
                actor,
                at,
                words or self.step_outcome(step_id),
            )
        )
        return True

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


def _action_words(kind: str, payload: dict[str, Any]) -> str:
    """What a step action says, in the words of :class:`Clash`."""
    if kind == K.DECIDED:
        return f"chose {str(payload.get('label', ''))!r}"
    if kind == K.STEP_SKIPPED:
        return "skipped it"
    if kind == K.TICKED:
        return "ticked it"
    return "marked it done"


@dataclass(frozen=True)
class EscalationSummary:
    level: int | None  # the highest level fired and not acknowledged (None: none fired)
    since: datetime | None  # when it (or its latest reminder) fired
    next_due: datetime | None  # when the next escalation (or a running timer's deadline) is due


def _next_due(
    timer: Timer, started: datetime, now: datetime, fired: Sequence[Escalation]
) -> datetime | None:
    """When the next escalation of a lapsed timer falls due (on the timers' clock)."""
    done = {(e.level, e.repeat) for e in fired}
    offsets = timer.level_offsets()
    for level, offset in zip(timer.escalate, offsets, strict=True):
        if (level.level, 0) not in done and started + offset > now:
            return started + offset
    if timer.repeat and timer.escalate:
        last_at = started + offsets[-1]
        n = max(1, int((now - last_at) / timer.repeat) + 1)
        return last_at + n * timer.repeat
    return None


# --------------------------------------------------------------------------- the table


def _both(handlers: Sequence[Handler]) -> Handler:
    def run(state: IncidentState, entry: Entry, payload: dict[str, Any]) -> None:
        for handler in handlers:
            handler(state, entry, payload)

    return run


def compose(*parts: Mapping[str, Handler]) -> dict[str, Handler]:
    """One handler per kind: a kind several parts handle runs theirs in the parts' order."""
    found: dict[str, list[Handler]] = {}
    for part in parts:
        for kind, handler in part.items():
            found.setdefault(kind, []).append(handler)
    return {kind: hs[0] if len(hs) == 1 else _both(tuple(hs)) for kind, hs in found.items()}


#: What every entry kind does to an incident's state: the incident's own handlers first,
#: then the drill's, then the review's.
FOLD: dict[str, Handler] = compose(incident.HANDLERS, drill.HANDLERS, review.HANDLERS)


def fold_prefixes(
    playbook: Playbook, entries: list[Entry], scenario: Scenario | None = None
) -> Iterator[IncidentState]:
    """The state after each prefix of ``entries`` (used by tests of replay equivalence)."""
    for n in range(len(entries) + 1):
        yield IncidentState.fold(playbook, entries[:n], scenario)
