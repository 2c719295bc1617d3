"""The report model: everything a report says, as plain data every renderer reads (the
timeline is spooled, see :mod:`irdesk.report.timeline`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import LATE_AFTER, Clash, Link, SeverityChange
from irdesk.domain.metrics import BACKDATE_TOLERANCE, Measure
from irdesk.report.format import NOT_RECORDED, exercise_clock, span, utc
from irdesk.report.timeline import Timeline
from irdesk.store.records import Head


@dataclass(frozen=True)
class Overview:
    incident_id: str
    title: str
    mode: str  # live | drill
    severity: str
    status: str
    declared_at: datetime | None
    declared_by: str
    closed_at: datetime | None
    duration: timedelta | None  # declared → closed (or → the report's time while open)
    summary: str  # the closing summary, if any
    playbook_id: str
    playbook_title: str
    playbook_version: str
    playbook_sha256: str
    scenario_id: str | None
    scenario_title: str | None
    scenario_sha256: str | None
    entry_count: int
    outcome: str = ""  # how it ended, in words, when closed (outcome_words)
    unfinished: tuple[str, ...] = ()  # titles of the steps closing left unfinished
    peak_severity: str = ""  # the most severe it was ("" in models built without it)
    #: the declared severity, then each change with its time, actor and reason
    severity_history: tuple[SeverityChange, ...] = ()

    @property
    def severity_text(self) -> str:
        """The peak severity, and the one it ended with when it was lowered."""
        peak = self.peak_severity or self.severity
        if peak == self.severity:
            return peak
        return f"{peak} at its peak, {self.severity} {'at the end' if self.closed_at else 'now'}"

    links: tuple[Link, ...] = ()  # its ticket, chat channel... (irdesk link)

    @property
    def is_drill(self) -> bool:
        return self.mode == "drill"

    @property
    def kind(self) -> str:
        return "drill" if self.is_drill else "incident"


@dataclass(frozen=True)
class RoleHolder:
    role: str  # role id
    title: str
    person: str | None  # holder at the end
    history: tuple[tuple[datetime, str | None, str], ...] = ()  # (at, from, to)


@dataclass(frozen=True)
class Person:
    name: str
    roles: tuple[str, ...]  # role titles held at some point
    entries: int


@dataclass(frozen=True)
class MilestoneRow:
    name: str
    at: datetime
    recorded_at: datetime
    actor: str
    backdate_reason: str | None
    via_step: str | None

    @property
    def backdated(self) -> bool:
        return abs(self.recorded_at - self.at) > BACKDATE_TOLERANCE


@dataclass(frozen=True)
class Metric(Measure):
    """A metric (:mod:`irdesk.domain.metrics`) as the report says it."""

    @property
    def text(self) -> str:
        if self.value is None:
            names = " and ".join(f"'{m}'" for m in self.missing)
            return f"{NOT_RECORDED} (no {names} milestone)"
        if self.value < timedelta(0):
            return (
                f"check the times: '{self.end}' is recorded {span(-self.value)} "
                f"before '{self.start}'"
            )
        return span(self.value)

    @property
    def short(self) -> str:
        if self.value is None:
            return NOT_RECORDED
        return span(self.value)


@dataclass
class StepVisit:
    step: str
    visit: int  # 1, 2, ... (a loop comes back to a step)
    start: datetime
    end: datetime | None = None  # None: not finished
    status: str = "active"  # active | done | decided | skipped
    actor: str | None = None
    expected: timedelta | None = None
    decision: str | None = None  # the option label taken
    skip_reason: str | None = None
    activated: bool = True  # False: finished out of order, without the pointer on it
    # start and end on the timers' clock: in a drill the exercise clock (origin + exercise
    # time, so pauses do not count); None: the wall times above
    clock_start: datetime | None = None
    clock_end: datetime | None = None

    @property
    def start_known(self) -> bool:
        """False for a step finished out of order that nobody touched before (its start,
        hence its duration, is not recorded)."""
        return self.activated or self.end is None or self.start < self.end

    @property
    def on_clock(self) -> tuple[datetime, datetime | None]:
        """(start, end) on the timers' clock (the exercise clock in a drill)."""
        start = self.clock_start if self.clock_start is not None else self.start
        end = self.clock_end if self.clock_end is not None else self.end
        return start, end

    @property
    def duration(self) -> timedelta | None:
        start, end = self.on_clock
        if end is None or not self.start_known:
            return None
        return end - start

    @property
    def overrun(self) -> timedelta | None:
        """How far past its expected duration the visit ran (finished visits only)."""
        duration = self.duration
        if self.expected is None or duration is None or self.status == "skipped":
            return None
        over = duration - self.expected
        return over if over > timedelta(0) else None


