"""After-action reports: one model, built in one streaming pass, rendered as Markdown, HTML,
JSON or a text chart.

:func:`build_report` reads an incident's entries once: it folds them into the incident
state (the same fold every screen uses) and, as they stream past, writes one timeline row
per entry to a spool (in memory while small, a temporary file beyond that), so a 100k-entry
incident never needs 100k entries in memory. The renderers write to a text stream; the
``to_*`` helpers return strings.

Every piece of text a person or a playbook wrote (titles, notes, reasons, names, step
titles) is *user text*: each renderer makes it inert for its format (Markdown escapes, HTML
escapes) and all of them make terminal control characters visible (ESC as ``␛``, other C0
and C1 controls and bidirectional overrides as ``\\xNN``/``\\uNNNN``), see :func:`visible`.

Times are shown in UTC, to the second (the JSON carries milliseconds). Durations read like
``1h 05m``; a metric whose milestone is missing says "not recorded", never a guess.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, TextIO

from irdesk.domain import drill as _drill
from irdesk.domain import review as _review
from irdesk.domain.clock import format_ts, to_utc
from irdesk.domain.describe import describe, label
from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import K, StepState
from irdesk.domain.models import END, Playbook, Scenario

SCHEMA = "irdesk.report/1"
FORMATS: tuple[str, ...] = ("md", "html", "json")
TIME_NOTE = (
    "All times are UTC, 24-hour clock, to the second (the journal keeps "
    "milliseconds; the JSON export carries them)."
)
NOT_RECORDED = "not recorded"
SYSTEM_ACTOR = "system"
BACKDATE_TOLERANCE = timedelta(seconds=1)
SPOOL_IN_MEMORY = 2 * 1024 * 1024  # bytes of timeline kept in memory before spilling to disk


# --------------------------------------------------------------------------- inert text

_INVISIBLE = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))}
_INVISIBLE.update({0x1B: "␛"})
for _c in (0x09, 0x0A):
    del _INVISIBLE[_c]  # tab and newline are text
for _c in (0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF):
    _INVISIBLE[_c] = f"\\u{_c:04x}"


_NEEDS_VISIBLE = re.compile(
    "["
    + "".join(re.escape(chr(c)) if c > 0x20 else f"\\x{c:02x}" for c in sorted(_INVISIBLE))
    + "]"
)


def visible(text: object) -> str:
    """User text with terminal control characters made visible: ESC as ``␛``, other C0/C1
    controls as ``\\xNN``, bidi overrides and line separators as ``\\uNNNN``. Tabs and
    newlines stay (``\\r\\n`` becomes ``\\n``)."""
    value = "" if text is None else str(text)
    if not _NEEDS_VISIBLE.search(value):
        return value
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    return value.translate(_INVISIBLE)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~]|&(?=#?\w+;))")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def _md_line_start(m: re.Match[str]) -> str:
    """``- x`` → ``\\- x``; ``1. x`` → ``1\\. x`` (no list, heading underline or rule)."""
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


_MD_PLAIN = re.compile(
    r"[\\`*_\[\]<>#|~&\n\r\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069"
    r"\ufeff]|^\s*(?:[-+=]|\d+[.)])"
)


def md(text: object) -> str:
    """User text as inert inline Markdown: one line (newlines become ``<br>``), every
    character Markdown or HTML could act on escaped."""
    value = "" if text is None else str(text)
    if not _MD_PLAIN.search(value):
        return value  # nothing to escape (the common case, fast)
    value = visible(value).strip("\n")
    value = _MD_SPECIAL.sub(r"\\\1", value)
    lines = [_MD_LINE_START.sub(_md_line_start, line) for line in value.split("\n")]
    return "<br>".join(lines)


def h(text: object) -> str:
    """User text as inert HTML (text or attribute value)."""
    return html.escape(visible(text), quote=True)


# --------------------------------------------------------------------------- formatting


def utc(when: datetime | None) -> str:
    """``2026-11-23 09:05:00`` (UTC), or an empty string."""
    if when is None:
        return ""
    return to_utc(when).strftime("%Y-%m-%d %H:%M:%S")


def utc_minute(when: datetime | None) -> str:
    return "" if when is None else to_utc(when).strftime("%Y-%m-%d %H:%M")


def iso(when: datetime | None) -> str | None:
    return None if when is None else format_ts(when)


def span(value: timedelta | None) -> str:
    """A duration for people: ``45s``, ``12m 05s``, ``1h 05m``, ``2d 03h``."""
    if value is None:
        return NOT_RECORDED
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        text = f"{days}d {hours:02d}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    elif minutes:
        text = f"{minutes}m {seconds:02d}s" if seconds else f"{minutes}m"
    else:
        text = f"{seconds}s"
    return sign + text


def exercise_clock(value: timedelta | None) -> str:
    """An exercise-clock reading: ``T+00:12:30``."""
    if value is None:
        return ""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"T{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


def seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 3)


def _and(words: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# --------------------------------------------------------------------------- the model


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
class Metric:
    key: str  # time_to_detect | time_to_acknowledge | time_to_contain | time_to_resolve
    label: str
    start: str  # milestone names
    end: str
    value: timedelta | None  # None: a milestone is missing
    missing: tuple[str, ...]
    backdated: tuple[str, ...]  # milestones (of the two) recorded later than they occurred

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


METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("time_to_detect", "Time to detect", "started", "detected"),
    ("time_to_acknowledge", "Time to acknowledge", "declared", "acknowledged"),
    ("time_to_contain", "Time to contain", "detected", "contained"),
    ("time_to_resolve", "Time to resolve", "detected", "resolved"),
)


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

    @property
    def start_known(self) -> bool:
        """False for a step finished out of order that nobody touched before (its start,
        hence its duration, is not recorded)."""
        return self.activated or self.end is None or self.start < self.end

    @property
    def duration(self) -> timedelta | None:
        if self.end is None or not self.start_known:
            return None
        return self.end - self.start

    @property
    def overrun(self) -> timedelta | None:
        """How far past its expected duration the visit ran (finished visits only)."""
        if (
            self.expected is None
            or self.end is None
            or self.status == "skipped"
            or not self.start_known
        ):
            return None
        over = self.end - self.start - self.expected
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
    status: str  # delivered | skipped | scheduled | waiting
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
class ExpectationRow:
    inject: str
    event: str
    within: timedelta
    objective: str | None
    status: str  # met | late | missed | pending | waiting | n/a
    deadline: timedelta | None
    occurred_at: timedelta | None
    detail: str


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
class DrillSection:
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


@dataclass(frozen=True)
class ReviewSection:
    status: str  # empty | draft | saved
    saved_at: datetime | None
    saved_by: str | None
    summary: str
    reopened_at: datetime | None
    reopen_reason: str | None
    root_cause_method: str | None
    root_cause: str
    whys: tuple[str, ...]
    root_cause_by: str | None
    notes: dict[str, tuple[NoteRow, ...]]  # section → notes
    improvements: tuple[ImprovementView, ...]


@dataclass(frozen=True)
class ChainStatus:
    """What ``verify`` said about the incident's hash chain."""

    checked: bool  # False: verify was not run
    ok: bool
    entries: int  # entries whose hash was recomputed
    head_hash: str  # the last entry's hash, as the report read it
    problems: tuple[str, ...] = ()

    @classmethod
    def from_verify(cls, verify: Any, incident_id: str) -> ChainStatus:
        """From a store ``VerifyReport`` (duck-typed: core does not import the store).
        :func:`build_report` sets the head hash to the last entry it read."""
        problems = tuple(
            str(p.message)
            for p in getattr(verify, "problems", ())
            if getattr(p, "incident_id", incident_id) == incident_id
        )
        head = getattr(verify, "heads", {}).get(incident_id, "")
        return cls(
            True,
            bool(getattr(verify, "ok", False)) and not problems,
            int(getattr(verify, "checked", 0)),
            head,
            problems,
        )

    @classmethod
    def unchecked(cls, head_hash: str = "") -> ChainStatus:
        return cls(False, False, 0, head_hash)

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


class TimelineRow(NamedTuple):
    seq: int
    occurred_at: str  # format_ts (UTC, ms)
    recorded_at: str | None  # only when it differs from occurred_at by more than a second
    actor: str
    role: str | None
    kind: str
    label: str
    text: str  # user text already made visible (see :func:`visible`)
    backdate_reason: str | None
    corrects: int | None


def _ts(when: datetime) -> str:
    """format_ts, fast for the aware-UTC datetimes the store returns."""
    text = when.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else format_ts(when)


_SEP, _NL = "\x1f", "\x1e"  # visible() turns both into text, so they cannot occur in a field


def _field(value: object) -> str:
    """One spooled field: made visible, newlines folded (None → empty)."""
    if value is None:
        return ""
    text = visible(value)
    return text.replace("\n", _NL) if "\n" in text else text


class Timeline:
    """The report's timeline rows, spooled (in memory while small, then a temp file).

    One line per row, fields separated by a control character that :func:`visible` has
    removed from every field. Iterate it as often as needed (not from two threads at once).
    """

    def __init__(self, limit: int = SPOOL_IN_MEMORY) -> None:
        self._spool = tempfile.SpooledTemporaryFile(
            max_size=limit, mode="w+", encoding="utf-8", newline="\n"
        )
        self.count = 0
        self.corrected_by: dict[int, list[int]] = {}  # seq → seqs of entries correcting it
        self._words: dict[tuple[str, str | None, str], str] = {}

    def add(self, entry: Entry) -> None:
        occurred = _ts(entry.occurred_at)
        recorded = ""
        if abs(entry.recorded_at - entry.occurred_at) > BACKDATE_TOLERANCE:
            recorded = _ts(entry.recorded_at)
        f = _field
        words = self._words  # actors, roles, kinds and labels repeat: made visible once
        head = (entry.actor, entry.role, entry.kind)
        fixed = words.get(head)
        if fixed is None:
            fixed = words[head] = _SEP.join(
                (f(entry.actor), f(entry.role), f(entry.kind), f(label(entry)))
            )
        self._spool.write(
            _SEP.join(
                (
                    str(entry.seq),
                    occurred,
                    recorded,
                    fixed,
                    f(describe(entry)),
                    f(entry.backdate_reason),
                    "" if entry.corrects is None else str(entry.corrects),
                )
            )
            + "\n"
        )
        self.count += 1
        if entry.corrects is not None:
            self.corrected_by.setdefault(entry.corrects, []).append(entry.seq)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[TimelineRow]:
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            (seq, occurred, recorded, actor, role, kind, text_label, text, reason, corrects) = line[
                :-1
            ].split(_SEP)
            if _NL in text:
                text = text.replace(_NL, "\n")
            if _NL in reason:
                reason = reason.replace(_NL, "\n")
            yield TimelineRow(
                int(seq),
                occurred,
                recorded or None,
                actor,
                role or None,
                kind,
                text_label,
                text,
                reason or None,
                int(corrects) if corrects else None,
            )
        self._spool.seek(0, io.SEEK_END)

    def close(self) -> None:
        self._spool.close()


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

    def close(self) -> None:
        self.timeline.close()

    def __enter__(self) -> Report:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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


# --------------------------------------------------------------------------- building


