"""Whether anybody is watching, from the heartbeats alone; and why an escalation was late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from irdesk.domain.incident import LATE_AFTER, Escalation
from irdesk.domain.watching import Beat, status, why_late

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def beat(key="vm:10", *, started=T0, at=T0, every=15, once=False, trouble="") -> Beat:
    return Beat(key, "svc", "vm", 10, started, at, timedelta(seconds=every), "idle", once, trouble)


def test_no_heartbeat_means_nobody_is_watching():
    found = status([], T0)
    assert found.state == "none" and not found.watching
    assert "escalations fire only while a screen is open" in found.sentence()


def test_a_recent_heartbeat_is_running_and_an_old_one_is_stale_since_its_last_beat():
    b = beat()
    assert status([b], T0 + timedelta(seconds=59)).state == "running"  # 2 x 15s + 30s grace
    found = status([b], T0 + timedelta(seconds=61))
    assert found.state == "stale" and found.since == T0
    assert "escalations fire only while a screen is open" in found.sentence()


def test_a_cron_watcher_is_judged_by_how_often_cron_runs_it():
    cron = beat("vm:once", every=60, once=True)
    assert status([cron], T0 + timedelta(seconds=140)).state == "running"
    assert status([cron], T0 + timedelta(seconds=160)).state == "stale"
    assert "cron" in cron.label


def test_a_heartbeat_survives_its_json_and_garbage_is_ignored():
    b = beat(trouble="journal locked")
    assert Beat.from_json(b.key, b.as_json()) == b
    assert Beat.from_json("x", {"who": "a"}) is None
    assert Beat.from_json("x", {**b.as_json(), "started": "yesterday"}) is None


def test_why_an_escalation_was_late():
    due = T0 + timedelta(minutes=5)
    now = T0 + timedelta(minutes=30)
    started_late = beat(started=T0 + timedelta(minutes=29), at=now)
    # a watcher that started after the due time
    assert why_late([started_late], due, now, started_late).startswith("no watcher was running")
    # a screen, with no watcher at all
    assert why_late([], due, now, None) == (
        "no watcher was running when it was due; fired when a screen opened the incident"
    )
    # a watcher that was running, held up by a locked journal
    held = beat(started=T0, at=now, trouble="journal locked")
    assert "could not fire it in time: journal locked" in why_late([held], due, now, held)
    # a screen while a watcher that was running has not got to it
    assert why_late([held], due, now, None).startswith("a watcher was running")


def test_an_escalation_is_late_only_beyond_the_grace():
    due = T0
    on_time = Escalation("ack", 1, 0, "lead", (), due + LATE_AFTER, 2, due_at=due)
    late = Escalation("ack", 1, 0, "lead", (), due + LATE_AFTER * 3, 2, due_at=due)
    unknown = Escalation("ack", 1, 0, "lead", (), due + LATE_AFTER * 3, 2)
    assert on_time.late_by is None and unknown.late_by is None
    assert late.late_by == LATE_AFTER * 3
