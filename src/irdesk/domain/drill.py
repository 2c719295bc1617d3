"""The drill engine: the exercise clock, inject delivery, expectations and objective ratings.

Like the rest of the incident state, a drill is a pure fold over journal entries. This
module says what its entry kinds do (:data:`HANDLERS`, composed with the others in
:mod:`irdesk.domain.fold`) and keeps its state at ``state.ext["drill"]`` (read it with
:func:`drill_state`). Nothing here reads a clock: every query takes the ``now`` the caller
passes in. No Textual, no Rich.

Entry kinds (the strings are part of the journal format: never rename one)

``drill.clock``          ``{action: "start"|"pause"|"resume", exercise_at_s: float}``
``drill.speed``          ``{speed: 1|2|5|10, from: int, exercise_at_s: float}``
``inject.delivered``     ``{inject: id, text, from, early: bool, exercise_at_s: float,
                         due_at_s: float|null}`` (a scenario inject reached the players)
``inject.skipped``       ``{inject: id, reason: "unless"|"facilitator", detail: str,
                         event?: str}`` (``event`` is the ``unless`` event, for "unless")
``inject.added``         ``{inject: "extra-N", text, from, exercise_at_s: float}``
                         (a free-form inject, delivered at once)
``inject.acknowledged``  ``{inject: id}``
``drill.ended``          ``{exercise_at_s: float}``
``hotwash.answer``       ``{index: int (0-based), question: str, answer: str}``
``hotwash.done``         ``{answered: int, questions: int}``
``drill.participant``    ``{name: str, source: "roster"|"typed"}`` (someone takes part; the
                         team's entries carry the acting participant as their actor)

``exercise_at_s`` fields are informative (the exercise time when the entry was written);
the fold recomputes exercise times from the entries' wall times and the clock entries.
Closing the incident (``incident.closed``) also ends a drill that is still running.

The exercise clock
    It starts with ``drill.clock start``; ``pause``/``resume`` stop and restart it;
    ``drill.speed`` changes its rate. It is kept as running *segments* of wall time, each
    with a speed, so any wall time converts to exercise time: the sum over segments of
    the running time before it × speed. A wall time while paused converts to the pause
    point; one before the start converts to zero; the clock stops when the drill ends.

Injects
    A scenario inject is *scheduled* at its ``at`` offset on the exercise clock; one with
    ``after: EVENT`` is *waiting* until that event happens and is then due ``at`` after
    the event's exercise time. When an inject comes due it is delivered, unless its
    ``unless`` event happened at or before its due time: then it is skipped (reason
    "unless"). The facilitator can deliver the next inject early, skip one, or add a
    free-form one. A delivered inject stays unacknowledged (prominent) until someone
    acknowledges it. Delivery records the event ``inject:<id>``.

Expectations: see :func:`expectation_views`. Objective ratings: see :data:`RATING_RULE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from irdesk.domain.durations import format_clock
from irdesk.domain.entry import Entry
from irdesk.domain.events import EventRef, EventRefError
from irdesk.domain.incident import K
from irdesk.domain.models import Inject, Objective, Scenario

if TYPE_CHECKING:
    from irdesk.domain.fold import IncidentState

FEATURE = "drill"
SPEEDS: tuple[int, ...] = (1, 2, 5, 10)
ZERO = timedelta(0)


class DK:
    """Drill entry kinds. The strings are part of the journal format: never rename one."""

    CLOCK = "drill.clock"
    SPEED = "drill.speed"
    DELIVERED = "inject.delivered"
    SKIPPED = "inject.skipped"
    ADDED = "inject.added"
    ACKNOWLEDGED = "inject.acknowledged"
    ENDED = "drill.ended"
    ANSWER = "hotwash.answer"
    HOTWASH_DONE = "hotwash.done"
    PARTICIPANT = "drill.participant"


# Clock actions and skip reasons (values in payloads).
START, PAUSE, RESUME = "start", "pause", "resume"
UNLESS, FACILITATOR = "unless", "facilitator"

RATINGS: dict[str, str] = {
    "P": "Performed without challenges",
    "S": "Performed with some challenges",
    "M": "Performed with major challenges",
    "U": "Unable to be performed",
}
NOT_RATED = "not rated"

RATING_RULE = (
    "Each objective is rated from the expectations linked to it. An expectation is met "
    "when its event happens by its deadline on the exercise clock (counted from the "
    "inject's delivery; pauses do not count), late when it happens after the deadline "
    "but before the drill ends, and missed when it has not happened by then. It does "
    "not apply (n/a) when its inject was skipped or never delivered.\n"
    "P, performed without challenges: every applicable expectation was met.\n"
    "S, performed with some challenges: all were met or late, at least one late.\n"
    "M, performed with major challenges: at least one met or late and at least one "
    "missed.\n"
    "U, unable to be performed: every applicable expectation was missed.\n"
    "Not rated: no applicable expectation. While the drill runs, only expectations "
    "already decided count and the rating is provisional."
)


# --------------------------------------------------------------------------- state


@dataclass
class Segment:
    """A stretch of wall time during which the exercise clock ran at ``speed``."""

    start: datetime
    end: datetime | None  # None: still running
    speed: float

    def exercise_until(self, wall: datetime) -> timedelta:
        stop = wall if self.end is None or wall < self.end else self.end
        run = stop - self.start
        return run * self.speed if run > ZERO else ZERO


@dataclass
class InjectState:
    """One inject of the drill: from the scenario, or added by the facilitator."""

    id: str
    text: str
    sender: str
    inject: Inject | None = None  # None for a free-form (added) inject
    order: int = 0  # position in the scenario; added ones come after
    status: str = "scheduled"  # scheduled | delivered | skipped
    delivered_at: datetime | None = None  # wall time
    exercise_at: timedelta | None = None  # exercise time of delivery
    early: bool = False
    delivered_by: str | None = None
    seq: int = 0  # the delivering (or skipping) entry
    skip_reason: str | None = None  # "unless" | "facilitator"
    skip_detail: str = ""
    skipped_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @property
    def added(self) -> bool:
        return self.inject is None

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass
class HotwashAnswer:
    index: int  # 0-based question index
    question: str
    answer: str
    actor: str
    at: datetime
    seq: int


@dataclass
class DrillState:
    """The drill part of an incident's state (``state.ext["drill"]``)."""

    scenario: Scenario | None = None
    speed: float = 1
    started_at: datetime | None = None
    paused: bool = False
    segments: list[Segment] = field(default_factory=list)
    clock_changes: int = 0  # drill.clock + drill.speed entries folded (for write uids)
    injects: dict[str, InjectState] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)  # inject ids in delivery order
    answers: list[HotwashAnswer] = field(default_factory=list)
    ended_at: datetime | None = None
    ended_by: str | None = None  # actor, or "incident closed"
    hotwash_done_at: datetime | None = None
    participants: list[str] = field(default_factory=list)  # in the order they joined

    def participant(self, name: str) -> str | None:
        """The participant of that name as first written (names compare ignoring case)."""
        wanted = name.strip().casefold()
        return next((p for p in self.participants if p.casefold() == wanted), None)

    # ----------------------------------------------------------------- the clock
    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def running(self) -> bool:
        return self.started and not self.paused and not self.ended

    def exercise_time(self, wall: datetime) -> timedelta:
        """The exercise clock's reading at a wall time (the pause point while paused)."""
        return sum((s.exercise_until(wall) for s in self.segments), ZERO)

    def exercise_elapsed(self, now: datetime) -> timedelta:
        """How far the exercise has got at ``now`` (frozen while paused and once ended)."""
        return self.exercise_time(now)

    @property
    def planned(self) -> timedelta | None:
        return self.scenario.duration if self.scenario else None

    def planned_remaining(self, now: datetime) -> timedelta | None:
        """Planned duration left (negative once the exercise runs over)."""
        planned = self.planned
        return None if planned is None else planned - self.exercise_elapsed(now)

    def wall_for(self, exercise: timedelta, now: datetime) -> timedelta | None:
        """Wall time until the exercise clock reads ``exercise``; None while stopped."""
        if not self.running:
            return None
        return max(exercise - self.exercise_elapsed(now), ZERO) / self.speed

    # ----------------------------------------------------------------- injects
    def inject(self, inject_id: str) -> InjectState | None:
        return self.injects.get(inject_id)

    @property
    def delivered(self) -> list[InjectState]:
        """The inject log: delivered injects (scenario and free-form) in delivery order."""
        return [self.injects[i] for i in self.log]

    @property
    def unacknowledged(self) -> list[InjectState]:
        """Delivered injects nobody acknowledged yet, oldest first (show these prominently)."""
        return [i for i in self.delivered if not i.acknowledged]

    @property
    def added_count(self) -> int:
        return sum(1 for i in self.injects.values() if i.added)

    # ----------------------------------------------------------------- hot wash
    @property
    def questions(self) -> tuple[str, ...]:
        return self.scenario.questions if self.scenario else ()

    def answers_to(self, index: int) -> list[HotwashAnswer]:
        return [a for a in self.answers if a.index == index]

    def next_question(self) -> int | None:
        """The first question nobody answered yet (None when all are answered)."""
        answered = {a.index for a in self.answers}
        for index in range(len(self.questions)):
            if index not in answered:
                return index
        return None

    @property
    def hotwash_done(self) -> bool:
        return self.hotwash_done_at is not None


