"""Findings on the desk: what a scan records in the journal, and what people do with it.

:class:`JournalRecorder` is the journal's :class:`~irdesk.services.scan.ScanRecorder`:

- each finding becomes a chain of its own (``FND-0001``, entry 1 ``finding.recorded``,
  uid ``finding/<id>``). Before recording, inside one write transaction, it looks for a
  known finding of the same rule and key whose burst overlaps (another starting point saw
  the same burst: :func:`~irdesk.domain.detection.same_burst`), so two scans running at
  once, reruns and overlapping ``--since`` never record a finding twice;
- a log source's defects are opened and closed in the desk chain (area ``detection``,
  :mod:`irdesk.services.defects`), once each however many scans run at once;
- a rules file a scan uses is journaled in the desk chain (``rules.seen``: its path,
  SHA-256, rules and text) when its SHA-256 is not the one last recorded for its path;
- checkpoints live in the journal's runtime state (namespace ``scan``): mutable, not part
  of the record.

For people and scripts (the CLI, the findings screen, the watcher):
:func:`list_findings`, :func:`acknowledge`, :func:`dismiss`, :func:`declare_from_finding`
and :func:`overdue_findings`. Each write re-reads the finding inside the write transaction
that records the change, so two responders acting at once cannot both act.

:func:`fire_finding_escalations` (the watcher's) escalates new findings nobody
acknowledged within their rule's ``acknowledge`` time along their playbook's path
(:func:`irdesk.domain.finding.escalation_timer`), journaled in the finding's chain exactly
as an incident's escalation is: ``escalation.fired`` with a fixed uid
(``FND-0003/esc/acknowledge/1/0``), so two watchers page once, and ``notify.ran``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from irdesk.domain import defects as defect_model
from irdesk.domain.checklist import RULES_SEEN, rules_seen_payload
from irdesk.domain.clock import local_date
from irdesk.domain.detection import Defect, Finding, Key, Rule
from irdesk.domain.durations import format_duration
from irdesk.domain.finding import (
    ACKNOWLEDGED,
    CHAIN,
    DECLARED,
    DISMISSED,
    FK,
    NEW,
    NO_SEVERITY,
    ON_CALL,
    OPEN,
    RULES_VERSION,
    Burst,
    FindingState,
    due_escalations,
    finding_payload,
)
from irdesk.domain.incident import LATE_AFTER, ActionError
from irdesk.domain.models import Playbook, Source
from irdesk.domain.notify import Call, on_call_people, people_for
from irdesk.errors import IrdeskError
from irdesk.formats.rules import RuleSet, RulesFile
from irdesk.services import defects, notify
from irdesk.services.checklist import checklist_of
from irdesk.services.desk import Desk
from irdesk.services.incident import (
    IncidentSession,
    Outgoing,
    WhyLate,
    record_escalation,
    record_notification,
)
from irdesk.services.notify import NotifyResult, plan
from irdesk.services.scan import CHECKPOINTS_KEY, SCAN_NAMESPACE, Checkpoints
from irdesk.store import DESK_ID, IncidentRecord, Journal

_PROBLEMS = {
    "missing": "has no file to read",
    "unreadable": "cannot be read",
    "empty": "is empty",
    "stale": "has had no new line for too long",
    "retention": "may have lost lines before they were scanned (its retention)",
}
_ID = re.compile(r"(?:FND-)?0*(\d{1,9})", re.IGNORECASE)


# --------------------------------------------------------------------------- recording


@dataclass
class JournalRecorder:
    """A scan's results, recorded in the journal (see the module's docstring)."""

    journal: Journal
    ruleset: RuleSet
    actor: str
    paths: Mapping[str, Sequence[str]] = field(default_factory=dict)  # --source ID=PATH
    #: finding id → the FND id it was recorded as (this scan's new findings)
    recorded: dict[str, str] = field(default_factory=dict)
    #: what could not be used as it was kept (a damaged checkpoint), one line each
    warnings: list[str] = field(default_factory=list)
    _known_ids: set[str] = field(default_factory=set)  # FND ids read so far
    _loaded: bool = False  # every finding recorded before the first look was read
    _ids: set[str] = field(default_factory=set)  # 20-hex ids of the known findings
    _bursts: dict[tuple[str, Key], list[Burst]] = field(default_factory=dict)  # rule, key
    _ledger: defect_model.Ledger = field(default_factory=defect_model.Ledger)

    # ----------------------------------------------------------------- checkpoints
    def load_checkpoints(self) -> Checkpoints | None:
        saved = self.journal.runtime(SCAN_NAMESPACE).get(CHECKPOINTS_KEY)
        if saved is None:
            return None
        try:
            return Checkpoints.from_json(saved[0])
        except ValueError as exc:
            self.warnings.append(f"the last scan's checkpoint was not usable ({exc}): read again")
            return None

    def save_checkpoints(self, checkpoints: Checkpoints) -> None:
        self.journal.put_runtime(SCAN_NAMESPACE, CHECKPOINTS_KEY, checkpoints.as_json())

    # ----------------------------------------------------------------- findings
    def record_finding(self, finding: Finding) -> bool:
        rule = self.ruleset.rules[finding.rule]
        model = self.ruleset.files[finding.rule]
        source = self.ruleset.sources.get(finding.source)
        paths = self.paths.get(finding.source) or (source.paths if source else ())
        payload = _finding_payload(finding, rule, model, paths)
        if self._loaded and self._seen(finding):
            return False  # known already (findings are never removed): no write lock needed
        with self.journal.transaction():
            self._catch_up()  # what other scans recorded meanwhile, under the lock
            if self._seen(finding):
                return False
            try:
                record = self.journal.create_incident(
                    chain=CHAIN,
                    mode="live",
                    title=finding.title,
                    severity=rule.severity or NO_SEVERITY,
                    playbook_id=rule.id,
                    playbook_version=RULES_VERSION,
                    playbook_sha256=model.source.sha256 if model.source else NO_SEVERITY,
                    payload=payload,
                    actor=self.actor,
                    uid=f"finding/{finding.id}",
                )
            except ValueError:  # that uid is taken by the same finding in other words
                return False
        self.recorded[finding.id] = record.id
        self._learn(record.id, payload)
        return True

    def _seen(self, finding: Finding) -> bool:
        """Whether this finding is among those read: by id, or as the same burst."""
        if finding.id in self._ids:
            return True
        same_key = self._bursts.get((finding.rule, tuple(sorted(finding.key))), ())
        return any(burst.same(finding) for burst in same_key)

    def _catch_up(self) -> None:
        """Read the findings recorded since the last look: all of them the first time, then
        the newest ones back to one already known (others may be scanning too)."""
        if not self._loaded:
            records = self.journal.incidents(chain=CHAIN)
            self._loaded = True
        else:
            limit = 8
            while True:
                records = self.journal.incidents(chain=CHAIN, limit=limit)
                if len(records) < limit or any(r.id in self._known_ids for r in records):
                    break
                limit *= 8
        for record in records:
            if record.id not in self._known_ids:
                first = self.journal.get_entry(record.id, 1)
                self._learn(record.id, first.payload if first else {})

    def _learn(self, record: str, payload: Mapping[str, Any]) -> None:
        self._known_ids.add(record)
        burst = Burst.of(record, payload)
        if burst is not None:
            self._ids.add(burst.finding)
            self._bursts.setdefault((burst.rule, burst.key), []).append(burst)

    # ----------------------------------------------------------------- defects
    def known_defects(self) -> Collection[Defect]:
        self._ledger = defects.ledger(self.journal)
        found = []
        for key, defect in self._ledger.open.items():
            parts = key.split("/", 2)
            if defect.area == defect_model.DETECTION and len(parts) == 3:
                found.append(Defect(parts[1], parts[2], defect.detail))
        return found

    def open_defect(self, defect: Defect) -> None:
        problem = defect_model.Found(
            defect_model.source_key(defect.source, defect.problem),
            defect_model.DETECTION,
            f"log source {defect.source} {_PROBLEMS.get(defect.problem, defect.problem)}",
            defect.detail,
        )
        defects.open_one(self.journal, self._ledger, problem, actor=self.actor)

    def close_defect(self, defect: Defect) -> None:
        known = self._ledger.open.get(defect_model.source_key(defect.source, defect.problem))
        if known is not None:
            defects.close_one(self.journal, known, actor=self.actor)

    # ----------------------------------------------------------------- rules files
    def rules_used(self, files: Sequence[Source]) -> None:
        models = {str(m.source.path): m for m in self.ruleset.used_files() if m.source}
        checklist = checklist_of(self.journal)
        for source in files:
            path = str(source.path)
            latest = checklist.latest(path)
            model = models.get(path)
            if model is None or (latest is not None and latest.sha256 == source.sha256):
                continue
            payload = rules_seen_payload(
                path,
                source.sha256,
                bundled=source.bundled,
                rules=model.rules,
                sources=[s.id for s in model.sources],
                text=source.text,
            )
            times = checklist.times_seen(path, source.sha256) + 1
            uid = f"{DESK_ID}/rules/{source.sha256}/{times}/{path}"
            defects.append_once(self.journal, RULES_SEEN, payload, actor=self.actor, uid=uid)


def _finding_payload(
    finding: Finding, rule: Rule, model: RulesFile, paths: Sequence[str]
) -> dict[str, Any]:
    return finding_payload(
        finding,
        paths=paths,
        origin=rule.origin,
        reference=rule.reference,
        incident=rule.incident,
        playbook=rule.playbook,
        acknowledge=rule.acknowledge,
        rules_file=str(model.source.path) if model.source else model.file,
    )


# --------------------------------------------------------------------------- reading


def finding_id(text: str) -> str:
    """``FND-0003``, ``fnd-3`` or ``3`` → ``FND-0003`` (ActionError for anything else)."""
    match = _ID.fullmatch(text.strip())
    if match is None:
        raise ActionError(f"{text.strip()!r} is not a finding id; they look like FND-0003")
    return f"FND-{int(match.group(1)):04d}"


def finding_record(journal: Journal, text: str) -> IncidentRecord:
    """The record of a finding (ActionError when the journal has no such finding)."""
    fid = finding_id(text)
    try:
        record = journal.incident(fid)
    except KeyError:
        raise ActionError(
            f"no finding {fid} in this journal (irdesk findings lists them)"
        ) from None
    if record.chain != CHAIN:
        raise ActionError(f"{fid} is not a finding")
    return record


def finding_state(journal: Journal, text: str) -> FindingState:
    """A finding as its chain says now."""
    record = finding_record(journal, text)
    return FindingState.fold(record.id, journal.entries(record.id))


def list_findings(journal: Journal, statuses: Collection[str] | None = OPEN) -> list[FindingState]:
    """Findings, newest first: those whose status is in ``statuses`` (all with None)."""
    found = []
    for record in journal.incidents(chain=CHAIN):
        if statuses is None or record.status in statuses:
            found.append(FindingState.fold(record.id, journal.entries(record.id)))
    return found


def overdue_findings(journal: Journal, now: datetime) -> list[FindingState]:
    """New findings nobody acknowledged within their rule's ``acknowledge`` time, oldest
    first: what the watcher escalates."""
    late = [f for f in list_findings(journal, ("new",)) if f.overdue(now)]
    return sorted(late, key=lambda f: (f.ack_due or now, f.id))


# --------------------------------------------------------------------------- escalating


def fire_finding_escalations(
    desk: Desk, *, token: str, why_late: WhyLate | None = None
) -> list[Outgoing]:
    """Journal every due escalation of every new finding nobody acknowledged in time, and
    return the notifications to send (:func:`send_finding_page`). As with an incident's,
    the entry's uid is fixed, so of two watchers firing at once only the one whose entry
    was recorded (``fired_by`` ``token``) pages; one more than a minute late says why."""
    journal = desk.journal
    now = desk.clock.now()
    fired: list[Outgoing] = []
    for state in list_findings(journal, (NEW,)):
        playbook = _playbook_or_none(desk, state.playbook)
        for due in due_escalations(state, playbook, now):
            people = _people(desk, due.role, local_date(now))
            role_title = _role_title(playbook, due.role)
            who = ", ".join(people) or "nobody on the roster"
            again = f" (reminder {due.repeat})" if due.repeat else ""
            message = (
                f"{state.id} {state.title}: not acknowledged within "
                f"{format_duration(state.acknowledge or LATE_AFTER)}; level {due.level}"
                f"{again}: {role_title} ({who})"
            )
            late = now - due.due_at > LATE_AFTER
            recorded = record_escalation(
                journal,
                state.id,
                due,
                people,
                message,
                token=token,
                firer=desk.firer,
                late_reason=why_late(due.due_at, now) if late and why_late else None,
            )
            if recorded is None:
                continue  # another watcher recorded it a moment ago: it pages
            entry, values, link = recorded
            outgoing = Outgoing(entry, [], f"{state.id}/notify/{due.uid_suffix}", link, due=due)
            roster = desk.roster
            if desk.roster_problem is not None:
                outgoing.calls = [Call(None, None, f"nobody was paged: {desk.roster_problem}")]
            elif roster is not None and roster.notify is not None:
                outgoing.calls = plan(roster.notify, values, people, roster)
                outgoing.timeout = roster.notify.timeout.total_seconds()
            fired.append(outgoing)
    return fired


def send_finding_page(journal: Journal, outgoing: Outgoing) -> list[NotifyResult]:
    """Run a finding escalation's notify command and journal what it did (``notify.ran``)."""
    if not outgoing.calls:
        return []
    results = [notify.run_call(call, outgoing.timeout) for call in outgoing.calls]
    record_notification(journal, outgoing.entry.incident_id, outgoing, results)
    return results


