"""The desk: what the front ends need, gathered (journal, catalog, roster, clock, actor),
and where incidents and drills are declared and opened as sessions.

The playbooks, the sessions and the domain behind them are imported on first use: the
home screen paints its first frame from the journal alone, before any of that is loaded
(and before any YAML is parsed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from irdesk.domain.clock import Clock, SystemClock
from irdesk.services import heartbeat
from irdesk.services.actor import default_actor
from irdesk.store import IncidentRecord, Journal

if TYPE_CHECKING:
    from irdesk.domain.models import Playbook, Roster, Scenario
    from irdesk.formats.catalog import Catalog
    from irdesk.formats.loader import FileResult
    from irdesk.services.drill import DrillSession
    from irdesk.services.incident import IncidentSession, WhyLate


@dataclass(frozen=True)
class Newest:
    """The incidents home lists, newest first, read with bounded queries: the screen costs
    the same with a thousand incidents as with a hundred thousand."""

    open: tuple[IncidentRecord, ...]
    closed: tuple[IncidentRecord, ...]
    #: whether there are open incidents beyond those listed
    more_open: bool


class Desk:
    """What the app needs, gathered: journal, playbooks and scenarios, roster, clock, actor."""

    def __init__(
        self,
        journal: Journal,
        *,
        catalog: Catalog | None = None,
        sources: Sequence[tuple[Path, bool]] | None = None,
        roster: Roster | None = None,
        roster_path: Path | None = None,
        clock: Clock | None = None,
        actor: str | None = None,
        firer: str = "screen",
    ) -> None:
        """Without ``catalog``, the playbooks and scenarios are loaded on first use, from
        ``sources`` (folders or files, and whether each is bundled content; by default the
        bundled content, then the user's own), and from them again on :meth:`reload`; with
        ``roster_path`` (and no ``roster``), so is the roster. The home screen uses this to
        paint before any YAML is parsed."""
        self.journal = journal
        self._catalog = catalog
        self.sources = sources
        self._roster = roster
        self._roster_path = roster_path if roster is None else None
        self.roster_result: FileResult | None = None  # the roster file's problems, if any
        self.clock = clock or SystemClock()
        self.actor = actor or default_actor()
        self.firer = firer  # what fires escalations in sessions opened here
        # how a late escalation is explained: the watcher sets its own; a screen reads
        # the watchers' heartbeats in the journal the desk has now (it may reconnect)
        self.why_late: WhyLate | None = self._screen_why_late

    def _screen_why_late(self, due_at: datetime, now: datetime) -> str:
        from irdesk.domain.watching import why_late

        return why_late(heartbeat.beats(self.journal), due_at, now, None)

    def newest(self, *, open_limit: int, closed_limit: int) -> Newest:
        """What home lists: at most ``open_limit`` open incidents and drills and
        ``closed_limit`` closed ones (the most recently opened), newest first."""
        open_ones = self.journal.incidents(closed=False, limit=open_limit + 1)
        closed = self.journal.incidents(closed=True, limit=closed_limit)
        return Newest(tuple(open_ones[:open_limit]), tuple(closed), len(open_ones) > open_limit)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            from irdesk.formats.catalog import Catalog

            self._catalog = Catalog.load(self.sources)
        return self._catalog

    @catalog.setter
    def catalog(self, value: Catalog) -> None:
        self._catalog = value

    @property
    def roster(self) -> Roster | None:
        if self._roster_path is not None:
            from irdesk.formats.catalog import load_roster_or_none

            path, self._roster_path = self._roster_path, None
            self._roster, self.roster_result = load_roster_or_none(path)
        return self._roster

    @roster.setter
    def roster(self, value: Roster | None) -> None:
        self._roster, self._roster_path = value, None

    @property
    def roster_problem(self) -> str | None:
        """Why the roster file is not used (it did not load, or others could have written
        it); None when it loaded or there is none. Escalations journal this reason instead
        of paging."""
        _ = self.roster
        result = self.roster_result
        if result is None or result.ok:
            return None
        first = result.errors[0] if result.errors else None
        return f"the roster was not loaded: {first.message if first else result.path}"

    @property
    def loaded(self) -> bool:
        """True once the catalog and roster are in memory (no file will be read)."""
        return self._catalog is not None and self._roster_path is None

    def load(self) -> None:
        """Read the catalog and the roster now (the home screen calls this in a worker)."""
        _ = self.catalog, self.roster

    def reload(self, roster_path: Path) -> None:
        """Read the playbooks, scenarios and the roster at ``roster_path`` again (f5)."""
        self._catalog, self._roster, self._roster_path = None, None, roster_path
        self.roster_result = None
        self.load()

    def reconnect(self, *, timeout: float) -> None:
        """Open the journal again with another write-lock timeout, and close the connection
        the desk had. The desk on screen waits for the lock in short tries and says so
        between them (irdesk.tui.writes); the journal's warnings are kept."""
        old = self.journal
        journal = Journal.open(old.path, clock=old.clock, timeout=timeout)
        journal.warnings[:0] = [w for w in old.warnings if w not in journal.warnings]
        self.journal = journal
        old.close()

    def declare(
        self,
        playbook: Playbook,
        *,
        title: str,
        severity: str | None = None,
        commander: str | None = None,
        detected_at: datetime | None = None,
        started_at: datetime | None = None,
        backdate_reason: str | None = None,
        mode: str = "live",
        scenario: Scenario | None = None,
        extra: dict[str, Any] | None = None,
    ) -> IncidentSession:
        """Open an incident: one transaction for the declaration, then optional milestones."""
        from irdesk.domain.incident import ActionError
        from irdesk.domain.notify import check_name
        from irdesk.services.incident import BACKDATE_SLACK

        title = title.strip()
        if not title:
            raise ActionError("an incident needs a title")
        severity = severity or playbook.severities[min(1, len(playbook.severities) - 1)]
        if severity not in playbook.severities:
            raise ActionError(
                f"unknown severity {severity!r}; one of: {', '.join(playbook.severities)}"
            )
        now = self.clock.now()
        for label, when in (("detected", detected_at), ("impact started", started_at)):
            if when is not None and when > now + BACKDATE_SLACK:
                raise ActionError(f"the {label} time is in the future")
        if (detected_at or started_at) and not (backdate_reason or "").strip():
            raise ActionError("times before now need a reason (how do we know?)")
        commander = check_name((commander or "").strip() or self.actor)
        payload = {
            "commander": commander,
            "playbook_title": playbook.title,
            "playbook_source": playbook.source.text if playbook.source else None,
            **(extra or {}),
        }
        if scenario is not None:
            payload["scenario_title"] = scenario.title
            payload["scenario_source"] = scenario.source.text if scenario.source else None
        record = self.journal.create_incident(
            mode=mode,
            title=title,
            severity=severity,
            playbook_id=playbook.id,
            playbook_version=playbook.version,
            playbook_sha256=playbook.source.sha256 if playbook.source else "",
            scenario_id=scenario.id if scenario else None,
            scenario_sha256=scenario.source.sha256 if scenario and scenario.source else None,
            actor=self.actor,
            role="commander" if commander == self.actor else None,
            payload=payload,
        )
        session = self.session(record.id, playbook=playbook, scenario=scenario)
        if started_at is not None:
            session.milestone("started", occurred_at=started_at, reason=backdate_reason)
        if detected_at is not None:
            session.milestone("detected", occurred_at=detected_at, reason=backdate_reason)
        elif mode == "live":
            pass  # detection time unknown: the report says "not recorded" rather than guess
        return session

    def session(
        self,
        incident_id: str,
        *,
        playbook: Playbook | None = None,
        scenario: Scenario | None = None,
    ) -> IncidentSession:
        from irdesk.services.drill import DrillSession
        from irdesk.services.incident import IncidentSession, ran_with, record_of

        if playbook is None:
            # the catalog only if the journal has no copy of the playbook
            record, playbook, found = ran_with(self.journal, incident_id, lambda: self.catalog)
            scenario = found if scenario is None else scenario
        else:
            record = record_of(self.journal, incident_id)
        cls = DrillSession if record.mode == "drill" else IncidentSession
        return cls(
            self.journal,
            incident_id,
            playbook,
            roster=self.roster,
            clock=self.clock,
            actor=self.actor,
            scenario=scenario,
            roster_problem=self.roster_problem,
            firer=self.firer,
            why_late=self.why_late,
        )

    def start_drill(
        self,
        scenario: Scenario,
        *,
        title: str | None = None,
        commander: str | None = None,
        severity: str | None = None,
    ) -> DrillSession:
        """Declare a drill on ``scenario`` (mode ``drill``); the clock is not started yet.

        Raises :class:`irdesk.formats.catalog.NotFound` when the scenario's playbook cannot
        be found, :class:`ActionError` when the declaration makes no sense.
        """
        from irdesk.services.drill import TITLE_PREFIX, DrillSession

        playbook = self.catalog.playbook_for(scenario)
        title = (title or "").strip() or f"{TITLE_PREFIX}{scenario.title}"
        session = self.declare(
            playbook,
            title=title,
            severity=severity,
            commander=commander,
            mode="drill",
            scenario=scenario,
        )
        assert isinstance(session, DrillSession)
        return session

    def open_drill(self, incident_id: str) -> DrillSession:
        """Reopen a drill from the journal (:class:`UnknownIncident`, a KeyError, when the
        journal has no such incident)."""
        from irdesk.domain.incident import ActionError
        from irdesk.services.drill import DrillSession

        session = self.session(incident_id)
        if not isinstance(session, DrillSession):
            raise ActionError(f"{incident_id} is a live incident, not a drill")
        return session
