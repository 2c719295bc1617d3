"""What a responder can do to an incident, journaled: :class:`IncidentSession`.

Services sit between the front ends and the journal: ``cli | tui → services → store``.
They hold no Textual and no SQL. Every method appends one entry (or a few) and returns only
after the journal committed, then re-folds the incident state from the journal, so what
the screen shows is always what the journal holds, including other responders' writes.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from irdesk.domain.clock import Clock, SystemClock, local_date
from irdesk.domain.describe import describe, label
from irdesk.domain.durations import format_duration
from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES, EventRef
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import (
    LATE_AFTER,
    OUTCOMES,
    STATUSES,
    ActionError,
    Collision,
    DueEscalation,
    K,
)
from irdesk.domain.models import EMPTY_ROSTER, NOTIFY_TIMEOUT, Playbook, Roster, Scenario
from irdesk.domain.notify import Call, check_name, page_target, people_for
from irdesk.formats.catalog import Catalog, NotFound
from irdesk.formats.loader import load_file
from irdesk.services import notify
from irdesk.services.actor import default_actor
from irdesk.services.evidence import attachment, check_url
from irdesk.services.notify import NotifyResult, plan
from irdesk.store import IncidentRecord, Journal, UnknownIncident

BACKDATE_SLACK = timedelta(seconds=1)
#: how much of the corrected entry a correction repeats (``was``), in characters
CORRECTED_SHOWN = 80
#: how many recent entries the correction dialog offers
CORRECTABLE_SHOWN = 30


#: where a playbook the journal has no copy of is looked for: a catalog, or what loads one
#: (called only then: most journals keep their playbooks, and loading every playbook and
#: scenario costs more than the rest of `irdesk report` or `irdesk replay`)
CatalogSource = Catalog | Callable[[], "Catalog | None"] | None


def playbook_of(
    record_payload: dict[str, Any], catalog: CatalogSource, playbook_id: str
) -> Playbook:
    """The playbook an incident ran with: the copy kept in its journal, else the catalog."""
    text = record_payload.get("playbook_source")
    if isinstance(text, str):
        kept = load_file(
            f"journal:{playbook_id}.yaml", data=text.encode("utf-8"), expect="playbook"
        ).model_of(Playbook)
        if kept is not None:
            return kept
    if callable(catalog):
        catalog = catalog()
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
    journal: Journal, incident_id: str, catalog: CatalogSource
) -> tuple[IncidentRecord, Playbook, Scenario | None]:
    """An incident's record and the playbook and scenario it ran with (kept in its first
    entry; the catalog only when the journal has no copy)."""
    record = record_of(journal, incident_id)
    first = journal.get_entry(incident_id, 1)
    genesis = dict(first.payload) if first else {}
    playbook = playbook_of(genesis, catalog, record.playbook_id)
    return record, playbook, scenario_of(genesis, playbook)


@dataclass
class Outgoing:
    """An escalation or a page that was journaled and whose notify command still has to run.

    ``calls`` are the runs it needs (none in a drill, or with no notify command); each ends
    as a ``notify.ran`` entry whose uid is ``uid`` (``/n`` appended when there are several),
    so a retried recording is not written twice.
    """

    entry: Entry
    calls: list[Call]
    uid: str
    link: dict[str, Any]  # what each notify.ran entry says it belongs to
    timeout: float = NOTIFY_TIMEOUT.total_seconds()
    due: DueEscalation | None = None

    @property
    def message(self) -> str:
        return str(self.entry.payload.get("message", ""))


def record_notification(
    journal: Journal, chain_id: str, outgoing: Outgoing, results: Sequence[NotifyResult]
) -> list[Entry]:
    """Journal in ``chain_id`` what each run of an escalation's or page's notify command
    did (``notify.ran``; uid ``outgoing.uid``, ``/n`` appended when there are several)."""
    entries = []
    for index, result in enumerate(results):
        uid = outgoing.uid if len(results) == 1 else f"{outgoing.uid}/{index + 1}"
        entries.append(
            journal.append(
                chain_id,
                K.NOTIFIED,
                {**outgoing.link, **result.as_payload()},
                actor="system",
                uid=uid,
            )
        )
    return entries


def record_escalation(
    journal: Journal,
    chain_id: str,
    due: DueEscalation,
    people: Sequence[str],
    message: str,
    *,
    token: str,
    firer: str,
    late_reason: str | None = None,
) -> tuple[Entry, dict[str, Any], dict[str, Any]] | None:
    """Journal one escalation in ``chain_id`` (an incident's, or a finding's) as
    ``escalation.fired``, with the uid (chain, timer, level, repeat), so two screens or
    watchers firing it at once record it once; return (its entry, the notify command's
    values, what each ``notify.ran`` links to), or None when another firer recorded it
    (theirs stands, and they send its notification)."""
    payload: dict[str, Any] = {
        "timer": due.timer.id,
        "level": due.level,
        "repeat": due.repeat,
        "role": due.role,
        "people": list(people),
        "message": message,
        "due_at": due.due_at.isoformat(),
        "fired_by": token,
        "firer": firer,
    }
    if late_reason is not None:
        payload["late_reason"] = late_reason
    uid = f"{chain_id}/{due.uid_suffix}"
    try:
        entry = journal.append(chain_id, K.ESCALATED, payload, actor="system", role=None, uid=uid)
    except ValueError:
        return None
    if entry.payload.get("fired_by") != token:
        return None
    values = {
        "incident": chain_id,
        "timer": due.timer.id,
        "level": due.level,
        "role": due.role,
        "people": ", ".join(people),
        "message": message,
    }
    link = {
        "timer": due.timer.id,
        "level": due.level,
        "repeat": due.repeat,
        "escalation_seq": entry.seq,
    }
    return entry, values, link


#: How late escalations are explained: (when it was due, now) -> the reason, for people.
WhyLate = Callable[[datetime, datetime], str]


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
        roster_problem: str | None = None,
        firer: str = "screen",
        why_late: WhyLate | None = None,
        on_close: Callable[[IncidentSession], None] | None = None,
    ) -> None:
        """``roster_problem`` says why the roster's notify command is not used (a roster
        that did not load, or was refused): escalations journal it instead of paging.
        ``firer`` names what fires this session's escalations (``screen``, ``watcher``)
        and ``why_late`` explains one that fires late. ``on_close`` runs after the
        incident is closed (it must not raise: closing is done)."""
        self.journal = journal
        self.incident_id = incident_id
        self.playbook = playbook
        self.scenario = scenario
        self.roster = roster or EMPTY_ROSTER
        self.clock = clock or SystemClock()
        self.actor = actor or default_actor()
        self.roster_problem = roster_problem
        self.firer = firer
        self.why_late = why_late
        self.on_close = on_close
        self.state = IncidentState(playbook, scenario)
        self.listeners: list[Callable[[list[Entry]], None]] = []
        # Identifies this process's writes where two screens may race to write the same one.
        self.token = f"{self.actor}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # The first fold streams the journal (keyset pages) instead of refresh()'s list:
        # nobody listens yet, and a 100k-entry incident held as Entry objects at once cost
        # ~135 MB of peak memory for nothing. The entries go nowhere but the fold, which
        # reads no uid or hash: they are not read (about a tenth of the time at 1M entries).
        apply = self.state.apply
        for entry in journal.entries(incident_id, chain_fields=False):
            apply(entry)

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
        """The role(s) ``person`` holds now, comma-separated (None for none): journaled
        beside their name on each of their entries."""
        held = [role for role, holder in self.state.roles.items() if holder == person]
        return ", ".join(held) or None

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

    def note(
        self,
        text: str,
        *,
        source: str | None = None,
        internal: bool = False,
        attach: Sequence[str] = (),
    ) -> Entry:
        """A note on the timeline; an ``internal`` one is for the team only (a bridge PIN):
        screens mark it, reports leave it out unless asked to include it. ``attach`` names
        files (hashed now) or URLs it points to."""
        if not text.strip():
            raise ActionError("a note needs some text")
        payload: dict[str, Any] = {"text": text}
        if source:
            payload["source"] = source
        if internal:
            payload["internal"] = True
        if attach:
            payload["attachments"] = [
                attachment(ref, journal_path=self.journal.path) for ref in attach
            ]
        return self._append(K.NOTE, payload)

    def issue_update(self, text: str, *, written_to: str | None = None) -> Entry:
        """Journal a status update as issued (see :mod:`irdesk.services.status_update`);
        the playbook's update cadence counts from it."""
        if not text.strip():
            raise ActionError("a status update needs some text")
        payload: dict[str, Any] = {"text": text, "severity": self.state.severity}
        if written_to:
            payload["written_to"] = written_to
        return self._append(K.UPDATE, payload)

    def link(self, url: str, label: str = "") -> Entry:
        """A ticket, chat channel or other page this incident is worked in."""
        self.state.check_open()
        url = check_url(url)
        if any(link.url == url for link in self.state.links):
            raise ActionError(f"{self.incident_id} already links {url}")
        payload = {"url": url}
        if label.strip():
            payload["label"] = label.strip()
        return self._append(K.LINK, payload)

    def correct(self, seq: int, text: str) -> Entry:
        """Correct a journaled entry (a note, a tick, a milestone, a decision...) with a
        reason: the original stays as it was, and every view shows the correction beside
        it. The correction also says what it corrects, so it reads on its own."""
        original = self.journal.get_entry(self.incident_id, seq)
        if original is None:
            raise ActionError(f"{self.incident_id} has no entry {seq}")
        if not text.strip():
            raise ActionError("a correction needs text saying what was wrong")
        was = f"{label(original)}: {describe(original)}"
        if len(was) > CORRECTED_SHOWN:
            was = was[: CORRECTED_SHOWN - 1] + "…"
        return self._append(K.CORRECTION, {"text": text.strip(), "was": was}, corrects=seq)

    def _seen(self, step_id: str) -> int:
        """Catch up with the journal before a step action and refuse it (:class:`Collision`,
        naming who did what and when) when somebody else finished the step since this
        session last looked. Returns the visit of the step this session saw, which the
        entry carries, so the fold can tell a late write from another process too."""
        st = self.state.steps.get(step_id)
        if st is None:
            return 0  # no such step: the action's own check says so
        visit, finished = st.visits, st.finished_seq
        self.refresh()
        if self.state.steps[step_id].finished_seq != finished:
            raise Collision(self.state.taken(step_id))
        return visit

    def correctable(self, limit: int = CORRECTABLE_SHOWN) -> list[Entry]:
        """The latest entries people wrote (not the system's escalations and notify runs),
        newest first: what a "correct this entry" dialog offers."""
        start = max(0, self.state.last_seq - limit * 3)
        found = [
            e
            for e in self.journal.entries(self.incident_id, after_seq=start)
            if e.actor != "system" and e.damage is None
        ]
        return found[::-1][:limit]

    def tick(self, step_id: str, item: int, evidence: str | None = None) -> Entry:
        visit = self._seen(step_id)
        step = self.state.check_tick(step_id, item)
        if item in self.state.steps[step_id].ticks:
            raise Collision(self.state.taken(step_id, item))
        check = step.checklist[item]
        if check.evidence and not (evidence or "").strip():
            raise ActionError(f"{check.text!r} needs an evidence note (what, where it is kept)")
        payload: dict[str, Any] = {
            "step": step_id,
            "item": item,
            "text": check.text,
            "visit": visit,
        }
        if evidence and evidence.strip():
            payload["evidence"] = evidence.strip()
        payload.update(self._marking(check.marks))  # "acknowledged" stops that clock
        return self._append(K.TICKED, payload)

    def _marking(self, marks: str | None) -> dict[str, str]:
        """The milestone a step or an item marks, for its entry: only while that milestone
        is not recorded. One already recorded never moves, and the entry (and every view
        of it: "→ milestone contained") must not say it did."""
        return {"marks": marks} if marks and marks not in self.state.milestones else {}

    def untick(self, step_id: str, item: int) -> Entry:
        visit = self._seen(step_id)
        step = self.state.check_tick(step_id, item)
        st = self.state.steps[step_id]
        if item not in st.ticks:
            raise ActionError("that item is not ticked")
        if st.status == "done":
            raise ActionError(
                f"step {step.title!r} is done: its ticked items stand "
                "(a note or a correction says what was wrong)"
            )
        return self._append(
            K.UNTICKED,
            {"step": step_id, "item": item, "text": step.checklist[item].text, "visit": visit},
        )

    def complete(self, step_id: str) -> Entry:
        visit = self._seen(step_id)
        step = self.state.check_done(step_id)
        payload = {"step": step_id, "title": step.title, "visit": visit}
        payload.update(self._marking(step.marks))
        return self._append(K.STEP_DONE, payload)

    def skip(self, step_id: str, reason: str) -> Entry:
        visit = self._seen(step_id)
        step = self.state.check_skip(step_id, reason)
        return self._append(
            K.STEP_SKIPPED,
            {"step": step_id, "title": step.title, "reason": reason.strip(), "visit": visit},
        )

    def decide(self, step_id: str, option: int) -> Entry:
        visit = self._seen(step_id)
        step = self.state.check_decide(step_id, option)
        chosen = step.decision[option]
        payload = {
            "step": step_id,
            "title": step.title,
            "option": option,
            "label": chosen.label,
            "next": chosen.next,
            "visit": visit,
        }
        payload.update(self._marking(step.marks))
        return self._append(K.DECIDED, payload)

    def milestone(
        self,
        name: str,
        *,
        occurred_at: datetime | None = None,
        reason: str | None = None,
        confirmed: bool = False,
    ) -> Entry:
        """Record a milestone; impact started after it was detected is :class:`Unconfirmed`
        unless ``confirmed``."""
        self.state.check_open()
        if name not in MILESTONES:
            raise ActionError(f"unknown milestone {name!r}; one of: {', '.join(MILESTONES)}")
        if name == "closed":
            raise ActionError("close the incident to record 'closed'")
        if not confirmed:
            now = self.now()
            self.state.check_milestone_order(name, occurred_at or now, now)
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
        person = check_name(person.strip())
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

    def acknowledge(self, timer_id: str | None = None) -> Entry:
        """Acknowledge the incident, at any time: records the ``acknowledged`` milestone
        (if it is not recorded yet) and acknowledges every escalation fired so far.

        With ``timer_id``, acknowledge that timer's fired escalation only (ending its
        escalation path); the milestone is recorded too when that timer waits for it.
        """
        self.state.check_open()
        unacknowledged = [e for e in self.state.escalations if not e.acknowledged_by]
        recorded = "acknowledged" in self.state.milestones
        if timer_id is None:
            timers = sorted({e.timer for e in unacknowledged})
            if recorded and not timers:
                by = self.state.milestones["acknowledged"].actor
                raise ActionError(f"{self.incident_id} is already acknowledged (by {by})")
            payload: dict[str, Any] = {"timers": timers}
            if not recorded:
                payload["milestone"] = "acknowledged"
            return self._append(K.ESCALATION_ACK, payload)
        timer = next((t for t in self.playbook.timers if t.id == timer_id), None)
        if timer is None:
            known = ", ".join(t.id for t in self.playbook.timers) or "none"
            raise ActionError(
                f"playbook {self.playbook.id!r} has no timer {timer_id!r}; its timers: {known}"
            )
        fired = [e for e in self.state.escalations if e.timer == timer_id]
        if not fired:
            raise ActionError(f"timer {timer_id!r} has not escalated")
        if all(e.acknowledged_by for e in fired):
            raise ActionError("already acknowledged")
        payload = {"timer": timer_id, "level": max(e.level for e in fired)}
        if timer.stop == EventRef("milestone", "acknowledged") and not recorded:
            payload["milestone"] = "acknowledged"
        return self._append(K.ESCALATION_ACK, payload)

    def close(
        self,
        summary: str = "",
        *,
        outcome: str = "resolved",
        duplicate_of: str = "",
        handed_to: str = "",
    ) -> Entry:
        """Close the incident with its outcome: resolved, a false positive, a duplicate (of
        another incident in this journal) or handed over (to whom). The steps it leaves
        unfinished are journaled with it (:meth:`IncidentState.unfinished_steps`: what
        the close dialog warns about). Then ``on_close`` runs (the desk's: sealing, where
        configured)."""
        self.state.check_open()
        if outcome not in OUTCOMES:
            raise ActionError(f"unknown outcome {outcome!r}; one of: {', '.join(OUTCOMES)}")
        payload: dict[str, Any] = {"summary": summary, "outcome": outcome}
        if outcome == "duplicate":
            original = duplicate_of.strip()
            if not original:
                raise ActionError("a duplicate names the incident it duplicates")
            if original == self.incident_id:
                raise ActionError("an incident cannot be a duplicate of itself")
            try:
                record_of(self.journal, original)
            except (UnknownIncident, ActionError):
                raise ActionError(f"no incident {original} in this journal") from None
            payload["duplicate_of"] = original
        elif outcome == "handed-over":
            to = check_name(handed_to.strip())
            if not to:
                raise ActionError("a hand-over names whom the incident went to")
            payload["handed_to"] = to
        unfinished = [step.id for step in self.state.unfinished_steps()]
        if unfinished:
            payload["unfinished"] = unfinished
        entry = self._append(K.CLOSED, payload)
        if self.on_close is not None:
            self.on_close(self)
            self.refresh()
        return entry

    def reopen(self, reason: str) -> Entry:
        if not self.state.closed:
            raise ActionError(f"{self.incident_id} is not closed")
        if not reason.strip():
            raise ActionError("reopening needs a reason")
        return self._append(K.REOPENED, {"reason": reason, "status": "investigating"})

    # ----------------------------------------------------------------- timers
    def people_for(self, role: str) -> tuple[str, ...]:
        """Who a page to ``role`` reaches (:func:`irdesk.domain.notify.people_for`)."""
        return people_for(role, self.roster, self.state.roles, local_date(self.now()))

    def _outgoing(
        self,
        entry: Entry,
        uid: str,
        link: dict[str, Any],
        values: Mapping[str, object],
        people: tuple[str, ...],
    ) -> Outgoing:
        """What a journaled escalation or page still has to send. A drill pages nobody real;
        a roster that is broken or refused says so in the journal instead of paging."""
        calls: list[Call] = []
        timeout = NOTIFY_TIMEOUT.total_seconds()
        if self.state.mode == "drill":
            pass  # a tabletop exercise never pages real people: the entry shows, no command
        elif self.roster_problem is not None:
            calls = [Call(None, None, f"nobody was paged: {self.roster_problem}")]
        elif self.roster.notify is not None:
            calls = plan(self.roster.notify, values, people, self.roster)
            timeout = self.roster.notify.timeout.total_seconds()
        return Outgoing(entry, calls, uid, link, timeout)

    def fire_due_escalations(self) -> list[Outgoing]:
        """Journal every escalation whose time has come; return the notifications to send.

        The entry's uid is derived from (incident, timer, level, repeat), so two screens or
        watchers firing the same escalation at once record it once, and only the one whose
        entry it is sends its notification. Each records when it was due and what fired
        it; one that fires more than :data:`LATE_AFTER` after its due time says why.
        """
        fired: list[Outgoing] = []
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
            # (a drill's due times are on its exercise clock: a paused exercise is not late)
            late = self.state.mode != "drill" and now - due.due_at > LATE_AFTER
            recorded = record_escalation(
                self.journal,
                self.incident_id,
                due,
                people,
                message,
                token=self.token,
                firer=self.firer,
                late_reason=self.why_late(due.due_at, now) if late and self.why_late else None,
            )
            if recorded is None:
                continue  # another screen or watcher recorded it a moment ago: it pages
            entry, values, link = recorded
            outgoing = self._outgoing(
                entry, f"{self.incident_id}/notify/{due.uid_suffix}", link, values, people
            )
            outgoing.due = due
            fired.append(outgoing)
        if fired:
            self.refresh()
        return fired

    def page(self, target: str, text: str) -> Outgoing:
        """Page a role of this incident, or a person, by hand: journaled like an escalation
        (``page.sent``), then the roster's notify command runs as for one."""
        self.state.check_open()
        text = text.strip()
        if not text:
            raise ActionError("a page needs a message")
        role, people = self._page_target(target.strip())
        message = f"{self.incident_id} {self.state.title}: {text} (page from {self.actor})"
        payload = {
            "target": target.strip(),
            "role": role,
            "people": list(people),
            "text": text,
            "message": message,
        }
        entry = self._append(K.PAGED, payload)
        values = {
            "incident": self.incident_id,
            "role": role or "",
            "people": ", ".join(people),
            "message": message,
        }
        link = {"page_seq": entry.seq}
        return self._outgoing(entry, f"{entry.uid}/notify", link, values, people)

    def _page_target(self, target: str) -> tuple[str | None, tuple[str, ...]]:
        return page_target(
            target,
            self.roster,
            (r.id for r in self.playbook.roles),
            self.state.roles,
            local_date(self.now()),
        )

    def record_notification(self, outgoing: Outgoing, results: list[NotifyResult]) -> list[Entry]:
        """Journal what each run of the notify command did (``notify.ran``)."""
        entries = record_notification(self.journal, self.incident_id, outgoing, results)
        self.refresh()
        return entries

    def run_notify(self, outgoing: Outgoing) -> list[NotifyResult]:
        """Run an escalation's or page's notify command (the roster's, argv form, never a
        shell, in a process group of its own, killed at its timeout).

        Touches no journal, so a screen can run it in a worker thread; record the results
        with :meth:`record_notification` on the session's own thread.
        """
        return [notify.run_call(call, outgoing.timeout) for call in outgoing.calls]

    def send(self, outgoing: Outgoing) -> list[NotifyResult]:
        """Run the notify command and journal what it did, right here (CLI, watcher)."""
        if not outgoing.calls:
            return []
        results = self.run_notify(outgoing)
        self.record_notification(outgoing, results)
        return results

    def check_timers(self) -> list[Outgoing]:
        """Fire due escalations and run their notify commands right here (CLI, tests)."""
        fired = self.fire_due_escalations()
        for outgoing in fired:
            self.send(outgoing)
        return fired