def drill_state(state: IncidentState) -> DrillState | None:
    """The drill part of an incident's state; None for a live incident."""
    found = state.ext.get(FEATURE)
    return found if isinstance(found, DrillState) else None


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class DueInject:
    """A scenario inject whose time has come: deliver it, or skip it (``unless``)."""

    inject: Inject
    due_at: timedelta  # exercise time
    action: str  # "deliver" | "skip"
    unless: str | None = None  # the unless event, when action == "skip"


@dataclass(frozen=True)
class InjectView:
    """An inject as the facilitator's panel shows it."""

    state: InjectState
    status: str  # scheduled | waiting | delivered | skipped
    due_at: timedelta | None  # exercise time it is (or was) due; None while waiting
    due_in: timedelta | None  # exercise time left until due (scheduled only)
    waiting_for: str | None  # the ``after`` event it waits for (waiting only)


@dataclass(frozen=True)
class ExpectationView:
    inject: str  # inject id
    index: int  # position in the inject's ``expect`` list
    event: str
    within: timedelta
    objective: str | None
    status: str  # waiting | pending | met | late | missed | n/a
    deadline: timedelta | None  # exercise time; None until the inject is delivered
    remaining: timedelta | None  # exercise time left (pending), overdue (<0, missed)
    occurred_at: timedelta | None  # exercise time the event happened (met, late)
    detail: str = ""  # why n/a

    @property
    def open(self) -> bool:
        return self.status in ("waiting", "pending")

    @property
    def applicable(self) -> bool:
        return self.status != "n/a"


