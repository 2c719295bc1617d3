"""Home and the runner say whether anybody is watching; home is a board of what needs
attention (commander, escalations, injects) and shows the desk's defects; the runner pages
by hand and says when an escalation fired late."""

from __future__ import annotations

from datetime import timedelta

from tui_helpers import ACTOR, notify_calls, rows, run, screen_text, settle, text_of

from irdesk.domain.defects import Found
from irdesk.domain.incident import K
from irdesk.domain.watching import Beat
from irdesk.services import defects, heartbeat


def beat(at, *, every: int = 15) -> Beat:
    return Beat("vm:4242", "svc-irdesk", "vm", 4242, at, at, timedelta(seconds=every), "idle")


def status(app) -> str:
    return text_of(app.screen.query_one("#home-status"))


def board(app) -> list[str]:
    return text_of(app.screen.query_one("#incidents")).splitlines()


async def test_home_says_whether_anybody_is_watching(make_app, journal, clock):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        assert status(app).startswith(
            "▲ nobody is watching: escalations fire only while a screen is open"
        )
        heartbeat.put(journal, beat(clock.now()))
        app.screen._poll()
        await settle(pilot)
        assert status(app).startswith("● watcher running: svc-irdesk@vm (pid 4242)")
        clock.advance(timedelta(minutes=2))  # no beat since: it died, or hangs
        app.screen._poll()
        await settle(pilot)
        assert status(app).startswith(
            "▲ watcher not responding since 09:00:00: escalations fire only while a screen"
        )


async def test_home_shows_the_open_defects(make_app, journal):
    found = [Found("readiness/coverage/commander/gap", "readiness", "nobody can be paged")]
    defects.record(journal, "readiness", found, actor="w")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        assert "▲ 1 open defect: nobody can be paged · irdesk defects" in status(app)
        defects.record(journal, "readiness", [], actor="w")
        await pilot.pause(1.2)  # home polls the journal every second
        await settle(pilot)
        assert "✔ no open defects (irdesk check)" in status(app)


async def test_the_board_shows_commander_escalation_and_injects(make_app, declare, desk, clock):
    lapsed = declare(title="Lapsed", commander="Ada Moreno")
    clock.advance(timedelta(minutes=20))
    lapsed.fire_due_escalations()  # level 1 at 09:20; level 2 is due at 09:30
    running = declare(title="Running")
    drill = desk.start_drill(desk.catalog.scenario("ttx-ceo-phish"))
    drill.start_clock()
    drill.deliver_due()
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        table = board(app)
        assert (
            f"{lapsed.incident_id} | Lapsed | SEV2 | open | Ada Moreno | ⚠ L1 09:20, next 09:30"
            in ("\n".join(table))
        )
        assert f"{running.incident_id} | Running | SEV2 | open | {ACTOR} | escalates 09:40" in (
            "\n".join(table)
        )
        (drill_row,) = [r for r in table if r.startswith(drill.incident_id)]
        assert "| 1 inject to ack |" in drill_row
        lapsed.acknowledge("acknowledge")
        await pilot.pause(1.2)
        await settle(pilot)
        row = next(r for r in board(app) if r.startswith(lapsed.incident_id))
        assert "⚠" not in row  # acknowledged: nothing waits on anybody


async def test_the_runner_says_nobody_is_watching_and_when_an_escalation_was_late(
    make_app, declare, journal, clock
):
    session = declare()
    clock.advance(timedelta(minutes=27))  # due at 09:20; nobody looked until 09:27
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        app.screen.tick_clock()  # the runner's 1-second clock, without waiting for it
        await settle(pilot)
        screen = screen_text(app)
        assert "▲ nobody is watching: escalations fire only while a screen is open ─╯" in screen
        assert "→ escalated to level 1 (commander: alice, Ada Moreno), 7m late" in screen
        assert "fired 7m late: no watcher was running when it was due" in text_of(
            app.screen.query_one("#timeline")
        )
        heartbeat.put(journal, beat(clock.now()))
        app.screen.tick_clock()
        await settle(pilot)
        assert "watcher running ─╯" in screen_text(app)


async def test_paging_from_the_runner(make_app, declare, journal, notify_log):
    session = declare()
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("2")  # the second role of the playbook
        await settle(pilot)
        await pilot.press(*"join the bridge", "enter")
        await settle(pilot)
    (paged,) = rows(journal, session.incident_id, K.PAGED)
    role = session.playbook.roles[1]
    assert paged.actor == ACTOR and paged.payload["role"] == role.id
    assert paged.payload["text"] == "join the bridge"
    (argv,) = notify_calls(notify_log)
    assert argv[3] == role.id and argv[5].endswith(f"join the bridge (page from {ACTOR})")
    (notified,) = rows(journal, session.incident_id, K.NOTIFIED)
    assert notified.payload["page_seq"] == paged.seq and notified.payload["returncode"] == 0


def prompt_text(app) -> str:
    return " ".join(" ".join(text_of(w) for w in app.screen.query("Static")).split())


async def test_q_on_a_live_incident_with_running_timers_asks_and_says_who_pages(
    declare, make_app, journal, clock
):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmPrompt"  # not gone without a word
        said = prompt_text(app)
        assert "timer is running" in said or "timers are running" in said
        assert "nobody is paged from this screen any more once you quit" in said
        await pilot.press("n")  # stay
        await settle(pilot)
        assert app.is_running and type(app.screen).__name__ == "RunnerScreen"
        heartbeat.put(journal, beat(clock.now()))
        await pilot.press("q")
        await settle(pilot)
        said = prompt_text(app)
        assert "the watcher (irdesk watch) escalates and pages on time" in said
        await pilot.press("y")
        await settle(pilot)
    assert app.return_code == 0


async def test_q_on_a_closed_incident_quits_at_once(declare, make_app):
    session = declare()
    session.close("done")
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "RunnerScreen"
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running