def _playbook_or_none(desk: Desk, ref: str | None) -> Playbook | None:
    if not ref:
        return None
    try:
        return desk.catalog.playbook(ref)
    except IrdeskError:
        return None  # gone since the scan: the finding pages whoever is on call


def _people(desk: Desk, role: str, today: date) -> tuple[str, ...]:
    roster = desk.roster
    if roster is None:
        return ()
    if role == ON_CALL:
        return on_call_people(roster, today)
    return people_for(role, roster, {}, today)


def _role_title(playbook: Playbook | None, role: str) -> str:
    if playbook is None:
        return "whoever is on call" if role == ON_CALL else role
    try:
        return playbook.role(role).title
    except KeyError:
        return role


# --------------------------------------------------------------------------- acting


def acknowledge(journal: Journal, text: str, *, actor: str, note: str = "") -> FindingState:
    """Somebody has seen the finding and is looking at it (stops its escalation)."""
    return _change(journal, text, actor, ACKNOWLEDGED, {"note": note.strip()})


def dismiss(
    journal: Journal, text: str, reason: str, *, actor: str, note: str = ""
) -> FindingState:
    """Close the finding without an incident: a ``false-positive`` or ``expected-activity``."""
    return _change(journal, text, actor, DISMISSED, {"reason": reason, "note": note.strip()})