class _Visits:
    """Follows the step pointer during the fold and records every visit of every step."""

    FINISHING = (K.STEP_DONE, K.STEP_SKIPPED, K.DECIDED)

    def __init__(self, state: IncidentState) -> None:
        self.state = state
        self.open: dict[str, StepVisit] = {}
        self.by_step: dict[str, list[StepVisit]] = {}

    def _new(self, step_id: str, start: datetime, activated: bool) -> StepVisit:
        visits = self.by_step.setdefault(step_id, [])
        try:
            expected = self.state.playbook.step(step_id).within
        except KeyError:
            expected = None
        visit = StepVisit(step_id, len(visits) + 1, start, expected=expected, activated=activated)
        visits.append(visit)
        return visit

    def after(self, entry: Entry, path_before: int) -> None:
        state = self.state
        if entry.kind in self.FINISHING:
            step_id = str(entry.payload.get("step"))
            st: StepState | None = state.steps.get(step_id)
            if st is not None and st.finished_seq == entry.seq:
                visit = self.open.pop(step_id, None)
                if visit is None:  # finished out of order (never activated)
                    visit = self._new(step_id, st.started_at or entry.occurred_at, False)
                visit.end = st.finished_at
                visit.actor = entry.actor
                if entry.kind == K.STEP_SKIPPED:
                    visit.status = "skipped"
                    visit.skip_reason = st.skip_reason
                elif entry.kind == K.DECIDED:
                    visit.status = "decided"
                    visit.decision = st.decision[1] if st.decision else None
                else:
                    visit.status = "done"
        for step_id in state.path[path_before:]:
            st = state.steps[step_id]
            self.open[step_id] = self._new(step_id, st.activated_at or entry.occurred_at, True)


def build_report(
    playbook: Playbook,
    entries: Iterable[Entry],
    *,
    now: datetime,
    scenario: Scenario | None = None,
    chain: ChainStatus | None = None,
    carried: Sequence[CarriedItem] = (),
    generator: str = "irdesk",
    spool_limit: int = SPOOL_IN_MEMORY,
) -> Report:
    """Read an incident's entries once (in seq order) and build its report.

    ``playbook`` and ``scenario`` are the ones the incident ran with (kept in its first
    entry: see :func:`irdesk.services.incident.playbook_of`). ``chain`` is what verify said,
    ``carried`` the items still open from earlier incidents on the same playbook, ``now``
    the report's time (for an open incident: how long things have been running).
    """
    state = IncidentState(playbook, scenario)
    visits = _Visits(state)
    timeline = Timeline(spool_limit)
    entries_by: Counter[str] = Counter()
    roles_seen: dict[str, set[str]] = {}
    role_history: dict[str, list[tuple[datetime, str | None, str]]] = {}
    genesis: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    last_hash = ""
    closing_summary = ""
    apply = state.apply
    add = timeline.add
    finishing = _Visits.FINISHING
    for entry in entries:
        if entry.seq <= state.last_seq:
            continue
        path_before = len(state.path)
        apply(entry)
        kind = entry.kind
        if kind in finishing or len(state.path) != path_before:
            visits.after(entry, path_before)
        add(entry)
        last_hash = entry.hash
        entries_by[entry.actor] += 1
        if entry.role:
            roles_seen.setdefault(entry.actor, set()).add(entry.role)
        if entry.backdate_reason is not None:
            counts["backdated"] += 1
        if kind == K.CORRECTION:
            counts["corrections"] += 1
        elif kind == K.NOTE:
            counts["notes"] += 1
        elif kind == K.CLOSED:
            closing_summary = str(entry.payload.get("summary") or "")
        elif kind == K.DECLARED:
            genesis = entry.payload
            if entry.payload.get("commander"):
                role_history.setdefault("commander", []).append(
                    (entry.occurred_at, None, str(entry.payload["commander"]))
                )
        elif kind == K.ROLE:
            role, person = entry.payload.get("role"), entry.payload.get("person")
            if role:
                role_history.setdefault(str(role), []).append(
                    (entry.occurred_at, entry.payload.get("from"), str(person or ""))
                )
    counts["entries"] = state.entry_count

    overview = _overview(state, genesis, playbook, scenario, now, closing_summary)
    end = state.closed_at if state.closed and state.closed_at else now
    steps = _steps(state, visits)
    chart = _chart(state, steps, end, open_end=not state.closed)
    review = _review_section(state, playbook, now)
    report = Report(
        generated_at=now,
        generator=generator,
        overview=overview,
        headline=(),
        roles=_roles(state, playbook, role_history),
        people=_people(state, playbook, entries_by, roles_seen, role_history),
        milestones=tuple(
            MilestoneRow(m.name, m.at, m.recorded_at, m.actor, m.backdate_reason, m.via_step)
            for m in sorted(state.ordered_milestones(), key=lambda m: (m.at, m.seq))
        ),
        metrics=_metrics(state),
        steps=steps,
        chart=chart,
        timers=_timers(state, now),
        drill=_drill_section(state, now),
        review=review,
        carried=tuple(carried),
        chain=chain if chain is not None else ChainStatus.unchecked(last_hash),
        timeline=timeline,
        counts=dict(counts),
        state=state,
    )
    if chain is not None:  # the head of what this report read (verify may have seen more)
        report.chain = replace(chain, head_hash=last_hash)
    report.headline = _headline(report)
    return report


def _overview(
    state: IncidentState,
    genesis: dict[str, Any],
    playbook: Playbook,
    scenario: Scenario | None,
    now: datetime,
    summary: str,
) -> Overview:
    end = state.closed_at if state.closed and state.closed_at else now
    duration = end - state.declared_at if state.declared_at else None
    return Overview(
        incident_id=state.incident_id,
        title=state.title,
        mode=state.mode,
        severity=state.severity,
        status=state.status,
        declared_at=state.declared_at,
        declared_by=state.declared_by,
        closed_at=state.closed_at if state.closed else None,
        duration=duration,
        summary=summary,
        playbook_id=str(genesis.get("playbook_id") or playbook.id),
        playbook_title=str(genesis.get("playbook_title") or playbook.title),
        playbook_version=str(genesis.get("playbook_version") or playbook.version),
        playbook_sha256=str(
            genesis.get("playbook_sha256") or (playbook.source.sha256 if playbook.source else "")
        ),
        scenario_id=genesis.get("scenario_id") or (scenario.id if scenario else None),
        scenario_title=genesis.get("scenario_title") or (scenario.title if scenario else None),
        scenario_sha256=genesis.get("scenario_sha256"),
        entry_count=state.entry_count,
    )


def _role_title(playbook: Playbook, role: str) -> str:
    try:
        return playbook.role(role).title
    except KeyError:
        return role


def _roles(
    state: IncidentState,
    playbook: Playbook,
    history: dict[str, list[tuple[datetime, str | None, str]]],
) -> tuple[RoleHolder, ...]:
    rows = []
    ids = [r.id for r in playbook.roles] + sorted(set(history) - {r.id for r in playbook.roles})
    for role in ids:
        rows.append(
            RoleHolder(
                role,
                _role_title(playbook, role),
                state.roles.get(role),
                tuple(history.get(role, ())),
            )
        )
    return tuple(rows)


def _people(
    state: IncidentState,
    playbook: Playbook,
    entries_by: Counter[str],
    roles_seen: dict[str, set[str]],
    history: dict[str, list[tuple[datetime, str | None, str]]],
) -> tuple[Person, ...]:
    held: dict[str, set[str]] = {}
    for role, changes in history.items():
        for _at, _from, person in changes:
            if person:
                held.setdefault(person, set()).add(role)
    for person, roles in roles_seen.items():
        held.setdefault(person, set()).update(roles)
    names = (set(entries_by) | set(held)) - {SYSTEM_ACTOR}
    order = {r.id: n for n, r in enumerate(playbook.roles)}
    people = []
    for name in sorted(names, key=lambda n: (-entries_by.get(n, 0), n)):
        roles = sorted(held.get(name, ()), key=lambda r: (order.get(r, 99), r))
        people.append(
            Person(name, tuple(_role_title(playbook, r) for r in roles), entries_by.get(name, 0))
        )
    return tuple(people)


def _metrics(state: IncidentState) -> tuple[Metric, ...]:
    rows = []
    for key, text, start, end in METRICS:
        a, b = state.milestones.get(start), state.milestones.get(end)
        missing = tuple(m for m, found in ((start, a), (end, b)) if found is None)
        value = (b.at - a.at) if a is not None and b is not None else None
        backdated = tuple(
            m.name
            for m in (a, b)
            if m is not None and abs(m.recorded_at - m.at) > BACKDATE_TOLERANCE
        )
        rows.append(Metric(key, text, start, end, value, missing, backdated))
    return tuple(rows)


def _steps(state: IncidentState, visits: _Visits) -> tuple[StepRow, ...]:
    rows = []
    for number, step in enumerate(state.playbook.steps, 1):
        st = state.steps[step.id]
        evidence = tuple(t.evidence for _, t in sorted(st.ticks.items()) if t.evidence)
        rows.append(
            StepRow(
                id=step.id,
                number=number,
                title=step.title,
                phase=str(step.phase),
                role=step.role,
                expected=step.within,
                status=st.status,
                is_decision=step.is_decision,
                visits=tuple(visits.by_step.get(step.id, ())),
                checked=len(st.ticks),
                checklist=len(step.checklist),
                evidence=evidence,
            )
        )
    return tuple(rows)


def _chart(
    state: IncidentState, steps: Sequence[StepRow], end: datetime, *, open_end: bool
) -> Chart:
    titles = {s.id: s.title for s in steps}
    bars = []
    for visit in sorted((v for s in steps for v in s.visits), key=lambda v: (v.start, v.step)):
        finish = visit.end if visit.end is not None else max(end, visit.start)
        bars.append(
            Bar(
                visit.step,
                titles.get(visit.step, visit.step),
                visit.visit,
                visit.start,
                finish,
                visit.end is not None,
                visit.expected,
                visit.status,
                visit.start_known,
            )
        )
    marks = tuple((m.name, m.at) for m in state.ordered_milestones())
    times = [b.start for b in bars] + [b.end for b in bars] + [at for _, at in marks]
    if state.declared_at is not None:
        times.append(state.declared_at)
    if not times:
        times = [end]
    start = min(times)
    stop = max(max(times), start + timedelta(minutes=1))
    return Chart(start, stop, tuple(bars), marks, open_end)


def _timers(state: IncidentState, now: datetime) -> tuple[TimerRow, ...]:
    notify: dict[int, str] = {}
    for n in state.notifications:
        seq = n.get("escalation_seq")
        if isinstance(seq, int):
            notify[seq] = f"failed: {n['error']}" if n.get("error") else "sent"
    rows = []
    # in a drill, timers read the exercise clock (declared_at + exercise time)
    origin = state.declared_at if "drill" in state.ext else None
    for view in state.timers(now):
        timer = view.timer
        escalations = tuple(
            EscalationRow(
                e.timer,
                e.level,
                e.repeat,
                e.role,
                e.people,
                e.at,
                e.acknowledged_by,
                e.acknowledged_at,
                notify.get(e.seq, ""),
            )
            for e in view.escalations
        )
        by_close = view.state in ("met", "late") and state.event_time(timer.stop) is None
        rows.append(
            TimerRow(
                timer.id,
                timer.title,
                str(timer.start),
                str(timer.stop),
                timer.within,
                view.state,
                view.started_at,
                view.deadline,
                view.stopped_at,
                by_close,
                escalations,
                origin,
            )
        )
    return tuple(rows)


