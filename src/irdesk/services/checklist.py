"""The detection checklist: the rules, where their knowledge came from, when they were last
reviewed, and the health of the log sources they need; reviews journaled; its history.

``cli | tui → services``: :func:`checklist_rows` is what ``irdesk rules`` (and a checklist
screen) shows, :func:`review_rule` journals a review in the desk chain, and
:func:`checklist_history` lists the rules files as scans first used them and the reviews.
A rule is overdue for review a year (:data:`~irdesk.formats.rules.STALE_REVIEW_DAYS`)
after the later of its file's ``reviewed`` date and its last journaled review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from irdesk.domain.checklist import RULE_REVIEWED, Checklist, Coverage, HistoryItem, Review
from irdesk.domain.defects import DETECTION, Defect, source_key
from irdesk.domain.detection import Rule
from irdesk.domain.finding import CHAIN, DISMISSED, OPEN, FindingState
from irdesk.domain.incident import ActionError
from irdesk.domain.logline import from_us
from irdesk.formats.loader import _hint
from irdesk.formats.rules import STALE_REVIEW_DAYS, RuleSet
from irdesk.services import defects
from irdesk.services.scan import CHECKPOINTS_KEY, SCAN_NAMESPACE
from irdesk.store import DESK_ID, Journal

#: how ``irdesk rules`` heads each group of rules (SAMM O-IM-3-A's three kinds of knowledge)
GROUPS: dict[str, str] = {
    "external": "From outside knowledge (advisories, public rule sets)",
    "past-incident": "From our past incidents",
    "threat-model": "From our threat models",
}


@dataclass(frozen=True)
class SourceHealth:
    """A log source a rule needs: its open defects and when a scan last read it."""

    id: str
    defects: tuple[Defect, ...]  # open, oldest first
    scanned_at: datetime | None

    @property
    def healthy(self) -> bool:
        return not self.defects and self.scanned_at is not None

    def text(self) -> str:
        if self.defects:
            return "; ".join(
                f"{d.key.rsplit('/', 1)[-1]} since {d.opened_at.strftime('%Y-%m-%d %H:%M')} UTC"
                for d in self.defects
            )
        if self.scanned_at is None:
            return "never scanned"
        return f"ok, last read {self.scanned_at.strftime('%Y-%m-%d %H:%M')} UTC"


@dataclass(frozen=True)
class RuleRow:
    """One rule of the checklist, with what the journal knows about it."""

    rule: Rule
    file: str
    bundled: bool
    reviewed: date  # the later of the file's date and the last journaled review
    last_review: Review | None
    overdue: bool
    sources: tuple[SourceHealth, ...]
    first_used: datetime | None  # when a scan first used a file holding it
    findings: int
    open_findings: int
    false_positives: int

    @property
    def healthy(self) -> bool:
        return all(s.healthy for s in self.sources)


def checklist_of(journal: Journal) -> Checklist:
    """The checklist's history as the desk chain holds it (empty without a desk chain)."""
    try:
        journal.incident(DESK_ID)
    except KeyError:
        return Checklist()
    return Checklist.fold(journal.entries(DESK_ID))


def checklist_rows(journal: Journal | None, ruleset: RuleSet, *, today: date) -> list[RuleRow]:
    """Every rule, grouped by where its knowledge came from (:data:`GROUPS` order), then
    by id. Without a journal, nothing is known of reviews, defects, scans or findings."""
    history = checklist_of(journal) if journal is not None else Checklist()
    ledger = defects.ledger(journal).open if journal is not None else {}
    scanned = _last_scans(journal) if journal is not None else {}
    tallies = _tallies(journal) if journal is not None else {}
    order = {origin: i for i, origin in enumerate(GROUPS)}
    rows = []
    for rule in sorted(ruleset.rules.values(), key=lambda r: (order.get(r.origin, 9), r.id)):
        model = ruleset.files[rule.id]
        review = history.last_review(rule.id)
        reviewed = rule.reviewed
        if review is not None and review.at.date() > reviewed:
            reviewed = review.at.date()
        health = tuple(
            SourceHealth(
                sid,
                tuple(
                    d
                    for key, d in sorted(ledger.items(), key=lambda kv: kv[1].opened_seq)
                    if d.area == DETECTION and key.startswith(source_key(sid, ""))
                ),
                scanned.get(sid),
            )
            for sid in rule.requires
        )
        total, still_open, false = tallies.get(rule.id, (0, 0, 0))
        rows.append(
            RuleRow(
                rule,
                str(model.source.path) if model.source else model.file,
                bool(model.source and model.source.bundled),
                reviewed,
                review,
                (today - reviewed).days > STALE_REVIEW_DAYS,
                health,
                history.first_used(rule.id),
                total,
                still_open,
                false,
            )
        )
    return rows


def _last_scans(journal: Journal) -> dict[str, datetime]:
    """When a scan last read each source (from the scan's checkpoint)."""
    saved = journal.runtime(SCAN_NAMESPACE).get(CHECKPOINTS_KEY)
    if saved is None:
        return {}
    scanned = saved[0].get("scanned")
    if not isinstance(scanned, dict):
        return {}
    return {str(k): from_us(v) for k, v in scanned.items() if isinstance(v, int) and v > 0}


def _tallies(journal: Journal) -> dict[str, tuple[int, int, int]]:
    """rule id → (findings, still open, dismissed as false positives)."""
    total: Counter[str] = Counter()
    still_open: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for record in journal.incidents(chain=CHAIN):
        rule = record.playbook_id
        total[rule] += 1
        if record.status in OPEN:
            still_open[rule] += 1
        elif record.status == DISMISSED:
            state = FindingState.fold(record.id, journal.entries(record.id))
            if state.reason == "false-positive":
                false[rule] += 1
    return {rule: (total[rule], still_open[rule], false[rule]) for rule in total}


def review_rule(
    journal: Journal, ruleset: RuleSet, rule_id: str, *, actor: str, note: str = ""
) -> Review:
    """Journal that ``actor`` reviewed a rule (in the desk chain, with the file's SHA-256:
    what was reviewed, exactly)."""
    rule = ruleset.rules.get(rule_id)
    if rule is None:
        raise ActionError(f"no rule {rule_id!r} in the rules files" + _hint(rule_id, ruleset.rules))
    actor = (actor or "").strip()
    if not actor:
        raise ActionError("who reviewed the rule? (--as NAME)")
    model = ruleset.files[rule.id]
    payload = {
        "rule": rule.id,
        "note": note.strip(),
        "path": str(model.source.path) if model.source else model.file,
        "sha256": model.source.sha256 if model.source else "",
    }
    journal.desk(actor)
    entry = journal.append(DESK_ID, RULE_REVIEWED, payload, actor=actor)
    review = checklist_of(journal).last_review(rule.id)
    assert review is not None and review.seq == entry.seq
    return review


def checklist_history(journal: Journal) -> list[HistoryItem]:
    """Every change to the checklist, oldest first (see :meth:`Checklist.history`)."""
    return checklist_of(journal).history()


def detection_coverage(journal: Journal, incident_id: str) -> list[Coverage]:
    """The rules that cover a past incident (a detection improvement item's test)."""
    return checklist_of(journal).covering(incident_id)


def review_due(row: RuleRow) -> date:
    """When the rule's next review is due."""
    return row.reviewed + timedelta(days=STALE_REVIEW_DAYS)


__all__ = [
    "GROUPS",
    "checklist_of",
    "RuleRow",
    "SourceHealth",
    "checklist_history",
    "checklist_rows",
    "detection_coverage",
    "review_due",
    "review_rule",
]
