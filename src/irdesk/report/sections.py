"""What a report says, section by section: the types both document renderers (Markdown
and HTML) lay out, as :func:`irdesk.report.compose.build_sections` fills them.

A section holds content already decided: its rows in order, every phrase built from the
data ("not reached", "9m over", "decided: ..."), every time and duration written the
report's way (UTC to the second, ``1h 05m``), the tone of each status (good, bad, warn).
A renderer only decides how that looks: markup, escaping, layout. Text in a section is
raw: user text is escaped by the renderer, for its format.

The timeline, which can hold a million entries, is not materialised: its section streams
display-ready rows from the report's spooled timeline (:meth:`TimelineSection.rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from irdesk.domain.incident import K
from irdesk.report.model import Chart
from irdesk.report.timeline import Timeline

#: How a status reads at a glance: good, bad, a warning, or neutral ("").
Tone = Literal["", "good", "bad", "warn"]

# --------------------------------------------------------------------------- the sections


@dataclass(frozen=True)
class Masthead:
    """The report's title block (and, in HTML, its footer)."""

    kind: ClassVar[str] = "masthead"
    report_kind: str  # "Incident report" | "Drill report"
    incident_id: str
    title: str
    generated_at: str
    generator: str
    time_note: str
    playbook_id: str
    playbook_version: str
    head: str  # INC-0001@57:<hash>
    warning: str = ""  # a broken chain: said before anything else


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    small: bool  # a long value ("not recorded") shown smaller


@dataclass(frozen=True)
class Tiles:
    """The key figures at a glance. Each is also in the summary or the metrics, so a
    renderer without a tile layout (Markdown) loses nothing by leaving them out."""

    kind: ClassVar[str] = "tiles"
    tiles: tuple[Tile, ...]


@dataclass(frozen=True)
class SeverityLine:
    at: str
    previous: str  # "" for the declared severity
    severity: str
    actor: str
    reason: str


@dataclass(frozen=True)
class Summary:
    """The headline sentences, the closing and review summaries, and the incident's facts
    (what, when, which playbook, how the journal checked out)."""

    kind: ClassVar[str] = "summary"
    title: ClassVar[str] = "Summary"
    facts_title: ClassVar[str] = "Overview"
    headline: tuple[str, ...]
    closing_summary: str
    review_summary: str
    incident_id: str
    mode: str  # "drill" | "live incident"
    incident_title: str
    severity: str  # the peak, and the last one when it was lowered
    status: str
    declared_at: str
    declared_by: str
    closed_at: str  # "" while open
    outcome: str  # how it ended ("" while open)
    duration: str  # declared → closed, or so far
    playbook_title: str
    playbook_id: str
    playbook_version: str
    playbook_sha256: str  # "" when unknown
    scenario_title: str
    scenario_id: str  # "" outside a drill
    scenario_sha256: str
    entries: str  # "81 entries"
    chain: str  # what verify said, in words
    chain_tone: Tone
    #: each severity it had: when, from → to, who, why (only when it ever changed)
    severity_history: tuple[SeverityLine, ...] = ()
    links: tuple[str, ...] = ()  # "ticket: https://...", in the order they were added


@dataclass(frozen=True)
class RoleChange:
    at: str
    before: str | None  # None: the first holder
    after: str


@dataclass(frozen=True)
class RoleLine:
    title: str
    held_by: str  # "nobody" when the role ended empty
    changes: tuple[RoleChange, ...]


@dataclass(frozen=True)
class PersonLine:
    name: str
    roles: tuple[str, ...]
    entries: str  # "1,234"


@dataclass(frozen=True)
class People:
    kind: ClassVar[str] = "people"
    title: ClassVar[str] = "People and roles"
    roles: tuple[RoleLine, ...]  # the roles someone held
    unassigned: tuple[str, ...]  # titles of the roles nobody held
    people: tuple[PersonLine, ...]


@dataclass(frozen=True)
class MetricLine:
    label: str
    start: str  # milestone names
    end: str
    text: str
    measured: bool  # False: a milestone is missing, nothing to show but why
    tone: Tone  # "bad": the times contradict each other
    backdated: tuple[str, ...]  # backdated milestones behind a measured value


@dataclass(frozen=True)
class MilestoneLine:
    name: str
    at: str
    recorded_at: str  # only when backdated
    actor: str
    via_step: str | None
    backdate_reason: str | None


@dataclass(frozen=True)
class Metrics:
    kind: ClassVar[str] = "metrics"
    title: ClassVar[str] = "Milestones and metrics"
    metrics: tuple[MetricLine, ...]
    milestones: tuple[MilestoneLine, ...]
    missing: tuple[str, ...]  # milestones not recorded


@dataclass(frozen=True)
class ChartSection:
    """The steps against their expected durations, with milestones: drawn as text
    (:mod:`irdesk.report.chart.text`) or SVG (:mod:`irdesk.report.chart.svg`)."""

    kind: ClassVar[str] = "chart"
    title: ClassVar[str] = "Response chart"
    chart: Chart


