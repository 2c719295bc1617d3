"""Snapshots of home, the declare dialog and the runner: fixed clock, size and journal label.

After an intended change to a screen, regenerate with ``pytest --snapshot-update`` and look
at the SVGs under ``__snapshots__/test_snapshots/`` (``rsvg-convert -o x.png file.svg``).
"""

from __future__ import annotations

from datetime import timedelta

from tui_helpers import ACTOR, SIZE, settle

from irdesk.services.desk import Desk


def test_home_with_a_few_incidents(declare, make_app, clock, snap_compare):
    first = declare(title="Phished mailbox of the finance lead")
    clock.advance(timedelta(minutes=12))
    leaked = declare("leaked-secret", title="AWS key pushed to a public repo", severity="SEV1")
    leaked.set_status("containing")
    clock.advance(timedelta(minutes=30))
    declare("ransomware", title="File server encrypted (tabletop rehearsal)")
    first.close("false positive: the link was never opened")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_home_with_more_open_incidents_than_it_lists(
    declare, make_app, clock, monkeypatch, snap_compare
):
    monkeypatch.setattr("irdesk.tui.screens.home.OPEN_SHOWN", 2)  # the board holds 50
    for n in range(4):
        declare(title=f"Phished mailbox {n + 1}")
        clock.advance(timedelta(minutes=5))
    declare("leaked-secret", title="AWS key pushed to a public repo").close("rotated")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_declare_dialog(make_app, clock, snap_compare):
    async def open_dialog(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await pilot.press(*"CFO mailbox")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_dialog)


def test_runner_mid_incident(declare, journal, catalog, clock, roster, make_app, snap_compare):
    session = declare(title="CFO mailbox sending invoice fraud")
    session.tick("triage", 0)
    session.tick("triage", 1, "phish-0912.eml in case folder")
    session.assign("scribe", "Lena Fischer")
    clock.advance(timedelta(minutes=6))
    session.complete("triage")
    session.skip("scope-campaign", "SOC scoped it in SOC-881")
    clock.advance(timedelta(minutes=3))
    session.decide("credentials-entered", 0)
    session.tick("revoke-access", 0, "signin-cfo.csv")
    session.note("Finance confirms no payment was made [yet]")
    session.milestone(
        "detected",
        occurred_at=clock.now() - timedelta(minutes=40),
        reason="first risky sign-in alert",
    )
    clock.advance(timedelta(minutes=33))  # containment SLA running, revoke-access overdue
    # The roster's notify command is not used here: the snapshot must not wait on a thread.
    quiet = Desk(journal, catalog=catalog, roster=None, clock=clock, actor=ACTOR)
    app = make_app(session.incident_id, desk_=quiet)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)