@dataclass(frozen=True)
class StepRow:
    id: str
    number: int  # position in the playbook, from 1
    title: str
    phase: str
    role: str | None
    expected: timedelta | None
    status: str  # pending | active | done | skipped
    is_decision: bool
    visits: tuple[StepVisit, ...]
    checked: int  # checklist items ticked (on the last visit)
    checklist: int
    evidence: tuple[str, ...]  # evidence notes of the ticks

    @property
    def reached(self) -> bool:
        return bool(self.visits)


@dataclass(frozen=True)
class EscalationRow:
    timer: str
    level: int
    repeat: int
    role: str
    people: tuple[str, ...]
    at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    notify: str  # "" | "sent" | "failed: ..."
    due_at: datetime | None = None  # when it was due (journals before issue 13: unknown)
    late_reason: str | None = None  # why it fired late, as whatever fired it saw
    fired_by: str = ""  # watcher | screen | cli ("" when not recorded)

    @property
    def late_by(self) -> timedelta | None:
        """How late it fired, when beyond the grace (see irdesk.domain.incident.LATE_AFTER)."""
        if self.due_at is None or self.at - self.due_at <= LATE_AFTER:
            return None
        return self.at - self.due_at


@dataclass(frozen=True)
class DefectRow:
    """A readiness defect that was open at some time while the incident ran."""

    key: str
    area: str
    text: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class TimerRow:
    id: str
    title: str
    start: str  # event names
    stop: str
    within: timedelta
    state: str  # waiting | running | lapsed | met | late | acknowledged
    started_at: datetime | None
    deadline: datetime | None
    stopped_at: datetime | None
    stopped_by_close: bool  # the stop event never happened; closing the incident ended it
    escalations: tuple[EscalationRow, ...]
    origin: datetime | None = None  # drills: timers run on the exercise clock from here

    @property
    def clock(self) -> str:
        return "wall" if self.origin is None else "exercise"

    def when(self, t: datetime | None) -> str:
        """A timer time as a reader should see it: UTC, or the exercise clock in a drill."""
        if t is None:
            return ""
        return utc(t) if self.origin is None else exercise_clock(t - self.origin)

    @property
    def outcome(self) -> str:
        if self.state == "waiting":
            return f"did not start (no '{self.start}')"
        if self.state == "running":
            return "running"
        if self.state in ("met", "late") and self.stopped_at and self.started_at:
            if self.stopped_at < self.started_at:
                early = span(self.started_at - self.stopped_at)
                return f"met: '{self.stop}' {early} before '{self.start}' started the clock"
            took = span(self.stopped_at - self.started_at)
            if self.stopped_by_close:
                return f"{self.state}: ended by closing after {took}; '{self.stop}' not recorded"
            if self.state == "late" and self.deadline:
                over = span(self.stopped_at - self.deadline)
                return f"late: '{self.stop}' after {took}, {over} over"
            return f"met: '{self.stop}' after {took}"
        if self.state == "acknowledged":
            return "lapsed; escalation acknowledged"
        if self.state == "lapsed":
            return "lapsed; not acknowledged"
        return self.state


@dataclass(frozen=True)
class InjectRow:
    id: str
    sender: str
    text: str
    status: str  # delivered | skipped | scheduled | waiting | not delivered
    added: bool  # free-form, written by the facilitator
    delivered_at: datetime | None
    exercise_at: timedelta | None
    due_at: timedelta | None
    early: bool
    skip_reason: str | None
    skip_detail: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class Evidence:
    """A journal entry an evaluation rests on: its seq and when it happened (wall time
    and exercise time)."""

    seq: int
    at: datetime
    exercise_at: timedelta | None


@dataclass(frozen=True)
class ExpectationRow:
    inject: str
    event: str
    within: timedelta
    objective: str | None
    status: str  # met | late | missed | pending | waiting | n/a
    deadline: timedelta | None
    occurred_at: timedelta | None
    detail: str
    delivered: Evidence | None = None  # the entry that delivered the inject
    happened: Evidence | None = None  # the entry that recorded the expected event


@dataclass(frozen=True)
class RatingRow:
    objective: str
    text: str
    rating: str | None  # P | S | M | U | None
    label: str
    met: int
    late: int
    missed: int
    void: int
    provisional: bool


