"""A journal entry as the domain sees it (the store builds these; the fold reads them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Entry:
    incident_id: str
    seq: int  # per-incident, gapless, from 1
    uid: str  # client-generated unique id: a retried write is not recorded twice
    kind: str
    actor: str
    occurred_at: datetime  # when it happened (may be backdated)
    recorded_at: datetime  # when it was written (never edited)
    payload: dict[str, Any] = field(default_factory=dict)
    role: str | None = None
    backdate_reason: str | None = None
    corrects: int | None = None  # seq of the entry this one corrects
    prev_hash: str = ""
    hash: str = ""
    #: why this entry cannot be read as written (a payload that is not a JSON object, a
    #: time that does not parse), or None. The store still returns a damaged entry, with
    #: an empty payload and a stand-in time, so every reader shows it in place and goes on.
    damage: str | None = None

    @property
    def backdated(self) -> bool:
        return self.backdate_reason is not None
