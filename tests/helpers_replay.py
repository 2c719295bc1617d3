"""A whole incident worked through the services, for the replay tests (services/ and
tui/): the journal it leaves and the live state after every entry."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

from irdesk.domain.clock import FixedClock
from irdesk.domain.fold import IncidentState
from irdesk.domain.models import Playbook
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal


def script_incident(
    path: Path, catalog: Catalog
) -> tuple[Path, Playbook, dict[int, IncidentState]]:
    """A whole incident worked through the service; the live state after every entry."""
    clock = FixedClock()
    journal = Journal.open(path, clock=clock)
    desk = Desk(journal, catalog=catalog, clock=clock, actor="ada")
    playbook = desk.catalog.playbook("account-compromise")
    session = desk.declare(
        playbook,
        title="Replay me [bold]",
        severity="SEV2",
        commander="Ada",
        detected_at=clock.now() - timedelta(minutes=30),
        backdate_reason="first alert",
    )
    live: dict[int, IncidentState] = {}

    def snap() -> None:
        live[session.state.last_seq] = copy.deepcopy(session.state)

    snap()
    first = playbook.steps[0]
    steps = [
        lambda: session.tick(first.id, 2),  # (item 0 would acknowledge the incident)
        lambda: clock.advance(60 * 25),
        lambda: session.check_timers(),  # acknowledge timer lapsed: escalation level 1
        lambda: session.note("Finance confirms no payment was made"),
        lambda: session.complete(first.id),
        lambda: clock.advance(60 * 5),
        lambda: session.skip(session.state.current, "covered by the SOC"),
        lambda: session.decide(session.state.current, 0),
        lambda: clock.advance(60 * 90),  # a long idle gap
        lambda: session.set_severity("SEV1", "an admin account was involved"),
        lambda: session.milestone("contained"),
        lambda: session.assign("scribe", "Lin"),
        lambda: session.close("contained and cleaned"),
    ]
    for action in steps:
        action()
        snap()
    journal.close()
    return path, playbook, live
