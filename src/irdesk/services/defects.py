"""Defects in the desk chain: opened when a check first finds a problem, closed when it
is gone again (see :mod:`irdesk.domain.defects`).

Two checkers running at once (two watchers, a watcher and ``irdesk check``, two scans)
record each opening and closing once: the entry's uid names the defect's key and how many
times it was opened before, so both compute the same uid and the journal keeps the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from irdesk.domain.defects import (
    CLOSED,
    KINDS,
    OPENED,
    Defect,
    Found,
    Ledger,
    fold,
    reconcile,
)
from irdesk.store import DESK_ID, Journal


def ledger(journal: Journal) -> Ledger:
    """Every defect the desk chain records (an empty ledger when there is no desk chain).
    Read by kind: home asks every second, and the desk chain grows with everything the
    journal says about itself."""
    try:
        journal.incident(DESK_ID)
    except KeyError:
        return Ledger()
    return fold(journal.entries_by_kind(KINDS, incident_id=DESK_ID))


@dataclass
class Recorded:
    opened: list[Found] = field(default_factory=list)
    closed: list[Defect] = field(default_factory=list)


def record(
    journal: Journal,
    area: str,
    found: Sequence[Found],
    *,
    actor: str,
    scope: Iterable[str] | None = None,
) -> Recorded:
    """Open the defects ``found`` that are not open yet and close the open ones of ``area``
    (within ``scope``, key prefixes) that the check no longer finds."""
    current = ledger(journal)
    to_open, to_close = reconcile(current, area, found, scope)
    done = Recorded()
    if not to_open and not to_close:
        return done
    for problem in to_open:
        if open_one(journal, current, problem, actor=actor):
            done.opened.append(problem)
    for defect in to_close:
        if close_one(journal, defect, actor=actor):
            done.closed.append(defect)
    return done


def open_one(journal: Journal, current: Ledger, problem: Found, *, actor: str) -> bool:
    """Open one defect (``current``: the ledger it is not open in); False when another
    checker opened it a moment ago."""
    times = current.opened_count.get(problem.key, 0) + 1
    return _append(journal, OPENED, problem.as_payload(), actor, f"{problem.key}/{times}")


def close_one(journal: Journal, defect: Defect, *, actor: str) -> bool:
    """Close one open defect; False when another checker closed it a moment ago."""
    payload = {"key": defect.key, "area": defect.area, "text": defect.text}
    return _append(journal, CLOSED, payload, actor, f"{defect.key}/{defect.times}/closed")


def _append(journal: Journal, kind: str, payload: dict[str, str], actor: str, name: str) -> bool:
    return append_once(journal, kind, payload, actor=actor, uid=f"{DESK_ID}/defect/{name}")


def append_once(
    journal: Journal, kind: str, payload: Mapping[str, Any], *, actor: str, uid: str
) -> bool:
    """Append a fact to the desk chain (opened on first use) unless ``uid`` is recorded:
    False when another checker or scan recorded it first (its entry stands, whatever its
    words). The lookup and the append share one transaction."""
    journal.desk(actor)
    with journal.transaction():
        if journal.entry_by_uid(uid) is not None:
            return False
        journal.append(DESK_ID, kind, payload, actor=actor, uid=uid)
    return True
