"""The incident fold, driven by hand-made entries: no store, no terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from irdesk.domain.entry import Entry
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import ActionError, K
from irdesk.formats.loader import load_playbook

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLAYBOOK = load_playbook(Path(__file__).resolve().parents[1] / "fixtures_domain" / "mini.yaml")


class Script:
    """Builds entries in sequence, minute by minute."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.at = T0
        self.add(K.DECLARED, title="Test", severity="SEV2", commander="Ada")

    def add(
        self,
        kind: str,
        *,
        minutes: float = 0,
        occurred: datetime | None = None,
        backdate: str | None = None,
        actor: str = "ada",
        **payload,
    ) -> Entry:
        self.at = self.at + timedelta(minutes=minutes)
        entry = Entry(
            incident_id="INC-0001",
            seq=len(self.entries) + 1,
            uid=f"u{len(self.entries)}",
            kind=kind,
            actor=actor,
            occurred_at=occurred or self.at,
            recorded_at=self.at,
            payload=payload,
            backdate_reason=backdate,
        )
        self.entries.append(entry)
        return entry

    def state(self) -> IncidentState:
        return IncidentState.fold(PLAYBOOK, self.entries)


def test_declaration_activates_the_first_step_and_records_declared():
    state = Script().state()
    assert state.current == "triage"
    assert state.steps["triage"].status == "active"
    assert state.milestones["declared"].at == T0
    assert state.roles == {"commander": "Ada"}
    assert state.events["step:triage:started"] == T0


def test_done_moves_the_pointer_and_records_marks():
    s = Script()
    s.add(K.STEP_DONE, minutes=5, step="triage", marks="acknowledged")
    state = s.state()
    assert state.steps["triage"].status == "done"
    assert state.current == "active"
    assert state.milestones["acknowledged"].via_step == "triage"
    assert state.events["step:triage:done"] == T0 + timedelta(minutes=5)


def test_decision_branches_the_path():
    s = Script()
    s.add(K.STEP_DONE, minutes=1, step="triage")
    s.add(K.DECIDED, minutes=1, step="active", option=1, label="No", next="preserve")
    state = s.state()
    assert state.current == "preserve"
    assert state.steps["revoke"].status == "pending"
    assert state.path == ["triage", "active", "preserve"]
    assert state.steps["active"].decision == (1, "No", "preserve")


def test_skip_records_reason_and_moves_on():
    s = Script()
    s.add(K.STEP_SKIPPED, minutes=1, step="triage", reason="reported by the SOC directly")
    state = s.state()
    assert state.steps["triage"].status == "skipped"
    assert state.steps["triage"].skip_reason == "reported by the SOC directly"
    assert state.current == "active"
    assert "step:triage:done" not in state.events


def test_out_of_order_step_is_passed_over_when_the_pointer_arrives():
    s = Script()
    s.add(K.STEP_DONE, minutes=1, step="preserve")  # done early, in parallel
    s.add(K.STEP_DONE, minutes=1, step="triage")
    s.add(K.DECIDED, minutes=1, step="active", option=1, label="No", next="preserve")
    state = s.state()
    assert state.steps["preserve"].status == "done"
    assert state.current == "recheck"


def test_loop_revisits_a_finished_step_as_a_new_visit():
    s = Script()
    s.add(K.STEP_DONE, minutes=1, step="triage")
    s.add(K.DECIDED, minutes=1, step="active", option=1, label="No", next="preserve")
    s.add(K.STEP_DONE, minutes=1, step="preserve")
    s.add(K.DECIDED, minutes=1, step="recheck", option=1, label="Look again", next="preserve")
    state = s.state()
    assert state.current == "preserve"
    assert state.steps["preserve"].status == "active"
    assert state.steps["preserve"].visits == 2


def test_ticks_and_unticks():
    s = Script()
    s.add(K.TICKED, step="triage", item=0)
    s.add(K.TICKED, step="triage", item=1, evidence="mail.eml in case folder")
    s.add(K.UNTICKED, step="triage", item=0)
    ticks = s.state().steps["triage"].ticks
    assert list(ticks) == [1]
    assert ticks[1].evidence == "mail.eml in case folder"