@dataclass(frozen=True)
class HotwashRow:
    index: int
    question: str
    answers: tuple[tuple[str, str, datetime], ...]  # (answer, actor, at)


@dataclass(frozen=True)
class FeedbackRow:
    """A participant's own feedback after the drill."""

    participant: str
    went_well: str
    improve: str
    at: datetime


@dataclass(frozen=True)
class DrillSection:
    scenario_summary: str  # the scenario's setting: the first paragraph of its summary
    started_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    exercise_time: timedelta
    planned: timedelta | None
    injects: tuple[InjectRow, ...]
    expectations: tuple[ExpectationRow, ...]
    ratings: tuple[RatingRow, ...]
    hotwash: tuple[HotwashRow, ...]
    hotwash_done: bool
    rating_rule: str
    feedback: tuple[FeedbackRow, ...] = ()


@dataclass(frozen=True)
class NoteRow:
    text: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class ImprovementView:
    item: str
    what: str
    owner: str
    due: date | None
    step: str | None
    step_title: str | None
    poete: str | None
    status: str  # open | done | dropped
    overdue: bool
    issue: str | None
    organization: str | None
    start: date | None
    added_at: datetime
    added_by: str
    closed_at: datetime | None
    closed_by: str | None
    note: str


@dataclass(frozen=True)
class CarriedItem:
    """An improvement item still open from an earlier incident on the same playbook."""

    item: str
    incident_id: str
    incident_title: str
    declared_at: datetime | None
    what: str
    owner: str
    due: date | None
    step: str | None
    poete: str | None
    overdue: bool
    issue: str | None = None
    organization: str | None = None
    start: date | None = None


@dataclass(frozen=True)
class ReviewSection:
    status: str  # empty | draft | saved
    saved_at: datetime | None
    saved_by: str | None
    summary: str
    reopened_at: datetime | None
    reopen_reason: str | None
    root_cause: str  # the root cause in a sentence ("" when not recorded)
    root_cause_by: str | None
    problem: str  # five whys: the problem statement they start from
    whys: tuple[str, ...]
    whys_lead_to: str  # the root cause the whys lead to
    whys_by: str | None
    notes: dict[str, tuple[NoteRow, ...]]  # section → notes
    improvements: tuple[ImprovementView, ...]


@dataclass(frozen=True)
class ChainStatus:
    """What ``verify`` said about the incident's hash chain, and the head the report read."""

    checked: bool  # False: verify was not run
    ok: bool
    entries: int  # entries whose hash was recomputed
    head_seq: int  # the last entry the report read (0: none)...
    head_hash: str  # ...and its hash: with the incident id, what ``verify --expect`` checks
    problems: tuple[str, ...] = ()
    #: the entries verify named as altered (edited, inserted, moved...): (seq, what it said)
    altered: tuple[tuple[int, str], ...] = ()

    @classmethod
    def from_verify(cls, verify: Any, incident_id: str) -> ChainStatus:
        """From a store ``VerifyReport`` (duck-typed). Its head is the last entry verify
        saw: :func:`build_report` replaces it with the last entry the report read."""
        problems = tuple(
            str(p.message)
            for p in getattr(verify, "problems", ())
            # the incident's own problems, and the journal's (its triggers removed)
            if getattr(p, "incident_id", incident_id) in (incident_id, "")
        )
        altered = tuple(
            (int(p.seq), str(p.message))
            for p in getattr(verify, "problems", ())
            if getattr(p, "incident_id", "") == incident_id and getattr(p, "seq", None)
        )
        head = getattr(verify, "heads", {}).get(incident_id)
        return cls(
            checked=True,
            ok=bool(getattr(verify, "ok", False)) and not problems,
            entries=int(getattr(verify, "checked", 0)),
            head_seq=head.seq if head is not None else 0,
            head_hash=head.hash if head is not None else "",
            problems=problems,
            altered=altered,
        )

    @classmethod
    def unchecked(cls) -> ChainStatus:
        return cls(checked=False, ok=False, entries=0, head_seq=0, head_hash="")

    def at(self, seq: int, digest: str) -> ChainStatus:
        """The same status with the head the report read (verify may have seen later
        entries, appended while the report was being built)."""
        return replace(self, head_seq=seq, head_hash=digest)

    def head(self, incident_id: str) -> str:
        """``INC-0001@57:<hash>``, as ``irdesk verify`` prints and ``--expect`` checks it
        ("" when the report read no entry)."""
        return Head(self.head_seq, self.head_hash).label(incident_id) if self.head_hash else ""

    @property
    def broken(self) -> bool:
        return self.checked and not self.ok

    @property
    def warning(self) -> str:
        """What a report says before anything else when its journal fails verify ("" when
        the chain verified or was not checked)."""
        if not self.broken:
            return ""
        where = ""
        if self.altered:
            seqs = sorted({seq for seq, _ in self.altered})
            where = f" at entr{'y' if len(seqs) == 1 else 'ies'} {', '.join(map(str, seqs))}"
        return (
            f"WARNING: the hash chain of this journal is BROKEN{where}: entries were changed, "
            "added or removed after they were written. This report may not say what was "
            "recorded; the altered entries are marked in the timeline."
        )

    @property
    def text(self) -> str:
        if not self.checked:
            return "not verified"
        if self.ok:
            return "verified: the hash chain is intact"
        return "BROKEN: the hash chain does not verify"