@dataclass(frozen=True)
class StepLine:
    number: int
    title: str
    visit: int | None  # the visit's number when the step was visited more than once
    phase: str
    expected: str  # "—" without an expected duration
    reached: bool
    actual: str  # "—" when not reached
    overrun: str  # "" when on time
    result: str  # what happened (user text), or why the step has no visit (fixed text)
    checklist: tuple[int, int] | None  # (ticked, items) on a step's last visit
    actor: str


@dataclass(frozen=True)
class DecisionLine:
    at: str
    step_title: str
    option: str
    actor: str


@dataclass(frozen=True)
class EvidenceLine:
    step_title: str
    text: str


@dataclass(frozen=True)
class Steps:
    kind: ClassVar[str] = "steps"
    title: ClassVar[str] = "Steps"
    rows: tuple[StepLine, ...]
    decisions: tuple[DecisionLine, ...]
    evidence: tuple[EvidenceLine, ...]


@dataclass(frozen=True)
class TimerLine:
    title: str
    start: str  # event names
    stop: str
    within: str
    started_at: str  # "—" when it never started
    deadline: str
    state: str
    tone: Tone
    outcome: str


@dataclass(frozen=True)
class EscalationLine:
    at: str
    timer: str
    level: str  # "1", "2 (reminder 1)"
    notified: str  # "commander: ada" (user text)
    notify: str  # "" | "sent" | "failed: ..."
    acknowledged: bool
    ack: str  # "ada, 2026-..." or "not acknowledged"
    late: str = ""  # a late one: "due 2026-... UTC: 12m late; no watcher was running ..."


@dataclass(frozen=True)
class Timers:
    kind: ClassVar[str] = "timers"
    title: ClassVar[str] = "Timers and escalations"
    exercise_clock: bool  # a drill's timers run on the exercise clock
    timers: tuple[TimerLine, ...]
    escalations: tuple[EscalationLine, ...]  # every one fired, in time order


@dataclass(frozen=True)
class DefectLine:
    text: str  # the defect, as the check that found it said (raw)
    opened: str
    closed: str  # "" while still open


@dataclass(frozen=True)
class Defects:
    """The desk's defects (irdesk check: coverage, drills, backups...) open at some time
    while the incident ran."""

    kind: ClassVar[str] = "defects"
    title: ClassVar[str] = "Readiness defects open while it ran"
    defects: tuple[DefectLine, ...]


@dataclass(frozen=True)
class InjectLine:
    id: str
    sender: str
    status: str
    delivered_at: str
    exercise_at: str
    acknowledged_by: str | None
    acknowledged_at: str


@dataclass(frozen=True)
class ExpectationLine:
    inject: str
    event: str
    within: str
    objective: str
    status: str
    tone: Tone
    detail: str  # " at T+... (deadline T+...): ..." after the status


@dataclass(frozen=True)
class HotwashLine:
    number: int
    question: str
    answers: tuple[tuple[str, str], ...]  # (answer, actor)


@dataclass(frozen=True)
class Drill:
    kind: ClassVar[str] = "drill"
    title: ClassVar[str] = "Drill"
    # the objectives' ratings are in the Exercise section, with their findings
    clock: str  # the exercise clock, in one sentence
    injects: tuple[InjectLine, ...]
    expectations: tuple[ExpectationLine, ...]
    hotwash: tuple[HotwashLine, ...]
    feedback: tuple[tuple[str, str, str], ...] = ()  # (participant, went well, to improve)


@dataclass(frozen=True)
class Finding:
    """A strength or an area for improvement of an objective: what was expected and how
    it went, with the journal entries it rests on."""

    text: str  # "'Take ownership and triage the report' done within 15m of inject ..."
    outcome: str  # "met at T+00:08:00 (deadline T+00:15:00)"
    tone: Tone
    evidence: tuple[str, ...]  # "entry 12, 10:03:00 UTC, T+00:00:00: inject ... delivered"


@dataclass(frozen=True)
class ObjectiveAnalysis:
    objective: str
    text: str
    rating: str | None  # P | S | M | U
    tone: Tone
    label: str
    provisional: bool
    strengths: tuple[Finding, ...]  # expectations met
    areas: tuple[Finding, ...]  # areas for improvement: expectations late or missed
    not_evaluated: tuple[Finding, ...]  # n/a, or still open


@dataclass(frozen=True)
class Exercise:
    """A drill's after-action report in the HSEEP shape: the exercise overview, then
    each objective's rating with its strengths and areas for improvement. (The
    improvement plan is the review's matrix.)"""

    kind: ClassVar[str] = "exercise"
    title: ClassVar[str] = "Exercise overview"
    analysis_title: ClassVar[str] = "Analysis of objectives"
    name: str  # the scenario's title
    scenario_id: str
    setting: str  # the scenario's setting ("" when it has none)
    drill_id: str
    wall: str  # "2026-12-02 10:03:00 to 2026-12-02 11:03:00 UTC"
    exercise: str  # "1h of exercise time (1h planned), T+00:00:00 to T+01:00:00"
    participants: tuple[PersonLine, ...]  # who took part, with the roles they held
    objectives: tuple[ObjectiveAnalysis, ...]
    rating_rule: str


