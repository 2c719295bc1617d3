"""Value types the store returns besides :class:`irdesk.domain.entry.Entry`."""

from __future__ import annotations

import re
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
SCHEMA = "schema"  # the journal's protections (its triggers) were dropped, altered or added
SEAL = "seal"  # a signed seal no longer matches the chain (or its signature does not verify)

#: The kinds of chain a journal holds. Incidents and drills are what people work; a
#: finding is one detection (its own chain, so it escalates like an incident); the desk
#: chain records what concerns the journal itself (repairs, defects, checklist changes).
CHAINS = ("incident", "finding", "desk")
DESK_ID = "DESK"


class Head(NamedTuple):
    """An incident's head: its last entry's seq and hash. Written ``INC-0001@57:<hash>``,
    it can be handed out (a report, a ticket) and checked later with ``verify --expect``
    even after more entries were appended."""

    seq: int
    hash: str

    def label(self, incident_id: str) -> str:
        return f"{incident_id}@{self.seq}:{self.hash}"


#: ``INC-0001@57:<64 hex>``, as verify and every report print a head
HEAD_PATTERN = re.compile(r"(?P<id>[A-Z]+(?:-[0-9]+)?)@(?P<seq>[0-9]+):(?P<hash>[0-9a-fA-F]+)")
#: where something that looks like a head begins (an id, "@", a number)
HEAD_START = re.compile(r"(?<![A-Za-z0-9])[A-Z]+(?:-[0-9]+)?@[0-9]+")


class Expectation(NamedTuple):
    """A head someone wrote down: entry ``seq`` of ``incident_id`` had ``hash``."""

    incident_id: str
    head: Head

    @property
    def label(self) -> str:
        return self.head.label(self.incident_id)

    @classmethod
    def parse(cls, text: str) -> Expectation:
        """``INC-0001@57:<64 hex>`` (ValueError with a sentence otherwise)."""
        match = HEAD_PATTERN.fullmatch(text.strip())
        if match is None or len(match["hash"]) != 64 or int(match["seq"]) < 1:
            raise ValueError(
                f"{text.strip()!r} is not a head: write it as INC-0001@57:<64 hex digits>, "
                "as verify and reports print it"
            )
        return cls(match["id"], Head(int(match["seq"]), match["hash"].lower()))

    @classmethod
    def find_all(cls, text: str) -> list[Expectation]:
        """Every head written in a text (a file of heads, one per line, or a report).

        Strict: anything that starts like a head (``INC-0001@57``) must be a whole one, or
        ValueError names its line. A head mistyped in a hand-written list is never skipped
        quietly, which would check one head fewer than the list says."""
        found = []
        for number, line in enumerate(text.splitlines(), 1):
            for start in HEAD_START.finditer(line):
                match = HEAD_PATTERN.match(line, start.start())
                end = match.end() if match else start.end()
                try:
                    if match is None or (end < len(line) and line[end].isalnum()):
                        raise ValueError(f"{line[start.start() : end + 1]!r} is not a head")
                    found.append(cls.parse(match.group(0)))
                except ValueError as exc:
                    raise ValueError(f"line {number}: {exc}") from None
        return found


@dataclass(frozen=True)
class IncidentRecord:
    """One row of the incident list: identity, playbook, and a summary of the chain.

    The identity and playbook fields are fixed at declaration (and protected by the
    chain: they are repeated in entry 1's payload). ``title``, ``severity``, ``status``
    and ``closed_at`` are derived from the chain as it is appended to (see
    :mod:`irdesk.store.summary`) and checked by verify; the entries remain the truth.
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
    chain: str = "incident"  # one of CHAINS

    @property
    def is_drill(self) -> bool:
        return self.mode == "drill"

    @property
    def head(self) -> Head:
        return Head(self.last_seq, self.head_hash)


class Problem(NamedTuple):
    """One broken chain, named by its first bad entry."""

    incident_id: str  # "" for a problem with the journal as a whole (SCHEMA)
    seq: int | None  # the entry named (None when the problem is with the record itself)
    how: str  # EDITED, DELETED, INSERTED, REORDERED, TRUNCATED, METADATA, SCHEMA or SEAL
    message: str  # one line, e.g. "INC-0003 entry 17 was edited: ..."


@dataclass
class VerifyReport:
    ok: bool
    checked: int  # entries whose hash was recomputed
    incidents: int  # incidents examined
    problems: list[Problem] = field(default_factory=list)
    heads: dict[str, Head] = field(default_factory=dict)  # incident id -> its last entry
    seconds: float = 0.0

    @property
    def broken_incidents(self) -> list[str]:
        """Incidents with a problem (journal-wide problems have no incident id)."""
        return sorted({p.incident_id for p in self.problems if p.incident_id})