@dataclass
class Bar:
    """One visit of a step on the chart."""

    step: str
    title: str
    visit: int
    start: datetime
    end: datetime  # the visit's finish, or the chart's end for an unfinished visit
    finished: bool
    expected: timedelta | None
    status: str  # done | decided | skipped | active
    start_known: bool = True  # False: done out of order, only its finish is known

    @property
    def expected_end(self) -> datetime | None:
        if self.expected is None or not self.start_known:
            return None
        return self.start + self.expected

    @property
    def overrun_from(self) -> datetime | None:
        end = self.expected_end
        if end is None or self.status == "skipped" or self.end <= end:
            return None
        return end


@dataclass(frozen=True)
class Chart:
    start: datetime
    end: datetime
    bars: tuple[Bar, ...]
    milestones: tuple[tuple[str, datetime], ...]
    open_end: bool  # the incident is still open: the chart ends at the report's time
    # a drill's chart runs on the exercise clock: its times are origin + exercise time
    # and read as T+ offsets from here; None: wall times
    origin: datetime | None = None

    def when(self, t: datetime) -> str:
        """A time on the chart as a reader should see it: UTC, or T+ in a drill."""
        return utc(t) if self.origin is None else exercise_clock(t - self.origin)


@dataclass
class Report:
    generated_at: datetime
    generator: str
    overview: Overview
    headline: tuple[str, ...]  # a few plain sentences a reader can take in at once
    roles: tuple[RoleHolder, ...]
    people: tuple[Person, ...]
    milestones: tuple[MilestoneRow, ...]
    metrics: tuple[Metric, ...]
    steps: tuple[StepRow, ...]
    chart: Chart
    timers: tuple[TimerRow, ...]
    drill: DrillSection | None
    review: ReviewSection
    carried: tuple[CarriedItem, ...]
    chain: ChainStatus
    timeline: Timeline
    counts: dict[str, int] = field(default_factory=dict)  # backdated, corrections, notes...
    state: IncidentState | None = field(default=None, repr=False)
    defects: tuple[DefectRow, ...] = ()  # the desk's defects open while it ran
    #: step actions that came after somebody else's (see :class:`Clash`), in entry order
    clashes: tuple[Clash, ...] = ()

    def close(self) -> None:
        self.timeline.close()

    def __enter__(self) -> Report:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def head(self) -> str:
        """The incident's head as this report read it: ``INC-0001@57:<hash>``."""
        return self.chain.head(self.overview.incident_id)

    @cached_property
    def flags(self) -> dict[int, tuple[str, ...]]:
        """What the timeline says beside an entry, by seq: the chain broken there, a clash
        with an earlier action, its corrections (user text raw: renderers escape it)."""
        found: dict[int, list[str]] = {}
        for seq, message in self.chain.altered:
            found.setdefault(seq, []).append(f"CHAIN BROKEN HERE: {message}")
        state = self.state
        if state is not None:
            for seq in sorted({c.seq for c in self.clashes} | set(state.corrections)):
                found.setdefault(seq, []).extend(text for text, _ in state.asides(seq))
        return {seq: tuple(texts) for seq, texts in found.items()}

    @property
    def visits(self) -> list[StepVisit]:
        return [v for s in self.steps for v in s.visits]

    @property
    def decisions(self) -> list[tuple[StepRow, StepVisit]]:
        """Every decision taken, with its step, in path order."""
        return [(s, v) for s in self.steps for v in s.visits if v.status == "decided"]

    @property
    def evidence(self) -> list[tuple[StepRow, str]]:
        """Every evidence note recorded on a checklist item, with its step."""
        return [(s, e) for s in self.steps for e in s.evidence]
