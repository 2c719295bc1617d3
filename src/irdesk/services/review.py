"""Application services for after-action reviews and improvement items, journaled.

``cli | tui → services → store``; no Textual, no SQL. :class:`ReviewSession` wraps an
:class:`~irdesk.services.incident.IncidentSession` and writes the review of that incident;
each method validates its input (raising :class:`ActionError` with a message for people),
appends one entry, returns after the journal committed and re-folds the incident state.

Improvement items live in the incident whose review added them; listing them across a
journal and closing one is :mod:`irdesk.services.improvements` (its functions are
re-exported here).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from irdesk import __version__
from irdesk.domain.entry import Entry
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import ActionError
from irdesk.domain.review import (
    DETECTION,
    DONE,
    DROPPED,
    FIVE_WHYS,
    FREE,
    GENERAL,
    ITEM_KINDS,
    POETE,
    RK,
    SECTIONS,
    UPDATABLE,
    Improvement,
    ReviewState,
    parse_due,
    review_state,
)
from irdesk.report.build import build_report
from irdesk.report.model import CarriedItem, ChainStatus, DefectRow, Report
from irdesk.report.render import render
from irdesk.report.timeline import SPOOL_IN_MEMORY
from irdesk.services import defects
from irdesk.services.checklist import checklist_of
from irdesk.services.files import private_file
from irdesk.services.improvements import (
    ImprovementRow,
    carried_over,
    check_note,
    close_improvement,
    find_improvement,
    improvement_rows,
    items_of,
    today_of,
)
from irdesk.services.incident import CatalogSource, IncidentSession, ran_with
from irdesk.store import IncidentRecord, Journal, VerifyReport

MAX_WHYS = 7  # "five whys" is a habit, not a hard limit; past seven it is a novel
_RETRIES = 5


def check_due(value: date | str | None, what: str = "due") -> date | None:
    """A due (or ``what``) date from a person: ``YYYY-MM-DD`` (or a date), or nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ActionError(
            f"{text!r} is not a date; write the {what} date as YYYY-MM-DD, e.g. 2026-12-31"
        ) from None


def check_dates(start: date | None, due: date | None) -> None:
    """An item cannot be due before it starts."""
    if start is not None and due is not None and due < start:
        raise ActionError(f"the due date {due} is before the start date {start}")