def _drill_section(state: IncidentState, now: datetime) -> DrillSection | None:
    drill = _drill.drill_state(state)
    if drill is None:
        return None
    injects = tuple(
        InjectRow(
            v.state.id,
            v.state.sender,
            v.state.text,
            v.status,
            v.state.added,
            v.state.delivered_at,
            v.state.exercise_at,
            v.due_at,
            v.state.early,
            v.state.skip_reason,
            v.state.skip_detail,
            v.state.acknowledged_by,
            v.state.acknowledged_at,
        )
        for v in _drill.inject_views(state, now)
    )
    expectations = tuple(
        ExpectationRow(
            v.inject, v.event, v.within, v.objective, v.status, v.deadline, v.occurred_at, v.detail
        )
        for v in _drill.expectation_views(state, now)
    )
    ratings = tuple(
        RatingRow(
            r.objective.id,
            r.objective.text,
            r.rating,
            r.label,
            r.met,
            r.late,
            r.missed,
            r.void,
            r.provisional,
        )
        for r in _drill.objective_ratings(state, now)
    )
    hotwash = tuple(
        HotwashRow(i, q, tuple((a.answer, a.actor, a.at) for a in drill.answers_to(i)))
        for i, q in enumerate(drill.questions)
    )
    return DrillSection(
        drill.started_at,
        drill.ended_at,
        drill.ended_by,
        drill.exercise_elapsed(now),
        drill.planned,
        injects,
        expectations,
        ratings,
        hotwash,
        drill.hotwash_done,
        _drill.RATING_RULE,
    )


def _review_section(state: IncidentState, playbook: Playbook, now: datetime) -> ReviewSection:
    r = _review.review_state(state)
    today = to_utc(now).date()
    titles = {s.id: s.title for s in playbook.steps}
    items = tuple(
        ImprovementView(
            i.item,
            i.what,
            i.owner,
            i.due,
            i.step,
            titles.get(i.step or ""),
            i.poete,
            i.status,
            i.overdue(today),
            i.added_at,
            i.added_by,
            i.closed_at,
            i.closed_by,
            i.close_note,
        )
        for i in sorted(r.improvements.values(), key=lambda i: _review.item_number(i.item))
    )
    notes = {
        section: tuple(NoteRow(n.text, n.actor, n.at) for n in r.section(section))
        for section in _review.SECTIONS
    }
    rc = r.root_cause
    return ReviewSection(
        status=r.status,
        saved_at=r.saved_at if r.saved else None,
        saved_by=r.saved_by if r.saved else None,
        summary=r.summary if r.saved else "",
        reopened_at=r.reopened_at,
        reopen_reason=r.reopen_reason,
        root_cause_method=rc.method if rc else None,
        root_cause=rc.text if rc else "",
        whys=rc.whys if rc else (),
        root_cause_by=rc.actor if rc else None,
        notes=notes,
        improvements=items,
    )


def _headline(report: Report) -> tuple[str, ...]:
    o = report.overview
    lines = []
    what = "Drill" if o.is_drill else "Incident"
    when = f"declared {utc_minute(o.declared_at)} UTC by {o.declared_by}"
    if o.closed_at:
        lines.append(
            f"{what} {o.incident_id} ({o.severity}) was {when} and closed "
            f"{utc_minute(o.closed_at)} UTC, {span(o.duration)} later."
        )
    else:
        lines.append(
            f"{what} {o.incident_id} ({o.severity}) was {when}; it is still "
            f"{o.status} ({span(o.duration)} so far)."
        )
    metrics = {m.key: m for m in report.metrics}
    facts = []
    for key, words in (
        ("time_to_acknowledge", "acknowledged"),
        ("time_to_contain", "contained"),
        ("time_to_resolve", "resolved"),
    ):
        m = metrics[key]
        if m.value is not None and m.value >= timedelta(0):
            origin = "after declaration" if m.start == "declared" else "after detection"
            facts.append(f"{words} {span(m.value)} {origin}")
    if facts:
        lines.append("It was " + ", ".join(facts) + ".")
    unmeasured = [m for m in report.metrics if m.value is None]
    if unmeasured:
        absent = [name for name in MILESTONES if any(name in m.missing for m in unmeasured)]
        names = _and([f"'{a}'" for a in absent], "or")
        what = _and([m.label.lower() for m in unmeasured])
        lines.append(
            f"No {names} milestone was recorded, so {what} "
            f"{'is' if len(unmeasured) == 1 else 'are'} not measured."
        )
    finished = [v for v in report.visits if v.end is not None]
    over = [v for v in finished if v.overrun]
    skipped = [v for v in finished if v.status == "skipped"]
    steps_text = f"{_plural(len(finished), 'step')} finished"
    if over:
        steps_text += (
            f", {len(over)} over its expected time"
            if len(over) == 1
            else f", {len(over)} over their expected time"
        )
    if skipped:
        steps_text += f", {len(skipped)} skipped"
    fired = sum(len(t.escalations) for t in report.timers)
    if fired:
        steps_text += f"; {_plural(fired, 'escalation')} fired"
    lines.append(steps_text[0].upper() + steps_text[1:] + ".")
    if report.drill is not None and report.drill.ratings:
        rated = ", ".join(f"{r.objective} {r.rating or '–'}" for r in report.drill.ratings)
        lines.append(f"Objective ratings: {rated}.")
    rv = report.review
    open_items = sum(1 for i in rv.improvements if i.status == "open")
    if rv.status == "empty":
        lines.append("No after-action review has been recorded yet.")
    else:
        state = "saved" if rv.status == "saved" else "a draft (not saved)"
        lines.append(
            f"The after-action review is {state}, with "
            f"{_plural(len(rv.improvements), 'improvement item')} "
            f"({open_items} open)."
        )
    if report.carried:
        lines.append(
            f"{_plural(len(report.carried), 'improvement item')} from earlier "
            f"incidents on this playbook {'is' if len(report.carried) == 1 else 'are'}"
            " still open."
        )
    return tuple(lines)


# --------------------------------------------------------------------------- chart scale


_NICE_STEPS = tuple(
    timedelta(seconds=s)
    for s in (
        1,
        5,
        10,
        15,
        30,
        60,
        120,
        300,
        600,
        900,
        1800,
        3600,
        7200,
        10800,
        21600,
        43200,
        86400,
        172800,
        604800,
    )
)


@dataclass(frozen=True)
class Segment:
    t0: datetime
    t1: datetime
    x0: float
    x1: float
    gap: bool  # a compressed stretch where nothing happened

    def x(self, t: datetime) -> float:
        total = (self.t1 - self.t0).total_seconds()
        if total <= 0:
            return self.x0
        return self.x0 + (t - self.t0).total_seconds() / total * (self.x1 - self.x0)


class Scale:
    """Time → position, with long idle stretches compressed into a fixed-width break.

    A response measured in hours and a review finished days later would otherwise leave
    the response as a sliver; the breaks are drawn and labelled with the time they hide.
    """

    def __init__(
        self,
        chart: Chart,
        x0: float,
        width: float,
        break_width: float,
        min_gap: timedelta = timedelta(hours=1),
        share: float = 0.3,
        max_breaks: int = 6,
    ) -> None:
        self.x0, self.width = x0, width
        start, end = chart.start, chart.end
        keys = sorted(
            {
                start,
                end,
                *(b.start for b in chart.bars),
                *(b.end for b in chart.bars),
                *(at for _, at in chart.milestones),
            }
        )
        total = (end - start).total_seconds() or 1.0
        # Compress the longest quiet stretches (no bar starts or ends, no milestone) while
        # each is long against what is left at scale.
        linear = total
        chosen: list[tuple[datetime, datetime]] = []
        for a, b in sorted(zip(keys, keys[1:], strict=False), key=lambda ab: ab[0] - ab[1]):
            g = (b - a).total_seconds()
            if len(chosen) >= max_breaks or b - a < min_gap or g <= share * (linear - g):
                break
            chosen.append((a, b))
            linear -= g
        pad = timedelta(seconds=max(linear * 0.04, 1.0))
        cuts = [(a + pad, b - pad) for a, b in sorted(chosen) if b - a > 3 * pad]
        usable = width - break_width * len(cuts)
        linear_s = total - sum((b - a).total_seconds() for a, b in cuts)
        self.k = usable / linear_s if linear_s > 0 else 0.0  # px per second
        self.segments: list[Segment] = []
        x, t = x0, start
        for a, b in cuts:
            nx = x + (a - t).total_seconds() * self.k
            self.segments.append(Segment(t, a, x, nx, False))
            self.segments.append(Segment(a, b, nx, nx + break_width, True))
            x, t = nx + break_width, b
        self.segments.append(Segment(t, end, x, x0 + width, False))

    @property
    def breaks(self) -> list[Segment]:
        return [s for s in self.segments if s.gap]

    def x(self, t: datetime) -> float:
        if t <= self.segments[0].t0:
            return self.segments[0].x0
        for seg in self.segments:
            if t <= seg.t1:
                return seg.x(t)
        return self.segments[-1].x1

    def ticks(self, min_spacing: float) -> list[tuple[float, datetime, timedelta]]:
        """(x, time, step) of round times at least ``min_spacing`` apart, in linear parts."""
        step = _NICE_STEPS[-1]
        for candidate in _NICE_STEPS:
            if candidate.total_seconds() * self.k >= min_spacing:
                step = candidate
                break
        out: list[tuple[float, datetime, timedelta]] = []
        epoch = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday: weeks line up too
        s = step.total_seconds()
        for seg in self.segments:
            if seg.gap:
                continue
            n = math.ceil((seg.t0 - epoch).total_seconds() / s)
            t = epoch + timedelta(seconds=n * s)
            while t <= seg.t1:
                x = seg.x(t)
                if not out or x - out[-1][0] >= min_spacing * 0.9:
                    out.append((x, t, step))
                t += step
        return out


def tick_labels(ticks: list[tuple[float, datetime, timedelta]]) -> list[tuple[float, str, str]]:
    """(x, time label, date label or "") for ticks: the date under the first tick and
    wherever the day changes."""
    out = []
    last = None
    for x, t, step in ticks:
        day = to_utc(t).date()
        date_text = "" if day == last or step >= timedelta(days=1) else day.strftime("%d %b")
        last = day
        out.append((x, tick_label(t, step), date_text))
    return out


def tick_label(t: datetime, step: timedelta) -> str:
    t = to_utc(t)
    if step >= timedelta(days=1):
        return t.strftime("%d %b")
    if step < timedelta(minutes=1):
        return t.strftime("%H:%M:%S")
    return t.strftime("%H:%M")


# --------------------------------------------------------------------------- text chart

_FULL, _OVER, _EXPECTED, _EMPTY = "█", "▓", "░", " "


