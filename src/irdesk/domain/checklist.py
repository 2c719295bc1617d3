"""The history of the detection checklist, as the desk chain records it.

SAMM asks that the checklist of suspicious events be reviewed regularly and that its
improvement can be checked. Two kinds of desk entries make that history (part of the
journal format: never rename one):

``rules.seen``     a rules file as a scan first used it: {path, sha256, bundled, rules:
                   [{id, title, origin, reference, incident, reviewed, requires,
                   fingerprint}], sources: [ids], text}. Written when the file's SHA-256 is
                   not the one last recorded for its path (a new file, an edit, a revert).
``rule.reviewed``  someone reviewed a rule: {rule, note, path, sha256}

Pure: :meth:`Checklist.fold` reads the desk chain's entries. From it come the rules'
last reviews, when each rule was first scanned with, which rules cover a past incident
(:meth:`Checklist.covering`: a detection improvement item of that incident counts as
done), and the history as a person reads it (:meth:`Checklist.history`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from irdesk.domain.detection import Rule
from irdesk.domain.entry import Entry

RULES_SEEN = "rules.seen"
RULE_REVIEWED = "rule.reviewed"
KINDS = (RULES_SEEN, RULE_REVIEWED)
PAST_INCIDENT = "past-incident"


@dataclass(frozen=True)
class RuleFacts:
    """What one version of a rules file said about one rule."""

    id: str
    title: str = ""
    origin: str = ""
    reference: str | None = None
    incident: str | None = None
    reviewed: str = ""
    requires: tuple[str, ...] = ()
    fingerprint: str = ""  # changes with the pattern, grouping, threshold or sources

    @classmethod
    def of(cls, rule: Rule) -> RuleFacts:
        return cls(
            rule.id,
            rule.title,
            rule.origin,
            rule.reference,
            rule.incident,
            rule.reviewed.isoformat(),
            tuple(rule.requires),
            rule.fingerprint,
        )

    def as_payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "origin": self.origin,
            "reference": self.reference,
            "incident": self.incident,
            "reviewed": self.reviewed,
            "requires": list(self.requires),
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_payload(cls, data: object) -> RuleFacts | None:
        if not isinstance(data, dict) or not data.get("id"):
            return None
        return cls(
            str(data["id"]),
            str(data.get("title") or ""),
            str(data.get("origin") or ""),
            _opt(data.get("reference")),
            _opt(data.get("incident")),
            str(data.get("reviewed") or ""),
            tuple(str(s) for s in data.get("requires") or ()),
            str(data.get("fingerprint") or ""),
        )

    def cites(self, incident_id: str) -> bool:
        return self.origin == PAST_INCIDENT and self.incident == incident_id

    def changes(self, before: RuleFacts) -> list[str]:
        """What changed since ``before``, in words."""
        words = []
        if self.fingerprint != before.fingerprint:
            words.append("what it matches")
        for name in ("title", "origin", "reference", "incident", "reviewed"):
            if getattr(self, name) != getattr(before, name):
                words.append(name)
        return words


def rules_seen_payload(
    path: str,
    sha256: str,
    *,
    bundled: bool,
    rules: Sequence[Rule],
    sources: Sequence[str],
    text: str | None,
) -> dict[str, Any]:
    """The payload of ``rules.seen`` for a rules file a scan uses."""
    return {
        "path": path,
        "sha256": sha256,
        "bundled": bundled,
        "rules": [RuleFacts.of(rule).as_payload() for rule in rules],
        "sources": list(sources),
        "text": text,
    }


@dataclass(frozen=True)
class RulesVersion:
    """A rules file's content as a scan first used it."""

    path: str
    sha256: str
    bundled: bool
    rules: tuple[RuleFacts, ...]
    sources: tuple[str, ...]
    at: datetime
    actor: str
    seq: int

    def rule(self, rule_id: str) -> RuleFacts | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True)
class Review:
    rule: str
    at: datetime
    actor: str
    note: str
    seq: int
    path: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class Coverage:
    """A rule that covers a past incident: it cites it, and a scan has used it."""

    rule: str
    path: str
    since: datetime  # when a scan first used a file with this rule citing the incident

    def text(self) -> str:
        return (
            f"rule {self.rule} cites this incident and has been scanned with since "
            f"{self.since.strftime('%Y-%m-%d %H:%M')} UTC"
        )


@dataclass(frozen=True)
class HistoryItem:
    """One change to the checklist, as ``irdesk rules history`` shows it."""

    at: datetime
    actor: str
    what: str  # "rules" or "review"
    text: str  # one line
    path: str = ""
    sha256: str = ""
    rule: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


