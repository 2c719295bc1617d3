"""Replay: an incident as it was after any entry, from a journal opened read-only.

The state at the cursor is built by the same fold the live runner uses
(:meth:`IncidentState.apply`), so replay shows exactly what responders saw. Stepping
backwards restores the nearest checkpoint (a copy of the state taken every
``CHECKPOINT_EVERY`` entries, found by arithmetic: the cost of a step does not grow with
the position) and folds forward from there, so a seek to anywhere already passed costs at
most that many applies; entries are read from the journal in pages, never all at once.

A seek far beyond anything passed yet (``end`` at the start of a long incident) folds
everything in between: :meth:`Replay.far` says so, and :meth:`Replay.prepare` does that
folding on a connection of its own, in a worker thread, so that the seek itself is short.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import K
from irdesk.domain.models import Playbook, Scenario
from irdesk.services.incident import CatalogSource, ran_with
from irdesk.store import Journal

CHECKPOINT_EVERY = 500
#: a seek that folds more entries than this is long: prepare it off the screen's thread
FAR = 20 * CHECKPOINT_EVERY
#: the entries kinds that make marks (read by kind, not by reading the whole incident)
MARK_KINDS = (K.DECLARED, K.MILESTONE, K.STEP_DONE, K.DECIDED, K.ESCALATED, K.CLOSED)
SPEEDS: tuple[float | None, ...] = (1.0, 10.0, 60.0, None)  # None: as fast as possible
IDLE_GAP = timedelta(seconds=60)  # gaps longer than this can be compressed ...
COMPRESSED_GAP = timedelta(seconds=3)  # ... to this much incident time


@dataclass(frozen=True)
class Mark:
    """A place worth jumping to: a milestone, or a step finishing."""

    seq: int
    label: str
    at: datetime


class Replay:
    """The incident at a cursor (0 = before the first entry, ``total`` = the end)."""

    def __init__(
        self,
        journal: Journal,
        incident_id: str,
        playbook: Playbook,
        scenario: Scenario | None = None,
    ) -> None:
        self.journal = journal
        self.incident_id = incident_id
        self.playbook = playbook
        self.scenario = scenario
        self.total = journal.entry_count(incident_id)
        self.state = IncidentState(playbook, scenario)
        # checkpoint k: the state after entry k * CHECKPOINT_EVERY, for every k up to the
        # furthest entry folded so far (by this thread or by prepare()'s)
        self._checkpoints: list[IncidentState] = [self._copy(self.state)]
        self._keeping = threading.Lock()
        self._entry_cache: dict[int, Entry] = {}
        self._virtual: datetime | None = None
        if self.total:
            self.seek(1)

    # ----------------------------------------------------------------- cursor
    @property
    def cursor(self) -> int:
        return self.state.last_seq

    def seek(self, seq: int) -> IncidentState:
        """Move the cursor to just after entry ``seq`` (clamped to 0..total)."""
        seq = max(0, min(seq, self.total))
        index = self._nearest(seq)
        if seq < self.state.last_seq or index * CHECKPOINT_EVERY > self.state.last_seq:
            self.state = self._copy(self._checkpoints[index])
        if seq > self.state.last_seq:
            self._fold(self.state, self.journal, seq)
        self._virtual = None
        return self.state

    def far(self, seq: int) -> bool:
        """Whether :meth:`seek` to ``seq`` would fold more than FAR entries (then
        :meth:`prepare` it in a worker first)."""
        seq = max(0, min(seq, self.total))
        start = self._nearest(seq) * CHECKPOINT_EVERY
        if start <= self.state.last_seq <= seq:
            start = self.state.last_seq
        return seq - start > FAR

    def prepare(self, seq: int, *, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Fold as far as ``seq`` on a read-only connection of its own, keeping checkpoints
        on the way, so that :meth:`seek` to ``seq`` then costs at most CHECKPOINT_EVERY
        applies. For a worker thread: it leaves the cursor, the state and the replay's own
        connection alone (a connection stays in the thread that opened it). ``cancelled``
        is asked every thousand entries; True stops the folding (what is kept stays)."""
        seq = max(0, min(seq, self.total))
        state = self._copy(self._checkpoints[self._nearest(seq)])
        if seq - state.last_seq <= CHECKPOINT_EVERY:
            return
        with Journal.open(self.journal.path, readonly=True, create=False) as journal:
            self._fold(state, journal, seq, cancelled)

    def _nearest(self, seq: int) -> int:
        """The index of the checkpoint nearest before entry ``seq``."""
        return min(seq // CHECKPOINT_EVERY, len(self._checkpoints) - 1)

    def _fold(
        self,
        state: IncidentState,
        journal: Journal,
        seq: int,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        """Apply the entries after ``state`` up to ``seq``, keeping a checkpoint at every
        multiple of CHECKPOINT_EVERY that is not kept yet."""
        every = CHECKPOINT_EVERY
        entries = journal.entries(self.incident_id, after_seq=state.last_seq, until_seq=seq)
        for entry in entries:
            state.apply(entry)
            if entry.seq % every == 0:
                with self._keeping:
                    if entry.seq // every == len(self._checkpoints):
                        self._checkpoints.append(self._copy(state))
                if cancelled is not None and entry.seq % (2 * every) == 0 and cancelled():
                    return

    def _copy(self, state: IncidentState) -> IncidentState:
        """A deep copy that shares the (frozen) playbook and scenario."""
        return copy.deepcopy(
            state, {id(self.playbook): self.playbook, id(self.scenario): self.scenario}
        )

    def step(self, delta: int) -> IncidentState:
        target = self.cursor + delta
        if delta > 0 and self.entry(target) is None:  # a gap: on to the entry after it
            following = self._following(target)
            target = following.seq if following is not None else self.total
        return self.seek(target)

    def entry(self, seq: int) -> Entry | None:
        if seq < 1 or seq > self.total:
            return None
        cached = self._entry_cache.get(seq)
        if cached is None:
            cached = self.journal.get_entry(self.incident_id, seq)
            if cached is None:
                return None
            if len(self._entry_cache) > 2048:
                self._entry_cache.clear()
            self._entry_cache[seq] = cached
        return cached

    def _following(self, seq: int) -> Entry | None:
        """The first entry after ``seq``: entry ``seq + 1``, unless entries were deleted
        from the journal (it then does not verify, and replay still crosses the gap)."""
        entry = self.entry(seq + 1)
        if entry is None and seq + 1 < self.total:
            after = self.journal.entries(
                self.incident_id, after_seq=seq + 1, until_seq=self.total, page_size=1
            )
            entry = next(after, None)
        return entry

    def window(self, before: int, after: int) -> Iterator[Entry]:
        """Entries around the cursor, for the timeline."""
        start = max(0, self.cursor - before - 1)
        yield from self.journal.entries(
            self.incident_id, after_seq=start, until_seq=min(self.total, self.cursor + after)
        )

    # ----------------------------------------------------------------- time
    @property
    def current_entry(self) -> Entry | None:
        return self.entry(self.cursor)

    def now(self) -> datetime:
        """Incident time at the cursor: what a clock on the wall showed then."""
        if self._virtual is not None:
            return self._virtual
        entry = self.current_entry
        if entry is not None:
            return entry.recorded_at
        first = self.entry(1)
        return first.recorded_at if first else datetime.now().astimezone()

    @property
    def started_at(self) -> datetime | None:
        first = self.entry(1)
        return first.occurred_at if first else None

    def offset(self) -> timedelta:
        start = self.started_at
        return self.now() - start if start else timedelta(0)

    def advance(self, incident_seconds: float, *, compress_gaps: bool = False) -> int:
        """Play forward by some incident time; returns how many entries were passed.

        With ``compress_gaps``, an idle stretch longer than IDLE_GAP costs only
        COMPRESSED_GAP of the budget (the clock still shows the real incident time).
        """
        budget = timedelta(seconds=incident_seconds)
        passed = 0
        while self.cursor < self.total:
            nxt = self._following(self.cursor)
            if nxt is None:
                break  # the entries after the cursor were deleted
            here = self.current_entry
            full = nxt.recorded_at - here.recorded_at if here else timedelta(0)
            remaining = max(nxt.recorded_at - self.now(), timedelta(0))
            # a compressed gap costs COMPRESSED_GAP in all, spread evenly over its length
            scale = full / COMPRESSED_GAP if compress_gaps and full > IDLE_GAP else 1.0
            cost = remaining / scale
            if budget < cost:
                self._virtual = self.now() + budget * scale
                break
            budget -= cost
            self.seek(nxt.seq)
            passed += 1
        return passed

    def seek_time(self, when: datetime) -> IncidentState:
        """The cursor at the last entry recorded at or before ``when``."""
        seq = self.position_at(when)
        state = self.seek(seq)
        if self.total and seq < self.total:
            self._virtual = max(when, self.now())
        return state

    def position_at(self, when: datetime) -> int:
        """The last entry recorded at or before ``when`` (0 if none): where
        :meth:`seek_time` puts the cursor."""
        low, high = 0, self.total
        while low < high:  # binary search on recorded_at (monotonic in seq)
            mid = (low + high + 1) // 2
            probe = self.entry(mid) or self._following(mid)  # mid may have been deleted
            if probe is not None and probe.recorded_at <= when:
                low = mid
            else:
                high = mid - 1
        return low

    # ----------------------------------------------------------------- marks
    def marks(self) -> list[Mark]:
        """Milestones, finished steps, escalations and the close, in journal order (read by
        kind: the rest of the incident is not read)."""
        found: list[Mark] = []
        for entry in self.journal.entries_by_kind(MARK_KINDS, incident_id=self.incident_id):
            if entry.seq > self.total:
                break  # written after this replay was opened
            if entry.kind == K.DECLARED:
                found.append(Mark(entry.seq, "declared", entry.occurred_at))
            elif entry.kind == K.MILESTONE and entry.payload.get("name") in MILESTONES:
                found.append(
                    Mark(entry.seq, f"milestone {entry.payload['name']}", entry.occurred_at)
                )
            elif entry.kind in (K.STEP_DONE, K.DECIDED) and entry.payload.get("marks"):
                found.append(
                    Mark(entry.seq, f"milestone {entry.payload['marks']}", entry.occurred_at)
                )
            elif entry.kind == K.ESCALATED:
                found.append(
                    Mark(
                        entry.seq,
                        f"escalation {entry.payload.get('timer')} "
                        f"level {entry.payload.get('level')}",
                        entry.occurred_at,
                    )
                )
            elif entry.kind == K.CLOSED:
                found.append(Mark(entry.seq, "closed", entry.occurred_at))
        return found


def open_replay(path: Path | str, incident_id: str, catalog: CatalogSource = None) -> Replay:
    """Open ``incident_id`` from the journal at ``path`` read-only, with its own playbook.

    Raises JournalError (bad journal), UnknownIncident (no such incident) or NotFound (the
    playbook is neither in the journal nor in the catalog).
    """
    journal = Journal.open(path, readonly=True, create=False)
    try:
        _, playbook, scenario = ran_with(journal, incident_id, catalog)
    except BaseException:
        journal.close()
        raise
    return Replay(journal, incident_id, playbook, scenario)


def chain_problem(path: Path | str, incident_id: str) -> str | None:
    """Verify the incident's chain on a connection of its own; a sentence if it is broken."""
    with Journal.open(path, readonly=True, create=False) as journal:
        report = journal.verify(incident_id)
    if report.ok:
        return None
    first = report.problems[0]
    return first.message
