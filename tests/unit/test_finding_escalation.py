"""A finding's escalation path, worked out on paper: the levels and repeat of its
playbook's acknowledge timer, its first level due `acknowledge` after it was recorded;
else the playbook's contact point; else whoever is on call. Each level once, reminders
one at a time, nothing once it is acknowledged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from irdesk.domain.events import EventRef
from irdesk.domain.finding import ON_CALL, FindingState, due_escalations, escalation_timer
from irdesk.domain.models import EscalationLevel, Playbook, Role, Step, Timer

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ACK = timedelta(minutes=20)


def playbook(*timers: Timer) -> Playbook:
    return Playbook(
        "pb",
        "Playbook",
        "1",
        "lead",
        date(2026, 11, 1),
        "commander",
        (Role("commander", "Commander"), Role("lead", "Lead")),
        (Step("triage", "Triage", "detection"),),
        timers,
    )


PATH = Timer(
    "acknowledge",
    "Acknowledge",
    EventRef.parse("declared"),
    EventRef.parse("acknowledged"),
    timedelta(minutes=5),  # the incident's own: a finding's is its rule's acknowledge
    (
        EscalationLevel(1, "commander", timedelta(0)),
        EscalationLevel(2, "lead", timedelta(minutes=10)),
    ),
    timedelta(minutes=10),
)
OTHER = replace(PATH, id="contain", stop=EventRef.parse("contained"))


def state(**changes) -> FindingState:  # noqa: ANN003
    return replace(FindingState("FND-0001", acknowledge=ACK, recorded_at=T0), **changes)


def due(found: FindingState, pb: Playbook | None, after: timedelta) -> list[tuple]:
    return [
        (d.level, d.repeat, d.role, d.due_at - T0) for d in due_escalations(found, pb, T0 + after)
    ]


def test_the_playbooks_acknowledge_path_with_the_rules_acknowledge_time():
    pb = playbook(OTHER, PATH)
    assert due(state(), pb, ACK - timedelta(seconds=1)) == []
    assert due(state(), pb, ACK) == [(1, 0, "commander", ACK)]
    level_2 = ACK + timedelta(minutes=10)
    assert due(state(escalated={("acknowledge", 1, 0)}), pb, level_2) == [(2, 0, "lead", level_2)]
    fired = {("acknowledge", 1, 0), ("acknowledge", 2, 0)}
    hours_later = due(state(escalated=fired), pb, level_2 + timedelta(hours=1, minutes=5))
    assert hours_later == [(2, 6, "lead", level_2 + timedelta(hours=1))]  # the latest only


def test_without_an_acknowledge_timer_the_contact_point_then_nobody_more():
    timer = escalation_timer(ACK, playbook(OTHER))
    assert ([lv.role for lv in timer.escalate], timer.repeat) == (["commander"], None)
    assert due(state(escalated={("acknowledge", 1, 0)}), playbook(OTHER), timedelta(days=1)) == []


def test_without_a_playbook_whoever_is_on_call():
    assert due(state(), None, ACK) == [(1, 0, ON_CALL, ACK)]


def test_acknowledged_dismissed_or_without_acknowledge_time_never_escalates():
    for found in (state(status="acknowledged"), state(status="dismissed"), state(acknowledge=None)):
        assert due(found, playbook(PATH), timedelta(days=1)) == []
