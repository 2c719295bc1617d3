"""A whole incident worked through the services, for the replay tests (services/ and
tui/): the journal it leaves and the live state after every entry."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from irdesk.domain.clock import FixedClock
from irdesk.domain.drill import drill_state, expectation_views, inject_views, objective_ratings
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


@dataclass(frozen=True)
class Seen:
    """What the facilitator's desk showed right after one entry: the exercise clock, the
    injects, the expectations and the ratings, at that moment."""

    at: datetime
    exercise: timedelta
    injects: list
    expectations: list
    ratings: list


def seen(state: IncidentState, now: datetime) -> Seen:
    found = drill_state(state)
    assert found is not None
    # a copy: the views hold the state's own (mutable) inject records
    return copy.deepcopy(
        Seen(
            now,
            found.exercise_elapsed(now),
            inject_views(state, now),
            expectation_views(state, now),
            objective_ratings(state, now),
        ),
        {id(state.scenario): state.scenario},
    )


def script_drill(path: Path, catalog: Catalog) -> tuple[Path, str, dict[int, Seen]]:
    """A drill run through the facilitator's services at 1x and 5x, with pauses, a quit,
    a hand mark, an ending and a hot wash: what the desk showed after every entry."""
    clock = FixedClock()
    journal = Journal.open(path, clock=clock)
    desk = Desk(journal, catalog=catalog, clock=clock, actor="fay")
    session = desk.start_drill(catalog.scenarios["ttx-ceo-phish"])
    live: dict[int, Seen] = {}

    def snap() -> None:
        session.refresh()
        live[session.state.last_seq] = seen(session.state, clock.now())

    def tick(seconds: float) -> None:
        clock.advance(seconds)
        session.deliver_due()

    actions = [
        session.start_clock,
        lambda: tick(30),
        lambda: session.acknowledge_inject("first-report"),
        lambda: session.complete(session.state.current),
        lambda: session.set_speed(5),
        lambda: tick(60),
        lambda: tick(60),
        session.pause_for_closing,
        lambda: clock.advance(120),
        session.resume,
        lambda: tick(45),
        lambda: session.mark_expectation("first-report", 1, "missed", "only half triaged"),
        lambda: session.deliver_next_now("supplier-calls"),
        lambda: tick(90),
        session.end_drill,
        lambda: session.answer(0, "late"),
        lambda: session.feedback("Bo", "clear roles", "paging took | long"),
        lambda: session.close("exercise over"),
    ]
    snap()
    for action in actions:
        action()
        snap()
    incident_id = session.incident_id
    journal.close()
    return path, incident_id, live
