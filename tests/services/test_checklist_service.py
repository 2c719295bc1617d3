"""The checklist with a real journal: rules with their reviews, the health of their sources
and their findings; detection improvement items done by a scanned rule, in the lists and
in the report."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers_findings import NOW, burst, journal_at, record, rules_file, ruleset, write_log

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import ActionError
from irdesk.services.checklist import checklist_history, checklist_rows, review_rule
from irdesk.services.desk import Desk
from irdesk.services.findings import dismiss
from irdesk.services.review import ReviewSession, improvement_rows, load_report

T0 = NOW - timedelta(minutes=30)
TODAY = NOW.date()


@pytest.fixture
def rules(tmp_path: Path):  # noqa: ANN201
    log = write_log(tmp_path / "auth.log", *burst(T0, 6))
    return ruleset(rules_file(tmp_path, log))


def row(rows, rule_id: str):  # noqa: ANN001, ANN201
    (found,) = [r for r in rows if r.rule.id == rule_id]
    return found


def test_rows_without_a_journal_know_only_the_files(rules):  # noqa: ANN001
    rows = checklist_rows(None, rules, today=date(2027, 11, 3))
    origins = [r.rule.origin for r in rows]
    assert origins == sorted(origins, key=["external", "past-incident", "threat-model"].index)
    guessing = row(rows, "test-guessing")
    assert guessing.overdue and guessing.last_review is None and guessing.first_used is None
    assert [(s.id, s.text()) for s in guessing.sources] == [("test-auth", "never scanned")]
    assert not row(checklist_rows(None, rules, today=date(2027, 11, 1)), "test-guessing").overdue


def test_rows_with_a_journal(tmp_path: Path, rules):  # noqa: ANN001
    with journal_at(tmp_path / "j.db") as journal:
        record(journal, rules)
        dismiss(journal, "FND-0001", "false-positive", actor="ada")
        rows = checklist_rows(journal, rules, today=TODAY)
        guessing = row(rows, "test-guessing")
        assert (guessing.findings, guessing.open_findings, guessing.false_positives) == (2, 1, 1)
        assert guessing.first_used == NOW and guessing.healthy
        assert guessing.sources[0].text() == "ok, last read 2026-11-30 12:00 UTC"
        web = row(rows, "test-web-errors")
        assert not web.healthy
        assert web.sources[0].text() == "missing since 2026-11-30 12:00 UTC"
        assert (web.sources[0].defects[0].detail).startswith("no file matches ")


def test_a_review_moves_the_review_date_and_is_in_the_history(tmp_path: Path, rules):  # noqa: ANN001
    clock = FixedClock(NOW + timedelta(days=400))
    with journal_at(tmp_path / "j.db", clock) as journal:
        assert row(
            checklist_rows(journal, rules, today=clock.now().date()), "test-guessing"
        ).overdue
        review = review_rule(journal, rules, "test-guessing", actor="ada", note="fine")
        assert (review.actor, review.note, review.at) == ("ada", "fine", clock.now())
        updated = row(checklist_rows(journal, rules, today=clock.now().date()), "test-guessing")
        assert not updated.overdue and updated.reviewed == clock.now().date()
        assert [h.text for h in checklist_history(journal)] == [
            "rule test-guessing reviewed by ada: fine"
        ]
        with pytest.raises(
            ActionError, match="no rule 'test-guesing' .*did you mean 'test-guessing'"
        ):
            review_rule(journal, rules, "test-guesing", actor="ada")
        with pytest.raises(ActionError, match="who reviewed the rule"):
            review_rule(journal, rules, "test-guessing", actor=" ")


def test_a_detection_item_is_done_by_the_rule_that_cites_its_incident(tmp_path: Path):
    clock = FixedClock(NOW)
    with journal_at(tmp_path / "j.db", clock) as journal:
        desk = Desk(journal, clock=clock, actor="ada")
        session = desk.declare(desk.catalog.playbook("account-compromise"), title="guessing")
        assert session.incident_id == "INC-0001"  # the test rules cite INC-0001
        review = ReviewSession(session)
        item = review.add_improvement("a rule for this", owner="ada", kind="detection")
        general = review.add_improvement("train people", owner="bob")
        assert (item.kind, general.kind) == ("detection", "general")
        with pytest.raises(ActionError, match="unknown kind of item 'rules'"):
            review.add_improvement("x", owner="bob", kind="rules")
        rows = improvement_rows(journal, today=TODAY)
        assert [(r.item, r.status) for r in rows] == [
            ("INC-0001-1", "open"),
            ("INC-0001-2", "open"),
        ]

        log = write_log(tmp_path / "auth.log", *burst(T0))
        clock.advance(timedelta(hours=1))
        record(journal, ruleset(rules_file(tmp_path, log)), now=clock.now())
        rows = improvement_rows(journal, today=TODAY)
        assert [r.item for r in rows] == ["INC-0001-2"]  # the detection item counts as done
        done = improvement_rows(journal, today=TODAY, include_closed=True)[-1]
        assert (done.item, done.status, done.covered) == ("INC-0001-1", "done", True)
        assert done.covered_by[0].rule == "test-guessing"
        report = load_report(journal, "INC-0001", now=clock.now(), catalog=desk.catalog)
        views = {i.item: i for i in report.review.improvements}
        assert (views["INC-0001-1"].status, views["INC-0001-1"].closed_by) == (
            "done",
            "irdesk scan",
        )
        assert views["INC-0001-1"].closed_at == clock.now()
        assert views["INC-0001-1"].note.startswith("rule test-guessing cites this incident")
        assert views["INC-0001-2"].status == "open"
        report.close()
