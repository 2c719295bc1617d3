"""A finding's chain: what ``irdesk scan`` recorded, and what people did about it.

A finding (one detection) is a chain of its own (``FND-0001``…), so it can be
acknowledged, dismissed or turned into an incident, and escalated, like an incident. Its
record's playbook fields name the rule: ``playbook_id`` is the rule id,
``playbook_version`` ``rules/1`` and ``playbook_sha256`` the SHA-256 of the rules file
the scan read it from.

Entry kinds and payloads (part of the journal format: never rename one):

``finding.recorded``  entry 1: the record's metadata, and ``finding`` (the 20-hex id of
                      rule, key and first time), ``rule``, ``key`` {group: value},
                      ``first``/``last`` (ISO 8601 UTC, microseconds), ``count``,
                      ``distinct`` (null unless the rule counts distinct values),
                      ``source``, ``paths`` (the source's files), ``lines`` (the matched
                      lines, at most 100) and ``lines_sha256``, and what the rule said
                      then: ``origin``, ``reference``, ``incident``, ``playbook``,
                      ``acknowledge`` (seconds or null), ``rules_file``
``finding.status``    {status: acknowledged|dismissed|declared, reason, note, incident}:
                      ``reason`` (dismissed) is ``false-positive`` or
                      ``expected-activity``; ``incident`` (declared) the incident it became
``escalation.fired``, ``notify.ran``  a new finding nobody acknowledged in time, escalated
                      by the watcher with the payloads an incident's escalation has
                      (timer ``acknowledge``; see :func:`escalation_timer`)

An incident declared from a finding carries the evidence in its own chain:

``finding.attached``  {finding: FND id, id, rule, source, paths, key, first, last, count,
                      lines, lines_sha256}

The record's status follows ``finding.status`` (:mod:`irdesk.store.summary`): ``new``,
then ``acknowledged``, and ``dismissed`` or ``declared``, which close it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from irdesk.domain.clock import to_utc
from irdesk.domain.detection import Finding, same_burst
from irdesk.domain.entry import Entry
from irdesk.domain.events import EventRef
from irdesk.domain.incident import ActionError, DueEscalation, K, due_levels
from irdesk.domain.logline import to_us
from irdesk.domain.models import EscalationLevel, Playbook, Timer


class FK:
    """Finding entry kinds. The strings are part of the journal format: never rename one."""

    RECORDED = "finding.recorded"
    STATUS = "finding.status"
    ATTACHED = "finding.attached"  # in the chain of the incident declared from it


NEW = "new"
ACKNOWLEDGED = "acknowledged"
DISMISSED = "dismissed"
DECLARED = "declared"
STATUSES: tuple[str, ...] = (NEW, ACKNOWLEDGED, DISMISSED, DECLARED)
OPEN: tuple[str, ...] = (NEW, ACKNOWLEDGED)
#: why a finding is dismissed
REASONS: dict[str, str] = {
    "false-positive": "false positive",
    "expected-activity": "expected activity",
}
CHAIN = "finding"  # the journal's kind of chain for findings
#: the role a finding whose rule names no playbook escalates to: whoever is on call
ON_CALL = "on-call"
ESCALATION_TIMER = "acknowledge"  # the timer id of a finding's escalations
RULES_VERSION = "rules/1"  # a finding record's playbook_version
NO_SEVERITY = "-"  # a finding whose rule names no severity


def evidence_sha256(lines: Sequence[str]) -> str:
    """SHA-256 of the matched lines as a file holds them: each followed by a newline."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8", "surrogateescape"))
        digest.update(b"\n")
    return digest.hexdigest()


def finding_payload(
    finding: Finding,
    *,
    paths: Sequence[str],
    origin: str,
    reference: str | None,
    incident: str | None,
    playbook: str | None,
    acknowledge: timedelta | None,
    rules_file: str,
) -> dict[str, Any]:
    """Entry 1 of a finding's chain, but for the record's metadata (the store adds it)."""
    return {
        "finding": finding.id,
        "rule": finding.rule,
        "key": {name: value for name, value in finding.key},
        "first": finding.first_time.isoformat(),
        "last": finding.last_time.isoformat(),
        "count": finding.count,
        "distinct": finding.distinct,
        "source": finding.source,
        "paths": list(paths),
        "lines": list(finding.lines),
        "lines_sha256": evidence_sha256(finding.lines),
        "origin": origin,
        "reference": reference,
        "incident": incident,
        "playbook": playbook,
        "acknowledge": None if acknowledge is None else int(acknowledge.total_seconds()),
        "rules_file": rules_file,
    }