@dataclass(frozen=True)
class ObjectiveRating:
    objective: Objective
    rating: str | None  # "P" | "S" | "M" | "U"; None = not rated
    met: int
    late: int
    missed: int
    open: int  # waiting or pending
    void: int  # n/a
    expectations: tuple[ExpectationView, ...]

    @property
    def label(self) -> str:
        return RATINGS[self.rating] if self.rating else NOT_RATED

    @property
    def provisional(self) -> bool:
        return self.open > 0


def _event_exercise(state: IncidentState, drill: DrillState, ref: str) -> timedelta | None:
    """When an event happened, on the exercise clock (events after the drill ended: None)."""
    wall = state.events.get(ref)
    if wall is None:
        return None
    if drill.ended_at is not None and wall > drill.ended_at:
        return None
    return drill.exercise_time(wall)


def inject_due_at(state: IncidentState, inject: Inject) -> timedelta | None:
    """When a scenario inject is due on the exercise clock; None while its ``after`` event
    has not happened."""
    drill = drill_state(state)
    if drill is None:
        return None
    if inject.after is None:
        return inject.at
    base = _event_exercise(state, drill, str(inject.after))
    return None if base is None else base + inject.at


def _unless_happened(
    state: IncidentState, drill: DrillState, inject: Inject, by: timedelta | None
) -> bool:
    if inject.unless is None:
        return False
    when = _event_exercise(state, drill, str(inject.unless))
    return when is not None and (by is None or when <= by)