def test_backdated_milestone_keeps_occurred_and_reason():
    s = Script()
    earlier = T0 - timedelta(hours=2)
    s.add(K.MILESTONE, minutes=3, occurred=earlier, backdate="first SIEM alert", name="detected")
    m = s.state().milestones["detected"]
    assert m.at == earlier
    assert m.recorded_at == T0 + timedelta(minutes=3)
    assert m.backdate_reason == "first SIEM alert"


def test_path_end_leaves_no_current_step():
    s = Script()
    s.add(K.STEP_DONE, step="triage")
    s.add(K.DECIDED, step="active", option=1, label="No", next="preserve")
    s.add(K.STEP_DONE, step="preserve")
    s.add(K.DECIDED, step="recheck", option=0, label="Clean", next="lessons")
    s.add(K.STEP_DONE, step="lessons", marks="resolved")
    state = s.state()
    assert state.current is None
    assert "resolved" in state.milestones


def test_a_step_marking_closed_closes_the_incident():
    s = Script()
    s.add(K.STEP_DONE, minutes=2, step="triage", marks="closed")
    state = s.state()
    assert state.closed and state.closed_at == T0 + timedelta(minutes=2)
    with pytest.raises(ActionError):
        state.check_open()


class TestTimers:
    def test_running_then_lapsed(self):
        state = Script().state()
        view = state.timer_view(PLAYBOOK.timers[0], T0 + timedelta(minutes=5))
        assert view.state == "running" and view.remaining == timedelta(minutes=15)
        view = state.timer_view(PLAYBOOK.timers[0], T0 + timedelta(minutes=21))
        assert view.state == "lapsed"

    def test_waiting_until_start_event(self):
        state = Script().state()
        assert state.timer_view(PLAYBOOK.timers[1], T0).state == "waiting"

    def test_met_and_late(self):
        s = Script()
        s.add(K.STEP_DONE, minutes=10, step="triage", marks="acknowledged")
        assert s.state().timer_view(PLAYBOOK.timers[0], T0 + timedelta(hours=1)).state == "met"
        s = Script()
        s.add(K.STEP_DONE, minutes=25, step="triage", marks="acknowledged")
        assert s.state().timer_view(PLAYBOOK.timers[0], T0 + timedelta(hours=1)).state == "late"

    def test_a_stop_backdated_before_the_start_meets_the_timer(self):
        """contained backdated to before acknowledged (the attacker was cut off before
        anyone typed the ack): the containment timer is met, not left running to page
        people about something already done."""
        s = Script()
        s.add(K.MILESTONE, minutes=5, name="acknowledged")
        s.add(
            K.MILESTONE,
            minutes=1,
            name="contained",
            occurred=T0 + timedelta(minutes=4, seconds=30),
            backdate="revoked before the ack was typed",
        )
        state = s.state()
        contain = next(t for t in PLAYBOOK.timers if t.id == "contain")
        view = state.timer_view(contain, T0 + timedelta(hours=3))
        assert view.state == "met"
        assert view.stopped_at == T0 + timedelta(minutes=4, seconds=30)
        assert view.remaining == contain.within
        assert state.due_escalations(T0 + timedelta(hours=3)) == []

    def test_escalation_levels_fire_in_order_then_repeat(self):
        state = Script().state()
        assert state.due_escalations(T0 + timedelta(minutes=19)) == []
        due = state.due_escalations(T0 + timedelta(minutes=20))
        assert [(d.level, d.repeat, d.role) for d in due] == [(1, 0, "commander")]
        due = state.due_escalations(T0 + timedelta(minutes=30))
        assert [(d.level, d.repeat) for d in due] == [(1, 0), (2, 0)]
        # 25 minutes after level 2 fired: only the latest reminder is due, not a burst
        due = state.due_escalations(T0 + timedelta(minutes=55))
        assert [(d.level, d.repeat) for d in due] == [(1, 0), (2, 0), (2, 2)]

    def test_fired_escalations_are_not_due_again(self):
        s = Script()
        s.add(
            K.ESCALATED,
            minutes=20,
            timer="acknowledge",
            level=1,
            repeat=0,
            role="commander",
            people=["Ada"],
        )
        state = s.state()
        due = state.due_escalations(T0 + timedelta(minutes=25))
        assert due == []

    def test_acknowledging_ends_the_escalation_path(self):
        s = Script()
        s.add(K.ESCALATED, minutes=20, timer="acknowledge", level=1, repeat=0, role="commander")
        s.add(K.ESCALATION_ACK, minutes=2, timer="acknowledge", level=1, milestone="acknowledged")
        state = s.state()
        assert state.escalations[0].acknowledged_by == "ada"
        assert "acknowledged" in state.milestones
        assert state.due_escalations(T0 + timedelta(hours=2)) == []
        assert state.timer_view(PLAYBOOK.timers[0], T0 + timedelta(hours=2)).state == "late"

    def test_closed_incident_has_nothing_due(self):
        s = Script()
        s.add(K.CLOSED, minutes=1)
        assert s.state().due_escalations(T0 + timedelta(hours=3)) == []


