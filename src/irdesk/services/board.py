"""The board: what needs attention in each open incident, for home's list.

Per open incident or drill: its commander, where its escalations stand (the level fired
and not acknowledged, since when, when the next one is due) and the injects delivered and
not acknowledged. Each incident's state is the fold, kept between calls and brought up to
date with the entries written since (a board over many open incidents reads each entry
once). :meth:`Board.rows` opens its own read-only connection, so a screen can call it in a
worker; calls are serialised (a screen's next worker may start before the last one ends).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from irdesk.domain.drill import drill_state
from irdesk.domain.fold import EscalationSummary, IncidentState
from irdesk.errors import IrdeskError
from irdesk.services.incident import ran_with
from irdesk.store import IncidentRecord, Journal


@dataclass(frozen=True)
class BoardRow:
    incident_id: str
    commander: str
    escalation: EscalationSummary | None  # None for a drill (its timers run on its own clock)
    unacknowledged_injects: int = 0


@dataclass
class Board:
    path: Path
    _states: dict[str, IncidentState | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rows(self, records: list[IncidentRecord], now: datetime) -> dict[str, BoardRow]:
        """A row for each record that is not closed (the others are forgotten)."""
        with self._lock:
            return self._rows(records, now)

    def _rows(self, records: list[IncidentRecord], now: datetime) -> dict[str, BoardRow]:
        wanted = [r for r in records if r.status != "closed"]
        keep = {r.id for r in wanted}
        for gone in set(self._states) - keep:
            del self._states[gone]
        found: dict[str, BoardRow] = {}
        if not wanted:
            return found
        with Journal.open(self.path, readonly=True) as journal:
            for record in wanted:
                state = self._state(journal, record)
                if state is not None:
                    found[record.id] = _row(state, now)
        return found

    def _state(self, journal: Journal, record: IncidentRecord) -> IncidentState | None:
        if record.id not in self._states:
            try:
                _, playbook, scenario = ran_with(journal, record.id, None)
            except (IrdeskError, KeyError):
                self._states[record.id] = None  # its playbook is not in the journal
                return None
            self._states[record.id] = IncidentState(playbook, scenario)
        state = self._states[record.id]
        if state is not None and state.last_seq < record.last_seq:
            # only folded, then dropped: the chain's fields are not read
            for entry in journal.entries(record.id, after_seq=state.last_seq, chain_fields=False):
                state.apply(entry)
        return state


def _row(state: IncidentState, now: datetime) -> BoardRow:
    drill = drill_state(state)
    return BoardRow(
        state.incident_id,
        state.roles.get("commander", ""),
        None if drill is not None else state.escalation_summary(now),
        len(drill.unacknowledged) if drill is not None else 0,
    )
