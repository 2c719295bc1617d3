"""Timers and escalations on a fixed clock: a 20-minute lapse takes milliseconds.

account-compromise's ``acknowledge`` timer: start declared, stop acknowledged, within 20m,
escalate to the commander, then the security lead 10m later, then repeat every 10m. The
roster's notify command is a Python script that appends its argv as a JSON line, so the
tests see exactly which arguments a notify command receives (argv form, never a shell).
"""

from __future__ import annotations

import sys
from datetime import timedelta

from tui_helpers import (
    ACTOR,
    START,
    notify_calls,
    rows,
    run,
    screen_text,
    settle,
    text_of,
    toasts,
    write_roster,
)

from irdesk.domain.incident import K
from irdesk.services.desk import Desk
from irdesk.tui.screens.runner import RunnerScreen

TIMER_TITLE = "An incident commander acknowledges the incident"
LEVEL1_MESSAGE = (
    "INC-0001 Phished mailbox: 'An incident commander acknowledges the incident' "
    "not met within 20m; level 1: Incident commander (alice, Ada Moreno)"
)
LEVEL2_MESSAGE = (
    "INC-0001 Phished mailbox: 'An incident commander acknowledges the incident' "
    "not met within 20m; level 2: Security lead (Ada Moreno)"
)


def timers(app) -> str:
    return text_of(app.screen.query_one("#timers"))


def escalations(journal, iid, timer="acknowledge"):
    return [
        (e.payload["level"], e.payload["repeat"])
        for e in rows(journal, iid, K.ESCALATED)
        if e.payload["timer"] == timer
    ]


async def tick(pilot) -> None:
    """One beat of the runner's 1-second clock, without waiting a second for it."""
    pilot.app.screen.tick_clock()
    await settle(pilot)


async def test_lapse_fires_level_1_notifies_and_shows_it(
    declare, make_app, journal, clock, notify_log, notify_script
):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=19, seconds=59))
        await tick(pilot)
        assert rows(journal, iid, K.ESCALATED) == []
        assert f"{TIMER_TITLE}: 1s left" in timers(app)

        clock.advance(timedelta(seconds=2))
        # The runner's own 1-second interval fires it (no direct call here).
        await pilot.pause(1.2)
        await settle(pilot)
        [fired] = rows(journal, iid, K.ESCALATED)
        assert (fired.actor, fired.role) == ("system", None)
        assert fired.uid == f"{iid}/esc/acknowledge/1/0"
        assert fired.payload["fired_by"].startswith(f"{ACTOR}@")
        assert {k: v for k, v in fired.payload.items() if k != "fired_by"} == {
            "timer": "acknowledge",
            "level": 1,
            "repeat": 0,
            "role": "commander",
            "people": ["alice", "Ada Moreno"],
            "message": LEVEL1_MESSAGE,
            "due_at": (START + timedelta(minutes=20)).isoformat(),
            "firer": "screen",  # on time: no late_reason
        }
        # The notify command ran with each placeholder filled in its own argument.
        [notified] = rows(journal, iid, K.NOTIFIED)
        argv = [
            "irdesk: INC-0001",
            "acknowledge",
            "1",
            "commander",
            "alice, Ada Moreno",
            LEVEL1_MESSAGE,
        ]
        assert notify_calls(notify_log) == [argv]
        assert notified.actor == "system"
        assert notified.payload == {
            "timer": "acknowledge",
            "level": 1,
            "repeat": 0,
            "escalation_seq": fired.seq,
            "argv": [sys.executable, str(notify_script), *argv],
            "returncode": 0,
            "error": None,
            "output": "",
        }
        # What the commander sees: a toast, the lapsed timer in red, the timeline line.
        assert "▌ ESCALATION" in screen_text(app)
        assert f"ESCALATION {LEVEL1_MESSAGE}" in toasts(app)
        assert (
            f"⚠ {TIMER_TITLE}: LAPSED 1s ago → escalated to level 1 "
            "(commander: alice, Ada Moreno)   [a] acknowledge"
        ) in timers(app)
        log = text_of(app.screen.query_one("#timeline"))
        assert "system       escalate   acknowledge → level 1 (commander: alice, Ada Moreno)" in log
        assert "system       notify     notified for acknowledge level 1" in log


