"""Defects: what keeps the desk from responding as it should, recorded in the desk chain.

A defect is opened (``defect.opened``) the first time a check finds a problem and closed
(``defect.closed``) when the check passes again, each with its time, so the journal shows
how long the team could not have paged anyone for a role, went without a drill, or could
not read a log the detection rules need. Each has a stable ``key`` that the check derives
from what it looked at, and an ``area``: ``readiness`` (``irdesk check`` and the
watcher's daily check, e.g. ``readiness/coverage/commander/gap``) and ``detection`` (a
scan's log sources, ``detection/<source>/<problem>``: :func:`source_key`).

Payloads (part of the journal format): ``defect.opened`` ``{key, area, text, detail}``,
``defect.closed`` ``{key, area, text}``. The n-th opening of a key has the uid
``DESK/defect/<key>/<n>`` and its closing ``DESK/defect/<key>/<n>/closed``, so two
checkers running at once record each once.

Pure: :func:`fold` reads the desk chain's entries; :func:`reconcile` says what one check's
problems open and close.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from irdesk.domain.entry import Entry

OPENED = "defect.opened"
CLOSED = "defect.closed"
KINDS = (OPENED, CLOSED)
#: the area of a log source the detection rules need
DETECTION = "detection"


def source_key(source: str, problem: str) -> str:
    """The key of a log source's defect: ``detection/auth/missing``."""
    return f"{DETECTION}/{source}/{problem}"


@dataclass(frozen=True)
class Found:
    """One problem a check found now (not yet journaled)."""

    key: str
    area: str
    text: str  # one line for people
    detail: str = ""

    def as_payload(self) -> dict[str, str]:
        return {"key": self.key, "area": self.area, "text": self.text, "detail": self.detail}


@dataclass(frozen=True)
class Defect:
    """A defect as the desk chain records it."""

    key: str
    area: str
    text: str
    detail: str
    opened_at: datetime
    opened_seq: int
    closed_at: datetime | None = None
    closed_seq: int | None = None
    times: int = 1  # how many times this key has been opened (this is the n-th)

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def open_during(self, start: datetime, end: datetime) -> bool:
        """Whether it was open at some moment between ``start`` and ``end``."""
        return self.opened_at <= end and (self.closed_at is None or self.closed_at >= start)


@dataclass
class Ledger:
    """Every defect of the desk chain: the open ones by key, and the closed ones."""

    open: dict[str, Defect] = field(default_factory=dict)
    closed: list[Defect] = field(default_factory=list)
    opened_count: dict[str, int] = field(default_factory=dict)

    def all(self) -> list[Defect]:
        """Every defect, oldest first."""
        return sorted([*self.closed, *self.open.values()], key=lambda d: d.opened_seq)

    def apply(self, entry: Entry) -> None:
        p = entry.payload
        key = str(p.get("key", ""))
        if not key:
            return
        if entry.kind == OPENED and key not in self.open:
            times = self.opened_count.get(key, 0) + 1
            self.opened_count[key] = times
            self.open[key] = Defect(
                key,
                str(p.get("area", "")),
                str(p.get("text", "")),
                str(p.get("detail", "")),
                entry.occurred_at,
                entry.seq,
                times=times,
            )
        elif entry.kind == CLOSED and key in self.open:
            was = self.open.pop(key)
            self.closed.append(
                Defect(
                    was.key,
                    was.area,
                    was.text,
                    was.detail,
                    was.opened_at,
                    was.opened_seq,
                    entry.occurred_at,
                    entry.seq,
                    was.times,
                )
            )


def fold(entries: Iterable[Entry]) -> Ledger:
    ledger = Ledger()
    for entry in entries:
        if entry.kind in KINDS:
            ledger.apply(entry)
    return ledger


def reconcile(
    ledger: Ledger, area: str, found: Sequence[Found], scope: Iterable[str] | None = None
) -> tuple[list[Found], list[Defect]]:
    """(to open, to close) after a check of ``area`` found ``found``: problems not open yet
    are opened; open defects of the area the check no longer finds are closed. ``scope``
    (key prefixes) limits the closing to what this check looked at."""
    now = {p.key for p in found}
    to_open = [p for p in found if p.key not in ledger.open]
    prefixes = tuple(scope) if scope is not None else None
    to_close = [
        d
        for d in ledger.open.values()
        if d.area == area and d.key not in now and (prefixes is None or d.key.startswith(prefixes))
    ]
    return to_open, sorted(to_close, key=lambda d: d.opened_seq)
