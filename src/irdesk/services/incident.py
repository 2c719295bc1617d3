"""What a responder can do to an incident, journaled: :class:`IncidentSession`.

Services sit between the front ends and the journal: ``cli | tui → services → store``.
They hold no Textual and no SQL. Every method appends one entry (or a few) and returns only
after the journal committed, then re-folds the incident state from the journal, so what
the screen shows is always what the journal holds, including other responders' writes.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from irdesk.domain.clock import Clock, SystemClock
from irdesk.domain.durations import format_duration
from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES, EventRef
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import STATUSES, ActionError, DueEscalation, K
from irdesk.domain.models import EMPTY_ROSTER, Playbook, Roster, Scenario
from irdesk.formats.catalog import Catalog, NotFound
from irdesk.formats.loader import load_file
from irdesk.services import notify
from irdesk.services.notify import NotifyResult
from irdesk.store import IncidentRecord, Journal

BACKDATE_SLACK = timedelta(seconds=1)


def default_actor() -> str:
    """Who is at this keyboard: $IRDESK_ACTOR, else the login name."""
    value = os.environ.get("IRDESK_ACTOR", "").strip()
    if value:
        return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "responder"


def playbook_of(
    record_payload: dict[str, Any], catalog: Catalog | None, playbook_id: str
) -> Playbook:
    """The playbook an incident ran with: the copy kept in its journal, else the catalog."""
    text = record_payload.get("playbook_source")
    if isinstance(text, str):
        kept = load_file(
            f"journal:{playbook_id}.yaml", data=text.encode("utf-8"), expect="playbook"
        ).model_of(Playbook)
        if kept is not None:
            return kept
    if catalog is not None and playbook_id in catalog.playbooks:
        return catalog.playbooks[playbook_id]
    raise NotFound(f"the playbook {playbook_id!r} this incident ran with cannot be found")


def scenario_of(record_payload: dict[str, Any], playbook: Playbook) -> Scenario | None:
    """The scenario a drill ran with: the copy kept in its journal (None for an incident)."""
    text = record_payload.get("scenario_source")
    if not isinstance(text, str):
        return None
    result = load_file(
        f"journal:{record_payload.get('scenario_id')}.yaml",
        data=text.encode("utf-8"),
        expect="scenario",
        resolve_playbook=lambda pid: playbook if pid == playbook.id else None,
    )
    return result.model_of(Scenario)


def record_of(journal: Journal, incident_id: str) -> IncidentRecord:
    """The incident's record; :class:`UnknownIncident` when the journal has none, and
    :class:`ActionError` for a chain that is not an incident or drill (a finding, the
    desk), which no playbook runs."""
    record = journal.incident(incident_id)
    if record.chain == "finding":
        raise ActionError(
            f"{record.id} is a finding, not an incident: irdesk findings {record.id} shows it"
        )
    if record.chain != "incident":
        raise ActionError(
            f"{record.id} is the journal's own chain (repairs, defects, the checklist's "
            "history), not an incident"
        )
    return record


def ran_with(
    journal: Journal, incident_id: str, catalog: Catalog | None
) -> tuple[IncidentRecord, Playbook, Scenario | None]:
    """An incident's record and the playbook and scenario it ran with (kept in its first
    entry; the catalog only when the journal has no copy)."""
    record = record_of(journal, incident_id)
    first = journal.get_entry(incident_id, 1)
    genesis = dict(first.payload) if first else {}
    playbook = playbook_of(genesis, catalog, record.playbook_id)
    return record, playbook, scenario_of(genesis, playbook)


@dataclass
class Escalated:
    """An escalation that was journaled and whose notify command still has to run."""

    entry: Entry
    due: DueEscalation
    argv: list[str] | None


class IncidentSession:
    """One incident, open in this process."""

    def __init__(
        self,
        journal: Journal,
        incident_id: str,
        playbook: Playbook,
        *,
        roster: Roster | None = None,
        clock: Clock | None = None,
        actor: str | None = None,
        scenario: Scenario | None = None,
    ) -> None:
        self.journal = journal
        self.incident_id = incident_id
        self.playbook = playbook
        self.scenario = scenario
        self.roster = roster or EMPTY_ROSTER
        self.clock = clock or SystemClock()
        self.actor = actor or default_actor()
        self.state = IncidentState(playbook, scenario)
        self.listeners: list[Callable[[list[Entry]], None]] = []
        # Identifies this process's writes where two screens may race to write the same one.
        self.token = f"{self.actor}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # The first fold streams the journal (keyset pages) instead of refresh()'s list:
        # nobody listens yet, and a 100k-entry incident held as Entry objects at once cost
        # ~135 MB of peak memory for nothing.
        for entry in journal.entries(incident_id):
            self.state.apply(entry)

    # ----------------------------------------------------------------- reading
    @property
    def record(self) -> IncidentRecord:
        return self.journal.incident(self.incident_id)

    def now(self) -> datetime:
        return self.clock.now()

    def refresh(self) -> list[Entry]:
        """Apply entries written since the last refresh (by us or anybody else)."""
        new = list(self.journal.entries(self.incident_id, after_seq=self.state.last_seq))
        for entry in new:
            self.state.apply(entry)
        if new:
            for listener in list(self.listeners):
                listener(new)
        return new

    def role_of(self, person: str) -> str | None:
        for role, holder in self.state.roles.items():
            if holder == person:
                return role
        return None

    # ----------------------------------------------------------------- writing
    def _append(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        occurred_at: datetime | None = None,
        reason: str | None = None,
        uid: str | None = None,
        corrects: int | None = None,
    ) -> Entry:
        now = self.now()
        if occurred_at is not None:
            if occurred_at > now + BACKDATE_SLACK:
                raise ActionError("a time in the future cannot be recorded")
            if now - occurred_at > BACKDATE_SLACK and not (reason or "").strip():
                raise ActionError("a backdated time needs a reason")
        else:
            reason = None
        entry = self.journal.append(
            self.incident_id,
            kind,
            payload,
            actor=self.actor,
            role=self.role_of(self.actor),
            occurred_at=occurred_at,
            backdate_reason=reason or None,
            uid=uid,
            corrects=corrects,
        )
        self.refresh()
        return entry

    def note(self, text: str, *, source: str | None = None) -> Entry:
        if not text.strip():
            raise ActionError("a note needs some text")
        payload = {"text": text}
        if source:
            payload["source"] = source
        return self._append(K.NOTE, payload)

    def correct(self, seq: int, text: str) -> Entry:
        if self.journal.get_entry(self.incident_id, seq) is None:
            raise ActionError(f"{self.incident_id} has no entry {seq}")
        if not text.strip():
            raise ActionError("a correction needs text saying what was wrong")
        return self._append(K.CORRECTION, {"text": text}, corrects=seq)

    def tick(self, step_id: str, item: int, evidence: str | None = None) -> Entry:
        step = self.state.check_tick(step_id, item)
        if item in self.state.steps[step_id].ticks:
            raise ActionError("that item is already ticked")
        check = step.checklist[item]
        if check.evidence and not (evidence or "").strip():
            raise ActionError(f"{check.text!r} needs an evidence note (what, where it is kept)")
        payload = {"step": step_id, "item": item, "text": check.text}
        if evidence and evidence.strip():
            payload["evidence"] = evidence.strip()
        return self._append(K.TICKED, payload)

    def untick(self, step_id: str, item: int) -> Entry:
        step = self.state.check_tick(step_id, item)
        if item not in self.state.steps[step_id].ticks:
            raise ActionError("that item is not ticked")
        return self._append(
            K.UNTICKED, {"step": step_id, "item": item, "text": step.checklist[item].text}
        )

    def complete(self, step_id: str) -> Entry:
        step = self.state.check_done(step_id)
        payload = {"step": step_id, "title": step.title}
        if step.marks:
            payload["marks"] = step.marks
        return self._append(K.STEP_DONE, payload)

    def skip(self, step_id: str, reason: str) -> Entry:
        step = self.state.check_skip(step_id, reason)
        return self._append(
            K.STEP_SKIPPED, {"step": step_id, "title": step.title, "reason": reason.strip()}
        )

    def decide(self, step_id: str, option: int) -> Entry:
        step = self.state.check_decide(step_id, option)
        chosen = step.decision[option]
        payload = {
            "step": step_id,
            "title": step.title,
            "option": option,
            "label": chosen.label,
            "next": chosen.next,
        }
        if step.marks:
            payload["marks"] = step.marks
        return self._append(K.DECIDED, payload)

    def milestone(
        self, name: str, *, occurred_at: datetime | None = None, reason: str | None = None
    ) -> Entry:
        self.state.check_open()
        if name not in MILESTONES:
            raise ActionError(f"unknown milestone {name!r}; one of: {', '.join(MILESTONES)}")
        if name == "closed":
            raise ActionError("close the incident to record 'closed'")
        return self._append(K.MILESTONE, {"name": name}, occurred_at=occurred_at, reason=reason)

    def set_severity(self, severity: str, reason: str = "") -> Entry:
        self.state.check_open()
        if severity not in self.playbook.severities:
            raise ActionError(
                f"unknown severity {severity!r}; one of: {', '.join(self.playbook.severities)}"
            )
        if severity == self.state.severity:
            raise ActionError(f"severity is already {severity}")
        return self._append(
            K.SEVERITY,
            {"severity": severity, "from": self.state.severity, "reason": reason},
        )

    def set_status(self, status: str) -> Entry:
        self.state.check_open()
        if status == "closed":
            raise ActionError("use close to close the incident")
        if status not in STATUSES:
            raise ActionError(f"unknown status {status!r}; one of: {', '.join(STATUSES[:-1])}")
        if status == self.state.status:
            raise ActionError(f"status is already {status}")
        return self._append(K.STATUS, {"status": status, "from": self.state.status})

    def assign(self, role: str, person: str, *, reason: str = "") -> Entry:
        """Give a role to a person. Handing off the commander role is explicit."""
        self.state.check_open()
        try:
            self.playbook.role(role)
        except KeyError:
            raise ActionError(f"playbook {self.playbook.id!r} has no role {role!r}") from None
        person = person.strip()
        if not person:
            raise ActionError("name the person taking the role")
        previous = self.state.roles.get(role)
        if previous == person:
            raise ActionError(f"{person} already holds {role}")
        payload = {
            "role": role,
            "person": person,
            "from": previous,
            "handoff": previous is not None,
        }
        if reason:
            payload["reason"] = reason
        return self._append(K.ROLE, payload)

    def acknowledge(self, timer_id: str) -> Entry:
        """Acknowledge a fired escalation; ends that timer's escalation path.

        Acknowledging the timer that waits for the ``acknowledged`` milestone records it.
        """
        self.state.check_open()
        fired = [e for e in self.state.escalations if e.timer == timer_id]
        if not fired:
            raise ActionError(f"timer {timer_id!r} has not escalated")
        if all(e.acknowledged_by for e in fired):
            raise ActionError("already acknowledged")
        timer = next(t for t in self.playbook.timers if t.id == timer_id)
        payload: dict[str, Any] = {"timer": timer_id, "level": max(e.level for e in fired)}
        if (
            timer.stop == EventRef("milestone", "acknowledged")
            and "acknowledged" not in self.state.milestones
        ):
            payload["milestone"] = "acknowledged"
        return self._append(K.ESCALATION_ACK, payload)

    def close(self, summary: str = "") -> Entry:
        self.state.check_open()
        return self._append(K.CLOSED, {"summary": summary})

    def reopen(self, reason: str) -> Entry:
        if not self.state.closed:
            raise ActionError(f"{self.incident_id} is not closed")
        if not reason.strip():
            raise ActionError("reopening needs a reason")
        return self._append(K.REOPENED, {"reason": reason, "status": "investigating"})

    # ----------------------------------------------------------------- timers
    def people_for(self, role: str) -> tuple[str, ...]:
        names: list[str] = []
        holder = self.state.roles.get(role)
        if holder:
            names.append(holder)
        names.extend(p.name for p in self.roster.on_call(role) if p.name not in names)
        return tuple(names)

    def fire_due_escalations(self) -> list[Escalated]:
        """Journal every escalation whose time has come; return the notifications to send.

        The entry's uid is derived from (incident, timer, level, repeat), so two responders'
        screens firing the same escalation at once record it once.
        """
        fired: list[Escalated] = []
        now = self.now()
        self.refresh()  # another screen may have fired some already
        for due in self.state.due_escalations(now):
            people = self.people_for(due.role)
            try:
                role_title = self.playbook.role(due.role).title
            except KeyError:
                role_title = due.role
            who = ", ".join(people) or "nobody on the roster"
            again = f" (reminder {due.repeat})" if due.repeat else ""
            message = (
                f"{self.incident_id} {self.state.title}: '{due.timer.title}' not met "
                f"within {format_duration(due.timer.within)}; level {due.level}"
                f"{again}: {role_title} ({who})"
            )
            payload = {
                "timer": due.timer.id,
                "level": due.level,
                "repeat": due.repeat,
                "role": due.role,
                "people": list(people),
                "message": message,
                "due_at": due.due_at.isoformat(),
                "fired_by": self.token,
            }
            uid = f"{self.incident_id}/{due.uid_suffix}"
            try:
                entry = self.journal.append(
                    self.incident_id, K.ESCALATED, payload, actor="system", role=None, uid=uid
                )
            except ValueError:
                # Another screen recorded this escalation a moment ago (same uid, its own
                # token): theirs stands, and they send its notification.
                continue
            if entry.payload.get("fired_by") != self.token:
                continue
            argv = None
            # A tabletop exercise never pages real people: the escalation shows, no command.
            if self.roster.notify is not None and self.state.mode != "drill":
                argv = notify.build_argv(
                    self.roster.notify.command,
                    {
                        "incident": self.incident_id,
                        "timer": due.timer.id,
                        "level": due.level,
                        "role": due.role,
                        "people": ", ".join(people),
                        "message": message,
                    },
                )
            fired.append(Escalated(entry, due, argv))
        if fired:
            self.refresh()
        return fired

    def record_notification(self, escalated: Escalated, result: NotifyResult) -> Entry:
        payload = {
            "timer": escalated.due.timer.id,
            "level": escalated.due.level,
            "repeat": escalated.due.repeat,
            "escalation_seq": escalated.entry.seq,
            **result.as_payload(),
        }
        entry = self.journal.append(
            self.incident_id,
            K.NOTIFIED,
            payload,
            actor="system",
            uid=f"{self.incident_id}/notify/{escalated.due.uid_suffix}",
        )
        self.refresh()
        return entry

    def run_notify(self, escalated: Escalated) -> NotifyResult:
        """Run an escalation's notify command (the roster's, argv form, never a shell).

        Touches no journal, so a screen can run it in a worker thread; record the result
        with :meth:`record_notification` on the session's own thread.
        """
        assert escalated.argv, "an escalation without a notify command"
        return notify.run(escalated.argv)

    def check_timers(self) -> list[Escalated]:
        """Fire due escalations and run their notify commands right here (CLI, tests)."""
        fired = self.fire_due_escalations()
        for escalated in fired:
            if escalated.argv:
                self.record_notification(escalated, self.run_notify(escalated))
        return fired