async def test_level_2_after_ten_minutes_then_repeats_without_a_burst(
    declare, make_app, journal, clock, notify_log
):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=20))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0)]
        clock.advance(timedelta(minutes=9, seconds=59))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0)]
        clock.advance(timedelta(seconds=1))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0), (2, 0)]
        level2 = rows(journal, iid, K.ESCALATED)[-1]
        assert level2.payload["role"] == "security-lead"
        assert level2.payload["people"] == ["Ada Moreno"]
        assert level2.payload["message"] == LEVEL2_MESSAGE
        assert "escalated to level 2 (security-lead: Ada Moreno)" in timers(app)

        clock.advance(timedelta(minutes=10))  # 40m: first reminder of the last level
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0), (2, 0), (2, 1)]
        assert (
            rows(journal, iid, K.ESCALATED)[-1]
            .payload["message"]
            .endswith("level 2 (reminder 1): Security lead (Ada Moreno)")
        )
        # Nobody looked for 35 minutes: one reminder for now, not three in a row.
        clock.advance(timedelta(minutes=35))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0), (2, 0), (2, 1), (2, 4)]
        await tick(pilot)  # the same beat again fires nothing more
        assert escalations(journal, iid) == [(1, 0), (2, 0), (2, 1), (2, 4)]
        assert [call[2] for call in notify_calls(notify_log)] == ["1", "2", "2", "2"]
        assert len(rows(journal, iid, K.NOTIFIED)) == 4


async def test_acknowledge_stops_the_escalation(declare, make_app, journal, clock, notify_log):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=31))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0), (2, 0)]
        clock.advance(timedelta(seconds=30))
        await pilot.press("a")
        await settle(pilot)
        [ack] = rows(journal, iid, K.ESCALATION_ACK)
        assert (ack.actor, ack.role) == (ACTOR, "commander")
        assert ack.payload == {"timer": "acknowledge", "level": 2, "milestone": "acknowledged"}
        assert ack.occurred_at == START + timedelta(minutes=31, seconds=30)
        assert f"{TIMER_TITLE}: met late at 09:31:30" in timers(app)
        assert "acknowledged 09:31" in text_of(app.screen.query_one("#incident-header"))
        assert "ack        acknowledge escalation acknowledged → milestone acknowledged" in text_of(
            app.screen.query_one("#timeline")
        )
        # The acknowledged milestone starts the containment timer, which runs its own course;
        # the acknowledge timer never fires again.
        assert "Attacker access cut off: 1h left" in timers(app)
        clock.advance(timedelta(minutes=59))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0), (2, 0)]
        assert escalations(journal, iid, "contain") == []
        clock.advance(timedelta(minutes=2))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0), (2, 0)]
        assert escalations(journal, iid, "contain") == [(1, 0)]
        await pilot.press("a")
        await settle(pilot)
        assert [e.payload["timer"] for e in rows(journal, iid, K.ESCALATION_ACK)] == [
            "acknowledge",
            "contain",
        ]
        assert len(notify_calls(notify_log)) == 3


async def test_completing_triage_in_time_stops_the_timer(declare, make_app, journal, clock):
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=12))
        await pilot.press("d", "y")  # triage marks 'acknowledged'
        await settle(pilot)
        clock.advance(timedelta(hours=2))
        await tick(pilot)
        assert escalations(journal, iid) == []
        assert f"{TIMER_TITLE}: met at 09:12:00" in timers(app)


