"""After-action reviews and improvement items, journaled through the real store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fixtures_report.scripts import fixture_catalog
from helpers_store import sqlite_work

from irdesk.domain.clock import FixedClock
from irdesk.domain.describe import describe, label
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import ActionError
from irdesk.domain.review import RK, ReviewState, item_incident, review_state
from irdesk.report.render.markdown import to_markdown
from irdesk.services.desk import Desk
from irdesk.services.review import (
    ReviewSession,
    carried_over,
    close_improvement,
    find_improvement,
    improvement_rows,
    items_of,
    load_report,
    today_of,
)
from irdesk.store import Journal

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def desk(tmp_path: Path, clock: FixedClock):  # noqa: ANN201
    journal = Journal.open(tmp_path / "journal.db", clock=clock)
    yield Desk(journal, catalog=fixture_catalog(), clock=clock, actor="ada")
    journal.close()


def declare(desk: Desk, title: str = "Phish", playbook: str = "phish-response"):  # noqa: ANN201
    session = desk.declare(desk.catalog.playbooks[playbook], title=title)
    desk.clock.advance(timedelta(hours=1))
    session.close("done")
    return ReviewSession(session)


# --------------------------------------------------------------------------- journaling


def test_review_content_is_journaled_and_folded(desk: Desk) -> None:
    review = declare(desk)
    review.set_root_cause("draft cause")
    review.set_root_cause("No owner for MFA")
    review.set_five_whys("Mailbox read for two days", ["push approved", "", "  "], "No matching")
    note = review.add_note("went_well", "reported fast")
    review.add_note("to_improve", "slow scoping")
    review.add_note("lesson", "assistants are targets")
    item = review.add_improvement(
        "Number matching", owner="dev", due="2026-12-01", step="revoke-access", poete="Organisation"
    )
    state = review.state
    assert state.status == "draft"
    assert state.root_cause.text == "No owner for MFA"
    assert state.root_cause.method == "free" and state.root_cause.revisions == 2
    assert state.five_whys.problem == "Mailbox read for two days"
    assert state.five_whys.whys == ("push approved",)
    assert state.five_whys.text == "No matching"
    assert state.five_whys.method == "five-whys" and state.five_whys.revisions == 1
    assert [n.text for n in state.section("went_well")] == ["reported fast"]
    assert item.item == f"{review.incident_id}-1"
    assert (item.owner, item.due, item.step, item.poete) == (
        "dev",
        date(2026, 12, 1),
        "revoke-access",
        "organization",
    )
    review.edit_note(note.seq, "reported within 4 minutes")
    assert review.state.notes[note.seq].text == "reported within 4 minutes"
    review.remove_note(note.seq, "duplicate")
    assert review.state.section("went_well") == []
    # the same state comes out of a fresh fold of the journal, with or without playbook
    entries = list(desk.journal.entries(review.incident_id))
    fresh = review_state(IncidentState.fold(review.session.playbook, entries))
    light = ReviewState.fold(entries)
    for other in (fresh, light):
        assert other.root_cause.text == state.root_cause.text
        assert other.five_whys == state.five_whys
        assert list(other.improvements) == list(state.improvements)
        assert [n.text for n in other.notes.values()] == [
            n.text for n in review.state.notes.values()
        ]


def test_five_whys_and_the_root_cause_sentence_do_not_replace_each_other(desk: Desk) -> None:
    """Issue 12: recording the five whys wiped the free-text root cause and the other way
    round; both are kept, each replaced only by a later one of its own kind."""
    review = declare(desk)
    review.set_root_cause("No owner for the MFA policy")
    review.set_five_whys("The CEO's mail was read", ["push approved", "no number matching"])
    assert review.state.root_cause.text == "No owner for the MFA policy"
    review.set_root_cause("No owner for the MFA policy since the reorganisation")
    state = review.state
    assert state.five_whys.problem == "The CEO's mail was read"
    assert state.five_whys.whys == ("push approved", "no number matching")
    assert state.root_cause.text == "No owner for the MFA policy since the reorganisation"
    with load_report(desk.journal, review.incident_id, now=desk.clock.now()) as report:
        text = to_markdown(report)
    assert "No owner for the MFA policy since the reorganisation" in text
    assert "The CEO's mail was read" in text and "no number matching" in text


def test_improvement_items_keep_the_plan_fields(desk: Desk) -> None:
    """Organisation, start date and the area for improvement are journaled, folded and
    changed like the other fields."""
    review = declare(desk)
    item = review.add_improvement(
        "Name a bank-call owner",
        owner="ada",
        organization="Finance",
        issue="Nobody called the bank",
        start="2026-12-01",
        due="2026-12-15",
        poete="organisation",
    )
    assert (item.organization, item.issue, item.start, item.due, item.poete) == (
        "Finance",
        "Nobody called the bank",
        date(2026, 12, 1),
        date(2026, 12, 15),
        "organization",
    )
    review.update_improvement(item.item, organization="Treasury", start="2026-12-02")
    fresh = items_of(desk.journal, review.incident_id)[item.item]
    assert (fresh.organization, fresh.start) == ("Treasury", date(2026, 12, 2))
    with pytest.raises(ActionError, match="before the start date"):
        review.update_improvement(item.item, due="2026-11-30")


def test_every_review_entry_has_a_sentence(desk: Desk) -> None:
    review = declare(desk)
    review.set_five_whys("it broke", ["a", "b"])
    review.add_note("lesson", "learn")
    item = review.add_improvement("fix it", owner="dev", poete="training")
    review.update_improvement(item.item, due="2026-12-24", reason="after the freeze")
    review.save("ok")
    review.reopen("forgot a lesson")
    review.close_improvement(item.item, "dropped", "superseded by INC-0009-1")
    texts = [
        (label(e), describe(e))
        for e in desk.journal.entries(review.incident_id)
        if e.kind.startswith(("review.", "improvement."))
    ]
    assert texts == [
        ("root cause", "root cause (five whys): problem: it broke → why 1: a → why 2: b"),
        ("review", "lessons learned: learn"),
        ("improve", f"improvement {item.item}: fix it (owner dev, no due date, POETE training)"),
        ("improve", f"improvement {item.item} changed: due → 2026-12-24 (after the freeze)"),
        ("review", "review saved: ok"),
        ("review", "review reopened: forgot a lesson"),
        ("improve", f"improvement {item.item} dropped: superseded by INC-0009-1"),
    ]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.add_improvement("x", owner="  "), "needs an owner"),
        (lambda r: r.add_improvement("  ", owner="dev"), "say what is to be improved"),
        (lambda r: r.add_improvement("x", owner="dev", due="2026-02-30"), "is not a date"),
        (lambda r: r.add_improvement("x", owner="dev", due="next week"), "YYYY-MM-DD"),
        (lambda r: r.add_improvement("x", owner="dev", due="2026-1-5"), "is not a date"),
        (lambda r: r.add_improvement("x", owner="dev", step="nope"), "has no step 'nope'"),
        (lambda r: r.add_improvement("x", owner="dev", poete="budget"), "unknown POETE element"),
        (lambda r: r.add_note("feelings", "x"), "unknown review section"),
        (lambda r: r.add_note("lesson", " "), "needs some text"),
        (lambda r: r.set_root_cause(" "), "write the root cause"),
        (lambda r: r.set_five_whys("p", [str(n) for n in range(9)]), "at most 7 whys"),
        (lambda r: r.set_five_whys(" ", ["why"]), "start from a problem statement"),
        (lambda r: r.set_five_whys("p", [" "]), "at least one why"),
        (lambda r: r.add_improvement("x", owner="dev", start="soon"), "the start date as"),
        (
            lambda r: r.add_improvement("x", owner="dev", start="2026-12-10", due="2026-12-01"),
            "is before the start date",
        ),
        (lambda r: r.save(), "the review is empty"),
        (lambda r: r.reopen("why"), "is not saved"),
        (lambda r: r.edit_note(99, "x"), "no review note 99"),
        (lambda r: r.close_improvement("INC-0001-9", "done", "x"), "has no improvement item"),
    ],
)
def test_bad_input_is_refused_with_a_message_for_people(desk: Desk, call, message) -> None:
    review = declare(desk)
    before = desk.journal.last_seq(review.incident_id)
    with pytest.raises(ActionError, match=message):
        call(review)
    assert desk.journal.last_seq(review.incident_id) == before


def test_a_saved_review_is_locked_until_reopened(desk: Desk) -> None:
    review = declare(desk)
    review.set_root_cause("cause")
    item = review.add_improvement("fix", owner="dev", due="2026-11-30")
    review.save("final")
    assert review.state.status == "saved" and review.state.summary == "final"
    with pytest.raises(ActionError, match="reopen it"):
        review.add_note("lesson", "late thought")
    with pytest.raises(ActionError, match="already saved"):
        review.save()
    # following up an item does not need the review reopened
    review.close_improvement(item.item, "done", "shipped")
    review.reopen("the CFO asked for the bank timeline")
    assert review.state.status == "draft"
    assert review.state.reopen_reason == "the CFO asked for the bank timeline"
    review.add_note("lesson", "late thought")
    review.save("final, with the bank timeline")
    assert review.state.saves == 2 and review.state.status == "saved"
    with load_report(desk.journal, review.incident_id, now=desk.clock.now()) as report:
        assert report.review.summary == "final, with the bank timeline"
        assert "late thought" in to_markdown(report)


def test_a_review_works_on_any_session_of_the_incident(desk: Desk) -> None:
    # There is no longer a session "folded before reviews were loaded": the fold is one
    # table (tests/test_fold.py), so any session's state holds the review.
    review = declare(desk)
    review.add_note("lesson", "x")
    session = desk.session(review.incident_id)
    again = ReviewSession(session)
    assert [n.text for n in again.state.notes.values()] == ["x"]


# --------------------------------------------------------------------------- across incidents


def test_open_items_are_listed_overdue_first_then_by_due_date(desk: Desk, clock) -> None:
    first = declare(desk, "first")
    first.add_improvement("no date", owner="a")
    first.add_improvement("due late", owner="b", due="2027-03-01")
    first.add_improvement("overdue a while", owner="c", due="2026-10-01")
    second = declare(desk, "second")
    second.add_improvement("due soon", owner="d", due="2026-11-20")
    second.add_improvement("overdue a bit", owner="e", due="2026-11-01")
    done = second.add_improvement("finished", owner="f", due="2026-10-15")
    second.close_improvement(done.item, "done", "shipped")
    rows = improvement_rows(desk.journal, today=today_of(clock.now()))
    assert [r.improvement.what for r in rows] == [
        "overdue a while",
        "overdue a bit",
        "due soon",
        "due late",
        "no date",
    ]
    assert [r.overdue for r in rows] == [True, True, False, False, False]
    everything = improvement_rows(desk.journal, today=today_of(clock.now()), include_closed=True)
    assert [r.improvement.what for r in everything][-1] == "finished"
    assert everything[-1].improvement.status == "done"


def test_an_item_is_closed_in_the_incident_that_owns_it(desk: Desk, clock) -> None:
    owner = declare(desk, "owner")
    item = owner.add_improvement("fix", owner="dev", due="2026-11-30")
    declare(desk, "later")
    clock.advance(timedelta(days=3))
    entry = close_improvement(desk.journal, item.item, "dropped", "tool replaced", actor="eve")
    assert entry.incident_id == owner.incident_id == item_incident(item.item)
    assert entry.kind == RK.IMPROVEMENT_CLOSED and entry.actor == "eve"
    owner.refresh()
    closed = owner.state.improvements[item.item]
    assert (closed.status, closed.closed_by, closed.close_note) == (
        "dropped",
        "eve",
        "tool replaced",
    )
    assert improvement_rows(desk.journal, today=today_of(clock.now())) == []
    with pytest.raises(ActionError, match="already dropped"):
        close_improvement(desk.journal, item.item, "done", "again", actor="eve")
    with pytest.raises(ActionError, match="say why"):
        close_improvement(desk.journal, item.item, "dropped", " ", actor="eve")
    with pytest.raises(ActionError, match="ids look like"):
        close_improvement(desk.journal, "nonsense", "done", "x", actor="eve")
    with pytest.raises(ActionError, match="no improvement item"):
        close_improvement(desk.journal, "INC-0042-1", "done", "x", actor="eve")
    assert desk.journal.verify().ok


def test_a_later_incident_on_the_same_playbook_carries_open_items(desk: Desk, clock) -> None:
    first = declare(desk, "first phish")
    kept = first.add_improvement(
        "Safe Links logging",
        owner="chen",
        due="2026-11-05",
        step="scope-campaign",
        poete="equipment",
    )
    shipped = first.add_improvement("DMARC reject", owner="dev", due="2026-11-04")
    first.close_improvement(shipped.item, "done", "live")
    other = desk.declare(desk.catalog.playbooks["phish-response"], title="unrelated")
    clock.advance(timedelta(days=10))
    later = desk.declare(desk.catalog.playbooks["phish-response"], title="second phish")
    record = desk.journal.incident(later.incident_id)
    rows = carried_over(desk.journal, record, today=today_of(clock.now()))
    assert [r.item for r in rows] == [kept.item]
    assert rows[0].overdue and rows[0].incident_id == first.incident_id
    with load_report(desk.journal, later.incident_id, now=clock.now()) as report:
        assert [c.item for c in report.carried] == [kept.item]
        text = to_markdown(report)
    assert "### Still open from earlier incidents on this playbook" in text
    assert (
        f"| {kept.item} | {first.incident_id}: first phish | Safe Links logging | chen | "
        "2026-11-05 (overdue) | Find every recipient and every click |" in text
    )
    # the earlier incident's own report does not list its items as carried over
    with load_report(desk.journal, first.incident_id, now=clock.now()) as report:
        assert report.carried == ()
    assert other.incident_id != later.incident_id


def test_items_are_found_without_reading_the_rest_of_the_journal(desk: Desk, clock) -> None:
    """Listing items, carrying them into a report and closing one read the improvement
    entries (by kind) and the records of their incidents: the work is the same beside a
    long incident as beside a short one."""
    first = declare(desk, "first phish")
    item = first.add_improvement("Safe Links logging", owner="chen")
    later = declare(desk, "second phish")
    record = desk.journal.incident(later.incident_id)
    today = today_of(clock.now())

    def work() -> list[int]:
        counts = []
        for look in (
            lambda: improvement_rows(desk.journal, today=today, include_closed=True),
            lambda: carried_over(desk.journal, record, today=today),
            lambda: find_improvement(desk.journal, item.item),
        ):
            with sqlite_work(desk.journal) as count:
                look()
            counts.append(count[0])
        return counts

    before = work()
    for n in range(400):  # both incidents grow long: notes, not items
        desk.journal.append((first, later)[n % 2].incident_id, "note", {"text": "x"}, actor="a")
    after = work()
    assert all(a <= b + 1 for a, b in zip(after, before, strict=True)), (before, after)
    assert [r.item for r in carried_over(desk.journal, record, today=today)] == [item.item]


def test_items_of_another_playbook_are_not_carried(desk: Desk, tmp_path: Path) -> None:
    import shutil

    from irdesk.formats.catalog import Catalog

    src = Path(__file__).resolve().parents[1] / "fixtures_report" / "playbook.yaml"
    other = tmp_path / "other" / "other.yaml"
    other.parent.mkdir()
    shutil.copy(src, other)
    other.write_text(other.read_text().replace("id: phish-response", "id: other-playbook"))
    desk.catalog = Catalog.load([(src.parent, False), (other.parent, False)])
    first = declare(desk, "on the other playbook", playbook="other-playbook")
    first.add_improvement("not ours", owner="x")
    later = desk.declare(desk.catalog.playbooks["phish-response"], title="ours")
    record = desk.journal.incident(later.incident_id)
    assert carried_over(desk.journal, record, today=date(2026, 11, 2)) == []


def test_two_screens_adding_items_at_once_get_distinct_ids(desk: Desk, monkeypatch) -> None:
    review = declare(desk)
    other = ReviewSession(desk.session(review.incident_id))
    a = review.add_improvement("from screen one", owner="a")
    real = other.session.refresh
    calls = []

    def late_refresh():  # the other screen has not seen item 1 when it numbers its item
        calls.append(1)
        return [] if len(calls) == 1 else real()

    monkeypatch.setattr(other.session, "refresh", late_refresh)
    b = other.add_improvement("from screen two", owner="b")
    assert len(calls) > 1  # it retried after finding number 1 taken
    assert (a.item, b.item) == (f"{review.incident_id}-1", f"{review.incident_id}-2")
    review.refresh()
    assert list(review.state.improvements) == [a.item, b.item]


def test_a_drill_review_is_journaled_like_an_incident_review(tmp_path: Path) -> None:

    clock = FixedClock(T0)
    catalog = fixture_catalog()
    with Journal.open(tmp_path / "j.db", clock=clock) as journal:
        desk = Desk(journal, catalog=catalog, clock=clock, actor="fay")
        drill = desk.start_drill(catalog.scenarios["ttx-phish"])
        drill.start_clock()
        clock.advance(60)
        drill.end_drill()
        drill.close("exercise over")
        review = ReviewSession(drill)
        item = review.add_improvement("exercise the bank call", owner="ada", poete="exercise")
        assert item.item.startswith("DRL-")
        rows = improvement_rows(journal, today=date(2026, 11, 2))
        assert [r.mode for r in rows] == ["drill"]
