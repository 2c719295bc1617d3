"""Defects in the desk chain: opened when a check first finds a problem, closed when it
passes again (see :mod:`irdesk.domain.defects`).

Two checkers running at once (two watchers, a watcher and ``irdesk check``) record each
opening and closing once: the entry's uid names the defect's key and how many times it was
opened before, so both compute the same uid and the journal keeps the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
    journal.desk(actor)
    for problem in to_open:
        times = current.opened_count.get(problem.key, 0) + 1
        if _append(journal, OPENED, problem.as_payload(), actor, f"{problem.key}/{times}"):
            done.opened.append(problem)
    for defect in to_close:
        payload = {"key": defect.key, "area": defect.area, "text": defect.text}
        if _append(journal, CLOSED, payload, actor, f"{defect.key}/{defect.times}/closed"):
            done.closed.append(defect)
    return done


def _append(journal: Journal, kind: str, payload: dict[str, str], actor: str, name: str) -> bool:
    """Append to the desk chain once; False when another checker recorded it first in
    other words (the same words: that entry is returned and nothing is written twice)."""
    uid = f"{DESK_ID}/defect/{name}"
    try:
        journal.append(DESK_ID, kind, payload, actor=actor, uid=uid)
    except ValueError:
        return False  # the other checker's entry stands
    return True
