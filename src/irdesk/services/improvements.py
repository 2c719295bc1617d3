"""Improvement items across a journal: listing them, carrying them into reports, and
closing one in the incident that owns it.

Items live in the incident whose review added them (see :mod:`irdesk.domain.review`).
They are made of three entry kinds, found through the journal's index of entries by kind:
the cost of listing them follows the number of items, never the size of the journal. This
module needs the store and the review's fold only, so ``irdesk improvements`` starts
without the reports, the playbooks or the incident runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from irdesk.domain.entry import Entry
from irdesk.domain.incident import ActionError
from irdesk.domain.review import (
    DETECTION,
    DONE,
    OPEN,
    OUTCOMES,
    RK,
    Improvement,
    ReviewState,
    item_incident,
    item_number,
)
from irdesk.store import IncidentRecord, Journal, UnknownIncident

if TYPE_CHECKING:
    from irdesk.domain.checklist import Checklist, Coverage
    from irdesk.services.incident import IncidentSession


def today_of(now: datetime) -> date:
    """The date due dates are compared with: the UTC date of ``now`` (reports are in UTC)."""
    if now.tzinfo is None:
        now = now.astimezone()
    return now.astimezone(UTC).date()


def check_note(outcome: str, note: str) -> str:
    if outcome not in OUTCOMES:
        raise ActionError(f"an item is closed as one of: {', '.join(OUTCOMES)}")
    if not (note or "").strip():
        raise ActionError("say what was done" if outcome == DONE else "say why the item is dropped")
    return note.strip()


@dataclass(frozen=True)
class ImprovementRow:
    """An improvement item with the incident it came from, for lists across a journal.

    ``covered_by``: for a detection item, the rules that cite its incident and have been
    scanned with; while the item is open in the journal, they make it count as done.
    """

    improvement: Improvement
    incident_id: str
    incident_title: str
    mode: str
    playbook_id: str
    playbook_version: str
    declared_at: datetime
    overdue: bool
    covered_by: tuple[Coverage, ...] = ()

    @property
    def item(self) -> str:
        return self.improvement.item

    @property
    def covered(self) -> bool:
        """An open detection item that a scanned rule covers: it counts as done."""
        return bool(self.covered_by) and self.improvement.is_open

    @property
    def status(self) -> str:
        """open | done | dropped, counting a covered detection item as done."""
        return DONE if self.covered else self.improvement.status

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


#: the entry kinds an improvement item is made of (found by kind: see improvement_rows)
IMPROVEMENT_KINDS = (RK.IMPROVEMENT_ADDED, RK.IMPROVEMENT_UPDATED, RK.IMPROVEMENT_CLOSED)


def items_of(journal: Journal, incident_id: str) -> dict[str, Improvement]:
    """One incident's improvement items, from its improvement entries alone (by kind: the
    rest of a long incident is not read)."""
    found = journal.entries_by_kind(IMPROVEMENT_KINDS, incident_id=incident_id)
    return ReviewState.fold(found).improvements


def improvement_rows(
    journal: Journal,
    *,
    today: date,
    include_closed: bool = False,
    playbook_id: str | None = None,
    declared_before: datetime | None = None,
    exclude: str | None = None,
) -> list[ImprovementRow]:
    """Improvement items across the journal: open ones (all with ``include_closed``),
    overdue first, then by due date (none last), then by incident and number.

    ``playbook_id`` keeps items of incidents run on that playbook; ``declared_before``
    those of incidents declared earlier; ``exclude`` leaves one incident out. Only the
    improvement entries are read (by kind) and the records of the incidents that have
    some: the cost follows the number of items, not the size of the journal.
    """
    by_incident: dict[str, list[Entry]] = {}
    for entry in journal.entries_by_kind(IMPROVEMENT_KINDS):
        by_incident.setdefault(entry.incident_id, []).append(entry)
    rows: list[ImprovementRow] = []
    checklist: Checklist | None = None
    for incident_id, entries in by_incident.items():
        if incident_id == exclude:
            continue
        try:
            record = journal.incident(incident_id)
        except UnknownIncident:
            continue  # entries without a record: verify names them; nothing to list here
        if record.chain != "incident":
            continue
        if playbook_id is not None and record.playbook_id != playbook_id:
            continue
        if declared_before is not None and record.created_at >= declared_before:
            continue
        for imp in ReviewState.fold(entries).improvements.values():
            covered: tuple[Coverage, ...] = ()
            if imp.kind == DETECTION and imp.is_open:
                if checklist is None:  # read once, and only when a detection item is open
                    from irdesk.services.checklist import checklist_of

                    checklist = checklist_of(journal)
                covered = tuple(checklist.covering(record.id))
            row = _row(imp, record, today, covered)
            if include_closed or row.is_open:
                rows.append(row)
    rows.sort(key=lambda r: _row_order(r, today))
    return rows


def _row_order(row: ImprovementRow, today: date) -> tuple[int, date | datetime, str, int]:
    """Open items first (overdue, then by due date), then the others by when they closed."""
    if row.is_open:
        return row.improvement.sort_key(today)
    closed = row.covered_by[0].since if row.covered else row.improvement.closed_at
    return (2, closed or datetime.max.replace(tzinfo=UTC), row.incident_id, item_number(row.item))


def carried_over(journal: Journal, record: IncidentRecord, *, today: date) -> list[ImprovementRow]:
    """Items still open from earlier incidents on the same playbook (for a report)."""
    return improvement_rows(
        journal,
        today=today,
        playbook_id=record.playbook_id,
        declared_before=record.created_at,
        exclude=record.id,
    )


def open_items_on_playbook(session: IncidentSession) -> list[ImprovementRow]:
    """Improvement items still open from the other incidents and drills run on the
    playbook ``session`` runs (for the runner's step panel and a drill's briefing):
    overdue first, then by due date."""
    return improvement_rows(
        session.journal,
        today=today_of(session.now()),
        playbook_id=session.playbook.id,
        exclude=session.incident_id,
    )


def item_line(row: ImprovementRow) -> str:
    """An open item in one line: ``INC-0001-1 Log every click (chen, due 2026-11-15,
    overdue)`` (raw user text: sanitise it where it is shown)."""
    imp = row.improvement
    due = f"due {imp.due.isoformat()}" if imp.due else "no due date"
    return f"{row.item} {imp.what} ({imp.owner}, {due}{', overdue' if row.overdue else ''})"


def _row(
    imp: Improvement, record: IncidentRecord, today: date, covered: tuple[Coverage, ...] = ()
) -> ImprovementRow:
    return ImprovementRow(
        imp,
        record.id,
        record.title,
        record.mode,
        record.playbook_id,
        record.playbook_version,
        record.created_at,
        imp.overdue(today) and not covered,
        covered,
    )


def find_improvement(journal: Journal, item: str) -> tuple[IncidentRecord, Improvement]:
    """The incident that owns ``item`` and the item (ActionError when there is none)."""
    incident_id = item_incident(item.strip())
    try:
        record = journal.incident(incident_id) if incident_id else None
    except KeyError:
        record = None
    if record is None:
        raise ActionError(f"no improvement item {item!r}: ids look like INC-0003-1")
    found = items_of(journal, record.id).get(item.strip())
    if found is None:
        raise ActionError(f"{record.id} has no improvement item {item!r}")
    return record, found


def close_improvement(journal: Journal, item: str, outcome: str, note: str, *, actor: str) -> Entry:
    """Mark an item done or dropped, journaled in the incident that owns it."""
    note = check_note(outcome, note)
    if not (actor or "").strip():
        raise ActionError("who is closing the item?")
    record, found = find_improvement(journal, item)
    if not found.is_open:
        raise ActionError(
            f"{found.item} is already {found.status}"
            + (f" ({found.close_note})" if found.close_note else "")
        )
    try:
        return journal.append(
            record.id,
            RK.IMPROVEMENT_CLOSED,
            {"item": found.item, "outcome": outcome, "note": note},
            actor=actor.strip(),
            uid=f"{record.id}/improvement/{found.item}/closed",
        )
    except ValueError as exc:
        if "already used" not in str(exc):
            raise
        raise ActionError(f"{found.item} was closed a moment ago by somebody else") from None