def due_injects(state: IncidentState, now: datetime) -> list[DueInject]:
    """Scheduled injects whose due time has passed on the exercise clock, soonest first.

    Each is to be delivered, or skipped when its ``unless`` event happened at or before
    its due time. Nothing is due before the clock starts or after the drill ends.
    """
    drill = drill_state(state)
    if drill is None or not drill.started or drill.ended:
        return []
    elapsed = drill.exercise_elapsed(now)
    due: list[tuple[timedelta, int, DueInject]] = []
    for st in drill.injects.values():
        if st.inject is None or st.status != "scheduled":
            continue
        at = inject_due_at(state, st.inject)
        if at is None or at > elapsed:
            continue
        if _unless_happened(state, drill, st.inject, at):
            item = DueInject(st.inject, at, "skip", str(st.inject.unless))
        else:
            item = DueInject(st.inject, at, "deliver")
        due.append((at, st.order, item))
    return [item for _, _, item in sorted(due, key=lambda t: (t[0], t[1]))]


def next_inject(state: IncidentState) -> InjectState | None:
    """The inject "deliver next now" delivers: the scheduled one due soonest, else the
    first one waiting for its ``after`` event. Injects whose ``unless`` event already
    happened are passed over (they will be skipped when due)."""
    drill = drill_state(state)
    if drill is None or drill.ended:
        return None
    timed: list[tuple[timedelta, int, InjectState]] = []
    waiting: list[InjectState] = []
    for st in drill.injects.values():
        if st.inject is None or st.status != "scheduled":
            continue
        if _unless_happened(state, drill, st.inject, None):
            continue
        at = inject_due_at(state, st.inject)
        if at is None:
            waiting.append(st)
        else:
            timed.append((at, st.order, st))
    if timed:
        return min(timed, key=lambda t: (t[0], t[1]))[2]
    return waiting[0] if waiting else None


def inject_views(state: IncidentState, now: datetime) -> list[InjectView]:
    """Every inject (scenario order, then free-form ones) with its schedule."""
    drill = drill_state(state)
    if drill is None:
        return []
    elapsed = drill.exercise_elapsed(now)
    views: list[InjectView] = []
    for st in drill.injects.values():
        if st.inject is None:
            views.append(InjectView(st, st.status, st.exercise_at, None, None))
            continue
        at = inject_due_at(state, st.inject)
        if st.status != "scheduled":
            views.append(InjectView(st, st.status, at, None, None))
        elif at is None:
            views.append(InjectView(st, "waiting", None, None, str(st.inject.after)))
        else:
            views.append(InjectView(st, "scheduled", at, max(at - elapsed, ZERO), None))
    return views