@dataclass
class Checklist:
    versions: list[RulesVersion] = field(default_factory=list)  # oldest first
    reviews: list[Review] = field(default_factory=list)  # oldest first

    # ----------------------------------------------------------------- folding
    @classmethod
    def fold(cls, entries: Iterable[Entry]) -> Checklist:
        checklist = cls()
        for entry in entries:
            if entry.damage is None and entry.kind in KINDS:
                checklist.apply(entry)
        return checklist

    def apply(self, e: Entry) -> None:
        p = e.payload
        if e.kind == RULES_SEEN:
            facts = (RuleFacts.from_payload(r) for r in p.get("rules") or ())
            self.versions.append(
                RulesVersion(
                    str(p.get("path", "")),
                    str(p.get("sha256", "")),
                    bool(p.get("bundled")),
                    tuple(f for f in facts if f is not None),
                    tuple(str(s) for s in p.get("sources") or ()),
                    e.recorded_at,
                    e.actor,
                    e.seq,
                )
            )
        elif e.kind == RULE_REVIEWED and p.get("rule"):
            self.reviews.append(
                Review(
                    str(p["rule"]),
                    e.occurred_at,
                    e.actor,
                    str(p.get("note") or ""),
                    e.seq,
                    str(p.get("path") or ""),
                    str(p.get("sha256") or ""),
                )
            )

    # ----------------------------------------------------------------- queries
    def latest(self, path: str) -> RulesVersion | None:
        """The last version of the file at ``path`` a scan used."""
        return next((v for v in reversed(self.versions) if v.path == path), None)

    def times_seen(self, path: str, sha256: str) -> int:
        return sum(1 for v in self.versions if v.path == path and v.sha256 == sha256)

    def current(self) -> list[RulesVersion]:
        """The last version of every file, in the order they were first seen."""
        paths = dict.fromkeys(v.path for v in self.versions)
        return [v for v in (self.latest(p) for p in paths) if v is not None]

    def first_used(self, rule_id: str) -> datetime | None:
        """When a scan first used a rules file holding this rule."""
        return next((v.at for v in self.versions if v.rule(rule_id) is not None), None)

    def last_review(self, rule_id: str) -> Review | None:
        return next((r for r in reversed(self.reviews) if r.rule == rule_id), None)

    def covering(self, incident_id: str) -> list[Coverage]:
        """Rules that cite ``incident_id`` (``source: past-incident``) in the last
        version of their file a scan used: the rule exists, and it has been scanned with."""
        found: dict[str, Coverage] = {}
        for version in self.current():
            for facts in version.rules:
                if not facts.cites(incident_id) or facts.id in found:
                    continue
                since = next(
                    v.at
                    for v in self.versions
                    if (old := v.rule(facts.id)) is not None and old.cites(incident_id)
                )
                found[facts.id] = Coverage(facts.id, version.path, since)
        return sorted(found.values(), key=lambda c: (c.since, c.rule))

    def history(self) -> list[HistoryItem]:
        """Every change, oldest first: rules files as scans first used them (with what
        was added, removed or changed since the path's previous version) and reviews."""
        items: list[tuple[int, HistoryItem]] = []
        previous: dict[str, RulesVersion] = {}
        for version in self.versions:
            items.append((version.seq, _version_item(version, previous.get(version.path))))
            previous[version.path] = version
        for review in self.reviews:
            text = f"rule {review.rule} reviewed by {review.actor}"
            if review.note:
                text += f": {review.note}"
            items.append(
                (
                    review.seq,
                    HistoryItem(
                        review.at,
                        review.actor,
                        "review",
                        text,
                        review.path,
                        review.sha256,
                        rule=review.rule,
                    ),
                )
            )
        return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _version_item(version: RulesVersion, before: RulesVersion | None) -> HistoryItem:
    count, declared = len(version.rules), len(version.sources)
    rules = f"{count} rule{'s' * (count != 1)}"
    if declared:
        rules += f", {declared} source{'s' * (declared != 1)}"
    if before is None:
        added = tuple(r.id for r in version.rules)
        text = f"{version.path} first used by a scan ({rules})"
        return HistoryItem(
            version.at, version.actor, "rules", text, version.path, version.sha256, added=added
        )
    old = {r.id: r for r in before.rules}
    new = {r.id: r for r in version.rules}
    added = tuple(i for i in new if i not in old)
    removed = tuple(i for i in old if i not in new)
    changed = tuple(
        f"{i} ({', '.join(words)})" for i in new if i in old and (words := new[i].changes(old[i]))
    )
    parts = [f"+{i}" for i in added] + [f"-{i}" for i in removed] + [f"~{c}" for c in changed]
    parts += [f"+source {s}" for s in version.sources if s not in before.sources]
    parts += [f"-source {s}" for s in before.sources if s not in version.sources]
    text = f"{version.path} changed ({rules}): " + (
        ", ".join(parts) or "no rule or source changed (comments, order or a source's settings)"
    )
    return HistoryItem(
        version.at,
        version.actor,
        "rules",
        text,
        version.path,
        version.sha256,
        added=added,
        removed=removed,
        changed=changed,
    )


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