def check_poete(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    word = value.strip().lower()
    word = {"organisation": "organization", "exercises": "exercise"}.get(word, word)
    if word not in POETE:
        raise ActionError(f"unknown POETE element {value!r}; one of: {', '.join(POETE)}")
    return word


def check_kind(value: str | None) -> str:
    if value is None or not value.strip():
        return GENERAL
    word = value.strip().lower()
    if word not in ITEM_KINDS:
        raise ActionError(f"unknown kind of item {value!r}; one of: {', '.join(ITEM_KINDS)}")
    return word


class ReviewSession:
    """The after-action review of one incident or drill, open in this process."""

    def __init__(self, session: IncidentSession) -> None:
        self.session = session
        self.session.refresh()

    # ----------------------------------------------------------------- reading
    @property
    def incident_id(self) -> str:
        return self.session.incident_id

    @property
    def journal(self) -> Journal:
        return self.session.journal

    @property
    def state(self) -> ReviewState:
        return review_state(self.session.state)

    @property
    def incident(self) -> IncidentState:
        return self.session.state

    def refresh(self) -> list[Entry]:
        return self.session.refresh()

    # ----------------------------------------------------------------- writing
    def _append(self, kind: str, payload: dict[str, Any], *, uid: str | None = None) -> Entry:
        session = self.session
        entry = session.journal.append(
            session.incident_id,
            kind,
            payload,
            actor=session.actor,
            role=session.role_of(session.actor),
            uid=uid,
        )
        session.refresh()
        return entry

    def _check_editable(self) -> None:
        self.refresh()
        if self.state.saved:
            raise ActionError("the review was saved; reopen it to change it")

    def set_root_cause(self, text: str) -> Entry:
        """Record the root cause in a sentence. A later call replaces it; a five-whys
        analysis (:meth:`set_five_whys`) is kept beside it."""
        self._check_editable()
        text = (text or "").strip()
        if not text:
            raise ActionError("write the root cause")
        return self._append(RK.ROOT_CAUSE, {"method": FREE, "text": text, "whys": []})

    def set_five_whys(self, problem: str, whys: Sequence[str], root_cause: str = "") -> Entry:
        """Record a five-whys analysis: the problem statement it starts from, the whys,
        and the root cause they lead to (optional). A later call replaces it; the
        free-text root cause (:meth:`set_root_cause`) is kept beside it."""
        self._check_editable()
        problem = (problem or "").strip()
        whys = [w.strip() for w in whys if w and w.strip()]
        if not problem:
            raise ActionError("the five whys start from a problem statement: what went wrong?")
        if not whys:
            raise ActionError("write at least one why")
        if len(whys) > MAX_WHYS:
            raise ActionError(f"at most {MAX_WHYS} whys; the last ones should be the cause")
        return self._append(
            RK.ROOT_CAUSE,
            {
                "method": FIVE_WHYS,
                "problem": problem,
                "text": (root_cause or "").strip(),
                "whys": whys,
            },
        )

    def add_note(self, section: str, text: str) -> Entry:
        """Add to ``went_well``, ``to_improve`` or ``lesson``."""
        self._check_editable()
        if section not in SECTIONS:
            raise ActionError(f"unknown review section {section!r}; one of: {', '.join(SECTIONS)}")
        if not (text or "").strip():
            raise ActionError("a review note needs some text")
        return self._append(RK.NOTE, {"section": section, "text": text.strip(), "replaces": None})

    def edit_note(self, seq: int, text: str) -> Entry:
        """Replace the text of a note (it keeps its place; the journal keeps both)."""
        self._check_editable()
        note = self.state.notes.get(seq)
        if note is None:
            raise ActionError(f"there is no review note {seq}")
        if not (text or "").strip():
            raise ActionError("a review note needs some text; remove it instead")
        return self._append(
            RK.NOTE, {"section": note.section, "text": text.strip(), "replaces": seq}
        )

    def remove_note(self, seq: int, reason: str = "") -> Entry:
        self._check_editable()
        if seq not in self.state.notes:
            raise ActionError(f"there is no review note {seq}")
        return self._append(RK.NOTE_REMOVED, {"note": seq, "reason": (reason or "").strip()})

    def _check_step(self, step: str | None) -> str | None:
        if step is None or not step.strip():
            return None
        step = step.strip()
        try:
            self.session.playbook.step(step)
        except KeyError:
            raise ActionError(
                f"playbook {self.session.playbook.id!r} has no step {step!r}"
            ) from None
        return step

    def add_improvement(
        self,
        what: str,
        *,
        owner: str,
        due: date | str | None = None,
        step: str | None = None,
        poete: str | None = None,
        kind: str | None = None,
        issue: str | None = None,
        organization: str | None = None,
        start: date | str | None = None,
    ) -> Improvement:
        """Add an improvement item; returns it with its id (``INC-0003-1``). ``what`` is
        the corrective action, ``issue`` the area for improvement it answers, ``poete``
        its capability element. A ``detection`` item counts as done once a rule citing
        this incident has been scanned with."""
        self._check_editable()
        kind = check_kind(kind)
        what, owner = (what or "").strip(), (owner or "").strip()
        if not what:
            raise ActionError("say what is to be improved")
        if not owner:
            raise ActionError("an improvement item needs an owner")
        due_date = check_due(due)
        start_date = check_due(start, "start")
        check_dates(start_date, due_date)
        payload: dict[str, Any] = {
            "what": what,
            "owner": owner,
            "due": due_date.isoformat() if due_date else None,
            "step": self._check_step(step),
            "poete": check_poete(poete),
        }
        if kind == DETECTION:
            payload["kind"] = DETECTION
        for key, value in (("issue", issue), ("organization", organization)):
            if (value or "").strip():
                payload[key] = (value or "").strip()
        if start_date:
            payload["start"] = start_date.isoformat()
        for _ in range(_RETRIES):
            item = self.state.next_item_id(self.incident_id)
            try:
                self._append(
                    RK.IMPROVEMENT_ADDED,
                    {"item": item, **payload},
                    uid=f"{self.incident_id}/improvement/{item}",
                )
            except ValueError as exc:  # somebody else took that number a moment ago
                if "already used" not in str(exc):
                    raise
                self.refresh()
                continue
            return self.state.improvements[item]
        raise ActionError("could not number the improvement item (too many at once); try again")

    def update_improvement(self, item: str, *, reason: str = "", **changes: object) -> Entry:
        """Change an item's what, owner, due, step or poete (pass only what changes)."""
        self._check_editable()
        found = self.state.improvements.get(item)
        if found is None:
            raise ActionError(f"{self.incident_id} has no improvement item {item!r}")
        unknown = sorted(set(changes) - set(UPDATABLE))
        if unknown:
            raise ActionError(f"an item's {', '.join(unknown)} cannot be changed")
        clean: dict[str, object] = {}
        for key, value in changes.items():
            if key in ("issue", "organization"):
                clean[key] = str(value or "").strip() or None
            elif key in ("what", "owner"):
                text = str(value or "").strip()
                if not text:
                    raise ActionError(
                        "an improvement item needs an owner"
                        if key == "owner"
                        else "say what is to be improved"
                    )
                clean[key] = text
            elif key in ("due", "start"):
                parsed = check_due(value, key)  # type: ignore[arg-type]
                clean[key] = parsed.isoformat() if parsed else None
            elif key == "step":
                clean[key] = self._check_step(value)  # type: ignore[arg-type]
            else:
                clean[key] = check_poete(value)  # type: ignore[arg-type]
        clean = {k: v for k, v in clean.items() if v != _current(found, k)}
        if not clean:
            raise ActionError("nothing to change")
        check_dates(
            parse_due(clean.get("start", _current(found, "start"))),
            parse_due(clean.get("due", _current(found, "due"))),
        )
        return self._append(
            RK.IMPROVEMENT_UPDATED,
            {"item": item, "changes": clean, "reason": (reason or "").strip()},
        )

    def close_improvement(self, item: str, outcome: str, note: str) -> Entry:
        """Mark one of this incident's items ``done`` or ``dropped`` (allowed whatever the
        review's state: items are followed up long after the review is saved)."""
        self.refresh()
        note = check_note(outcome, note)
        found = self.state.improvements.get(item)
        if found is None:
            raise ActionError(f"{self.incident_id} has no improvement item {item!r}")
        if not found.is_open:
            raise ActionError(f"{item} is already {found.status}")
        try:
            return self._append(
                RK.IMPROVEMENT_CLOSED,
                {"item": item, "outcome": outcome, "note": note},
                uid=f"{self.incident_id}/improvement/{item}/closed",
            )
        except ValueError as exc:
            if "already used" not in str(exc):
                raise
            raise ActionError(f"{item} was closed a moment ago by somebody else") from None

    def save(self, summary: str = "") -> Entry:
        """Mark the review finished (a reader sees it as final, not a draft)."""
        self.refresh()
        state = self.state
        if state.saved:
            raise ActionError("the review is already saved")
        if not state.analysed and not state.notes and not state.improvements:
            raise ActionError(
                "the review is empty: record a root cause, a note or an improvement item first"
            )
        return self._append(RK.SAVED, {"summary": (summary or "").strip()})

    def reopen(self, reason: str) -> Entry:
        self.refresh()
        if not self.state.saved:
            raise ActionError("the review is not saved; it is open for changes already")
        if not (reason or "").strip():
            raise ActionError("reopening the review needs a reason")
        return self._append(RK.REOPENED, {"reason": reason.strip()})


def _current(found: Improvement, key: str) -> object:
    value = getattr(found, key)
    return value.isoformat() if isinstance(value, date) else value


# --------------------------------------------------------------------------- reports


def carried_items(rows: Sequence[ImprovementRow]) -> list[CarriedItem]:
    """Improvement rows as a report lists them (items open from earlier incidents)."""
    return [
        CarriedItem(
            r.item,
            r.incident_id,
            r.incident_title,
            r.declared_at,
            r.improvement.what,
            r.improvement.owner,
            r.improvement.due,
            r.improvement.step,
            r.improvement.poete,
            r.overdue,
            r.improvement.issue,
            r.improvement.organization,
            r.improvement.start,
        )
        for r in rows
    ]


def load_report(
    journal: Journal,
    incident_id: str,
    *,
    now: datetime,
    catalog: CatalogSource = None,
    verify: bool = True,
    spool_limit: int = SPOOL_IN_MEMORY,
    generator: str | None = None,
    include_internal: bool = False,
) -> Report:
    """Build the report of one incident from the journal: the playbook and scenario it
    ran with (kept in its first entry), its entries read once, its chain verified, and the
    improvement items still open from earlier incidents on the same playbook.

    Raises UnknownIncident for an unknown incident, NotFound when its playbook cannot be loaded.
    Close the report (or use ``with``) to free its spooled timeline.
    """
    record, playbook, scenario = ran_with(journal, incident_id, catalog)
    checking = _BackgroundVerify(journal, incident_id, record.entry_count) if verify else None
    carried = carried_items(carried_over(journal, record, today=today_of(now)))
    covered = checklist_of(journal).covering(incident_id)
    try:
        report = build_report(
            playbook,
            journal.entries(incident_id, until_seq=record.last_seq),
            now=now,
            scenario=scenario,
            carried=carried,
            covered=covered,
            defects=defects_during(journal, record, now),
            generator=generator or f"irdesk {__version__}",
            include_internal=include_internal,
            spool_limit=spool_limit,
        )
    finally:
        result = checking.result() if checking is not None else None
    if result is not None:
        # the head is the last entry this report read (verify may have seen later ones)
        report.chain = ChainStatus.from_verify(result, incident_id).at(
            report.chain.head_seq, report.chain.head_hash
        )
    return report


def defects_during(journal: Journal, record: IncidentRecord, now: datetime) -> list[DefectRow]:
    """The desk's defects that were open at some time while the incident ran (from its
    declaration to its closing, or to ``now`` while it is open)."""
    start = record.created_at or now
    end = record.closed_at or now
    return [
        DefectRow(d.key, d.area, d.text, d.opened_at, d.closed_at)
        for d in defects.ledger(journal).all()
        if d.open_during(start, end)
    ]


def open_report(
    path: Path,
    incident_id: str,
    *,
    now: datetime,
    catalog: CatalogSource = None,
    include_internal: bool = False,
) -> Report:
    """:func:`load_report` on a read-only connection of its own, opened and closed here (a
    screen builds its report in a worker thread, and a connection stays in its thread)."""
    with Journal.open(path, readonly=True) as journal:
        return load_report(
            journal, incident_id, now=now, catalog=catalog, include_internal=include_internal
        )


def export_report(report: Report, fmt: str, target: Path) -> None:
    """Write the report to ``target`` as ``md``, ``html`` or ``json`` (its folder is made,
    private, when missing); :class:`NotWritten` when it cannot be written."""
    with private_file(target) as out:
        render(report, fmt, out)


class _BackgroundVerify:
    """Verify the incident's chain on a connection of its own, in a thread, while the
    report reads the entries: a long chain is hashed by the store's worker processes, so
    the two overlap instead of adding up."""

    PARALLEL_FROM = 50_000  # entries; below this, starting worker processes costs more

    def __init__(self, journal: Journal, incident_id: str, entries: int) -> None:
        self.path = journal.path
        self.incident_id = incident_id
        self.workers = 2 if entries >= self.PARALLEL_FROM else 1
        self._result: VerifyReport | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="irdesk-verify", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with Journal.open(self.path, readonly=True) as journal:
                self._result = journal.verify(self.incident_id, workers=self.workers)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = exc

    def result(self) -> VerifyReport:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


__all__ = [
    "DONE",
    "DROPPED",
    "ImprovementRow",
    "ReviewSession",
    "carried_items",
    "carried_over",
    "check_due",
    "check_kind",
    "check_poete",
    "close_improvement",
    "find_improvement",
    "improvement_rows",
    "items_of",
    "export_report",
    "load_report",
    "open_report",
    "today_of",
]
