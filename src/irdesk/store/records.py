"""Value types the store returns besides :class:`irdesk.core.entry.Entry`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

#: The ways verify can find a chain broken (``Problem.how``).
EDITED = "edited"  # an entry's contents no longer match its hash (or its hash was redone)
DELETED = "deleted"  # entries are missing from the sequence
INSERTED = "inserted"  # an entry that was never part of the chain was added
REORDERED = "reordered"  # genuine entries sit at the wrong positions (e.g. two swapped)
TRUNCATED = "truncated"  # entries are missing from the end of the chain
METADATA = "metadata"  # the incident record disagrees with its entries


@dataclass(frozen=True)
class IncidentRecord:
    """One row of the incident list: identity, playbook, and a summary of the chain.

    The identity and playbook fields are fixed at declaration (and protected by the
    chain: they are repeated in entry 1's payload). ``title``, ``severity``, ``status``
    and ``closed_at`` are a cache kept up to date by ``Journal.append(summary=...)``;
    the entries remain the truth.
    """

    id: str
    mode: str  # "live" | "drill"
    title: str
    severity: str
    status: str
    playbook_id: str
    playbook_version: str
    playbook_sha256: str
    scenario_id: str | None
    scenario_sha256: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    last_seq: int
    head_hash: str
    entry_count: int

    @property
    def is_drill(self) -> bool:
        return self.mode == "drill"


class Problem(NamedTuple):
    """One broken chain, named by its first bad entry."""

    incident_id: str
    seq: int | None  # the entry named (None when the problem is with the record itself)
    how: str  # EDITED, DELETED, INSERTED, REORDERED, TRUNCATED or METADATA
    message: str  # one line, e.g. "INC-0003 entry 17 was edited: ..."


@dataclass
class VerifyReport:
    ok: bool
    checked: int  # entries whose hash was recomputed
    incidents: int  # incidents examined
    problems: list[Problem] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)  # incident id -> last entry's hash
    seconds: float = 0.0

    @property
    def broken_incidents(self) -> list[str]:
        return sorted({p.incident_id for p in self.problems})