def text_chart(report: Report, width: int = 100) -> list[str]:
    """The step chart as plain lines (no markup) ``width`` columns wide: one row per step
    visit, ``█`` its actual duration, ``▓`` time beyond its expected duration, ``░`` the
    rest of its expected duration, ``◆`` a decision, ``×`` a skip, ``│`` milestones;
    ``≈`` marks a compressed stretch of idle time."""
    chart = report.chart
    width = max(width, 40)
    label_w = min(32, max(12, width // 3))
    area = width - label_w - 1
    if not chart.bars and not chart.milestones:
        return ["(no step was started)"]
    scale = Scale(chart, 0, area - 1, 3)

    def col(t: datetime) -> int:
        return min(area - 1, max(0, int(scale.x(t))))

    mcols = [(name, col(at)) for name, at in chart.milestones]
    lines: list[str] = []
    # milestone labels, staggered over as many lines as needed; near the right edge a
    # label ends at its mark ("name▼") instead of starting there
    rows: list[list[tuple[int, str]]] = []
    for name, c in mcols:
        text = "▼" + name
        start = c
        if c + len(text) > area:
            text = name + "▼"
            start = max(0, c - len(name))
        for row in rows:
            if all(start > oc + len(ot) or start + len(text) < oc for oc, ot in row):
                row.append((start, text))
                break
        else:
            rows.append([(start, text)])
    for row in rows:
        buf = [" "] * area
        for c, text in row:
            for i, ch in enumerate(text):
                if c + i < area:
                    buf[c + i] = ch
        lines.append(" " * (label_w + 1) + "".join(buf).rstrip())
    gap_cols = {c for seg in scale.breaks for c in range(int(seg.x0), int(seg.x1) + 1)}
    for bar in chart.bars:
        buf = [_EMPTY] * area
        for _name, c in mcols:
            buf[c] = "│"
        a, b = col(bar.start), col(bar.end)
        exp_end = bar.expected_end
        if not bar.start_known:
            a = b
        if exp_end is not None and bar.status != "skipped":
            for c in range(a, col(min(exp_end, chart.end)) + 1):
                buf[c] = _EXPECTED
        over = bar.overrun_from
        for c in range(a, b + 1):
            buf[c] = _OVER if over is not None and c > col(over) else _FULL
        if bar.status == "skipped":
            buf[b] = "×"
        elif bar.status == "decided":
            buf[b] = "◆"
        elif not bar.start_known:
            buf[b] = "●"
        for c in gap_cols:
            if 0 <= c < area and buf[c] in (_FULL, _OVER, _EXPECTED):
                buf[c] = "≈"
        name = visible(bar.title).replace("\n", " ").replace("\t", " ")
        if bar.visit > 1:
            name += f" ({bar.visit})"
        if len(name) > label_w:
            name = name[: label_w - 1] + "…"
        lines.append(f"{name:<{label_w}} " + "".join(buf).rstrip())
    # the axis: tick marks, times, and the date wherever the day changes
    axis = ["─"] * area
    times = [" "] * area
    dates = [" "] * area
    for seg in scale.breaks:
        for c in range(int(seg.x0), min(area, int(seg.x1) + 1)):
            axis[c] = "≈"
    for x, time_text, date_text in tick_labels(scale.ticks(12)):
        c = min(area - 1, int(x))
        free = times[max(0, c - 1) : c + len(time_text) + 1]
        if c + len(time_text) > len(times) or any(ch != " " for ch in free):
            continue
        if axis[c] != "≈":
            axis[c] = "┬"
        times[c : c + len(time_text)] = list(time_text)
        if date_text and all(ch == " " for ch in dates[max(0, c - 1) : c + len(date_text) + 1]):
            dates[c : c + len(date_text)] = list(date_text)
    pad = " " * (label_w + 1)
    lines.append(pad + "".join(axis))
    lines.append(pad + "".join(times).rstrip())
    if any(ch != " " for ch in dates):
        lines.append(pad + "".join(dates).rstrip())
    hidden = [span(seg.t1 - seg.t0) for seg in scale.breaks]
    legend = (
        f"{_FULL} actual  {_OVER} over expected  {_EXPECTED} expected  ◆ decision  "
        "× skipped  │ milestone"
    )
    if any(not b.start_known for b in chart.bars):
        legend += "  ● done out of order"
    if hidden:
        legend += f"  ≈ quiet stretch not to scale ({', '.join(hidden)})"
    lines.extend(_wrap(legend + "  (times UTC)", width))
    return lines


def _wrap(text: str, width: int) -> list[str]:
    """Words of ``text`` in lines of at most ``width`` columns (pairs of spaces kept)."""
    out: list[str] = []
    line = ""
    for word in text.split("  "):
        candidate = f"{line}  {word}" if line else word
        if len(candidate) <= width or not line:
            line = candidate
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    return [part[:width] for part in out]


# --------------------------------------------------------------------------- SVG chart

_COLORS = {
    "done": "#2b6cb0",
    "decided": "#6b46c1",
    "skipped": "#a0aec0",
    "active": "#2f855a",
    "over": "#c53030",
    "expected": "#cfe0f3",
    "milestone": "#b7791f",
    "grid": "#e2e8f0",
    "text": "#1a202c",
    "muted": "#4a5568",
}


def svg_chart(report: Report, width: int = 1040) -> str:
    """The step chart as an inline SVG (no external references)."""
    chart = report.chart
    label_w, right = 270, 64
    area = width - label_w - right
    row_h, bar_h, exp_h = 24, 10, 18
    if not chart.bars and not chart.milestones:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="30" role="img" '
            'aria-label="no step was started"><text x="0" y="20" font-size="13">'
            "No step was started.</text></svg>"
        )
    scale = Scale(chart, label_w, area, 34)
    # milestone labels staggered in rows above the bars
    label_rows: list[list[tuple[float, float]]] = []
    placed: list[tuple[str, float, int]] = []
    for name, at in chart.milestones:
        x = scale.x(at)
        tw = 7.2 * len(name) + 10
        lx = x if x + tw <= width else x - tw  # near the right edge: left of its line
        for i, row in enumerate(label_rows):
            if all(lx + tw < a or lx > b for a, b in row):
                row.append((lx, lx + tw))
                placed.append((name, x, i))
                break
        else:
            label_rows.append([(lx, lx + tw)])
            placed.append((name, x, len(label_rows) - 1))
    top = 16 + 16 * max(1, len(label_rows))
    body_h = row_h * len(chart.bars)
    axis_y = top + body_h + 6
    legend_y = axis_y + 66
    items = [
        ("done", "step (done)"),
        ("decided", "decision"),
        ("skipped", "skipped"),
        ("active", "not finished"),
        ("over", "beyond expected time"),
        ("expected", "expected duration"),
    ]
    if any(not b.start_known for b in chart.bars):
        items.append(("dot", "done out of order"))
    items.append(("milestone", "milestone"))
    legend: list[tuple[str, str, float, float]] = []
    lx, ly = float(label_w), float(legend_y)
    for key, text in items:
        item_w = 26 + 6.6 * len(text)
        if lx + item_w > width and lx > label_w:
            lx, ly = float(label_w), ly + 18
        legend.append((key, text, lx, ly))
        lx += item_w
    height = int(ly) + 22
    out = io.StringIO()
    w = out.write
    w(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="system-ui, -apple-system, '
        f'Segoe UI, Roboto, Helvetica, Arial, sans-serif" font-size="12" '
        f'aria-label="Steps against their expected durations, with milestones">\n'
    )
    w(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>\n')
    # grid and ticks
    for x, time_text, date_text in tick_labels(scale.ticks(64)):
        w(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="{_COLORS["grid"]}" stroke-width="1"/>\n'
        )
        w(
            f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" '
            f'fill="{_COLORS["muted"]}">{h(time_text)}</text>\n'
        )
        if date_text:
            w(
                f'<text x="{x:.1f}" y="{axis_y + 30}" text-anchor="middle" font-size="10" '
                f'fill="{_COLORS["muted"]}">{h(date_text)}</text>\n'
            )
    w(
        f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + area}" y2="{axis_y}" '
        f'stroke="{_COLORS["muted"]}" stroke-width="1"/>\n'
    )
    # zebra rows and labels
    for i, bar in enumerate(chart.bars):
        y = top + i * row_h
        if i % 2 == 0:
            w(f'<rect x="0" y="{y}" width="{width}" height="{row_h}" fill="#f7fafc"/>\n')
        name = bar.title + (f" (visit {bar.visit})" if bar.visit > 1 else "")
        short = name if len(name) <= 40 else name[:39] + "…"
        w(
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'fill="{_COLORS["text"]}"><title>{h(name)}</title>{h(short)}</text>\n'
        )
    # bars
    for i, bar in enumerate(chart.bars):
        y = top + i * row_h
        x1, x2 = scale.x(bar.start), scale.x(bar.end)
        exp_end = bar.expected_end
        if bar.start_known:
            tip = (
                f"{bar.title}: {bar.status}, {utc(bar.start)} → "
                f"{utc(bar.end) if bar.finished else 'not finished'} "
                f"({span(bar.end - bar.start)}"
                + (f" of {span(bar.expected)} expected" if bar.expected else "")
                + ")"
            )
        else:
            tip = f"{bar.title}: {bar.status} out of order at {utc(bar.end)} (start not recorded)"
        if exp_end is not None and bar.status != "skipped":
            xe = scale.x(min(exp_end, chart.end))
            w(
                f'<rect x="{x1:.1f}" y="{y + (row_h - exp_h) / 2:.1f}" '
                f'width="{max(xe - x1, 1):.1f}" height="{exp_h}" rx="2" '
                f'fill="{_COLORS["expected"]}"/>\n'
            )
            if exp_end > chart.end:
                w(
                    f'<text x="{xe + (12 if not bar.finished else 3):.1f}" '
                    f'y="{y + row_h / 2 + 4:.1f}" '
                    f'fill="{_COLORS["muted"]}" font-size="10">→ {h(span(bar.expected))}</text>\n'
                )
        color = _COLORS.get(bar.status, _COLORS["done"])
        over = bar.overrun_from
        xo = scale.x(over) if over is not None else x2
        by = y + (row_h - bar_h) / 2
        w(f"<g><title>{h(tip)}</title>")
        if not bar.start_known:
            w(f'<circle cx="{x2:.1f}" cy="{by + bar_h / 2:.1f}" r="5" fill="{color}"/></g>\n')
            continue
        w(
            f'<rect x="{x1:.1f}" y="{by:.1f}" width="{max(xo - x1, 2):.1f}" height="{bar_h}" '
            f'fill="{color}"/>'
        )
        if over is not None:
            w(
                f'<rect x="{xo:.1f}" y="{by:.1f}" width="{max(x2 - xo, 1):.1f}" '
                f'height="{bar_h}" fill="{_COLORS["over"]}"/>'
            )
        if not bar.finished:
            w(
                f'<polygon points="{x2:.1f},{by - 2:.1f} {x2 + 7:.1f},{by + bar_h / 2:.1f} '
                f'{x2:.1f},{by + bar_h + 2:.1f}" fill="{color}"/>'
            )
        if bar.status == "decided":
            cy = by + bar_h / 2
            w(
                f'<polygon points="{x2:.1f},{cy - 7:.1f} {x2 + 7:.1f},{cy:.1f} {x2:.1f},'
                f'{cy + 7:.1f} {x2 - 7:.1f},{cy:.1f}" fill="{color}" stroke="#ffffff"/>'
            )
        if bar.status == "skipped":
            cy = by + bar_h / 2
            w(
                f'<path d="M{x2 - 5:.1f},{cy - 5:.1f} L{x2 + 5:.1f},{cy + 5:.1f} M{x2 - 5:.1f},'
                f'{cy + 5:.1f} L{x2 + 5:.1f},{cy - 5:.1f}" stroke="{_COLORS["muted"]}" '
                f'stroke-width="2"/>'
            )
        w("</g>\n")
    # breaks (compressed idle time)
    for seg in scale.breaks:
        mid = (seg.x0 + seg.x1) / 2
        w(
            f'<rect x="{seg.x0 + 4:.1f}" y="{top - 4}" width="{seg.x1 - seg.x0 - 8:.1f}" '
            f'height="{axis_y - top + 8}" fill="#ffffff" opacity="0.85"/>\n'
        )
        for dx in (-4, 4):
            xs = mid + dx
            w(
                f'<path d="M{xs - 3:.1f},{top - 4} L{xs + 3:.1f},{top + 4} '
                + " ".join(
                    f"L{xs - 3 if k % 2 else xs + 3:.1f},{top + 4 + 8 * k}"
                    for k in range(1, int((axis_y - top) / 8) + 1)
                )
                + f'" fill="none" stroke="{_COLORS["muted"]}" stroke-width="1"/>\n'
            )
        w(
            f'<text x="{mid:.1f}" y="{axis_y + 44}" text-anchor="middle" font-size="10" '
            f'fill="{_COLORS["muted"]}">{h(span(seg.t1 - seg.t0))}</text>\n'
        )
    # milestones
    for name, x, row in placed:
        ly = 14 + 16 * row
        w(
            f'<line x1="{x:.1f}" y1="{ly + 3}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="{_COLORS["milestone"]}" stroke-width="1.5" stroke-dasharray="4 3"/>\n'
        )
        fits = x + 3 + 7.2 * len(name) <= width
        w(
            f'<text x="{x + 3 if fits else x - 3:.1f}" y="{ly}" '
            f'text-anchor="{"start" if fits else "end"}" fill="{_COLORS["milestone"]}" '
            f'font-weight="600">{h(name)}</text>\n'
        )
    # axis captions, bottom left
    w(
        f'<text x="{label_w - 30}" y="{axis_y + 16}" text-anchor="end" '
        f'fill="{_COLORS["muted"]}">time (UTC)</text>\n'
    )
    if scale.breaks:
        w(
            f'<text x="{label_w - 8}" y="{axis_y + 44}" text-anchor="end" font-size="10" '
            f'fill="{_COLORS["muted"]}">compressed quiet stretches</text>\n'
        )
    # legend (laid out above, wrapped to the width)
    for key, text, lx, ly in legend:
        if key == "dot":
            w(f'<circle cx="{lx + 7}" cy="{ly - 4}" r="5" fill="{_COLORS["done"]}"/>')
        elif key == "milestone":
            w(
                f'<line x1="{lx + 7}" y1="{ly - 10}" x2="{lx + 7}" y2="{ly + 2}" '
                f'stroke="{_COLORS["milestone"]}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            )
        else:
            w(f'<rect x="{lx}" y="{ly - 9}" width="14" height="10" fill="{_COLORS[key]}"/>')
        w(f'<text x="{lx + 18}" y="{ly}" fill="{_COLORS["muted"]}">{h(text)}</text>\n')
    w("</svg>")
    return out.getvalue()


# --------------------------------------------------------------------------- shared pieces


def _step_result(v: StepVisit) -> str:
    """What happened to a visit, in words (user text included raw: callers escape)."""
    if v.status == "skipped":
        return f"skipped: {v.skip_reason or ''}"
    if v.status == "decided":
        return f"decided: {v.decision or ''}"
    if v.status == "done":
        return "done" if v.activated else "done out of order"
    return "not finished"


def _visit_actual(v: StepVisit, report: Report) -> str:
    if not v.start_known:
        return "start not recorded"
    if v.end is None:
        end = report.chart.end
        return (
            f"{span(end - v.start)} so far"
            if report.chart.open_end
            else f"{span(end - v.start)}, unfinished"
        )
    return span(v.end - v.start)


def _escalation_who(e: EscalationRow) -> str:
    return f"{e.role}: {', '.join(e.people) if e.people else 'nobody on the roster'}"


def _ack(e: EscalationRow) -> str:
    if e.acknowledged_by:
        return f"{e.acknowledged_by}, {utc(e.acknowledged_at)}"
    return "not acknowledged"


def _due(item: ImprovementView | CarriedItem) -> str:
    if item.due is None:
        return "no date"
    return item.due.isoformat() + (" (overdue)" if item.overdue else "")


def _inject_status(i: InjectRow) -> str:
    status = i.status + (" early" if i.early else "") + (" (free-form)" if i.added else "")
    if i.status == "skipped":
        status += f": {i.skip_reason or ''}" + (f", {i.skip_detail}" if i.skip_detail else "")
    return status


def _unreached(report: Report, step_id: str) -> str:
    """Why a step has no visit: "not reached" when the path could still (or could, when
    the incident closed) lead to it from where it stands, else "not on the path taken"."""
    state = report.state
    if state is None or state.current is None:
        return "not on the path taken"
    playbook = state.playbook
    seen: set[str] = set()
    todo = [state.current]
    while todo:
        current = todo.pop()
        if current in seen or current == END:
            continue
        seen.add(current)
        try:
            step = playbook.step(current)
        except KeyError:
            continue
        if step.decision:
            todo.extend(option.next for option in step.decision)
        else:
            todo.append(playbook.next_after(current))
    return "not reached" if step_id in seen else "not on the path taken"


def _step_title(report: Report, step: str | None) -> str:
    if not step:
        return "—"
    for s in report.steps:
        if s.id == step:
            return s.title
    return step


def _drill_clock_text(d: DrillSection) -> str:
    if d.started_at is None:
        return "The exercise clock was never started."
    text = f"Exercise clock started {utc(d.started_at)}"
    text += f", ended {utc(d.ended_at)}" if d.ended_at else ", not ended"
    text += f": {span(d.exercise_time)} of exercise time"
    if d.planned:
        text += f" ({span(d.planned)} planned)"
    return text + "."


def _whys_heading(rv: ReviewSection) -> str:
    return "Five whys" if rv.root_cause_method == _review.FIVE_WHYS else "Root cause"


def _split_ts(ts: str) -> tuple[str, str]:
    """format_ts text → (date, time to the second)."""
    return ts[:10], ts[11:19]


# --------------------------------------------------------------------------- Markdown


def write_markdown(report: Report, out: TextIO) -> None:
    o = report.overview
    w = out.write
    kind = "Drill report" if o.is_drill else "Incident report"
    w(f"# {md(o.incident_id)}: {md(o.title)}\n\n")
    w(
        f"*{kind}, generated {utc(report.generated_at)} UTC by {md(report.generator)}. "
        f"{TIME_NOTE}*\n\n"
    )
    w("## Summary\n\n")
    for line in report.headline:
        w(f"{md(line)}\n")
    w("\n")
    rows = [
        ("Incident", f"{md(o.incident_id)} ({'drill' if o.is_drill else 'live incident'})"),
        ("Title", md(o.title)),
        ("Severity", md(o.severity)),
        ("Status", md(o.status)),
        ("Declared", f"{utc(o.declared_at)} by {md(o.declared_by)}"),
        (
            "Closed",
            f"{utc(o.closed_at)} (after {span(o.duration)})"
            if o.closed_at
            else f"not closed ({span(o.duration)} so far)",
        ),
        (
            "Playbook",
            f"{md(o.playbook_title)} (`{md(o.playbook_id)}` version {md(o.playbook_version)})",
        ),
        ("Playbook SHA-256", f"`{md(o.playbook_sha256)}`" if o.playbook_sha256 else "unknown"),
    ]
    if o.scenario_id:
        rows.append(("Scenario", f"{md(o.scenario_title or '')} (`{md(o.scenario_id)}`)"))
        if o.scenario_sha256:
            rows.append(("Scenario SHA-256", f"`{md(o.scenario_sha256)}`"))
    rows.append(
        ("Journal", f"{_plural(o.entry_count, 'entry', 'entries')}; chain {md(report.chain.text)}")
    )
    w("| | |\n|---|---|\n")
    for key, value in rows:
        w(f"| {key} | {value} |\n")
    w("\n")
    _md_closing(report, w)
    _md_people(report, w)
    _md_metrics(report, w)
    _md_chart(report, w)
    _md_steps(report, w)
    _md_timers(report, w)
    if report.drill is not None:
        _md_drill(report, w)
    _md_review(report, w)
    _md_chain(report, w)
    _md_timeline(report, w)


def _md_closing(report: Report, w: Callable[[str], Any]) -> None:
    rv = report.review
    if report.overview.summary:
        w(f"**Closing summary:** {md(report.overview.summary)}\n\n")
    if rv.summary:
        w(f"**Review summary:** {md(rv.summary)}\n\n")


def _md_people(report: Report, w: Callable[[str], Any]) -> None:
    w("## People and roles\n\n| Role | Held by | Changes |\n|---|---|---|\n")
    for r in report.roles:
        if not r.person and not r.history:
            continue
        changes = "; ".join(
            f"{utc(at)} {md(prev)} → {md(to)}" if prev else f"{utc(at)} {md(to)}"
            for at, prev, to in r.history
            if to
        )
        w(f"| {md(r.title)} | {md(r.person or 'nobody')} | {changes} |\n")
    unassigned = [r.title for r in report.roles if not r.person and not r.history]
    w("\n")
    if unassigned:
        w(f"Roles nobody held: {', '.join(md(t) for t in unassigned)}.\n\n")
    if report.people:
        w("| Person | Roles | Journal entries |\n|---|---|---:|\n")
        for p in report.people:
            w(f"| {md(p.name)} | {', '.join(md(r) for r in p.roles) or '—'} | {p.entries:,} |\n")
        w("\n")


def _md_metrics(report: Report, w: Callable[[str], Any]) -> None:
    w("## Milestones and metrics\n\n| Metric | Measured | Time |\n|---|---|---|\n")
    for m in report.metrics:
        note = (
            f" (backdated: {', '.join(m.backdated)})" if m.backdated and m.value is not None else ""
        )
        w(f"| {m.label} | {m.start} → {m.end} | {md(m.text)}{note} |\n")
    w("\n")
    if report.milestones:
        w("| Milestone | Occurred | Recorded | By | How it is known |\n|---|---|---|---|---|\n")
        for m in report.milestones:
            recorded = utc(m.recorded_at) if m.backdated else ""
            how = []
            if m.via_step:
                how.append(f"step {md(m.via_step)}")
            if m.backdate_reason:
                how.append(f"backdated: {md(m.backdate_reason)}")
            w(f"| {m.name} | {utc(m.at)} | {recorded} | {md(m.actor)} | {'; '.join(how)} |\n")
        w("\n")
    missing = [name for name in MILESTONES if name not in {m.name for m in report.milestones}]
    if missing:
        w(f"Milestones not recorded: {', '.join(missing)}.\n\n")


def _md_fence(lines: list[str]) -> tuple[str, str]:
    longest = max((len(m) for line in lines for m in re.findall(r"`+|~+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return fence, fence


def _md_chart(report: Report, w: Callable[[str], Any]) -> None:
    w("## Response chart\n\n")
    lines = text_chart(report, 110)
    opening, closing = _md_fence(lines)
    w(f"{opening}text\n")
    for line in lines:
        w(visible(line) + "\n")
    w(f"{closing}\n\n")


def _md_steps(report: Report, w: Callable[[str], Any]) -> None:
    w("## Steps\n\n")
    w("| # | Step | Phase | Expected | Actual | Result | By |\n|---:|---|---|---|---|---|---|\n")
    for s in report.steps:
        expected = span(s.expected) if s.expected else "—"
        if not s.visits:
            w(
                f"| {s.number} | {md(s.title)} | {md(s.phase)} | {expected} | — | "
                f"{_unreached(report, s.id)}"
                f" | |\n"
            )
            continue
        for v in s.visits:
            title = md(s.title) + (f" (visit {v.visit})" if len(s.visits) > 1 else "")
            actual = _visit_actual(v, report)
            if v.overrun:
                actual += f", **{span(v.overrun)} over**"
            result = md(_step_result(v))
            if s.checklist and v is s.visits[-1]:
                result += f"; checklist {s.checked}/{s.checklist}"
            w(
                f"| {s.number} | {title} | {md(s.phase)} | {expected} | {actual} | {result} | "
                f"{md(v.actor or '')} |\n"
            )
    w("\n")
    decisions = report.decisions
    if decisions:
        w("Decisions taken:\n\n")
        for s, v in decisions:
            w(f"- {utc(v.end)}: {md(s.title)} → **{md(v.decision or '')}** ({md(v.actor or '')})\n")
        w("\n")
    evidence = report.evidence
    if evidence:
        w("Evidence recorded:\n\n")
        for s, e in evidence:
            w(f"- {md(s.title)}: {md(e)}\n")
        w("\n")


def _md_timers(report: Report, w: Callable[[str], Any]) -> None:
    if not report.timers:
        return
    w("## Timers and escalations\n\n")
    if report.timers[0].clock == "exercise":
        w("Timers of a drill run on the exercise clock (T+, pauses excluded).\n\n")
    w("| Timer | Window | Started | Deadline | Outcome |\n|---|---|---|---|---|\n")
    for t in report.timers:
        w(
            f"| {md(t.title)} | {t.start} → {t.stop} within {span(t.within)} | "
            f"{t.when(t.started_at) or '—'} | {t.when(t.deadline) or '—'} | {md(t.outcome)} |\n"
        )
    w("\n")
    fired = [e for t in report.timers for e in t.escalations]
    if fired:
        w("| Fired | Timer | Level | Notified | Acknowledged |\n|---|---|---|---|---|\n")
        for e in sorted(fired, key=lambda e: e.at):
            level = f"{e.level}" + (f" (reminder {e.repeat})" if e.repeat else "")
            notify = f"; notify {md(e.notify)}" if e.notify else ""
            w(
                f"| {utc(e.at)} | {md(e.timer)} | {level} | {md(_escalation_who(e))}{notify} | "
                f"{md(_ack(e))} |\n"
            )
        w("\n")
    else:
        w("No escalation fired.\n\n")


def _md_drill(report: Report, w: Callable[[str], Any]) -> None:
    d = report.drill
    assert d is not None
    w("## Drill\n\n")
    w(_drill_clock_text(d) + "\n\n")
    if d.ratings:
        w(
            "### Objectives\n\n| Objective | Rating | Met | Late | Missed | n/a |\n"
            "|---|---|---:|---:|---:|---:|\n"
        )
        for r in d.ratings:
            rating = f"**{r.rating}**: {md(r.label)}" if r.rating else md(r.label)
            if r.provisional:
                rating += " (provisional)"
            w(
                f"| {md(r.objective)}: {md(r.text)} | {rating} | {r.met} | {r.late} | "
                f"{r.missed} | {r.void} |\n"
            )
        w("\n")
        w("How ratings are given: " + md(d.rating_rule.replace("\n", " ")) + "\n\n")
    if d.injects:
        w(
            "### Injects\n\n| Inject | From | Status | Wall time | Exercise time | "
            "Acknowledged |\n|---|---|---|---|---|---|\n"
        )
        for i in d.injects:
            status = _inject_status(i)
            ack = f"{md(i.acknowledged_by)}, {utc(i.acknowledged_at)}" if i.acknowledged_by else ""
            w(
                f"| {md(i.id)} | {md(i.sender)} | {md(status)} | {utc(i.delivered_at)} | "
                f"{exercise_clock(i.exercise_at)} | {ack} |\n"
            )
        w("\n")
    if d.expectations:
        w(
            "### Expectations\n\n| Inject | Expected event | Within | Objective | Outcome |\n"
            "|---|---|---|---|---|\n"
        )
        for e in d.expectations:
            outcome = e.status
            if e.occurred_at is not None:
                outcome += f" at {exercise_clock(e.occurred_at)}"
            if e.deadline is not None:
                outcome += f" (deadline {exercise_clock(e.deadline)})"
            if e.detail:
                outcome += f": {e.detail}"
            w(
                f"| {md(e.inject)} | {md(e.event)} | {span(e.within)} | {md(e.objective or '')} "
                f"| {md(outcome)} |\n"
            )
        w("\n")
    if d.hotwash:
        w("### Hot wash\n\n")
        for q in d.hotwash:
            w(f"{q.index + 1}. **{md(q.question)}**\n")
            if not q.answers:
                w("   - (no answer recorded)\n")
            for answer, actor, _at in q.answers:
                w(f"   - {md(answer)} ({md(actor)})\n")
        w("\n")


def _md_review(report: Report, w: Callable[[str], Any]) -> None:
    rv = report.review
    w("## After-action review\n\n")
    if rv.status == "saved":
        w(f"Review saved {utc(rv.saved_at)} by {md(rv.saved_by or '')}.\n\n")
    elif rv.status == "draft":
        text = "Review in progress (draft, not saved)"
        if rv.reopened_at:
            text += f"; reopened {utc(rv.reopened_at)}: {md(rv.reopen_reason or '')}"
        w(text + ".\n\n")
    else:
        w("No review recorded yet.\n\n")
    w(f"### {_whys_heading(rv)}\n\n")
    if rv.whys:
        for n, why in enumerate(rv.whys, 1):
            w(f"{n}. {md(why)}\n")
        w("\n")
        if rv.root_cause:
            w(f"**Root cause:** {md(rv.root_cause)}\n\n")
    elif rv.root_cause:
        w(f"{md(rv.root_cause)}\n\n")
    else:
        w(f"{NOT_RECORDED.capitalize()}.\n\n")
    for section, heading in _review.SECTIONS.items():
        notes = rv.notes.get(section, ())
        w(f"### {heading}\n\n")
        if not notes:
            w("Nothing recorded.\n\n")
            continue
        for note in notes:
            w(f"- {md(note.text)}\n")
        w("\n")
    w("### Improvement plan\n\n")
    if rv.improvements:
        w("| ID | What | Owner | Due | Step | POETE | Status |\n|---|---|---|---|---|---|---|\n")
        for i in rv.improvements:
            status = i.status
            if i.status != "open":
                status += f" {utc_minute(i.closed_at)} ({md(i.closed_by or '')})"
                if i.note:
                    status += f": {md(i.note)}"
            w(
                f"| {md(i.item)} | {md(i.what)} | {md(i.owner)} | {_due(i)} | "
                f"{md(i.step_title or i.step or '—')} | {md(i.poete or '—')} | {status} |\n"
            )
        w("\n")
    else:
        w("No improvement items.\n\n")
    if report.carried:
        w("### Still open from earlier incidents on this playbook\n\n")
        w("| ID | From | What | Owner | Due | Step |\n|---|---|---|---|---|---|\n")
        for c in report.carried:
            w(
                f"| {md(c.item)} | {md(c.incident_id)}: {md(c.incident_title)} | {md(c.what)} | "
                f"{md(c.owner)} | {_due(c)} | {md(_step_title(report, c.step))} |\n"
            )
        w("\n")


def _md_chain(report: Report, w: Callable[[str], Any]) -> None:
    c = report.chain
    w("## Journal integrity\n\n")
    if c.checked:
        w(f"Hash chain {md(c.text)} ({_plural(c.entries, 'entry', 'entries')} checked).\n\n")
    else:
        w("The hash chain was not verified for this report.\n\n")
    for p in c.problems:
        w(f"- {md(p)}\n")
    if c.problems:
        w("\n")
    w(f"Head hash (SHA-256 of the last entry): `{md(c.head_hash) or 'none'}`\n\n")
    w(
        f"To check: `irdesk verify` on the journal must list {md(report.overview.incident_id)} "
        "with this head hash.\n\n"
    )


def _md_timeline(report: Report, w: Callable[[str], Any]) -> None:
    tl = report.timeline
    w(
        f"## Timeline\n\nEvery journal entry ({_plural(len(tl), 'entry', 'entries')}). "
        "*Recorded* is shown when an entry was written later than it happened.\n\n"
    )
    w("| # | Occurred | Recorded | Who | Kind | What |\n|---:|---|---|---|---|---|\n")
    last_day = ""
    corrected = tl.corrected_by
    for row in tl:
        day, clock = _split_ts(row.occurred_at)
        occurred = clock if day == last_day else f"{day} {clock}"
        last_day = day
        recorded = ""
        if row.recorded_at:
            rday, rclock = _split_ts(row.recorded_at)
            recorded = rclock if rday == day else f"{rday} {rclock}"
        text = md(row.text)
        if row.backdate_reason and row.kind != K.MILESTONE:
            text += f" (backdated: {md(row.backdate_reason)})"
        if row.seq in corrected:
            text += " (corrected by entry " + ", ".join(map(str, corrected[row.seq])) + ")"
        who = md(row.actor) + (f" ({md(row.role)})" if row.role else "")
        w(f"| {row.seq} | {occurred} | {recorded} | {who} | {md(row.label)} | {text} |\n")
    w("\n")


# --------------------------------------------------------------------------- HTML

_CSS = """
:root { --ink:#1a202c; --muted:#4a5568; --line:#e2e8f0; --soft:#f7fafc; --accent:#2b6cb0;
  --bad:#c53030; --warn:#b7791f; --good:#2f855a; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--ink); margin: 0; background: #fff; line-height: 1.45; font-size: 15px; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 32px 48px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
header.top .kind { text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
  color: var(--muted); font-weight: 600; }
h1 { font-size: 26px; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
.meta { color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px;
  margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
  background: var(--soft); }
.card .k { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.card .v { font-size: 20px; font-weight: 650; margin-top: 2px; }
.card .v.small { font-size: 15px; }
.headline p { margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; font-size: 13px; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.t, .t { font-variant-numeric: tabular-nums; white-space: nowrap; }
.u { white-space: pre-wrap; overflow-wrap: anywhere; }
table.kv th { width: 190px; background: none; color: var(--muted); font-size: 14px; }
.hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px;
  overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; background: var(--line); }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.badge.good { background: #c6f6d5; color: #22543d; }
.badge.bad { background: #fed7d7; color: #822727; }
.badge.warn { background: #feebc8; color: #7b341e; } .muted { color: var(--muted); }
.chart { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
.timeline td { font-size: 13px; padding: 4px 8px; }
ol.whys li { margin: 3px 0; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
  padding-top: 10px; }
@media print { main { padding: 0; max-width: none; } .chart { border: none; }
  tr, .card { page-break-inside: avoid; } h2 { page-break-after: avoid; } }
"""


def _badge(text: str, tone: str = "") -> str:
    return f'<span class="badge {tone}">{h(text)}</span>'


def _u(text: object) -> str:
    """User text in a span that keeps its line breaks."""
    return f'<span class="u">{h(text)}</span>'


def write_html(report: Report, out: TextIO) -> None:
    o = report.overview
    w = out.write
    kind = "Drill report" if o.is_drill else "Incident report"
    w('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w(
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
    )
    w(f"<title>{h(o.incident_id)}: {h(o.title)}</title>\n<style>{_CSS}</style>\n</head>\n")
    w('<body>\n<main>\n<header class="top">\n')
    w(f'<div class="kind">{kind} · {h(o.incident_id)}</div>\n<h1>{h(o.title)}</h1>\n')
    w(
        f'<div class="meta">Generated {utc(report.generated_at)} UTC by {h(report.generator)}. '
        f"{h(TIME_NOTE)}</div>\n</header>\n"
    )
    # key figures
    metrics = {m.key: m for m in report.metrics}
    cards = [
        ("Severity", o.severity, ""),
        ("Status", o.status, ""),
        ("Duration", span(o.duration) if o.duration is not None else "—", ""),
    ]
    for key in ("time_to_detect", "time_to_acknowledge", "time_to_contain", "time_to_resolve"):
        m = metrics[key]
        cards.append((m.label, m.short, "small" if m.value is None else ""))
    over = sum(1 for v in report.visits if v.overrun)
    cards.append(("Steps over time", str(over), ""))
    w('<section class="cards">\n')
    for k, v, cls in cards:
        w(f'<div class="card"><div class="k">{h(k)}</div><div class="v {cls}">{h(v)}</div></div>\n')
    w("</section>\n")
    w('<section class="headline">\n')
    for line in report.headline:
        w(f"<p>{h(line)}</p>\n")
    if o.summary:
        w(f"<p><strong>Closing summary:</strong> {_u(o.summary)}</p>\n")
    if report.review.summary:
        w(f"<p><strong>Review summary:</strong> {_u(report.review.summary)}</p>\n")
    w("</section>\n")
    _html_overview(report, w)
    _html_people(report, w)
    _html_metrics(report, w)
    w("<h2>Response chart</h2>\n")
    w(
        '<p class="muted">Each bar is one visit of a step, from when it started to when it was '
        "finished, over a lighter bar of the time the playbook expects it to take; red is time "
        "beyond that. Dashed lines are milestones. Long idle stretches are compressed "
        "(zigzag, labelled with the time they hide).</p>\n"
    )
    w(f'<div class="chart">{svg_chart(report)}</div>\n')
    _html_steps(report, w)
    _html_timers(report, w)
    if report.drill is not None:
        _html_drill(report, w)
    _html_review(report, w)
    _html_chain(report, w)
    _html_timeline(report, w)
    w(
        f"<footer>{h(o.incident_id)} · playbook {h(o.playbook_id)} v{h(o.playbook_version)} · "
        f'head hash <span class="hash">{h(report.chain.head_hash)}</span> · '
        f"{h(report.generator)}</footer>\n</main>\n</body>\n</html>\n"
    )


def _html_overview(report: Report, w: Callable[[str], Any]) -> None:
    o = report.overview
    w('<h2>Overview</h2>\n<table class="kv">\n')
    rows = [
        ("Incident", f"{h(o.incident_id)} ({'drill' if o.is_drill else 'live incident'})"),
        ("Title", _u(o.title)),
        ("Severity", h(o.severity)),
        ("Status", h(o.status)),
        ("Declared", f'<span class="t">{utc(o.declared_at)}</span> by {h(o.declared_by)}'),
        (
            "Closed",
            f'<span class="t">{utc(o.closed_at)}</span> (after {span(o.duration)})'
            if o.closed_at
            else f"not closed ({span(o.duration)} so far)",
        ),
        (
            "Playbook",
            f"{h(o.playbook_title)} (<code>{h(o.playbook_id)}</code> version "
            f"{h(o.playbook_version)})",
        ),
        ("Playbook SHA-256", f'<span class="hash">{h(o.playbook_sha256) or "unknown"}</span>'),
    ]
    if o.scenario_id:
        rows.append(("Scenario", f"{h(o.scenario_title or '')} (<code>{h(o.scenario_id)}</code>)"))
        if o.scenario_sha256:
            rows.append(("Scenario SHA-256", f'<span class="hash">{h(o.scenario_sha256)}</span>'))
    tone = "good" if report.chain.ok else ("bad" if report.chain.checked else "warn")
    rows.append(
        (
            "Journal",
            f"{_plural(o.entry_count, 'entry', 'entries')}; {_badge(report.chain.text, tone)}",
        )
    )
    for k, v in rows:
        w(f"<tr><th>{h(k)}</th><td>{v}</td></tr>\n")
    w("</table>\n")


def _html_people(report: Report, w: Callable[[str], Any]) -> None:
    w(
        "<h2>People and roles</h2>\n<table>\n<tr><th>Role</th><th>Held by</th>"
        "<th>Changes</th></tr>\n"
    )
    for r in report.roles:
        if not r.person and not r.history:
            continue
        changes = "<br>".join(
            f'<span class="t">{utc(at)}</span> ' + (f"{h(prev)} → {h(to)}" if prev else h(to))
            for at, prev, to in r.history
            if to
        )
        w(f"<tr><td>{h(r.title)}</td><td>{h(r.person or 'nobody')}</td><td>{changes}</td></tr>\n")
    w("</table>\n")
    unassigned = [r.title for r in report.roles if not r.person and not r.history]
    if unassigned:
        w(f'<p class="muted">Roles nobody held: {h(", ".join(unassigned))}.</p>\n')
    if report.people:
        w('<table>\n<tr><th>Person</th><th>Roles</th><th class="num">Journal entries</th></tr>\n')
        for p in report.people:
            w(
                f"<tr><td>{h(p.name)}</td><td>{h(', '.join(p.roles)) or '—'}</td>"
                f'<td class="num">{p.entries:,}</td></tr>\n'
            )
        w("</table>\n")


def _html_metrics(report: Report, w: Callable[[str], Any]) -> None:
    w(
        "<h2>Milestones and metrics</h2>\n<table>\n<tr><th>Metric</th><th>Measured</th>"
        "<th>Time</th></tr>\n"
    )
    for m in report.metrics:
        if m.value is None:
            value = f'<span class="muted">{h(m.text)}</span>'
        elif m.value < timedelta(0):
            value = f'<span class="bad">{h(m.text)}</span>'
        else:
            value = f"<strong>{h(m.text)}</strong>"
        if m.backdated and m.value is not None:
            value += f' <span class="muted">(backdated: {h(", ".join(m.backdated))})</span>'
        w(f"<tr><td>{h(m.label)}</td><td>{h(m.start)} → {h(m.end)}</td><td>{value}</td></tr>\n")
    w("</table>\n")
    if report.milestones:
        w(
            "<table>\n<tr><th>Milestone</th><th>Occurred</th><th>Recorded</th><th>By</th>"
            "<th>How it is known</th></tr>\n"
        )
        for m in report.milestones:
            how = []
            if m.via_step:
                how.append(f"step {h(m.via_step)}")
            if m.backdate_reason:
                how.append(f"backdated: {_u(m.backdate_reason)}")
            w(
                f'<tr><td>{h(m.name)}</td><td class="t">{utc(m.at)}</td>'
                f'<td class="t">{utc(m.recorded_at) if m.backdated else ""}</td>'
                f"<td>{h(m.actor)}</td><td>{'; '.join(how)}</td></tr>\n"
            )
        w("</table>\n")
    recorded = {m.name for m in report.milestones}
    missing = [name for name in MILESTONES if name not in recorded]
    if missing:
        w(f'<p class="muted">Milestones not recorded: {h(", ".join(missing))}.</p>\n')


def _html_steps(report: Report, w: Callable[[str], Any]) -> None:
    w(
        '<h2>Steps</h2>\n<table>\n<tr><th class="num">#</th><th>Step</th><th>Phase</th>'
        "<th>Expected</th><th>Actual</th><th>Result</th><th>By</th></tr>\n"
    )
    for s in report.steps:
        expected = span(s.expected) if s.expected else "—"
        if not s.visits:
            why = _unreached(report, s.id)
            w(
                f'<tr class="muted"><td class="num">{s.number}</td><td>{h(s.title)}</td>'
                f"<td>{h(s.phase)}</td><td>{expected}</td><td>—</td><td>{why}</td><td></td></tr>\n"
            )
            continue
        for v in s.visits:
            title = h(s.title) + (
                f' <span class="muted">(visit {v.visit})</span>' if len(s.visits) > 1 else ""
            )
            actual = h(_visit_actual(v, report))
            if v.overrun:
                actual += f' <span class="badge bad">{h(span(v.overrun))} over</span>'
            result = _u(_step_result(v))
            if s.checklist and v is s.visits[-1]:
                result += f' <span class="muted">· checklist {s.checked}/{s.checklist}</span>'
            w(
                f'<tr><td class="num">{s.number}</td><td>{title}</td><td>{h(s.phase)}</td>'
                f"<td>{expected}</td><td>{actual}</td><td>{result}</td>"
                f"<td>{h(v.actor or '')}</td></tr>\n"
            )
    w("</table>\n")
    decisions = report.decisions
    if decisions:
        w("<h3>Decisions taken</h3>\n<ul>\n")
        for s, v in decisions:
            w(
                f'<li><span class="t">{utc(v.end)}</span>: {h(s.title)} → '
                f"<strong>{h(v.decision or '')}</strong> ({h(v.actor or '')})</li>\n"
            )
        w("</ul>\n")
    evidence = report.evidence
    if evidence:
        w("<h3>Evidence recorded</h3>\n<ul>\n")
        for s, e in evidence:
            w(f"<li>{h(s.title)}: {_u(e)}</li>\n")
        w("</ul>\n")


def _html_timers(report: Report, w: Callable[[str], Any]) -> None:
    if not report.timers:
        return
    w("<h2>Timers and escalations</h2>\n")
    if report.timers[0].clock == "exercise":
        w(
            '<p class="muted">Timers of a drill run on the exercise clock (T+, pauses '
            "excluded).</p>\n"
        )
    w(
        "<table>\n<tr><th>Timer</th><th>Window</th>"
        "<th>Started</th><th>Deadline</th><th>Outcome</th></tr>\n"
    )
    tones = {"met": "good", "late": "bad", "lapsed": "bad", "acknowledged": "warn"}
    for t in report.timers:
        w(
            f"<tr><td>{h(t.title)}</td><td>{h(t.start)} → {h(t.stop)} within {span(t.within)}</td>"
            f'<td class="t">{t.when(t.started_at) or "—"}</td>'
            f'<td class="t">{t.when(t.deadline) or "—"}</td>'
            f"<td>{_badge(t.state, tones.get(t.state, ''))} {h(t.outcome)}</td></tr>\n"
        )
    w("</table>\n")
    fired = sorted((e for t in report.timers for e in t.escalations), key=lambda e: e.at)
    if fired:
        w(
            "<table>\n<tr><th>Fired</th><th>Timer</th><th>Level</th><th>Notified</th>"
            "<th>Acknowledged</th></tr>\n"
        )
        for e in fired:
            level = f"{e.level}" + (f" (reminder {e.repeat})" if e.repeat else "")
            notify = f'<br><span class="muted">notify {h(e.notify)}</span>' if e.notify else ""
            ack = h(_ack(e)) if e.acknowledged_by else '<span class="bad">not acknowledged</span>'
            w(
                f'<tr><td class="t">{utc(e.at)}</td><td>{h(e.timer)}</td><td>{level}</td>'
                f"<td>{h(_escalation_who(e))}{notify}</td><td>{ack}</td></tr>\n"
            )
        w("</table>\n")
    else:
        w('<p class="muted">No escalation fired.</p>\n')


def _html_drill(report: Report, w: Callable[[str], Any]) -> None:
    d = report.drill
    assert d is not None
    w("<h2>Drill</h2>\n")
    w(f"<p>{h(_drill_clock_text(d))}</p>\n")
    tones = {"P": "good", "S": "warn", "M": "bad", "U": "bad"}
    if d.ratings:
        w(
            "<h3>Objectives</h3>\n<table>\n<tr><th>Objective</th><th>Rating</th>"
            '<th class="num">Met</th><th class="num">Late</th><th class="num">Missed</th>'
            '<th class="num">n/a</th></tr>\n'
        )
        for r in d.ratings:
            rating = (
                _badge(r.rating, tones.get(r.rating, "")) + " " + h(r.label)
                if r.rating
                else h(r.label)
            )
            if r.provisional:
                rating += ' <span class="muted">(provisional)</span>'
            w(
                f"<tr><td><strong>{h(r.objective)}</strong>: {h(r.text)}</td><td>{rating}</td>"
                f'<td class="num">{r.met}</td><td class="num">{r.late}</td>'
                f'<td class="num">{r.missed}</td><td class="num">{r.void}</td></tr>\n'
            )
        w("</table>\n")
        w(f'<p class="muted u">{h(d.rating_rule)}</p>\n')
    if d.injects:
        w(
            "<h3>Injects</h3>\n<table>\n<tr><th>Inject</th><th>From</th><th>Status</th>"
            "<th>Wall time</th><th>Exercise time</th><th>Acknowledged</th></tr>\n"
        )
        for i in d.injects:
            status = _inject_status(i)
            ack = f"{h(i.acknowledged_by)}, {utc(i.acknowledged_at)}" if i.acknowledged_by else ""
            w(
                f"<tr><td>{h(i.id)}</td><td>{h(i.sender)}</td><td>{_u(status)}</td>"
                f'<td class="t">{utc(i.delivered_at)}</td>'
                f'<td class="t">{exercise_clock(i.exercise_at)}</td><td>{ack}</td></tr>\n'
            )
        w("</table>\n")
    if d.expectations:
        tone = {"met": "good", "late": "warn", "missed": "bad"}
        w(
            "<h3>Expectations</h3>\n<table>\n<tr><th>Inject</th><th>Expected event</th>"
            "<th>Within</th><th>Objective</th><th>Outcome</th></tr>\n"
        )
        for e in d.expectations:
            detail = ""
            if e.occurred_at is not None:
                detail += f" at {exercise_clock(e.occurred_at)}"
            if e.deadline is not None:
                detail += f" (deadline {exercise_clock(e.deadline)})"
            if e.detail:
                detail += f": {e.detail}"
            w(
                f"<tr><td>{h(e.inject)}</td><td>{h(e.event)}</td><td>{span(e.within)}</td>"
                f"<td>{h(e.objective or '')}</td><td>{_badge(e.status, tone.get(e.status, ''))}"
                f"{h(detail)}</td></tr>\n"
            )
        w("</table>\n")
    if d.hotwash:
        w("<h3>Hot wash</h3>\n<ol>\n")
        for q in d.hotwash:
            w(f"<li><strong>{h(q.question)}</strong><ul>\n")
            if not q.answers:
                w('<li class="muted">(no answer recorded)</li>\n')
            for answer, actor, _at in q.answers:
                w(f'<li>{_u(answer)} <span class="muted">({h(actor)})</span></li>\n')
            w("</ul></li>\n")
        w("</ol>\n")


def _html_review(report: Report, w: Callable[[str], Any]) -> None:
    rv = report.review
    w("<h2>After-action review</h2>\n")
    if rv.status == "saved":
        w(f"<p>{_badge('saved', 'good')} {utc(rv.saved_at)} by {h(rv.saved_by or '')}</p>\n")
    elif rv.status == "draft":
        text = "draft, not saved"
        if rv.reopened_at:
            text += f"; reopened {utc(rv.reopened_at)}: {rv.reopen_reason or ''}"
        w(f"<p>{_badge('draft', 'warn')} {h(text)}</p>\n")
    else:
        w(f"<p>{_badge('no review', 'warn')} No review recorded yet.</p>\n")
    w(f"<h3>{_whys_heading(rv)}</h3>\n")
    if rv.whys:
        w('<ol class="whys">\n')
        for why in rv.whys:
            w(f"<li>{_u(why)}</li>\n")
        w("</ol>\n")
        if rv.root_cause:
            w(f"<p><strong>Root cause:</strong> {_u(rv.root_cause)}</p>\n")
    elif rv.root_cause:
        w(f"<p>{_u(rv.root_cause)}</p>\n")
    else:
        w(f'<p class="muted">{NOT_RECORDED.capitalize()}.</p>\n')
    for section, heading in _review.SECTIONS.items():
        notes = rv.notes.get(section, ())
        w(f"<h3>{h(heading)}</h3>\n")
        if not notes:
            w('<p class="muted">Nothing recorded.</p>\n')
            continue
        w("<ul>\n")
        for note in notes:
            w(f"<li>{_u(note.text)}</li>\n")
        w("</ul>\n")
    w("<h3>Improvement plan</h3>\n")
    if rv.improvements:
        w(
            "<table>\n<tr><th>ID</th><th>What</th><th>Owner</th><th>Due</th><th>Step</th>"
            "<th>POETE</th><th>Status</th></tr>\n"
        )
        for i in rv.improvements:
            if i.status == "open":
                status = _badge("open", "bad" if i.overdue else "")
            else:
                status = (
                    _badge(i.status, "good" if i.status == "done" else "")
                    + f" {utc_minute(i.closed_at)} ({h(i.closed_by or '')})"
                    + (f": {_u(i.note)}" if i.note else "")
                )
            due = h(_due(i))
            if i.overdue:
                due = f'<span class="bad">{due}</span>'
            w(
                f'<tr><td class="t">{h(i.item)}</td><td>{_u(i.what)}</td><td>{h(i.owner)}</td>'
                f'<td class="t">{due}</td><td>{h(i.step_title or i.step or "—")}</td>'
                f"<td>{h(i.poete or '—')}</td><td>{status}</td></tr>\n"
            )
        w("</table>\n")
    else:
        w('<p class="muted">No improvement items.</p>\n')
    if report.carried:
        w(
            "<h3>Still open from earlier incidents on this playbook</h3>\n<table>\n<tr><th>ID</th>"
            "<th>From</th><th>What</th><th>Owner</th><th>Due</th><th>Step</th></tr>\n"
        )
        for c in report.carried:
            due = h(_due(c))
            if c.overdue:
                due = f'<span class="bad">{due}</span>'
            w(
                f'<tr><td class="t">{h(c.item)}</td><td>{h(c.incident_id)}: '
                f"{h(c.incident_title)}</td><td>{_u(c.what)}</td><td>{h(c.owner)}</td>"
                f'<td class="t">{due}</td><td>{h(_step_title(report, c.step))}</td></tr>\n'
            )
        w("</table>\n")


def _html_chain(report: Report, w: Callable[[str], Any]) -> None:
    c = report.chain
    w("<h2>Journal integrity</h2>\n")
    tone = "good" if c.ok else ("bad" if c.checked else "warn")
    checked = f" ({_plural(c.entries, 'entry', 'entries')} checked)" if c.checked else ""
    w(f"<p>{_badge(c.text, tone)}{checked}</p>\n")
    if c.problems:
        w("<ul>\n" + "".join(f"<li>{h(p)}</li>\n" for p in c.problems) + "</ul>\n")
    w(
        f'<p>Head hash (SHA-256 of the last entry): <span class="hash">'
        f"{h(c.head_hash) or 'none'}</span></p>\n"
    )
    w(
        f'<p class="muted">To check: <code>irdesk verify</code> on the journal must list '
        f"{h(report.overview.incident_id)} with this head hash.</p>\n"
    )


def _html_timeline(report: Report, w: Callable[[str], Any]) -> None:
    tl = report.timeline
    w(
        f'<h2>Timeline</h2>\n<p class="muted">Every journal entry '
        f"({_plural(len(tl), 'entry', 'entries')}). <em>Recorded</em> is shown when an entry was "
        "written later than it happened.</p>\n"
    )
    w(
        '<table class="timeline">\n<tr><th class="num">#</th><th>Occurred</th><th>Recorded</th>'
        "<th>Who</th><th>Kind</th><th>What</th></tr>\n"
    )
    last_day = ""
    corrected = tl.corrected_by
    esc = h
    for row in tl:
        day, clock = _split_ts(row.occurred_at)
        occurred = clock if day == last_day else f"{day} {clock}"
        last_day = day
        recorded = ""
        if row.recorded_at:
            rday, rclock = _split_ts(row.recorded_at)
            recorded = rclock if rday == day else f"{rday} {rclock}"
        text = esc(row.text)
        if row.backdate_reason and row.kind != K.MILESTONE:
            text += f" (backdated: {esc(row.backdate_reason)})"
        if row.seq in corrected:
            text += " <em>(corrected by entry " + ", ".join(map(str, corrected[row.seq])) + ")</em>"
        who = esc(row.actor) + (f" ({esc(row.role)})" if row.role else "")
        w(
            f'<tr><td class="num">{row.seq}</td><td class="t">{occurred}</td>'
            f'<td class="t">{recorded}</td><td>{who}</td><td>{esc(row.label)}</td>'
            f'<td class="u">{text}</td></tr>\n'
        )
    w("</table>\n")


# --------------------------------------------------------------------------- JSON


def report_document(report: Report) -> dict[str, Any]:
    """Everything but the timeline, as the JSON document's top-level object (see
    ``docs/report.schema.json``); :func:`write_json` adds the timeline, streamed."""
    o = report.overview
    v = visible
    rv = report.review
    d = report.drill
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "generated_at": iso(report.generated_at),
        "generator": v(report.generator),
        "timezone": "UTC",
        "incident": {
            "id": v(o.incident_id),
            "mode": o.mode,
            "title": v(o.title),
            "severity": v(o.severity),
            "status": v(o.status),
            "declared_at": iso(o.declared_at),
            "declared_by": v(o.declared_by),
            "closed_at": iso(o.closed_at),
            "duration_seconds": seconds(o.duration),
            "summary": v(o.summary) or None,
            "entry_count": o.entry_count,
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
                    }
                    for e in t.escalations
                ],
            }
            for t in report.timers
        ],
        "drill": None
        if d is None
        else {
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
        },
        "review": {
            "status": rv.status,
            "saved_at": iso(rv.saved_at),
            "saved_by": v(rv.saved_by) if rv.saved_by else None,
            "summary": v(rv.summary) or None,
            "reopened_at": iso(rv.reopened_at),
            "reopen_reason": v(rv.reopen_reason) if rv.reopen_reason else None,
            "root_cause": None
            if rv.root_cause_method is None
            else {
                "method": rv.root_cause_method,
                "text": v(rv.root_cause),
                "whys": [v(x) for x in rv.whys],
                "actor": v(rv.root_cause_by) if rv.root_cause_by else None,
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
            }
            for c in report.carried
        ],
        "chain": {
            "verified": report.chain.checked,
            "ok": report.chain.ok if report.chain.checked else None,
            "entries_checked": report.chain.entries,
            "head_hash": report.chain.head_hash,
            "problems": [v(p) for p in report.chain.problems],
        },
        "chart": {
            "start": iso(report.chart.start),
            "end": iso(report.chart.end),
            "open_end": report.chart.open_end,
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
        "status": i.status,
        "overdue": i.overdue,
        "added_at": iso(i.added_at),
        "added_by": v(i.added_by),
        "closed_at": iso(i.closed_at),
        "closed_by": v(i.closed_by) if i.closed_by else None,
        "note": v(i.note) or None,
    }


_json_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C-accelerated


def write_json(report: Report, out: TextIO) -> None:
    """The report as JSON (schema ``irdesk.report/1``), the timeline streamed row by row."""
    doc = report_document(report)
    body = json.dumps(doc, indent=2, ensure_ascii=False)
    out.write(body[:-2])  # the object without its closing "\n}"
    out.write(',\n  "timeline": [')
    corrected = report.timeline.corrected_by
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
            f'"corrected_by": [{", ".join(map(str, fixes)) if fixes else ""}]}}'
        )
        out.write(("\n    " if first else ",\n    ") + item)
        first = False
    out.write("\n  ]\n}\n" if not first else "]\n}\n")


# --------------------------------------------------------------------------- entry points

WRITERS: dict[str, Callable[[Report, TextIO], None]] = {
    "md": write_markdown,
    "html": write_html,
    "json": write_json,
}


def render(report: Report, fmt: str, out: TextIO) -> None:
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; one of: {', '.join(FORMATS)}") from None
    writer(report, out)


def _to(writer: Callable[[Report, TextIO], None], report: Report) -> str:
    buf = io.StringIO()
    writer(report, buf)
    return buf.getvalue()


def to_markdown(report: Report) -> str:
    return _to(write_markdown, report)


def to_html(report: Report) -> str:
    return _to(write_html, report)


def to_json(report: Report) -> str:
    return _to(write_json, report)
