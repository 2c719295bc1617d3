"""Acknowledging an incident works at any time (issue 12): before a timer lapsed, after
one escalated, and by ticking the checklist item that marks ``acknowledged``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import ActionError, K
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def desk(tmp_path: Path, clock: FixedClock):
    journal = Journal.open(tmp_path / "j.db", clock=clock)
    yield Desk(journal, catalog=Catalog.load(), clock=clock, actor="Ada Moreno")
    journal.close()


def _ack_timer(session):
    return next(v for v in session.state.timers(session.now()) if v.timer.id == "acknowledge")


@pytest.mark.parametrize("playbook", sorted(Catalog.load().playbooks))
def test_ticking_the_item_that_marks_acknowledgement_stops_the_clock(desk, clock, playbook):
    session = desk.declare(desk.catalog.playbook(playbook), title="t", severity="SEV2")
    clock.advance(timedelta(minutes=4))
    marked = [
        (step.id, i)
        for step in session.playbook.steps
        for i, item in enumerate(step.checklist)
        if item.marks == "acknowledged"
    ]
    assert len(marked) == 1, "each bundled playbook marks acknowledgement on one item"
    step_id, item = marked[0]
    entry = session.tick(step_id, item)
    assert entry.payload["marks"] == "acknowledged"
    assert session.state.milestones["acknowledged"].at == clock.now()
    view = _ack_timer(session)
    assert (view.state, view.stopped_at) == ("met", clock.now())
    clock.advance(timedelta(hours=2))
    fired = session.check_timers()
    assert all(o.entry.payload["timer"] != "acknowledge" for o in fired)


def test_acknowledge_before_any_timer_lapsed(desk, clock):
    session = desk.declare(desk.catalog.playbook("ransomware"), title="t", severity="SEV1")
    clock.advance(timedelta(minutes=2))
    entry = session.acknowledge()
    assert entry.kind == K.ESCALATION_ACK
    assert entry.payload == {"timers": [], "milestone": "acknowledged"}
    assert session.state.milestones["acknowledged"].actor == "Ada Moreno"
    assert _ack_timer(session).state == "met"
    with pytest.raises(ActionError, match="already acknowledged \\(by Ada Moreno\\)"):
        session.acknowledge()


def test_acknowledge_after_escalations_acknowledges_them_all(desk, clock):
    session = desk.declare(desk.catalog.playbook("account-compromise"), title="t")
    clock.advance(timedelta(minutes=31))
    session.check_timers()
    assert {e.level for e in session.state.escalations} == {1, 2}
    entry = session.acknowledge()
    assert entry.payload == {"timers": ["acknowledge"], "milestone": "acknowledged"}
    assert all(e.acknowledged_by == "Ada Moreno" for e in session.state.escalations)
    assert _ack_timer(session).state == "late"


def test_a_ticked_item_never_moves_a_recorded_acknowledgement(desk, clock):
    session = desk.declare(desk.catalog.playbook("account-compromise"), title="t")
    session.acknowledge()
    at = clock.now()
    clock.advance(timedelta(minutes=5))
    step = session.playbook.steps[0]
    item = next(i for i, c in enumerate(step.checklist) if c.marks)
    assert "marks" not in session.tick(step.id, item).payload
    assert session.state.milestones["acknowledged"].at == at


def test_an_unknown_timer_is_refused_with_the_known_ones(desk):
    session = desk.declare(desk.catalog.playbook("account-compromise"), title="t")
    with pytest.raises(ActionError, match="no timer 'ack'"):
        session.acknowledge("ack")


def test_a_finished_step_never_claims_a_milestone_already_recorded(desk, clock):
    """A step that marks ``contained`` after the milestone was recorded by hand: its entry
    leaves the milestone out, so no view says the step moved it."""
    from irdesk.domain.describe import describe

    session = desk.declare(desk.catalog.playbook("account-compromise"), title="t")
    session.milestone("contained")
    at = clock.now()
    clock.advance(timedelta(minutes=5))
    marking = next(s for s in session.playbook.steps if s.marks == "contained")
    while session.state.current != marking.id:
        current = session.playbook.step(session.state.current)
        if current.decision:
            session.decide(current.id, 0)
        else:
            session.complete(current.id)
    done = session.complete(marking.id)
    assert "marks" not in done.payload
    assert "milestone" not in describe(done)
    assert session.state.milestones["contained"].at == at