class TestChecks:
    def test_decision_cannot_be_done_or_skipped(self):
        s = Script()
        s.add(K.STEP_DONE, step="triage")
        state = s.state()
        with pytest.raises(ActionError, match="decision"):
            state.check_done("active")
        with pytest.raises(ActionError, match="cannot be skipped"):
            state.check_skip("active", "no time")

    def test_skip_needs_reason(self):
        with pytest.raises(ActionError, match="reason"):
            Script().state().check_skip("triage", "  ")

    def test_finished_step_cannot_be_finished_again(self):
        s = Script()
        s.add(K.STEP_DONE, step="triage")
        with pytest.raises(ActionError, match="already done"):
            s.state().check_done("triage")

    def test_unknown_step_and_item(self):
        state = Script().state()
        with pytest.raises(ActionError, match="no step"):
            state.check_done("nope")
        with pytest.raises(ActionError, match="no checklist item 3"):
            state.check_tick("triage", 2)


def test_every_prefix_folds_incrementally_the_same_as_from_scratch():
    s = Script()
    s.add(K.TICKED, step="triage", item=0)
    s.add(K.STEP_DONE, minutes=3, step="triage", marks="acknowledged")
    s.add(K.DECIDED, minutes=3, step="active", option=0, label="Yes", next="revoke")
    s.add(K.NOTE, text="[bold]not markup[/bold]")
    s.add(K.STEP_DONE, minutes=3, step="revoke", marks="contained")
    incremental = IncidentState(PLAYBOOK)
    for n, entry in enumerate(s.entries, start=1):
        incremental.apply(entry)
        scratch = IncidentState.fold(PLAYBOOK, s.entries[:n])
        assert incremental == scratch


def test_local_when_shows_the_date_only_for_other_days():
    from irdesk.domain.clock import local_when

    assert local_when(T0 + timedelta(hours=2), T0 + timedelta(hours=3)) == "11:00:00"
    assert local_when(T0 - timedelta(days=1), T0) == "Nov 22 09:00"
    assert local_when(T0 - timedelta(days=400), T0) == "2025-10-19 09:00"


def test_a_steps_marks_never_moves_a_recorded_milestone_but_a_hand_entry_does():
    s = Script()
    s.add(K.ESCALATION_ACK, minutes=5, timer="acknowledge", level=1, milestone="acknowledged")
    s.add(K.STEP_DONE, minutes=10, step="triage", marks="acknowledged")
    state = s.state()
    assert state.milestones["acknowledged"].at == T0 + timedelta(minutes=5)
    assert state.milestones["acknowledged"].via_step is None
    s.add(K.MILESTONE, minutes=1, name="acknowledged")  # a correction by hand
    assert s.state().milestones["acknowledged"].at == T0 + timedelta(minutes=16)


def test_the_report_says_a_stop_came_before_the_clock_started():
    from irdesk.report.model import TimerRow

    row = TimerRow(
        "contain",
        "Contain",
        "acknowledged",
        "contained",
        timedelta(hours=1),
        "met",
        T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=65),
        T0 + timedelta(minutes=4, seconds=30),
        False,
        (),
    )
    assert row.outcome == "met: 'contained' 30s before 'acknowledged' started the clock"
