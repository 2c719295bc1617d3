"""Readiness checks on facts, and defects folded from the desk chain (no journal here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from irdesk.domain import readiness
from irdesk.domain.defects import CLOSED, OPENED, Found, fold, reconcile
from irdesk.domain.entry import Entry
from irdesk.domain.events import EventRef
from irdesk.domain.models import (
    Away,
    EscalationLevel,
    Notify,
    Person,
    Playbook,
    Role,
    Roster,
    Step,
    Timer,
)

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def playbook(pid="phish", *, contact="commander", owner="lead", reviewed=TODAY, escalate=()):
    return Playbook(
        id=pid,
        title=pid,
        version="1",
        owner=owner,
        reviewed=reviewed,
        contact_point=contact,
        roles=(Role("commander", "IC"), Role("lead", "Lead"), Role("legal", "Legal")),
        steps=(Step("s", "S", "detection"),),
        timers=(
            Timer(
                "ack",
                "Ack",
                EventRef("milestone", "declared"),
                EventRef("milestone", "acknowledged"),
                timedelta(minutes=20),
                tuple(EscalationLevel(i + 1, r, timedelta(0)) for i, r in enumerate(escalate)),
            ),
        ),
    )


def keys(found):
    return sorted(f.key.removeprefix("readiness/") for f in found)


def test_coverage_finds_gaps_and_single_points_of_failure_over_the_days_ahead():
    roster = Roster(
        (
            Person(
                "Ada",
                ("commander", "lead"),
                on_call=True,
                contact="x",
                away=(Away(date(2026, 11, 25), date(2026, 11, 26)),),
            ),
            Person(
                "Ben",
                ("commander",),
                on_call=True,
                contact="y",
                away=(Away(date(2026, 11, 26), date(2026, 11, 27)),),
            ),
        )
    )
    uses = readiness.role_uses([playbook(escalate=("lead",))])
    found = {
        f.key.removeprefix("readiness/"): f for f in readiness.coverage(roster, uses, TODAY, 14)
    }
    assert sorted(found) == [
        "coverage/commander/gap",
        "coverage/commander/single",
        "coverage/lead/gap",
    ]
    assert found["coverage/commander/gap"].text == "nobody can be paged for commander on 2026-11-26"
    assert found["coverage/commander/single"].text == (
        "only one person can be paged for contact point commander: "
        "Ada on 2026-11-27; Ben on 2026-11-25"
    )
    assert "2026-11-25 – 2026-11-26" in found["coverage/lead/gap"].text


def test_a_per_person_notify_command_needs_each_persons_detail():
    notify = Notify(("sms", "{phone}", "{message}"))
    roster = Roster(
        (
            Person("Ada", ("commander",), on_call=True, phone="+1"),
            Person("Ben", ("commander",), on_call=True, email="b@x"),
        ),
        notify,
    )
    found = readiness.coverage(roster, readiness.role_uses([playbook()]), TODAY, 3)
    assert keys(found) == ["coverage/commander/single", "role/lead/nobody"]


def test_roles_nobody_holds_and_the_notify_program():
    roster = Roster((Person("Ada", ("commander",), contact="x"),))
    found = readiness.coverage(
        roster, readiness.role_uses([playbook(escalate=("legal",))]), TODAY, 1
    )
    assert keys(found) == ["coverage/commander/single", "coverage/legal/gap", "role/lead/nobody"]
    assert keys(readiness.notify_command(roster, None, False)) == ["notify"]
    with_cmd = Roster(roster.people, Notify(("pager", "{message}")))
    assert "was not found" in readiness.notify_command(with_cmd, False, False)[0].text
    assert "not executable" in readiness.notify_command(with_cmd, True, False)[0].text
    assert readiness.notify_command(with_cmd, True, True) == []


def test_reviews_drills_and_backups_against_their_periods():
    year = timedelta(days=365)
    old = playbook("old", reviewed=date(2025, 11, 1))
    fresh = playbook("fresh")
    assert keys(readiness.reviews([old, fresh], TODAY, year)) == ["playbook/old/review"]
    drills = {"fresh": NOW - timedelta(days=30), "old": NOW - timedelta(days=400)}
    found = readiness.drills([old, fresh, playbook("never")], drills, NOW, year)
    assert keys(found) == ["playbook/never/drill", "playbook/old/drill"]
    assert "never been drilled" in found[0].text
    assert readiness.backup("/b/*.db", NOW - timedelta(hours=2), NOW, timedelta(hours=26)) == []
    (stale,) = readiness.backup("/b/*.db", NOW - timedelta(days=2), NOW, timedelta(hours=26))
    assert "is 2d old; at most 1d2h is allowed" in stale.text
    (missing,) = readiness.backup("/b/*.db", None, NOW, timedelta(hours=26))
    assert "no backup" in missing.text


def test_the_daily_check_runs_after_each_scheduled_time():
    at = (time(8, 0), time(20, 0))
    assert readiness.check_due(None, NOW, at)
    assert readiness.latest_scheduled(NOW, at) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert not readiness.check_due(NOW - timedelta(minutes=30), NOW, at)  # ran at 08:30
    assert readiness.check_due(NOW - timedelta(hours=2), NOW, at)  # last ran at 07:00
    early = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert readiness.latest_scheduled(early, at) == datetime(2026, 11, 22, 20, 0, tzinfo=UTC)


def entry(seq, kind, key, at=NOW, **extra):
    payload = {"key": key, "area": "readiness", "text": f"{key} is wrong", **extra}
    return Entry("DESK", seq, f"u{seq}", kind, "watcher", at, at, payload)


def test_defects_open_once_and_close_with_their_time():
    later = NOW + timedelta(hours=3)
    ledger = fold(
        [
            entry(2, OPENED, "a"),
            entry(3, OPENED, "a"),  # a second checker's opening of an open defect
            entry(4, OPENED, "b"),
            entry(5, CLOSED, "a", later),
            entry(6, OPENED, "a", later),
        ]
    )
    assert sorted(ledger.open) == ["a", "b"]
    (closed,) = ledger.closed
    assert closed.closed_at == later and closed.opened_at == NOW and closed.times == 1
    assert ledger.open["a"].times == 2
    assert closed.open_during(NOW - timedelta(days=1), NOW)
    assert not closed.open_during(later + timedelta(minutes=1), later + timedelta(hours=1))


def test_reconcile_opens_the_new_and_closes_what_passes_again():
    ledger = fold([entry(2, OPENED, "readiness/a"), entry(3, OPENED, "readiness/b")])
    ledger.open["detection/x"] = ledger.open["readiness/a"].__class__(
        "detection/x", "detection", "", "", NOW, 4
    )
    found = [Found("readiness/b", "readiness", "b"), Found("readiness/c", "readiness", "c")]
    to_open, to_close = reconcile(ledger, "readiness", found)
    assert [p.key for p in to_open] == ["readiness/c"]
    assert [d.key for d in to_close] == ["readiness/a"]  # another area's defect stays
