"""The drill engine as a pure fold: scripted drills from hand-made entries, no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from irdesk.domain.describe import describe, label
from irdesk.domain.drill import (
    DK,
    RATING_RULE,
    RATINGS,
    DrillState,
    drill_state,
    due_injects,
    expectation_views,
    inject_views,
    next_inject,
    objective_ratings,
    rate,
)
from irdesk.domain.entry import Entry
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import K
from irdesk.formats.catalog import Catalog

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures_drill"
_CATALOG = Catalog.load([(FIXTURES, False)])
SCENARIO = _CATALOG.scenarios["drill-mini"]
PLAYBOOK = _CATALOG.playbooks["drill-mini-pb"]


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


class Drill:
    """Builds a drill's entries on a wall clock that moves only when told to.

    ``run`` advances the wall clock in small ticks and, at each tick, journals what
    ``due_injects`` says is due, as the service does when the screen polls it.
    """

    def __init__(self, *, mode: str = "drill") -> None:
        self.entries: list[Entry] = []
        self.at = T0
        self.add(
            K.DECLARED,
            title="Drill: Mini drill",
            severity="SEV2",
            mode=mode,
            scenario_id="drill-mini",
            commander="Ada",
        )

    def add(self, kind: str, actor: str = "fac", **payload) -> Entry:
        entry = Entry(
            incident_id="DRL-0001",
            seq=len(self.entries) + 1,
            uid=f"u{len(self.entries)}",
            kind=kind,
            actor=actor,
            occurred_at=self.at,
            recorded_at=self.at,
            payload=payload,
        )
        self.entries.append(entry)
        return entry

    def state(self) -> IncidentState:
        return IncidentState.fold(PLAYBOOK, self.entries, SCENARIO)

    @property
    def drill(self) -> DrillState:
        found = drill_state(self.state())
        assert found is not None
        return found

    def wait(self, minutes: float) -> None:
        self.at += m(minutes)

    def poll(self) -> list[str]:
        """Journal due deliveries and skips; return what happened as 'id:action'."""
        done = []
        for due in due_injects(self.state(), self.at):
            if due.action == "skip":
                self.add(
                    DK.SKIPPED,
                    actor="system",
                    inject=due.inject.id,
                    reason="unless",
                    detail=f"{due.unless} already happened",
                    event=due.unless,
                )
            else:
                self.add(
                    DK.DELIVERED,
                    actor="system",
                    inject=due.inject.id,
                    text=due.inject.text,
                    **{"from": due.inject.sender},
                    early=False,
                )
            done.append(f"{due.inject.id}:{due.action}")
        return done

    def run(self, minutes: float, tick_seconds: float = 30) -> list[str]:
        done = self.poll()
        end = self.at + m(minutes)
        while self.at < end:
            self.at = min(self.at + timedelta(seconds=tick_seconds), end)
            done += self.poll()
        return done

    # shorthands -------------------------------------------------------------
    def start(self) -> list[str]:
        self.add(DK.CLOCK, action="start")
        return self.poll()

    def pause(self) -> None:
        self.add(DK.CLOCK, action="pause")

    def resume(self) -> None:
        self.add(DK.CLOCK, action="resume")

    def speed(self, x: int) -> None:
        self.add(DK.SPEED, speed=x)

    def done(self, step: str, marks: str | None = None) -> None:
        payload = {"step": step, "title": step}
        if marks:
            payload["marks"] = marks
        self.add(K.STEP_DONE, **payload)

    def end(self) -> None:
        self.add(DK.ENDED)


def views(d: Drill, now: datetime | None = None) -> dict[str, object]:
    """Expectations keyed 'inject/event' for easy assertions."""
    return {f"{v.inject}/{v.event}": v for v in expectation_views(d.state(), now or d.at)}


def ratings(d: Drill) -> dict[str, str | None]:
    return {r.objective.id: r.rating for r in objective_ratings(d.state(), d.at)}


# --------------------------------------------------------------------------- the clock


class TestExerciseClock:
    def test_a_drill_declaration_creates_the_drill_state(self):
        drill = Drill().drill
        assert not drill.started and not drill.ended and drill.speed == 1
        assert list(drill.injects) == ["first", "scope-hint", "second", "reminder", "press"]
        assert all(i.status == "scheduled" for i in drill.injects.values())

    def test_a_live_incident_has_no_drill_state_and_ignores_drill_entries(self):
        d = Drill(mode="live")
        d.add(DK.CLOCK, action="start")
        d.add(DK.DELIVERED, inject="first", text="x")
        state = d.state()
        assert drill_state(state) is None
        assert "inject:first" not in state.events

    def test_nothing_runs_or_comes_due_before_the_clock_starts(self):
        d = Drill()
        d.wait(30)
        assert d.drill.exercise_elapsed(d.at) == timedelta(0)
        assert due_injects(d.state(), d.at) == []

    def test_the_clock_runs_at_wall_speed_once_started(self):
        d = Drill()
        d.wait(2)
        d.start()
        d.wait(7)
        assert d.drill.exercise_elapsed(d.at) == m(7)

    def test_time_while_paused_does_not_count(self):
        d = Drill()
        d.start()
        d.wait(4)
        d.pause()
        d.wait(20)
        drill = d.drill
        assert drill.paused and not drill.running
        assert drill.exercise_elapsed(d.at) == m(4)
        d.resume()
        d.wait(3)
        assert d.drill.exercise_elapsed(d.at) == m(7)

    def test_speed_10x_passes_ten_exercise_minutes_in_one_wall_minute(self):
        d = Drill()
        d.start()
        d.wait(2)
        d.speed(10)
        d.wait(1)
        assert d.drill.exercise_elapsed(d.at) == m(12)
        d.speed(1)
        d.wait(1)
        assert d.drill.exercise_elapsed(d.at) == m(13)

    def test_speed_set_while_paused_applies_on_resume(self):
        d = Drill()
        d.start()
        d.wait(1)
        d.pause()
        d.speed(5)
        d.wait(10)
        assert d.drill.exercise_elapsed(d.at) == m(1)
        d.resume()
        d.wait(2)
        assert d.drill.exercise_elapsed(d.at) == m(11)

    def test_the_clock_stops_when_the_drill_ends(self):
        d = Drill()
        d.start()
        d.wait(6)
        d.end()
        d.wait(60)
        drill = d.drill
        assert drill.ended and not drill.running
        assert drill.exercise_elapsed(d.at) == m(6)
        assert due_injects(d.state(), d.at) == []

    def test_closing_the_incident_ends_the_drill(self):
        d = Drill()
        d.start()
        d.wait(3)
        d.add(K.CLOSED, summary="done early")
        d.wait(10)
        drill = d.drill
        assert drill.ended and drill.ended_by == "incident closed"
        assert drill.exercise_elapsed(d.at) == m(3)

    def test_wall_time_to_next_inject_accounts_for_speed(self):
        d = Drill()
        d.start()
        d.speed(10)
        assert d.drill.wall_for(m(10), d.at) == m(1)
        d.pause()
        assert d.drill.wall_for(m(10), d.at) is None

    def test_planned_remaining_goes_negative_when_running_over(self):
        d = Drill()
        d.start()
        d.wait(35)
        assert d.drill.planned_remaining(d.at) == -m(5)


# --------------------------------------------------------------------------- injects


class TestDelivery:
    def test_scheduled_injects_arrive_at_their_offsets(self):
        d = Drill()
        assert d.start() == ["first:deliver"]
        assert d.run(9.5) == []
        assert d.run(0.5) == ["second:deliver"]
        drill = d.drill
        second = drill.injects["second"]
        assert second.status == "delivered" and second.exercise_at == m(10)
        assert second.delivered_at == T0 + m(10)
        assert d.state().events["inject:second"] == T0 + m(10)
        assert [i.id for i in drill.delivered] == ["first", "second"]

    def test_offsets_are_on_the_exercise_clock_not_the_wall_clock(self):
        d = Drill()
        d.start()
        d.run(5)
        d.pause()
        assert d.run(30) == []  # 35 wall minutes, 5 exercise minutes
        d.resume()
        assert d.run(4.5) == []
        assert d.run(0.5) == ["second:deliver"]
        assert d.drill.injects["second"].delivered_at == T0 + m(40)

    def test_at_10x_an_inject_ten_minutes_out_arrives_after_one_wall_minute(self):
        d = Drill()
        d.start()
        d.speed(10)
        assert d.run(0.5) == []
        assert d.run(0.5) == ["second:deliver"]
        assert d.drill.injects["second"].exercise_at == m(10)

    def test_after_waits_for_its_event_then_counts_from_it(self):
        d = Drill()
        d.start()
        d.run(3)
        view = {v.state.id: v for v in inject_views(d.state(), d.at)}["scope-hint"]
        assert view.status == "waiting" and view.waiting_for == "step:triage:done"
        d.done("triage", marks="acknowledged")  # exercise 3m: scope-hint due at 8m
        view = {v.state.id: v for v in inject_views(d.state(), d.at)}["scope-hint"]
        assert view.status == "scheduled" and view.due_at == m(8) and view.due_in == m(5)
        assert d.run(4.5) == []
        assert d.run(0.5) == ["scope-hint:deliver"]

    def test_after_event_while_paused_counts_at_the_pause_point(self):
        d = Drill()
        d.start()
        d.wait(2)
        d.pause()
        d.wait(10)
        d.done("triage")
        d.wait(10)
        d.resume()
        assert d.run(4.5) == []  # due at 2m + 5m = 7m on the exercise clock
        assert d.run(0.5) == ["scope-hint:deliver"]

    def test_unless_skips_when_its_event_already_happened(self):
        d = Drill()
        d.start()
        d.run(12)
        d.done("contain", marks="contained")
        assert d.run(3) == ["reminder:skip"]
        reminder = d.drill.injects["reminder"]
        assert reminder.status == "skipped" and reminder.skip_reason == "unless"
        assert reminder.skip_detail == "contained already happened"
        assert "inject:reminder" not in d.state().events
        skip = d.entries[-1]
        assert skip.kind == DK.SKIPPED and skip.payload["event"] == "contained"

    def test_unless_event_after_the_due_time_does_not_skip(self):
        d = Drill()
        d.start()
        d.run(14.5)
        d.wait(1)  # nobody polled at 15m (the screen was busy or closed)
        d.done("contain", marks="contained")
        assert d.poll() == ["reminder:deliver"]  # it was due before the event happened

    def test_early_delivery_counts_expectations_from_the_actual_delivery(self):
        d = Drill()
        d.start()
        d.run(2)
        assert next_inject(d.state()).id == "second"
        d.add(DK.DELIVERED, inject="second", text="...", early=True)
        second = d.drill.injects["second"]
        assert second.early and second.exercise_at == m(2)
        assert d.run(10) == []  # not delivered a second time at 10m
        assert views(d)["second/step:contain:done"].deadline == m(12)

    def test_next_inject_prefers_timed_ones_then_waiting_and_passes_over_unless(self):
        d = Drill()
        d.start()
        d.done("contain", marks="contained")  # reminder will be skipped
        order = []
        while (nxt := next_inject(d.state())) is not None:
            order.append(nxt.id)
            d.add(DK.DELIVERED, inject=nxt.id, text="", early=True)
        assert order == ["second", "press", "scope-hint"]
        assert d.drill.injects["reminder"].status == "scheduled"
        assert next_inject(d.state()) is None

    def test_facilitator_skip_voids_the_injects_expectations(self):
        d = Drill()
        d.start()
        d.add(DK.SKIPPED, inject="press", reason="facilitator", detail="out of time")
        assert d.run(25) == ["second:deliver", "reminder:deliver"]
        press = d.drill.injects["press"]
        assert press.status == "skipped" and press.skip_detail == "out of time"
        v = views(d)["press/step:notify:done"]
        assert v.status == "n/a" and "skipped" in v.detail

    def test_a_second_delivery_of_the_same_inject_is_ignored(self):
        d = Drill()
        d.start()
        d.wait(1)
        d.add(DK.DELIVERED, inject="first", text="again")
        drill = d.drill
        assert drill.log.count("first") == 1
        assert drill.injects["first"].delivered_at == T0

    def test_free_form_injects_are_delivered_at_once_and_logged(self):
        d = Drill()
        d.start()
        d.wait(3)
        d.add(DK.ADDED, inject="extra-1", text="The CEO calls.", **{"from": "Facilitator"})
        drill = d.drill
        extra = drill.injects["extra-1"]
        assert extra.added and extra.delivered and extra.exercise_at == m(3)
        assert [i.id for i in drill.delivered] == ["first", "extra-1"]
        assert [i.id for i in drill.unacknowledged] == ["first", "extra-1"]
        assert drill.added_count == 1

    def test_acknowledging_takes_an_inject_off_the_prominent_list(self):
        d = Drill()
        d.start()
        d.wait(1)
        d.add(DK.ACKNOWLEDGED, inject="first", actor="bea")
        drill = d.drill
        assert drill.unacknowledged == []
        assert drill.injects["first"].acknowledged_by == "bea"
        assert [i.id for i in drill.delivered] == ["first"]  # still in the log


# --------------------------------------------------------------------------- expectations


class TestExpectations:
    def test_waiting_until_delivered_then_pending_with_a_countdown(self):
        d = Drill()
        assert views(d)["first/acknowledged"].status == "waiting"
        d.start()
        d.run(2)
        v = views(d)["first/acknowledged"]
        assert v.status == "pending" and v.deadline == m(5) and v.remaining == m(3)

    def test_countdown_is_frozen_while_paused(self):
        d = Drill()
        d.start()
        d.run(2)
        d.pause()
        d.wait(30)
        v = views(d)["first/acknowledged"]
        assert v.status == "pending" and v.remaining == m(3)

    def test_met_when_the_event_happens_by_the_deadline(self):
        d = Drill()
        d.start()
        d.run(5)  # exactly at the deadline still counts
        d.done("triage", marks="acknowledged")
        v = views(d)["first/acknowledged"]
        assert v.status == "met" and v.occurred_at == m(5)

    def test_missed_once_the_deadline_passes_then_late_if_it_happens(self):
        d = Drill()
        d.start()
        d.run(6)
        v = views(d)["first/acknowledged"]
        assert v.status == "missed" and v.remaining == -m(1)
        d.run(1)
        d.done("triage", marks="acknowledged")
        v = views(d)["first/acknowledged"]
        assert v.status == "late" and v.occurred_at == m(7)

    def test_ending_early_leaves_what_was_not_yet_due_not_reached(self):
        d = Drill()
        d.start()
        d.run(11)
        d.end()
        v = views(d)
        assert v["first/acknowledged"].status == "missed"  # its deadline (5m) had passed
        assert v["second/step:contain:done"].status == "not reached"  # deadline 20m
        assert not v["second/step:contain:done"].applicable
        assert ratings(d)["contain"] is None  # nothing decided: not rated, not U

    def test_events_after_the_end_do_not_count(self):
        d = Drill()
        d.start()
        d.run(6)
        d.end()
        d.wait(1)
        d.done("triage", marks="acknowledged")
        assert views(d)["first/acknowledged"].status == "missed"

    def test_an_event_before_the_delivery_counts_as_met(self):
        d = Drill()
        d.start()
        d.run(1)
        d.done("triage")
        d.done("scope")
        d.run(6)
        assert views(d)["scope-hint/step:scope:done"].status == "met"

    def test_pauses_do_not_count_against_expectations(self):
        d = Drill()
        d.start()
        d.run(4)
        d.pause()
        d.wait(30)
        d.resume()
        d.run(0.5)
        d.done("triage", marks="acknowledged")
        assert views(d)["first/acknowledged"].status == "met"

    def test_an_event_during_a_pause_counts_at_the_pause_point(self):
        d = Drill()
        d.start()
        d.run(5)
        d.pause()
        d.wait(5)
        d.done("triage", marks="acknowledged")
        v = views(d)["first/acknowledged"]
        assert v.status == "met" and v.occurred_at == m(5)

    def test_never_delivered_injects_do_not_apply_at_the_end(self):
        d = Drill()
        d.start()
        d.run(3)
        d.end()
        v = views(d)
        assert v["press/step:notify:done"].status == "n/a"
        assert v["press/step:notify:done"].detail == "inject never delivered"
        assert v["scope-hint/step:scope:done"].status == "n/a"


# --------------------------------------------------------------------------- ratings


class TestRatings:
    def test_rule_on_counts(self):
        assert rate(2, 0, 0) == "P"
        assert rate(1, 1, 0) == "S"
        assert rate(0, 2, 0) == "S"
        assert rate(1, 0, 1) == "M"
        assert rate(0, 1, 3) == "M"
        assert rate(0, 0, 2) == "U"
        assert rate(0, 0, 0) is None

    def test_rule_text_is_published_for_the_ui_and_report(self):
        for letter, words in RATINGS.items():
            assert f"{letter}, {words.lower()}" in RATING_RULE
        assert "Not rated" in RATING_RULE

    def test_p_when_every_expectation_is_met(self):
        d = Drill()
        d.start()
        d.run(3)
        d.done("triage", marks="acknowledged")
        d.end()
        assert ratings(d)["respond"] == "P"

    def test_s_when_all_met_or_late_with_one_late(self):
        d = Drill()
        d.start()
        d.run(4)
        d.add(K.MILESTONE, name="acknowledged")
        d.run(8)
        d.done("triage")
        d.end()
        assert ratings(d)["respond"] == "S"

    def test_m_when_something_was_done_and_something_missed(self):
        d = Drill()
        d.start()
        d.run(4)
        d.add(K.MILESTONE, name="acknowledged")
        d.run(20)
        d.end()
        assert ratings(d)["respond"] == "M"

    def test_u_when_everything_was_missed(self):
        d = Drill()
        d.start()
        d.run(12)
        d.end()
        assert ratings(d)["respond"] == "U"

    def test_not_rated_without_applicable_expectations(self):
        d = Drill()
        d.start()
        d.add(DK.SKIPPED, inject="press", reason="facilitator", detail="no time")
        d.run(3)
        d.end()
        result = {r.objective.id: r for r in objective_ratings(d.state(), d.at)}
        assert result["spare"].rating is None and result["spare"].label == "not rated"
        assert result["inform"].rating is None and result["inform"].void == 1

    def test_live_ratings_count_decided_expectations_and_are_provisional(self):
        d = Drill()
        d.start()
        d.run(2)
        d.add(K.MILESTONE, name="acknowledged")
        result = {r.objective.id: r for r in objective_ratings(d.state(), d.at)}
        respond = result["respond"]
        assert respond.rating == "P" and respond.provisional
        assert (respond.met, respond.open) == (1, 1)
        assert result["contain"].rating is None and result["contain"].provisional

    def test_a_full_drill_rates_every_objective(self):
        d = Drill()
        d.start()
        d.run(3)
        d.done("triage", marks="acknowledged")  # respond: both met -> P
        d.run(12)  # scope-hint delivered at 8m, deadline 18m; second at 10m, deadline 20m
        d.done("scope")  # 15m: met
        d.run(7)
        d.done("contain", marks="contained")  # 22m: late
        d.run(10)  # press at 20m, deadline 25m: missed
        d.end()
        assert ratings(d) == {"respond": "P", "contain": "S", "inform": "U", "spare": None}


class TestTheFacilitatorAsEvaluator:
    def test_ratings_are_provisional_until_the_end_then_final(self):
        d = Drill()
        d.start()
        d.run(12)  # both respond expectations overdue
        respond = {r.objective.id: r for r in objective_ratings(d.state(), d.at)}["respond"]
        assert respond.rating == "U" and respond.provisional and respond.letter == "U?"
        d.end()
        respond = {r.objective.id: r for r in objective_ratings(d.state(), d.at)}["respond"]
        assert not respond.provisional and respond.letter == "U"

    def test_a_hand_mark_overrides_the_rule_and_says_so(self):
        d = Drill()
        d.start()
        d.run(12)
        d.add(DK.MARKED, inject="first", index=0, status="met", note="said so on the phone")
        v = views(d)["first/acknowledged"]
        assert v.status == "met" and v.automatic == "missed"
        assert v.manual is not None and v.manual.note == "said so on the phone"
        assert v.manual.exercise_at == m(12) and v.manual.actor == "fac"
        d.add(DK.MARKED, inject="first", index=1, status="n/a", note="no triage step here")
        d.end()
        assert ratings(d)["respond"] == "P"  # one met by hand, one not applicable

    def test_a_later_mark_replaces_an_earlier_one_and_bad_marks_are_ignored(self):
        d = Drill()
        d.start()
        d.run(1)
        d.add(DK.MARKED, inject="first", index=0, status="met", note="")
        d.add(DK.MARKED, inject="first", index=0, status="missed", note="no, it was not")
        d.add(DK.MARKED, inject="first", index=7, status="met", note="")
        d.add(DK.MARKED, inject="nope", index=0, status="met", note="")
        d.add(DK.MARKED, inject="first", index=1, status="late", note="")
        drill = d.drill
        assert list(drill.marks) == [("first", 0)]
        assert views(d)["first/acknowledged"].status == "missed"
        assert views(d)["first/step:triage:done"].manual is None

    def test_an_inject_never_delivered_reads_not_delivered_after_the_end(self):
        d = Drill()
        d.start()
        d.run(3)
        assert {v.state.id: v.status for v in inject_views(d.state(), d.at)}["press"] == (
            "scheduled"
        )
        d.end()
        statuses = {v.state.id: v.status for v in inject_views(d.state(), d.at)}
        assert statuses["press"] == "not delivered"
        assert statuses["scope-hint"] == "not delivered"  # it was still waiting
        assert statuses["first"] == "delivered"


def test_a_pause_made_by_closing_the_desk_is_known_until_resumed():
    d = Drill()
    d.start()
    d.run(2)
    d.add(DK.CLOCK, action="pause", reason="desk closed")
    drill = d.drill
    assert drill.paused and drill.pause_reason == "desk closed" and drill.paused_at == d.at
    d.wait(5)
    d.resume()
    drill = d.drill
    assert not drill.paused and drill.pause_reason == "" and drill.paused_at is None


def test_a_timer_stopped_by_closing_a_drill_is_on_the_exercise_clock():
    from dataclasses import replace as dc_replace

    from irdesk.domain.events import EventRef
    from irdesk.domain.models import Timer

    timer = Timer(
        "ack", "Acknowledge", EventRef.parse("declared"), EventRef.parse("acknowledged"), m(60)
    )
    playbook = dc_replace(PLAYBOOK, timers=(timer,))
    d = Drill()
    d.start()
    d.speed(10)
    d.run(3)  # 30 minutes of exercise time
    d.add(K.CLOSED, summary="done")
    state = IncidentState.fold(playbook, d.entries, SCENARIO)
    view = state.timers(d.at)[0]
    assert view.state == "met"
    assert view.stopped_at is not None and view.started_at is not None
    assert view.stopped_at - view.started_at == m(30)  # not 3 minutes of wall time, not < 0


# --------------------------------------------------------------------------- hot wash


def test_hot_wash_answers_and_done_are_folded():
    d = Drill()
    d.start()
    d.run(5)
    d.end()
    d.add(DK.ANSWER, index=1, question="Who should have spoken to the press?", answer="Comms")
    drill = d.drill
    assert drill.next_question() == 0
    d.add(DK.ANSWER, index=0, question="What slowed the triage down?", answer="Paging", actor="bo")
    d.add(DK.HOTWASH_DONE, answered=2, questions=2)
    drill = d.drill
    assert drill.next_question() is None
    assert [(a.index, a.answer, a.actor) for a in drill.answers_to(0)] == [(0, "Paging", "bo")]
    assert drill.hotwash_done


def test_a_corrected_answer_replaces_the_text_and_keeps_its_question():
    d = Drill()
    d.start()
    d.run(5)
    d.end()
    first = d.add(DK.ANSWER, index=0, question="q1", answer="Pagin")
    d.add(DK.ANSWER, index=0, question="q1", answer="Slow approvals")
    fix = Entry(
        "DRL-0001",
        len(d.entries) + 1,
        "fix",
        DK.ANSWER,
        "fac",
        d.at,
        d.at,
        {"index": 1, "question": "q2", "answer": "Paging"},
        corrects=first.seq,
    )
    d.entries.append(fix)
    drill = d.drill
    assert [(a.answer, a.corrected_by) for a in drill.answers_to(0)] == [
        ("Paging", [fix.seq]),
        ("Slow approvals", []),
    ]
    assert drill.answers_to(1) == []
    assert describe(fix) == f"corrected answer to Q2: Paging (corrects entry {first.seq})"


def test_participant_feedback_is_folded():
    d = Drill()
    d.start()
    d.end()
    d.add(DK.FEEDBACK, participant="Bo", went_well="clear roles", improve="")
    (fb,) = d.drill.feedback
    assert (fb.participant, fb.went_well, fb.improve) == ("Bo", "clear roles", "")
    assert describe(d.entries[-1]) == "feedback from Bo: went well: clear roles"


def test_incremental_fold_equals_full_fold():
    d = Drill()
    d.start()
    d.run(3)
    d.pause()
    d.wait(2)
    d.speed(5)
    d.resume()
    d.done("triage", marks="acknowledged")
    d.run(4)
    d.add(DK.ADDED, inject="extra-1", text="x")
    d.end()
    full = d.state()
    live = IncidentState(PLAYBOOK, SCENARIO)
    for entry in d.entries:
        live.apply(entry)
    assert drill_state(live) == drill_state(full)
    assert live.events == full.events


# --------------------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("kind", "payload", "text", "short"),
    [
        (DK.CLOCK, {"action": "start", "exercise_at_s": 0}, "exercise clock started", "clock"),
        (DK.CLOCK, {"action": "pause", "exercise_at_s": 750}, "clock paused at 00:12:30", "clock"),
        (
            DK.CLOCK,
            {"action": "resume", "exercise_at_s": 750},
            "clock resumed at 00:12:30",
            "clock",
        ),
        (
            DK.CLOCK,
            {"action": "pause", "exercise_at_s": 60, "reason": "desk closed"},
            "clock paused at 00:01:00 (the facilitator's desk was closed)",
            "clock",
        ),
        (
            DK.MARKED,
            {"inject": "x", "index": 0, "status": "met", "note": "seen"},
            "expectation 1 of inject x marked met by hand: seen",
            "rated",
        ),
        (DK.SPEED, {"speed": 10, "from": 1}, "speed 10x (was 1x)", "speed"),
        (
            DK.DELIVERED,
            {
                "inject": "first-report",
                "from": "Helpdesk",
                "early": False,
                "text": "Hi, I got an email\nmore",
            },
            "inject first-report delivered from Helpdesk: Hi, I got an email",
            "inject",
        ),
        (
            DK.DELIVERED,
            {"inject": "x", "from": "SOC", "early": True, "text": "t"},
            "inject x delivered early from SOC: t",
            "inject",
        ),
        (
            DK.SKIPPED,
            {"inject": "x", "reason": "unless", "detail": "contained already happened"},
            "inject x skipped: contained already happened",
            "inject skip",
        ),
        (
            DK.SKIPPED,
            {"inject": "x", "reason": "facilitator", "detail": "no time"},
            "inject x skipped by the facilitator: no time",
            "inject skip",
        ),
        (
            DK.ADDED,
            {"inject": "extra-1", "from": "Facilitator", "text": "The CEO calls"},
            "free-form inject extra-1 from Facilitator: The CEO calls",
            "inject+",
        ),
        (DK.ACKNOWLEDGED, {"inject": "x"}, "inject x acknowledged", "inject ack"),
        (DK.ENDED, {"exercise_at_s": 3600}, "drill ended at 01:00:00", "drill end"),
        (
            DK.ANSWER,
            {"index": 1, "question": "q", "answer": "Legal, at once"},
            "answer to Q2: Legal, at once",
            "hot wash",
        ),
        (
            DK.HOTWASH_DONE,
            {"answered": 1, "questions": 2},
            "hot wash finished (1 of 2 questions answered)",
            "hot wash",
        ),
    ],
)
def test_every_kind_reads_well_in_the_timeline(kind, payload, text, short):
    entry = Entry("DRL-0001", 2, "u", kind, "fac", T0, T0, payload)
    assert describe(entry) == text
    assert label(entry) == short


def test_long_inject_text_is_shortened_in_the_timeline():
    entry = Entry(
        "DRL-0001", 2, "u", DK.DELIVERED, "fac", T0, T0, {"inject": "x", "text": "word " * 60}
    )
    text = describe(entry)
    assert text.endswith("…") and len(text) < 160


def test_a_steps_running_time_is_exercise_time():
    d = Drill()
    d.start()
    d.run(2)
    d.pause()
    d.wait(10)  # paused: the step's time stands still
    d.resume()
    d.speed(5)
    d.wait(1)  # 5 exercise minutes
    state = d.state()
    st = state.steps["triage"]
    assert state.running_for(st.activated_at, d.at) == m(7)