@dataclass(frozen=True)
class ImprovementLine:
    item: str
    what: str  # the corrective action
    owner: str
    due: str
    overdue: bool
    step: str
    poete: str  # the capability element
    issue: str  # the area for improvement it answers ("—" when not said)
    organization: str  # "—" when not said
    start: str  # "—" when not said
    status: str  # open | done | dropped
    tone: Tone
    closed_at: str  # "" while open
    closed_by: str
    note: str


@dataclass(frozen=True)
class CarriedLine:
    item: str
    incident_id: str
    incident_title: str
    what: str
    owner: str  # with the organisation, when there is one
    due: str
    overdue: bool
    step: str


@dataclass(frozen=True)
class NoteGroup:
    heading: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    kind: ClassVar[str] = "review"
    title: ClassVar[str] = "After-action review"
    status: str  # saved | draft | empty
    saved_at: str
    saved_by: str
    reopened_at: str  # "" unless a saved review was reopened
    reopen_reason: str
    root_cause: str  # the root cause in a sentence ("" when not recorded)
    problem: str  # five whys: the problem statement they start from
    whys: tuple[str, ...]
    whys_lead_to: str  # the root cause the whys lead to
    notes: tuple[NoteGroup, ...]  # every section of the review, recorded or not
    improvements: tuple[ImprovementLine, ...]
    carried: tuple[CarriedLine, ...]  # still open from earlier incidents on the playbook


@dataclass(frozen=True)
class Integrity:
    kind: ClassVar[str] = "integrity"
    title: ClassVar[str] = "Journal integrity"
    checked: bool
    text: str
    tone: Tone
    entries: str  # "81 entries" checked
    problems: tuple[str, ...]
    incident_id: str
    head: str  # INC-0001@57:<hash>: what ``irdesk verify --expect`` checks ("" without one)
    head_seq: int


#: A timeline row ready to show: (seq, occurred, recorded, who, label, what, "12, 14" of
#: the entries correcting it or ""). Occurred shows the date only when it changes;
#: recorded, only when it differs from occurred (else ""); who is the actor and their
#: role; what is the entry's sentence and, for a backdated entry, why.
TimelineLine = tuple[int, str, str, str, str, str]

#: How many distinct actors, roles and labels a timeline keeps escaped (they repeat)
_KNOWN_WORDS = 4096


@dataclass(frozen=True)
class TimelineSection:
    kind: ClassVar[str] = "timeline"
    title: ClassVar[str] = "Timeline"
    entries: str  # "81 entries"
    timeline: Timeline
    #: what is said beside an entry, by seq (user text raw): see ``Report.flags``
    flags: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    left_out: str = ""  # internal notes not in this report, said in words ("" when none)

    def rows(self, escape: Callable[[str], str]) -> Iterator[TimelineLine]:
        """Every journal entry as a display row, streamed from the spooled timeline, its
        text already passed through the renderer's ``escape`` (once per distinct actor,
        role and label: they repeat on every row)."""
        flags = self.flags
        milestone = K.MILESTONE  # a milestone's sentence already says it was backdated
        whos: dict[tuple[str, str | None], str] = {}
        labels: dict[str, str] = {}
        last_day = ""
        for row in self.timeline:
            ts = row.occurred_at
            day, clock = ts[:10], ts[11:19]
            occurred = clock if day == last_day else f"{day} {clock}"
            last_day = day
            recorded = ""
            if row.recorded_at:
                rts = row.recorded_at
                recorded = rts[11:19] if rts[:10] == day else f"{rts[:10]} {rts[11:19]}"
            who = whos.get((row.actor, row.role))
            if who is None:
                if len(whos) > _KNOWN_WORDS:
                    whos.clear()
                who = escape(row.actor) + (f" ({escape(row.role)})" if row.role else "")
                whos[row.actor, row.role] = who
            label = labels.get(row.label)
            if label is None:
                if len(labels) > _KNOWN_WORDS:
                    labels.clear()
                label = labels[row.label] = escape(row.label)
            what = escape(row.text)
            if row.backdate_reason and row.kind != milestone:
                what += f" (backdated: {escape(row.backdate_reason)})"
            for flag in flags.get(row.seq, ()):
                what += f" — {escape(flag)}"
            yield (row.seq, occurred, recorded, who, label, what)


Section = (
    Masthead
    | Tiles
    | Summary
    | People
    | Metrics
    | ChartSection
    | Steps
    | Timers
    | Defects
    | Drill
    | Exercise
    | Review
    | Integrity
    | TimelineSection
)
