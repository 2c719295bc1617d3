"""Drill services on a real journal and a fixed clock: the facilitator's controls, journaled."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from irdesk.domain.clock import FixedClock
from irdesk.domain.describe import describe
from irdesk.domain.drill import DK, drill_state, team_lines
from irdesk.domain.incident import ActionError, K
from irdesk.formats.catalog import Catalog, NotFound
from irdesk.report.build import build_report
from irdesk.report.compose import build_sections
from irdesk.services.desk import Desk
from irdesk.services.drill import DrillSession
from irdesk.store import Journal

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures_drill"


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.db"


@pytest.fixture
def journal(journal_path: Path, clock: FixedClock):
    journal = Journal.open(journal_path, clock=clock)
    yield journal
    journal.close()


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.load([(FIXTURES, False)])


@pytest.fixture
def desk(journal, catalog, clock) -> Desk:
    return Desk(journal, catalog=catalog, clock=clock, actor="fac")


@pytest.fixture
def session(desk, catalog) -> DrillSession:
    return desk.start_drill(catalog.scenarios["drill-mini"])


def started(session: DrillSession) -> DrillSession:
    session.start_clock()
    session.deliver_due()
    return session


def kinds(session: DrillSession, kind: str) -> list:
    return [e for e in session.journal.entries(session.incident_id) if e.kind == kind]


def advance(session: DrillSession, clock: FixedClock, minutes: float) -> list[str]:
    """Move the wall clock in 30-second ticks, polling for due injects as a screen would."""
    delivered: list[str] = []
    end = clock.now() + m(minutes)
    while clock.now() < end:
        clock.set(min(clock.now() + timedelta(seconds=30), end))
        delivered += [i.id for i in session.deliver_due()]
    return delivered


# --------------------------------------------------------------------------- declaring


class TestStartDrill:
    def test_declares_a_drill_without_starting_the_clock(self, session, journal):
        record = journal.incident(session.incident_id)
        assert record.mode == "drill" and record.scenario_id == "drill-mini"
        assert record.title == "Drill: Mini drill"
        assert session.state.mode == "drill"
        drill = session.drill
        assert not drill.started and drill.delivered == []
        assert session.deliver_due() == []
        assert journal.incidents(mode="live") == []  # never mixed into live incidents

    def test_title_and_commander_can_be_given(self, desk, catalog):
        s = desk.start_drill(catalog.scenarios["drill-mini"], title="Q4 exercise", commander="Bea")
        assert s.state.title == "Q4 exercise" and s.state.roles["commander"] == "Bea"

    def test_a_scenario_whose_playbook_is_missing_is_refused(self, journal, clock, catalog):
        scenario = catalog.scenarios["drill-mini"]
        bare = Desk(journal, catalog=Catalog(), clock=clock, actor="fac")
        # the scenario's own folder still holds its playbook: resolved from there
        assert bare.start_drill(scenario).playbook.id == "drill-mini-pb"
        from dataclasses import replace

        orphan = replace(scenario, playbook="no-such-playbook", source=None)
        with pytest.raises(NotFound):
            bare.start_drill(orphan)

    def test_open_drill_refuses_a_live_incident(self, desk, catalog):
        live = desk.declare(catalog.playbooks["drill-mini-pb"], title="Real one")
        with pytest.raises(ActionError, match="not a drill"):
            desk.open_drill(live.incident_id)


# --------------------------------------------------------------------------- the clock


class TestClock:
    def test_start_pause_resume_are_journaled_and_validated(self, session, clock):
        with pytest.raises(ActionError, match="start the exercise clock first"):
            session.pause()
        session.start_clock()
        with pytest.raises(ActionError, match="already started"):
            session.start_clock()
        with pytest.raises(ActionError, match="not paused"):
            session.resume()
        clock.advance(m(4))
        session.pause()
        with pytest.raises(ActionError, match="already paused"):
            session.pause()
        clock.advance(m(30))
        assert session.exercise_elapsed() == m(4)
        session.resume()
        clock.advance(m(1))
        assert session.exercise_elapsed() == m(5)
        actions = [e.payload["action"] for e in kinds(session, DK.CLOCK)]
        assert actions == ["start", "pause", "resume"]
        assert kinds(session, DK.CLOCK)[1].payload["exercise_at_s"] == 240

    def test_speed_is_one_of_1_2_5_10(self, session, clock):
        started(session)
        with pytest.raises(ActionError, match="1x, 2x, 5x, 10x"):
            session.set_speed(3)
        with pytest.raises(ActionError, match="already runs at 1x"):
            session.set_speed(1)
        session.set_speed(10)
        clock.advance(m(1))
        assert session.exercise_elapsed() == m(10)
        assert [i.id for i in session.deliver_due()] == ["second"]
        entry = kinds(session, DK.SPEED)[0]
        assert entry.payload == {"speed": 10, "from": 1, "exercise_at_s": 0.0}

    def test_the_clock_reads_the_sessions_clock(self, session, clock):
        started(session)
        clock.advance(m(7))
        assert session.exercise_elapsed() == m(7)


# --------------------------------------------------------------------------- injects


class TestInjects:
    def test_scheduled_delivery_on_the_exercise_clock(self, session, clock):
        session.start_clock()
        first = session.deliver_due()
        assert [i.id for i in first] == ["first"]
        assert session.deliver_due() == []  # once
        assert advance(session, clock, 9.5) == []
        assert advance(session, clock, 0.5) == ["second"]
        entry = kinds(session, DK.DELIVERED)[1]
        assert entry.uid == f"{session.incident_id}/inject/second"
        assert entry.actor == "system"
        assert entry.payload["early"] is False and entry.payload["due_at_s"] == 600
        assert session.state.events["inject:second"] == T0 + m(10)

    def test_after_counts_from_its_event(self, session, clock):
        started(session)
        clock.advance(m(2))
        session.complete("triage")
        assert advance(session, clock, 4.5) == []
        assert advance(session, clock, 0.5) == ["scope-hint"]

    def test_unless_skip_is_journaled_with_its_reason(self, session, clock):
        started(session)
        advance(session, clock, 12)
        for step in ("triage", "scope", "contain"):
            session.complete(step)  # contain marks "contained"
        assert advance(session, clock, 3) == []
        skip = kinds(session, DK.SKIPPED)[0]
        assert skip.payload == {
            "inject": "reminder",
            "reason": "unless",
            "detail": "contained already happened",
            "event": "contained",
        }
        assert skip.actor == "system"
        assert session.drill.injects["reminder"].status == "skipped"

    def test_deliver_next_now_is_early_and_validated(self, session, clock):
        with pytest.raises(ActionError, match="start the exercise clock first"):
            session.deliver_next_now()
        started(session)
        clock.advance(m(1))
        st = session.deliver_next_now()
        assert st.id == "second" and st.early and st.exercise_at == m(1)
        assert kinds(session, DK.DELIVERED)[-1].payload["early"] is True
        assert kinds(session, DK.DELIVERED)[-1].actor == "fac"
        assert advance(session, clock, 10) == []  # not again when its time comes
        assert [e.payload["inject"] for e in kinds(session, DK.DELIVERED)].count("second") == 1

    def test_deliver_next_now_delivers_what_is_due_first(self, session, clock):
        session.start_clock()
        st = session.deliver_next_now()
        assert st.id == "first" and not st.early

    def test_deliver_next_now_with_nothing_left(self, session, clock):
        started(session)
        for _ in range(4):
            session.deliver_next_now()
        with pytest.raises(ActionError, match="no inject is left"):
            session.deliver_next_now()

    def test_facilitator_skip(self, session, clock):
        started(session)
        with pytest.raises(ActionError, match="needs a reason"):
            session.skip_inject("press", "  ")
        with pytest.raises(ActionError, match="no inject 'nope'"):
            session.skip_inject("nope", "why not")
        with pytest.raises(ActionError, match="already delivered"):
            session.skip_inject("first", "too late")
        session.skip_inject("press", "we are short on time")
        entry = kinds(session, DK.SKIPPED)[0]
        assert entry.payload == {
            "inject": "press",
            "reason": "facilitator",
            "detail": "we are short on time",
        }
        with pytest.raises(ActionError, match="already skipped"):
            session.skip_inject("press", "again")
        assert "press" not in advance(session, clock, 25)
        exp = {e.inject: e for e in session.expectations()}["press"]
        assert exp.status == "n/a"

    def test_free_form_injects(self, session, clock):
        with pytest.raises(ActionError, match="start the exercise clock first"):
            session.add_inject("too soon")
        started(session)
        with pytest.raises(ActionError, match="needs some text"):
            session.add_inject("   ")
        one = session.add_inject("The CEO is on the phone.", "CEO")
        two = session.add_inject("Legal wants an update.")
        assert (one.id, one.sender, one.delivered) == ("extra-1", "CEO", True)
        assert (two.id, two.sender) == ("extra-2", "Facilitator")
        assert [i.id for i in session.drill.unacknowledged] == ["first", "extra-1", "extra-2"]
        assert kinds(session, DK.ADDED)[0].payload["text"] == "The CEO is on the phone."

    def test_acknowledge(self, session, clock):
        started(session)
        with pytest.raises(ActionError, match="has not been delivered"):
            session.acknowledge_inject("second")
        session.acknowledge_inject("first")
        with pytest.raises(ActionError, match="already acknowledged"):
            session.acknowledge_inject("first")
        assert session.drill.unacknowledged == []
        assert [i.id for i in session.drill.delivered] == ["first"]


# --------------------------------------------------------------------------- outcomes


class TestOutcomes:
    def test_expectations_and_ratings_through_the_service(self, session, clock):
        started(session)
        clock.advance(m(3))
        session.complete("triage")  # respond: acknowledged met, triage met
        advance(session, clock, 12)  # 15m
        session.complete("scope")  # scope-hint delivered at 8m, deadline 18m: met
        advance(session, clock, 7)  # 22m
        session.complete("contain")  # second at 10m, deadline 20m: late
        pending = {e.inject: e for e in session.expectations()}["press"]
        assert pending.status == "pending" and pending.remaining == m(3)
        advance(session, clock, 10)  # press at 20m, deadline 25m: missed
        session.end_drill()
        statuses = {(e.inject, e.event): e.status for e in session.expectations()}
        assert statuses == {
            ("first", "acknowledged"): "met",
            ("first", "step:triage:done"): "met",
            ("scope-hint", "step:scope:done"): "met",
            ("second", "step:contain:done"): "late",
            ("press", "step:notify:done"): "missed",
        }
        assert {r.objective.id: r.rating for r in session.ratings()} == {
            "respond": "P",
            "contain": "S",
            "inform": "U",
            "spare": None,
        }

    def test_pause_keeps_expectations_from_lapsing(self, session, clock):
        started(session)
        clock.advance(m(4))
        session.pause()
        clock.advance(m(30))
        session.resume()
        clock.advance(m(0.5))
        session.complete("triage")
        assert {e.event: e.status for e in session.expectations() if e.inject == "first"} == {
            "acknowledged": "met",
            "step:triage:done": "met",
        }

    def test_m_rating_when_part_is_done(self, session, clock):
        started(session)
        clock.advance(m(4))
        session.milestone("acknowledged")
        advance(session, clock, 10)
        session.end_drill()
        assert {r.objective.id: r.rating for r in session.ratings()}["respond"] == "M"


# --------------------------------------------------------------------------- the end


class TestEndAndHotWash:
    def test_end_drill_stops_everything(self, session, clock):
        started(session)
        clock.advance(m(5))
        session.end_drill()
        for action in (
            session.pause,
            session.start_clock,
            session.end_drill,
            session.deliver_next_now,
            lambda: session.add_inject("x"),
            lambda: session.set_speed(2),
            lambda: session.skip_inject("press", "x"),
        ):
            with pytest.raises(ActionError, match="the drill has ended"):
                action()
        clock.advance(m(30))
        assert session.deliver_due() == []
        assert session.exercise_elapsed() == m(5)
        assert describe(kinds(session, DK.ENDED)[0]) == "drill ended at 00:05:00"

    def test_hot_wash_answers_are_journaled(self, session, clock):
        started(session)
        with pytest.raises(ActionError, match="when the drill has ended"):
            session.answer(0, "too early")
        session.end_drill()
        with pytest.raises(ActionError, match="no question 3"):
            session.answer(2, "x")
        with pytest.raises(ActionError, match="needs some text"):
            session.answer(0, " ")
        session.answer(0, "Nobody had the pager.")
        session.answer(1, "Comms, with legal.")
        entries = kinds(session, DK.ANSWER)
        assert [e.payload for e in entries] == [
            {
                "index": 0,
                "question": "What slowed the triage down?",
                "answer": "Nobody had the pager.",
            },
            {
                "index": 1,
                "question": "Who should have spoken to the press?",
                "answer": "Comms, with legal.",
            },
        ]
        assert describe(entries[1]) == "answer to Q2: Comms, with legal."
        session.finish_hotwash()
        assert session.drill.hotwash_done
        with pytest.raises(ActionError, match="already finished"):
            session.finish_hotwash()


# --------------------------------------------------------------------------- reopening


def test_reopening_after_quitting_gives_the_same_drill(session, journal_path, catalog, clock):
    started(session)
    clock.advance(m(3))
    session.pause()
    session.set_speed(5)
    session.resume()
    session.complete("triage")
    advance(session, clock, 1)  # 5x: 8m on the exercise clock, scope-hint delivered
    session.add_inject("A wild inject", "Facilitator")
    session.acknowledge_inject("first")
    before = drill_state(session.state)
    session.journal.close()  # quit

    clock.advance(m(2))
    with Journal.open(journal_path, clock=clock) as journal:
        desk = Desk(journal, catalog=Catalog(), clock=clock, actor="fac")  # scenario from journal
        again = desk.open_drill(session.incident_id)
        assert drill_state(again.state) == before
        assert again.scenario == catalog.scenarios["drill-mini"]
        assert again.exercise_elapsed() == m(8) + m(2) * 5
        assert [i.id for i in again.deliver_due()] == ["second", "reminder"]  # 10m, 15m


# --------------------------------------------------------------------------- two screens


@pytest.fixture
def two_screens(session, journal_path, catalog, clock):
    other_journal = Journal.open(journal_path, clock=clock)
    other = Desk(other_journal, catalog=catalog, clock=clock, actor="bea").open_drill(
        session.incident_id
    )
    yield session, other
    other_journal.close()


def test_two_screens_delivering_at_once_record_each_inject_once(two_screens, clock):
    a, b = two_screens
    a.start_clock()
    b.refresh()
    clock.advance(m(10))
    # b folded before a wrote: its state is stale when it decides what is due
    stale = b.refresh
    b.refresh = lambda: []
    got_a = [i.id for i in a.deliver_due()]
    clock.advance(timedelta(seconds=1))  # b writes a moment later (a different payload)
    got_b = [i.id for i in b.deliver_due()]
    b.refresh = stale
    b.refresh()
    assert got_a == ["first", "second"] and got_b == []
    delivered = [e.payload["inject"] for e in kinds(a, DK.DELIVERED)]
    assert delivered == ["first", "second"]
    assert drill_state(a.state) == drill_state(b.state)


def test_a_write_racing_between_check_and_append_is_recorded_once(two_screens, clock, monkeypatch):
    a, b = two_screens
    a.start_clock()
    b.refresh()
    stale = b.refresh
    b.refresh = lambda: []
    a.deliver_due()
    clock.advance(timedelta(seconds=1))
    # b checked the uid just before a committed: its append meets a's entry
    real = b.journal.entry_by_uid
    calls = []

    def not_yet(uid):
        calls.append(uid)
        return None if len(calls) == 1 else real(uid)

    monkeypatch.setattr(b.journal, "entry_by_uid", not_yet)
    assert b.deliver_due() == []
    b.refresh = stale
    assert len(kinds(a, DK.DELIVERED)) == 1


def test_a_stale_clock_change_that_conflicts_is_refused(two_screens, clock):
    a, b = two_screens
    a.start_clock()
    a.pause()
    b.refresh()
    a.resume()
    b.refresh = lambda: []  # b still believes the clock is paused
    with pytest.raises(ActionError, match="got there first"):
        b.set_speed(5)
    assert len(kinds(a, DK.SPEED)) == 0
    # the same change made twice is simply the one change: no error, recorded once
    entry = b.resume()  # stale: b wants clock change 3, which is a's resume
    assert entry.actor == "fac"
    assert [e.payload["action"] for e in kinds(a, DK.CLOCK)] == ["start", "pause", "resume"]


# --------------------------------------------------------------------------- bundled


def test_the_bundled_ceo_phish_scenario_from_start_to_hot_wash(journal, clock, repo):
    catalog = Catalog.load([(repo / "playbooks", True), (repo / "scenarios", True)])
    desk = Desk(journal, catalog=catalog, clock=clock, actor="fac")
    s = desk.start_drill(catalog.scenarios["ttx-ceo-phish"])
    assert s.playbook.id == "account-compromise"
    assert s.state.title == "Drill: The CEO's mailbox"
    s.start_clock()
    assert [i.id for i in s.deliver_due()] == ["first-report"]
    s.acknowledge_inject("first-report")
    clock.advance(m(4))
    s.complete("triage")  # acknowledged and triage done: assistant-calls due at 9m
    assert advance(s, clock, 6) == ["assistant-calls", "trace-results"]  # 9m, 10m
    clock.advance(m(1))
    s.complete("scope-campaign")  # 11m
    clock.advance(m(1))
    s.decide("credentials-entered", 0)  # 12m: within 5m of assistant-calls
    clock.advance(m(1))
    s.set_speed(10)  # 13m
    assert advance(s, clock, 1) == []  # 23m
    s.pause()
    clock.advance(m(5))
    s.resume()
    assert advance(s, clock, 0.2) == ["hidden-rule"]  # 25m
    s.complete("revoke-access")  # session-still-live will not be needed
    assert advance(s, clock, 0.5) == ["cfo-pressure"]  # 30m
    s.complete("hunt-persistence")
    s.complete("block-indicators")  # contained; assess-exposure starts
    assert advance(s, clock, 1) == []  # 40m: session-still-live skipped
    assert advance(s, clock, 0.5) == ["supplier-calls"]  # 45m
    clock.advance(m(0.5))  # 50m
    s.end_drill()

    skipped = kinds(s, DK.SKIPPED)
    assert [(e.payload["inject"], e.payload["reason"]) for e in skipped] == [
        ("session-still-live", "unless")
    ]
    statuses = [(e.inject, e.event, e.status) for e in s.expectations()]
    # delivered at 45m, due by 55m: ending at 50m leaves it not reached, not missed
    assert ("supplier-calls", "step:legal-review:started", "not reached") in statuses
    assert ("session-still-live", "contained", "n/a") in statuses
    assert {st for *_, st in statuses} == {"met", "not reached", "n/a"}
    assert {r.objective.id: r.rating for r in s.ratings()} == {
        "contain-fast": "P",
        "scope-fully": "P",
        "protect-money": "P",  # what was due was met; the rest was not reached
    }

    questions = s.drill.questions
    assert len(questions) == 4
    for index in range(len(questions)):
        assert s.drill.next_question() == index
        s.answer(index, f"answer {index + 1}")
    s.finish_hotwash()
    answers = kinds(s, DK.ANSWER)
    assert [e.payload["question"] for e in answers] == list(questions)
    assert describe(answers[3]) == "answer to Q4: answer 4"
    assert s.drill.hotwash_done and journal.incident(s.incident_id).mode == "drill"


# --------------------------------------------------------------------------- participants


def journaled(session, kind: str | None = None) -> list:
    return [e for e in session.journal.entries(session.incident_id) if kind in (None, e.kind)]


def test_participants_are_journaled_once_each_in_order(session):
    assert session.add_participant("  Lena   Fischer ", source="roster") == "Lena Fischer"
    assert session.add_participant("Ravi Iyer") == "Ravi Iyer"
    with pytest.raises(ActionError, match="Lena Fischer already takes part"):
        session.add_participant("lena fischer")
    with pytest.raises(ActionError, match="a participant needs a name"):
        session.add_participant("   ")
    assert session.drill.participants == ["Lena Fischer", "Ravi Iyer"]
    first, second = journaled(session, DK.PARTICIPANT)
    assert (first.payload, first.actor) == ({"name": "Lena Fischer", "source": "roster"}, "fac")
    assert first.uid == f"{session.incident_id}/participant/lena fischer"
    assert second.payload == {"name": "Ravi Iyer", "source": "typed"}
    assert describe(first) == "Lena Fischer takes part (from the roster)"


def test_the_team_acts_as_the_acting_participant_the_facilitator_as_herself(session):
    session.add_participant("Lena Fischer")
    session.add_participant("Ravi Iyer")
    session.start_clock()  # before anyone acts: the facilitator's
    session.act_as("lena fischer")
    assert session.acting == "Lena Fischer" and session.actor == "Lena Fischer"
    session.assign("lead", "Lena Fischer")
    session.note("Priya is told to hold the payment")
    session.deliver_due()
    session.acknowledge_inject("first")
    session.pause()
    session.resume()
    session.act_as("Ravi Iyer")
    session.complete("triage")
    session.act_as(None)
    session.note("facilitator aside")
    session.end_drill()

    by_kind = {e.kind: e for e in journaled(session)}
    assert by_kind[K.NOTE].actor == "fac"  # the last note: the facilitator's own
    note = next(e for e in journaled(session, K.NOTE) if "Priya" in e.payload["text"])
    assert (note.actor, note.role) == ("Lena Fischer", "lead")
    assert by_kind[DK.ACKNOWLEDGED].actor == "Lena Fischer"
    assert by_kind[K.STEP_DONE].actor == "Ravi Iyer"
    for kind in (DK.CLOCK, DK.ENDED):
        assert {e.actor for e in journaled(session, kind)} == {"fac"}, kind
    assert by_kind[DK.DELIVERED].actor == "system"


def test_only_participants_can_act(session):
    with pytest.raises(ActionError, match="Kofi does not take part in this drill"):
        session.act_as("Kofi")
    assert session.acting is None and session.actor == "fac"


def test_the_report_lists_participants_and_no_roles_nobody_held(session, clock):
    session.add_participant("Lena Fischer")
    session.add_participant("Ravi Iyer")  # takes part, writes nothing
    session.start_clock()
    session.act_as("Lena Fischer")
    session.assign("lead", "Lena Fischer")
    session.note("a note")
    session.end_drill()
    report = build_report(
        session.playbook, journaled(session), now=clock.now(), scenario=session.scenario
    )
    people = next(s for s in build_sections(report) if s.kind == "people")
    assert people.unassigned == ()  # the drill did not use every role of the playbook
    rows = {p.name: p for p in people.people}
    assert {"Lena Fischer", "Ravi Iyer"} <= set(rows)
    assert rows["Lena Fischer"].roles == ("Security lead",)
    assert rows["Ravi Iyer"].entries == "0"
    assert Counter(r.title for r in people.roles)["Security lead"] == 1


def test_the_team_record_holds_the_teams_entries_and_their_corrections_only(session):
    started(session)
    note = session.note("called the bank")
    skip = session.skip_inject("press", "no time for the press today")
    session.correct(note.seq, "called the bank at 10:20, not 10:05")
    session.correct(skip.seq, "skipped because the press inject gives the leak away")
    session.complete("triage")
    lines = team_lines(session.state, journaled(session))
    assert [(line.kind, describe(line.entry)) for line in lines] == [
        (K.NOTE, "called the bank"),
        (
            K.CORRECTION,
            f"entry {note.seq} (note: called the bank): called the bank at 10:20, not 10:05",
        ),
        (K.STEP_DONE, "Triage the report → milestone acknowledged"),
    ]


# --------------------------------------------------------------------------- closing the desk


def test_closing_the_desk_at_10x_pauses_the_exercise_until_resumed(
    session, journal_path, catalog, clock
):
    started(session)
    session.set_speed(10)
    advance(session, clock, 0.5)  # 5 exercise minutes: first delivered, nothing missed yet
    pause = session.pause_for_closing()
    assert pause is not None and pause.payload["reason"] == "desk closed"
    assert session.pause_for_closing() is None  # already paused: nothing more to write
    before = [(v.inject, v.event, v.status) for v in session.expectations()]
    session.journal.close()  # the facilitator quit

    clock.advance(timedelta(seconds=40))  # 40 s away at 10x: 6m40s if the clock ran on
    with Journal.open(journal_path, clock=clock) as journal:
        again = Desk(journal, catalog=catalog, clock=clock, actor="fac").open_drill(
            session.incident_id
        )
        assert again.paused_by_closing() == timedelta(seconds=40)
        assert again.exercise_elapsed() == m(5)
        assert again.deliver_due() == []
        assert [(v.inject, v.event, v.status) for v in again.expectations()] == before
        again.resume()
        assert again.paused_by_closing() is None
        assert again.exercise_elapsed() == m(5)


def test_a_pause_by_hand_is_not_taken_for_a_closed_desk(session, clock):
    started(session)
    session.pause()
    assert session.paused_by_closing() is None
    assert session.pause_for_closing() is None


# --------------------------------------------------------------------------- the evaluator


def test_the_facilitator_chooses_which_inject_to_deliver_now(session, clock):
    started(session)
    # the next one first, then the rest in scenario order
    assert [i.id for i in session.pending_injects()] == [
        "second",
        "scope-hint",
        "reminder",
        "press",
    ]
    st = session.deliver_next_now("press")
    assert st.id == "press" and st.delivered and st.early
    assert [i.id for i in session.pending_injects()][0] == "second"
    with pytest.raises(ActionError, match="already delivered"):
        session.deliver_next_now("press")
    with pytest.raises(ActionError, match="no inject 'nope'"):
        session.deliver_next_now("nope")


def test_a_hand_mark_is_journaled_with_its_note_and_overrides_the_rule(session, clock):
    started(session)
    advance(session, clock, 6)  # "first/acknowledged" missed at 5m
    with pytest.raises(ActionError, match="needs a note"):
        session.mark_expectation("first", 0, "met", "  ")
    with pytest.raises(ActionError, match="no expectation 9"):
        session.mark_expectation("first", 8, "met", "x")
    with pytest.raises(ActionError, match="mark an expectation"):
        session.mark_expectation("first", 0, "late", "x")
    session.mark_expectation("first", 0, "met", "acknowledged by phone at 4m")
    view = next(v for v in session.expectations() if v.event == "acknowledged")
    assert (view.status, view.automatic) == ("met", "missed")
    assert view.manual is not None and view.manual.note == "acknowledged by phone at 4m"
    (entry,) = kinds(session, DK.MARKED)
    assert describe(entry) == (
        "expectation 1 of inject first marked met by hand: acknowledged by phone at 4m"
    )


def test_hot_wash_answers_can_be_corrected_and_players_give_feedback(session, clock):
    started(session)
    with pytest.raises(ActionError, match="once the drill has ended"):
        session.feedback("Bo", "roles", "")
    session.end_drill()
    first = session.answer(0, "Pagin")
    session.answer(0, "Approvals")
    fix = session.correct_answer(first.seq, "Paging")
    assert fix.corrects == first.seq and fix.payload["index"] == 0
    assert [a.answer for a in session.drill.answers_to(0)] == ["Paging", "Approvals"]
    with pytest.raises(ActionError, match="unchanged"):
        session.correct_answer(first.seq, "Paging")
    with pytest.raises(ActionError, match="not a hot-wash answer"):
        session.correct_answer(1, "x")
    session.feedback("Bo", "clear roles", "paging took long")
    with pytest.raises(ActionError, match="empty"):
        session.feedback("Cy", " ", "")
    assert [(f.participant, f.improve) for f in session.drill.feedback] == [
        ("Bo", "paging took long")
    ]


# --------------------------------------------------------------------------- objectives


def test_a_scenario_without_objectives_runs_and_is_reported(tmp_path, journal, clock) -> None:
    """``objectives`` is optional (issue 15): older scenarios all have some; one without
    is run and timed, and its report lists the expectations' outcomes, not rated."""
    from irdesk.report.compose import build_sections
    from irdesk.report.render.markdown import to_markdown
    from irdesk.services.review import load_report

    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "playbook.yaml").write_bytes((FIXTURES / "playbook.yaml").read_bytes())
    (folder / "bare.yaml").write_text(
        "irdesk: scenario/1\nid: bare\ntitle: No objectives\nplaybook: drill-mini-pb\n"
        "duration: 10m\ninjects:\n  - id: first\n    at: 0m\n    text: A report.\n"
        "    expect:\n      - event: acknowledged\n        within: 5m\n",
        encoding="utf-8",
    )
    catalog = Catalog.load([(folder, False)])
    assert not [r for r in catalog.results if r.errors], [r.errors for r in catalog.results]
    scenario = catalog.scenarios["bare"]
    assert scenario.objectives == ()
    desk = Desk(journal, catalog=catalog, clock=clock, actor="fac")
    session = started(desk.start_drill(scenario))
    clock.advance(m(2))
    session.milestone("acknowledged")
    clock.advance(m(8))
    session.end_drill()
    with load_report(journal, session.incident_id, now=clock.now(), catalog=catalog) as report:
        [exercise] = [s for s in build_sections(report) if s.kind == "exercise"]
        [loose] = exercise.objectives
        assert (loose.objective, loose.rating) == ("", None)
        assert [f.outcome for f in loose.strengths] == ["met at T+00:02:00 (deadline T+00:05:00)"]
        assert "### Expectations linked to no objective" in to_markdown(report)