@dataclass(frozen=True)
class Burst:
    """What a known finding says about its burst: enough to tell the same one again."""

    record: str  # FND-0001
    finding: str  # 20-hex id
    rule: str
    key: tuple[tuple[str, str | None], ...]  # sorted by name
    first: int  # µs
    last: int

    @classmethod
    def of(cls, record: str, payload: Mapping[str, Any]) -> Burst | None:
        """From entry 1's payload (None when it cannot be read as one)."""
        try:
            key = payload.get("key") or {}
            return cls(
                record,
                str(payload["finding"]),
                str(payload["rule"]),
                tuple(sorted((str(k), None if v is None else str(v)) for k, v in key.items())),
                to_us(datetime.fromisoformat(str(payload["first"]))),
                to_us(datetime.fromisoformat(str(payload["last"]))),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def same(self, finding: Finding) -> bool:
        """The same finding (its id), or the same burst seen from another start."""
        if finding.id == self.finding:
            return True
        if finding.rule != self.rule or tuple(sorted(finding.key)) != self.key:
            return False
        known = Finding(self.rule, finding.key, self.first, self.last, 0, "", "")
        return same_burst(finding, known)


@dataclass
class FindingState:
    """A finding as its chain says now."""

    id: str  # FND-0001
    finding: str = ""  # the 20-hex id of rule, key and first time
    rule: str = ""
    title: str = ""
    severity: str = NO_SEVERITY
    status: str = NEW
    key: dict[str, str | None] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None
    count: int = 0
    distinct: int | None = None
    source: str = ""
    paths: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    lines_sha256: str = ""
    origin: str = ""
    reference: str | None = None
    incident: str | None = None  # the incident the rule came from (past-incident)
    playbook: str | None = None  # the rule's playbook when the finding was recorded
    acknowledge: timedelta | None = None
    rules_file: str = ""
    rules_sha256: str = ""
    recorded_at: datetime | None = None
    recorded_by: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    closed_at: datetime | None = None  # dismissed or declared
    closed_by: str | None = None
    reason: str | None = None  # why it was dismissed
    note: str = ""
    declared_as: str | None = None  # the incident it became
    #: escalations journaled: (timer, level, repeat)
    escalated: set[tuple[str, int, int]] = field(default_factory=set)
    damaged: int = 0  # entries that could not be read

    # ----------------------------------------------------------------- queries
    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def ack_due(self) -> datetime | None:
        """When it should have been acknowledged by (the rule's ``acknowledge``)."""
        if self.acknowledge is None or self.recorded_at is None:
            return None
        return self.recorded_at + self.acknowledge

    def overdue(self, now: datetime) -> bool:
        """Nobody acknowledged it within the rule's ``acknowledge`` time."""
        due = self.ack_due
        return self.status == NEW and due is not None and now > due

    def evidence(self) -> dict[str, Any]:
        """The payload of ``finding.attached``: what an incident declared from it keeps."""
        return {
            "finding": self.id,
            "id": self.finding,
            "rule": self.rule,
            "source": self.source,
            "paths": list(self.paths),
            "key": dict(self.key),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "count": self.count,
            "lines": list(self.lines),
            "lines_sha256": self.lines_sha256,
        }

    # ----------------------------------------------------------------- checks
    def check_acknowledge(self) -> None:
        if self.status == ACKNOWLEDGED:
            raise ActionError(
                f"{self.id} was acknowledged already, by {self.acknowledged_by} "
                f"at {_minute(self.acknowledged_at)}"
            )
        self._check_open("acknowledged")

    def check_dismiss(self, reason: str) -> None:
        self._check_open("dismissed")
        if reason not in REASONS:
            raise ActionError(
                f"unknown reason {reason!r}; one of: {', '.join(REASONS)} (say more with a note)"
            )

    def check_declare(self) -> None:
        self._check_open("declared as an incident")

    def _check_open(self, what: str) -> None:
        if self.status == DECLARED:
            raise ActionError(
                f"{self.id} was declared as {self.declared_as} already; it cannot be {what}"
            )
        if self.status == DISMISSED:
            why = REASONS.get(self.reason or "", self.reason or "")
            raise ActionError(f"{self.id} was dismissed ({why}); it cannot be {what}")

    # ----------------------------------------------------------------- folding
    @classmethod
    def fold(cls, finding_id: str, entries: Iterable[Entry]) -> FindingState:
        state = cls(finding_id)
        for entry in entries:
            state.apply(entry)
        return state

    def apply(self, e: Entry) -> None:
        if e.damage is not None:
            self.damaged += 1
            return
        p = e.payload
        if e.kind == FK.RECORDED:
            self._recorded(e, p)
        elif e.kind == FK.STATUS:
            self._status(e, p)
        elif e.kind == K.ESCALATED:
            self.escalated.add(
                (str(p.get("timer", "")), _int(p.get("level")), _int(p.get("repeat")))
            )

    def _recorded(self, e: Entry, p: dict[str, Any]) -> None:
        self.finding = str(p.get("finding", ""))
        self.rule = str(p.get("rule") or p.get("playbook_id") or "")
        self.title = str(p.get("title", ""))
        self.severity = str(p.get("severity") or NO_SEVERITY)
        key = p.get("key")
        self.key = (
            {str(k): None if v is None else str(v) for k, v in key.items()}
            if isinstance(key, dict)
            else {}
        )
        self.first = _time(p.get("first"))
        self.last = _time(p.get("last"))
        self.count = _int(p.get("count"))
        distinct = p.get("distinct")
        self.distinct = distinct if isinstance(distinct, int) else None
        self.source = str(p.get("source", ""))
        self.paths = tuple(str(x) for x in p.get("paths") or ())
        self.lines = tuple(str(x) for x in p.get("lines") or ())
        self.lines_sha256 = str(p.get("lines_sha256", ""))
        self.origin = str(p.get("origin", ""))
        self.reference = _opt(p.get("reference"))
        self.incident = _opt(p.get("incident"))
        self.playbook = _opt(p.get("playbook"))
        ack = p.get("acknowledge")
        self.acknowledge = (
            timedelta(seconds=ack) if isinstance(ack, int) and not isinstance(ack, bool) else None
        )
        self.rules_file = str(p.get("rules_file", ""))
        self.rules_sha256 = str(p.get("playbook_sha256", ""))
        self.recorded_at = e.recorded_at
        self.recorded_by = e.actor

    def _status(self, e: Entry, p: dict[str, Any]) -> None:
        status = str(p.get("status", ""))
        if status not in STATUSES or status == NEW:
            return
        self.status = status
        if status == ACKNOWLEDGED:
            self.acknowledged_at, self.acknowledged_by = e.occurred_at, e.actor
            return
        self.closed_at, self.closed_by = e.occurred_at, e.actor
        self.note = str(p.get("note") or "")
        if status == DISMISSED:
            self.reason = _opt(p.get("reason"))
        else:
            self.declared_as = _opt(p.get("incident"))


def escalation_timer(acknowledge: timedelta, playbook: Playbook | None) -> Timer:
    """How a finding escalates: like its playbook's timer that ends when the incident is
    acknowledged (its levels and ``repeat``), its first level due ``acknowledge`` after the
    finding was recorded. A playbook without such a timer pages its contact point; a rule
    without a playbook pages whoever is on call (:data:`ON_CALL`)."""
    acknowledged = EventRef.parse("acknowledged")
    role = playbook.contact_point if playbook is not None else ON_CALL
    levels: tuple[EscalationLevel, ...] = (EscalationLevel(1, role, timedelta(0)),)
    repeat = None
    for timer in playbook.timers if playbook is not None else ():
        if timer.stop == acknowledged and timer.escalate:
            levels, repeat = timer.escalate, timer.repeat
            break
    return Timer(
        ESCALATION_TIMER,
        "Acknowledge the finding",
        EventRef.parse("declared"),
        acknowledged,
        acknowledge,
        levels,
        repeat,
    )


def due_escalations(
    state: FindingState, playbook: Playbook | None, now: datetime
) -> list[DueEscalation]:
    """The escalations of a new finding nobody acknowledged in time that are due at ``now``
    and not journaled yet (none once it is acknowledged, dismissed or declared)."""
    if state.status != NEW or state.acknowledge is None or state.recorded_at is None:
        return []
    timer = escalation_timer(state.acknowledge, playbook)
    return due_levels(timer, state.recorded_at, now, state.escalated)


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _minute(when: datetime | None) -> str:
    return to_utc(when).strftime("%Y-%m-%d %H:%M UTC") if when else "?"


def burst_span(state: FindingState) -> str:
    """``2026-11-29 03:12:40 to 03:21:30 UTC`` (one time when first and last are one)."""
    if state.first is None:
        return "?"
    first = to_utc(state.first)
    text = first.strftime("%Y-%m-%d %H:%M:%S")
    if state.last is not None and state.last != state.first:
        last = to_utc(state.last)
        text += " to " + last.strftime(
            "%H:%M:%S" if last.date() == first.date() else "%Y-%m-%d %H:%M:%S"
        )
    return text + " UTC"


# --------------------------------------------------------------------------- descriptions


def _describe_recorded(p: dict[str, Any], e: Entry) -> str:
    count = _int(p.get("count"))
    return (
        f"finding recorded: {p.get('title', '')} (rule {p.get('rule', '')}, "
        f"{count} event{'s' * (count != 1)} in {p.get('source', '')})"
    )


def _describe_status(p: dict[str, Any], e: Entry) -> str:
    status = str(p.get("status", ""))
    if status == DISMISSED:
        text = f"dismissed: {REASONS.get(str(p.get('reason')), p.get('reason', ''))}"
    elif status == DECLARED:
        text = f"declared as {p.get('incident', '')}"
    else:
        text = status
    return text + (f": {p['note']}" if p.get("note") else "")


def _describe_attached(p: dict[str, Any], e: Entry) -> str:
    given = p.get("lines")
    lines: list[Any] = given if isinstance(given, list) else []
    count = len(lines)
    digest = str(p.get("lines_sha256", ""))
    text = (
        f"evidence from {p.get('finding', '')} (rule {p.get('rule', '')}): "
        f"{count} line{'s' * (count != 1)} of source {p.get('source', '')}, "
        f"SHA-256 {digest[:16]}"
    )
    return text + (f"; first: {lines[0]}" if lines else "")


#: How finding entries read (kind: label, sentence); composed in irdesk.domain.describe.
DESCRIBERS = {
    FK.RECORDED: ("finding", _describe_recorded),
    FK.STATUS: ("finding", _describe_status),
    FK.ATTACHED: ("evidence", _describe_attached),
}