def expectation_views(state: IncidentState, now: datetime) -> list[ExpectationView]:
    """Every expectation of every scenario inject, with its outcome so far.

    - n/a: the inject was skipped, or the drill ended before it was delivered;
    - waiting: the inject has not been delivered yet (no deadline yet);
    - met: the event happened at or before the deadline (delivery + ``within``, in
      exercise time; an event that happened before the delivery counts as met);
    - late: the event happened after the deadline, before the drill ended;
    - missed: the deadline passed without the event (it can still turn late until the
      drill ends); at the end of the drill everything unmet is missed;
    - pending: the deadline is still ahead (``remaining`` counts down, exercise time).
    """
    drill = drill_state(state)
    if drill is None or drill.scenario is None:
        return []
    elapsed = drill.exercise_elapsed(now)
    views: list[ExpectationView] = []
    for inject in drill.scenario.injects:
        st = drill.injects.get(inject.id)
        for index, exp in enumerate(inject.expect):
            base = partial(
                ExpectationView,
                inject=inject.id,
                index=index,
                event=str(exp.event),
                within=exp.within,
                objective=exp.objective,
            )
            if st is None or st.status == "skipped":
                why = "facilitator" if st is None else st.skip_reason
                views.append(
                    base(
                        status="n/a",
                        deadline=None,
                        remaining=None,
                        occurred_at=None,
                        detail=f"inject skipped ({why})",
                    )
                )
                continue
            if st.status != "delivered" or st.exercise_at is None:
                if drill.ended:
                    views.append(
                        base(
                            status="n/a",
                            deadline=None,
                            remaining=None,
                            occurred_at=None,
                            detail="inject never delivered",
                        )
                    )
                else:
                    views.append(
                        base(
                            status="waiting",
                            deadline=None,
                            remaining=None,
                            occurred_at=None,
                        )
                    )
                continue
            deadline = st.exercise_at + exp.within
            happened = _event_exercise(state, drill, str(exp.event))
            if happened is not None:
                status = "met" if happened <= deadline else "late"
                views.append(
                    base(
                        status=status,
                        deadline=deadline,
                        remaining=None,
                        occurred_at=happened,
                    )
                )
            elif drill.ended or elapsed > deadline:
                views.append(
                    base(
                        status="missed",
                        deadline=deadline,
                        remaining=deadline - elapsed,
                        occurred_at=None,
                    )
                )
            else:
                views.append(
                    base(
                        status="pending",
                        deadline=deadline,
                        remaining=deadline - elapsed,
                        occurred_at=None,
                    )
                )
    return views


def rate(met: int, late: int, missed: int) -> str | None:
    """The rating rule (:data:`RATING_RULE`) on counts of decided expectations."""
    if met + late + missed == 0:
        return None
    if missed == 0:
        return "P" if late == 0 else "S"
    return "M" if met + late > 0 else "U"


def objective_ratings(state: IncidentState, now: datetime) -> list[ObjectiveRating]:
    """Each scenario objective rated P/S/M/U (or not rated) by :data:`RATING_RULE`."""
    drill = drill_state(state)
    if drill is None or drill.scenario is None:
        return []
    views = expectation_views(state, now)
    ratings: list[ObjectiveRating] = []
    for objective in drill.scenario.objectives:
        mine = tuple(v for v in views if v.objective == objective.id)
        count = {s: sum(1 for v in mine if v.status == s) for s in ("met", "late", "missed", "n/a")}
        opened = sum(1 for v in mine if v.open)
        ratings.append(
            ObjectiveRating(
                objective,
                rate(count["met"], count["late"], count["missed"]),
                count["met"],
                count["late"],
                count["missed"],
                opened,
                count["n/a"],
                mine,
            )
        )
    return ratings


def exercise_seconds(value: timedelta | None) -> float | None:
    """A payload value: exercise time in seconds, millisecond precision."""
    return None if value is None else round(value.total_seconds(), 3)