def _change(
    journal: Journal, text: str, actor: str, status: str, extra: dict[str, str]
) -> FindingState:
    actor = _actor(actor)
    record = finding_record(journal, text)
    with journal.transaction():
        state = FindingState.fold(record.id, journal.entries(record.id))
        if status == ACKNOWLEDGED:
            state.check_acknowledge()
        else:
            state.check_dismiss(extra["reason"])
        journal.append(
            record.id,
            FK.STATUS,
            {"status": status, **extra},
            actor=actor,
            uid=f"{record.id}/{status}",
        )
    return finding_state(journal, record.id)


def _actor(actor: str) -> str:
    actor = (actor or "").strip()
    if not actor:
        raise ActionError("who is acting? (--as NAME)")
    return actor


def declare_from_finding(
    desk: Desk,
    text: str,
    *,
    playbook: str | None = None,
    title: str | None = None,
    severity: str | None = None,
    commander: str | None = None,
) -> tuple[IncidentSession, FindingState]:
    """Declare an incident from a finding: on the rule's playbook (or ``playbook``), its
    title and severity by default, ``started`` at its first matched line and ``detected``
    when the scan recorded it. The incident's chain gets the evidence
    (``finding.attached``: the lines, their source and SHA-256) and the finding is marked
    ``declared`` with the incident's id, all in one transaction: both or neither."""
    journal = desk.journal
    state = finding_state(journal, text)
    state.check_declare()
    ref = (playbook or "").strip() or state.playbook
    if not ref:
        raise ActionError(
            f"rule {state.rule} names no playbook to declare {state.id} on; name one: "
            f"irdesk declare PLAYBOOK --from-finding {state.id}"
        )
    chosen = desk.catalog.playbook(ref)
    if severity is None and state.severity in chosen.severities:
        severity = state.severity
    detected, started = state.recorded_at, state.first
    if started is not None and detected is not None and started > detected:
        started = None  # a log line stamped ahead of its scan (a clock running fast)
    reason = (
        f"from {state.id}: started at the first line it matched, detected when irdesk scan "
        "recorded it"
    )
    with journal.transaction():
        state = finding_state(journal, state.id)
        state.check_declare()
        session = desk.declare(
            chosen,
            title=(title or "").strip() or state.title,
            severity=severity,
            commander=commander,
            detected_at=detected,
            started_at=started,
            backdate_reason=reason,
            extra={"finding": state.id},
        )
        iid = session.incident_id
        journal.append(
            iid, FK.ATTACHED, state.evidence(), actor=desk.actor, uid=f"{iid}/finding/{state.id}"
        )
        journal.append(
            state.id,
            FK.STATUS,
            {"status": DECLARED, "incident": iid, "note": ""},
            actor=desk.actor,
            uid=f"{state.id}/{DECLARED}",
        )
    session.refresh()
    return session, finding_state(journal, state.id)


__all__ = [
    "JournalRecorder",
    "acknowledge",
    "declare_from_finding",
    "dismiss",
    "finding_id",
    "finding_record",
    "finding_state",
    "fire_finding_escalations",
    "list_findings",
    "overdue_findings",
    "send_finding_page",
]