async def test_failing_notify_command_is_journaled_and_not_fatal(
    declare, journal, catalog, clock, tmp_path, make_app
):
    roster_path = tmp_path / "failing-roster.yaml"
    roster = write_roster(
        roster_path, [sys.executable, "-c", "import sys; sys.exit(3)", "{incident}"]
    )
    desk = Desk(journal, catalog=catalog, roster=roster, clock=clock, actor=ACTOR)
    session = declare()
    iid = session.incident_id
    app = make_app(iid, desk_=desk, roster_path_=roster_path)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=20))
        await tick(pilot)
        [fired] = rows(journal, iid, K.ESCALATED)
        [notified] = rows(journal, iid, K.NOTIFIED)
        assert notified.payload["escalation_seq"] == fired.seq
        assert notified.payload["returncode"] == 3
        assert notified.payload["error"] == "exited with status 3"
        assert notified.payload["argv"][-1] == iid
        assert "notify command failed: exited with status 3" in toasts(app)
        assert "notify command failed for acknowledge level 1: exited with status 3" in text_of(
            app.screen.query_one("#timeline")
        )
        # The desk keeps working: the next level fires and a note can still be written.
        clock.advance(timedelta(minutes=10))
        await tick(pilot)
        assert escalations(journal, iid) == [(1, 0), (2, 0)]
        await pilot.press("n", *"paging by phone", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert rows(journal, iid, K.NOTE)[-1].payload == {"text": "paging by phone"}


async def test_missing_notify_command_is_journaled(
    declare, journal, catalog, clock, tmp_path, make_app
):
    roster_path = tmp_path / "missing-roster.yaml"
    missing = str(tmp_path / "no-such-notifier")
    roster = write_roster(roster_path, [missing, "{message}"])
    desk = Desk(journal, catalog=catalog, roster=roster, clock=clock, actor=ACTOR)
    iid = declare().incident_id
    app = make_app(iid, desk_=desk, roster_path_=roster_path)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=20))
        await tick(pilot)
        [notified] = rows(journal, iid, K.NOTIFIED)
        assert notified.payload["returncode"] is None
        assert notified.payload["error"] == f"command not found: {missing}"
        assert f"notify command failed: command not found: {missing}" in toasts(app)


async def test_notify_arguments_never_meet_a_shell(
    declare, make_app, journal, clock, notify_log, tmp_path
):
    """A title full of shell syntax reaches the notify command as one literal argument."""
    marker = tmp_path / "pwned"
    title = f"$(touch {marker}); `touch {marker}` | rm -rf ~ & \"quoted\" 'single'"
    iid = declare(title=title).incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=20))
        await tick(pilot)
        [call] = notify_calls(notify_log)
        assert len(call) == 6
        assert call[5] == (
            f"{iid} {title}: 'An incident commander acknowledges the incident' "
            "not met within 20m; level 1: Incident commander (alice, Ada Moreno)"
        )
        assert not marker.exists()


async def test_no_roster_no_notify_command_still_escalates(
    declare, journal, catalog, clock, make_app, tmp_path
):
    desk = Desk(journal, catalog=catalog, roster=None, clock=clock, actor=ACTOR)
    iid = declare().incident_id
    app = make_app(iid, desk_=desk, roster_path_=tmp_path / "none.yaml")
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=20))
        await tick(pilot)
        [fired] = rows(journal, iid, K.ESCALATED)
        assert fired.payload["people"] == ["alice"]
        assert rows(journal, iid, K.NOTIFIED) == []
        assert "escalated to level 1 (commander: alice)" in timers(app)


async def test_a_acknowledges_before_any_timer_lapsed(declare, make_app, journal, clock):
    """Issue 12: `a` refused until a timer had lapsed. It acknowledges the incident at any
    time: the milestone is journaled and the acknowledge clock stops, met."""
    session = declare()
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=3))
        await pilot.press("a")
        await settle(pilot)
        [ack] = rows(journal, iid, K.ESCALATION_ACK)
        assert ack.payload == {"timers": [], "milestone": "acknowledged"}
        assert f"{TIMER_TITLE}: met at 09:03:00" in timers(app)
        assert "acknowledged 09:03" in text_of(app.screen.query_one("#incident-header"))
        await pilot.press("a")  # once is enough: said so, nothing more written
        await settle(pilot)
        assert "already acknowledged" in screen_text(app)
        assert len(rows(journal, iid, K.ESCALATION_ACK)) == 1
        clock.advance(timedelta(minutes=40))
        await tick(pilot)
        assert escalations(journal, iid) == []