def event_words(state: IncidentState, ref: str) -> str:
    """An event reference as people say it: ``step:status-page:done`` is "Publish the
    status page" done, ``inject:cfo-pressure`` the inject from the CFO arrived, a
    milestone its name. A reference the playbook or scenario does not know stays as is."""
    try:
        event = EventRef.parse(ref)
    except EventRefError:
        return ref
    if event.kind == "step":
        try:
            title = state.playbook.step(event.name).title
        except KeyError:
            return ref
        return f'"{title}" {"done" if event.state == "done" else "started"}'
    if event.kind == "inject":
        drill = drill_state(state)
        st = drill.inject(event.name) if drill is not None else None
        if st is None:
            return ref
        return f"the inject from {st.sender} arrived" if st.sender else f"inject {st.id} arrived"
    return event.name  # a milestone is a word already: "contained"


# --------------------------------------------------------------------------- the player view

#: The entries the player view shows as the team's record: what the team did and wrote.
#: Never the facilitator's (clock, skips, free-form injects before delivery) and nothing
#: that gives an expectation or an upcoming inject away.
TEAM_KINDS: frozenset[str] = frozenset(
    {K.NOTE, K.STEP_DONE, K.STEP_SKIPPED, K.DECIDED, K.MILESTONE, K.SEVERITY, K.STATUS, K.ROLE}
)


@dataclass(frozen=True)
class PlayerInject:
    """A delivered inject as the players see it: who sent it, when, and its text. Built
    from the fold, never carrying the scenario inject (so never its facilitator note)."""

    id: str
    sender: str
    text: str
    exercise_at: timedelta | None
    acknowledged: bool


@dataclass(frozen=True)
class TeamLine:
    """One thing the team recorded, on the exercise clock."""

    seq: int
    exercise_at: timedelta
    actor: str
    kind: str
    entry: Entry


def player_injects(state: IncidentState) -> list[PlayerInject]:
    """Every delivered inject, newest first (none hidden: the room reads them all)."""
    drill = drill_state(state)
    if drill is None:
        return []
    return [
        PlayerInject(st.id, st.sender, st.text, st.exercise_at, st.acknowledged)
        for st in reversed(drill.delivered)
    ]


def team_lines(state: IncidentState, entries: list[Entry]) -> list[TeamLine]:
    """The team's record among ``entries`` (kinds in :data:`TEAM_KINDS`, and corrections
    of those), on the exercise clock, in journal order. Damaged entries are left out: the
    facilitator's views show them where they sit."""
    drill = drill_state(state)
    if drill is None:
        return []
    kinds = {e.seq: e.kind for e in entries}

    def team(e: Entry) -> bool:
        if e.damage is not None:
            return False
        if e.kind == K.CORRECTION:  # a correction of the team's own record only
            return kinds.get(e.corrects or 0) in TEAM_KINDS
        return e.kind in TEAM_KINDS

    return [
        TeamLine(e.seq, drill.exercise_time(e.occurred_at), e.actor, e.kind, e)
        for e in entries
        if team(e)
    ]


def clock_state(drill: DrillState) -> str:
    """Where the exercise clock is: "not started", "running", "paused" or "ended"."""
    if drill.ended:
        return "ended"
    if not drill.started:
        return "not started"
    return "paused" if drill.paused else "running"


# --------------------------------------------------------------------------- fold


def _drill(state: IncidentState) -> DrillState | None:
    """The drill state to update, created lazily for a drill; None for a live incident."""
    found = drill_state(state)
    if found is None and state.mode == "drill":
        found = _new_drill(state)
    return found


def _new_drill(state: IncidentState) -> DrillState:
    drill = DrillState(scenario=state.scenario)
    if state.scenario is not None:
        for order, inject in enumerate(state.scenario.injects):
            drill.injects[inject.id] = InjectState(
                inject.id, inject.text, inject.sender, inject=inject, order=order
            )
    state.ext[FEATURE] = drill
    return drill


def _declared(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    if s.mode == "drill":
        _new_drill(s)


def _close_segment(drill: DrillState, at: datetime) -> None:
    if drill.segments and drill.segments[-1].end is None:
        drill.segments[-1].end = at


def _clock(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is None or drill.ended:
        return
    drill.clock_changes += 1
    action = p.get("action")
    at = e.occurred_at
    if action == START and not drill.started:
        drill.started_at = at
        drill.paused = False
        drill.segments.append(Segment(at, None, drill.speed))
    elif action == PAUSE and drill.running:
        _close_segment(drill, at)
        drill.paused = True
    elif action == RESUME and drill.started and drill.paused:
        drill.paused = False
        drill.segments.append(Segment(at, None, drill.speed))


def _speed(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is None or drill.ended:
        return
    drill.clock_changes += 1
    try:
        speed = float(p.get("speed", drill.speed))
    except (TypeError, ValueError):
        return
    if speed <= 0:
        return
    speed = int(speed) if speed == int(speed) else speed
    if drill.running:
        _close_segment(drill, e.occurred_at)
        drill.segments.append(Segment(e.occurred_at, None, speed))
    drill.speed = speed


def _deliver(s: IncidentState, drill: DrillState, st: InjectState, e: Entry) -> None:
    st.status = "delivered"
    st.delivered_at = e.occurred_at
    st.exercise_at = drill.exercise_time(e.occurred_at)
    st.delivered_by = e.actor
    st.seq = e.seq
    drill.log.append(st.id)
    s._record_event(f"inject:{st.id}", e.occurred_at)


def _delivered(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is None:
        return
    st = drill.injects.get(str(p.get("inject")))
    if st is None or st.status != "scheduled" or st.inject is None:
        return
    st.early = bool(p.get("early", False))
    _deliver(s, drill, st, e)


def _skipped(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is None:
        return
    st = drill.injects.get(str(p.get("inject")))
    if st is None or st.status != "scheduled":
        return
    st.status = "skipped"
    st.skip_reason = str(p.get("reason", FACILITATOR))
    st.skip_detail = str(p.get("detail", ""))
    st.skipped_at = e.occurred_at
    st.seq = e.seq


def _added(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is None:
        return
    ident = str(p.get("inject") or f"extra-{e.seq}")
    if ident in drill.injects:  # never expected (writers pick a free id); keep both
        ident = f"{ident}-{e.seq}"
    st = InjectState(
        ident, str(p.get("text", "")), str(p.get("from", "")), order=len(drill.injects)
    )
    drill.injects[ident] = st
    _deliver(s, drill, st, e)


def _acknowledged(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is None:
        return
    st = drill.injects.get(str(p.get("inject")))
    if st is None or not st.delivered or st.acknowledged:
        return
    st.acknowledged_at = e.occurred_at
    st.acknowledged_by = e.actor


def _end(drill: DrillState, at: datetime, by: str) -> None:
    if drill.ended:
        return
    _close_segment(drill, at)
    drill.ended_at = at
    drill.ended_by = by


def _ended(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is not None:
        _end(drill, e.occurred_at, e.actor)


def _incident_closed(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = drill_state(s)
    if drill is not None:
        _end(drill, e.occurred_at, "incident closed")


def _answer(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is None:
        return
    try:
        index = int(p.get("index", -1))
    except (TypeError, ValueError):
        return
    drill.answers.append(
        HotwashAnswer(
            index,
            str(p.get("question", "")),
            str(p.get("answer", "")),
            e.actor,
            e.occurred_at,
            e.seq,
        )
    )


def _hotwash_done(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    if drill is not None and drill.hotwash_done_at is None:
        drill.hotwash_done_at = e.occurred_at


def _participant(s: IncidentState, e: Entry, p: dict[str, Any]) -> None:
    drill = _drill(s)
    name = str(p.get("name", "")).strip()
    if drill is not None and name and drill.participant(name) is None:
        drill.participants.append(name)


#: What the drill's entry kinds do (incident.declared and incident.closed too: a drill
#: starts and ends with its incident). Composed with the others in irdesk.domain.fold.
HANDLERS = {
    K.DECLARED: _declared,
    K.CLOSED: _incident_closed,
    DK.CLOCK: _clock,
    DK.SPEED: _speed,
    DK.DELIVERED: _delivered,
    DK.SKIPPED: _skipped,
    DK.ADDED: _added,
    DK.ACKNOWLEDGED: _acknowledged,
    DK.ENDED: _ended,
    DK.ANSWER: _answer,
    DK.HOTWASH_DONE: _hotwash_done,
    DK.PARTICIPANT: _participant,
}


# --------------------------------------------------------------------------- describe


def first_line(text: str, limit: int = 120) -> str:
    """The first non-empty line of a text, shortened for one-line displays."""
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _at(p: dict[str, Any]) -> str:
    value = p.get("exercise_at_s")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    return f" at {format_clock(timedelta(seconds=value))}"


def _d_clock(p: dict[str, Any], e: Entry) -> str:
    action = p.get("action")
    if action == START:
        return "exercise clock started"
    if action == PAUSE:
        return f"clock paused{_at(p)}"
    if action == RESUME:
        return f"clock resumed{_at(p)}"
    return f"clock {action}"


def _speed_text(value: object) -> str:
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return f"{value}x"


def _d_speed(p: dict[str, Any], e: Entry) -> str:
    text = f"speed {_speed_text(p.get('speed'))}"
    return text + (f" (was {_speed_text(p['from'])})" if p.get("from") is not None else "")


def _d_delivered(p: dict[str, Any], e: Entry) -> str:
    sender = f" from {p['from']}" if p.get("from") else ""
    early = " early" if p.get("early") else ""
    return f"inject {p.get('inject')} delivered{early}{sender}: {first_line(p.get('text', ''))}"


def _d_skipped(p: dict[str, Any], e: Entry) -> str:
    if p.get("reason") == UNLESS:
        return f"inject {p.get('inject')} skipped: {p.get('detail', '')}"
    detail = f": {p['detail']}" if p.get("detail") else ""
    return f"inject {p.get('inject')} skipped by the facilitator{detail}"


def _d_added(p: dict[str, Any], e: Entry) -> str:
    sender = f" from {p['from']}" if p.get("from") else ""
    return f"free-form inject {p.get('inject')}{sender}: {first_line(p.get('text', ''))}"


def _d_ack(p: dict[str, Any], e: Entry) -> str:
    return f"inject {p.get('inject')} acknowledged"


def _d_ended(p: dict[str, Any], e: Entry) -> str:
    return f"drill ended{_at(p)}"


def _d_answer(p: dict[str, Any], e: Entry) -> str:
    index = p.get("index")
    number = index + 1 if isinstance(index, int) and not isinstance(index, bool) else "?"
    return f"answer to Q{number}: {p.get('answer', '')}"


def _d_hotwash_done(p: dict[str, Any], e: Entry) -> str:
    return (
        f"hot wash finished ({p.get('answered', '?')} of {p.get('questions', '?')} "
        "questions answered)"
    )


def _d_participant(p: dict[str, Any], e: Entry) -> str:
    source = " (from the roster)" if p.get("source") == "roster" else ""
    return f"{p.get('name', '')} takes part{source}"


#: How the drill's entries read (kind: label, sentence); composed in irdesk.domain.describe.
DESCRIBERS = {
    DK.CLOCK: ("clock", _d_clock),
    DK.SPEED: ("speed", _d_speed),
    DK.DELIVERED: ("inject", _d_delivered),
    DK.SKIPPED: ("inject skip", _d_skipped),
    DK.ADDED: ("inject+", _d_added),
    DK.ACKNOWLEDGED: ("inject ack", _d_ack),
    DK.ENDED: ("drill end", _d_ended),
    DK.ANSWER: ("hot wash", _d_answer),
    DK.HOTWASH_DONE: ("hot wash", _d_hotwash_done),
    DK.PARTICIPANT: ("participant", _d_participant),
}
