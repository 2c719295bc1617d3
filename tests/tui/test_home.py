"""Home: open incidents first, recent closed ones, playbooks, contact point, problems."""

from __future__ import annotations

import os
import sqlite3
from datetime import timedelta

from tui_helpers import ACTOR, run, screen_text, settle, text_of, toasts

from irdesk.services.desk import Desk
from irdesk.store import Journal
from irdesk.tui.screens.home import RECENT_CLOSED, HomeScreen
from irdesk.tui.screens.runner import RunnerScreen


def incidents(app) -> str:
    return text_of(app.screen.query_one("#incidents"))


async def test_empty_journal_says_how_to_start(make_app):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        screen = screen_text(app)
        assert screen.startswith(" irdesk   journal journal.db")
        assert "No incidents yet. Press n to declare one." in screen
        playbooks = text_of(app.screen.query_one("#playbooks"))
        catalog = app.desk.catalog.playbooks
        assert playbooks.splitlines() == [
            f"{pid} | {catalog[pid].title} | 1 | {len(catalog[pid].steps)} | bundled"
            for pid in (
                "leaked-secret",
                "endpoint-malware-or-loss",
                "account-compromise",
                "ransomware",
                "web-app-exploitation",
            )
        ]
        contacts = text_of(app.screen.query_one("#contact-panel"))
        assert "Contact point: commander\n  Ada Moreno  +1 555 0100, ada@example.org" in contacts
        assert "On call\n  Ada Moreno (commander, security-lead)\n  Lena Fischer" in contacts
        assert "Kofi Mensah" not in contacts  # not on call
        assert not app.screen.query_one("#home-problems").display


async def test_open_incidents_first_then_recent_closed(make_app, declare, clock):
    sessions = []
    for n in range(RECENT_CLOSED + 4):
        sessions.append(declare(title=f"incident number {n + 1}"))
        clock.advance(60)
    for session in sessions[: RECENT_CLOSED + 2]:
        session.close("done")
    sessions[-1].set_severity("SEV1")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        lines = incidents(app).splitlines()
        assert len(lines) == 2 + RECENT_CLOSED  # 2 open, then the 15 most recent closed
        assert lines[0].startswith("INC-0019 | incident number 19 | SEV1 | open")
        assert lines[1].startswith("INC-0018 | incident number 18 | SEV2 | open")
        assert lines[2].startswith("INC-0017 | incident number 17 | SEV2 | closed")
        assert lines[-1].startswith("INC-0003 | incident number 3 | SEV2 | closed")
        assert "INC-0002" not in incidents(app) and "INC-0001" not in incidents(app)
        # Every column is on screen, up to the last update time.
        row = next(line for line in screen_text(app).splitlines() if "INC-0019" in line)
        assert "│ INC-0019  incident number 19" in row
        assert "  SEV1  " in row and "  open  " in row and "  09:19:00  account-compromise" in row


async def test_columns_fit_after_the_first_incident_and_long_titles(make_app, declare):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        assert "No incidents yet" in screen_text(app)
        declare(title="Mailbox rule forwarding to an outside address " * 4)
        declare(title="Short")
        await pilot.pause(1.2)  # home polls the journal every second
        await settle(pilot)
        rows = [line for line in screen_text(app).splitlines() if "INC-000" in line]
        assert len(rows) == 2
        for line in rows:  # severity, status and time stay on screen, whatever the titles
            assert "  SEV2  " in line and "  open  " in line and "  09:00:00  " in line, line
        assert "INC-0001  Mailbox rule forwarding to an outsi…  SEV2" in rows[1]


async def test_enter_opens_an_incident_and_escape_comes_back(make_app, declare):
    declare(title="first")
    declare(title="second")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        assert app.screen.session.incident_id == "INC-0001"
        assert " INC-0001  first · SEV2" in text_of(app.screen.query_one("#incident-header"))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#incidents").cursor_row == 1


async def test_opening_from_the_command_line_lands_in_the_runner(make_app, declare):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_unknown_incident_on_the_command_line_is_a_message(make_app):
    app = make_app("INC-0042")
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "no incident INC-0042 in this journal" in screen_text(app)


async def test_reload_shows_broken_playbooks_with_their_first_error(
    make_app, irdesk_home, monkeypatch
):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        folder = irdesk_home / "playbooks"
        folder.mkdir(parents=True)
        (folder / "broken.yaml").write_text("irdesk: playbook/1\nid: Not An Id\n")
        await pilot.press("f5")
        await settle(pilot)
        panel = app.screen.query_one("#home-problems")
        assert panel.display
        text = text_of(panel)
        assert text.startswith("✘ ") and "broken.yaml" in text
        assert "more; run irdesk validate" in text
        assert "broken.yaml" in screen_text(app)


async def test_home_shows_a_closed_incident_after_the_runner_closes_it(make_app, declare, clock):
    iid = declare(title="short-lived").incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=3))
        await pilot.press("c", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReviewScreen"  # closing opens the review
        await pilot.press("escape")  # back to the runner
        await settle(pilot)
        await pilot.press("escape")  # and home
        await settle(pilot)
        assert incidents(app).startswith("INC-0001 | short-lived | SEV2 | closed")


async def test_home_under_the_runner_reads_nothing_until_it_is_back(make_app, declare, clock):
    """Under the runner home does not read the journal at each of the runner's writes (it
    shares the runner's interpreter: each read would delay a key); back on top it shows
    what changed meanwhile."""
    declare(title="busy")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        home = app.screen
        reads: list[int] = []
        real = home._show_journal
        home._show_journal = lambda *a, **k: reads.append(1) or real(*a, **k)
        await pilot.press("enter")
        await settle(pilot)
        clock.advance(timedelta(minutes=4))
        await pilot.press("1")  # a tick: a write, as every key in the runner may be
        await settle(pilot)
        home._poll()  # what its timer does every second
        assert reads == []
        await pilot.press("escape")
        await settle(pilot)
        assert reads  # back on top: it reads at once, and shows the tick's time
        assert "09:04:00" in incidents(app)


async def test_home_lists_the_newest_open_and_says_where_the_rest_are(
    make_app, desk, clock, monkeypatch
):
    """Home reads a bounded board: the newest open incidents (50), a line saying more are
    open and where to see them all, then the recent closed ones."""
    monkeypatch.setattr("irdesk.tui.screens.home.OPEN_SHOWN", 3)
    playbook = desk.catalog.playbooks["account-compromise"]
    for n in range(6):
        clock.advance(60)
        desk.declare(playbook, title=f"incident number {n + 1}", severity="SEV2")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        lines = incidents(app).splitlines()
        assert [line.split(" | ")[0] for line in lines] == ["INC-0006", "INC-0005", "INC-0004", "…"]
        assert [c for c in lines[-1].split(" | ") if c.strip()] == [
            "…",
            "more open: irdesk list --status open",
        ]
        await pilot.press("down", "down", "down", "enter")  # the "more" line opens nothing
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_another_responders_note_changes_its_row_only(make_app, declare, clock, journal_path):
    """A write elsewhere: home reads its board again and updates the row that changed,
    without rebuilding the table (the cursor stays where the person left it)."""
    first = declare(title="first")
    declare(title="second")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("down")
        table = app.screen.query_one("#incidents")
        rebuilt = []
        real_clear = table.clear
        table.clear = lambda *a, **k: rebuilt.append(1) or real_clear(*a, **k)
        clock.advance(timedelta(minutes=7))
        with Journal.open(journal_path, clock=clock) as other:  # another process's writer
            other.append(first.incident_id, "note", {"text": "from elsewhere"}, actor="lin")
        # home polls the journal every second: wait for the row to say so
        await until(pilot, lambda: "09:07:00" in incidents(app).splitlines()[1])
        cells = incidents(app).splitlines()[1].split(" | ")
        assert cells[:4] == ["INC-0001", "first", "SEV2", "open"]
        assert rebuilt == [] and table.cursor_row == 1
        with Journal.open(journal_path, clock=clock) as other:
            other.append(first.incident_id, "incident.closed", {"summary": "ok"}, actor="lin")
        await until(pilot, lambda: "INC-0001 | first | SEV2 | closed" in incidents(app))


async def test_a_write_elsewhere_draws_the_cell_that_changed_and_nothing_else(
    make_app, declare, clock, journal_path
):
    """Home looks at the journal every second and is drawn again only where what it shows
    changed: a note to one incident updates that row's time, not the title, the watcher
    line, the contacts or the other rows (each update costs a layout; home stays open all
    day while others write)."""
    from textual.widgets import Static

    first = declare(title="first")
    declare(title="second")
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#incidents")
        drawn: list[str] = []
        for static in screen.query(Static):
            real_update = static.update
            static.update = lambda *a, _id=static.id, _u=real_update, **k: (  # type: ignore[method-assign]
                drawn.append(str(_id)) or _u(*a, **k)
            )
        real_cell = table.update_cell
        table.update_cell = lambda row, column, *a, **k: (  # type: ignore[method-assign]
            drawn.append(f"{row}/{column}") or real_cell(row, column, *a, **k)
        )
        clock.advance(timedelta(minutes=7))
        with Journal.open(journal_path, clock=clock) as other:  # another process's writer
            other.append(first.incident_id, "note", {"text": "from elsewhere"}, actor="lin")
        await until(pilot, lambda: "09:07:00" in incidents(app))
        screen._poll()  # one more look at the journal, which has not changed since
        await pilot.pause()
        assert drawn == [f"{first.incident_id}/updated"]


async def until(pilot, condition, seconds: float = 5.0) -> None:  # noqa: ANN001
    """Wait for ``condition()`` to hold (a condition, not a sleep)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never held: {condition.__code__.co_firstlineno}")


async def test_memory_is_settled_per_screen_and_left_screens_are_freed(
    make_app, declare, monkeypatch
):
    """Each screen's first frame freezes what is alive, so collections while people type
    go through only what was made since; the screen left behind is still freed."""
    import gc
    import weakref

    from irdesk.tui import app as app_module

    settled: list[tuple[str, int]] = []  # (the screen, objects frozen) at each settling
    real = app_module.settle_memory

    def recording() -> None:
        real()
        settled.append((type(app.screen).__name__, gc.get_freeze_count()))

    monkeypatch.setattr(app_module, "settle_memory", recording)
    iid = declare(title="to and fro").incident_id
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        await until(pilot, lambda: [s for s, _ in settled] == ["HomeScreen"])
        await pilot.press("enter")
        await settle(pilot)
        runner = weakref.ref(app.screen)
        assert isinstance(runner(), RunnerScreen) and runner().session.incident_id == iid
        await until(pilot, lambda: [s for s, _ in settled] == ["HomeScreen", "RunnerScreen"])
        assert all(frozen > 0 for _, frozen in settled)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await until(pilot, lambda: len(settled) == 3)
        assert settled[-1][0] == "HomeScreen"
        # A screen still closing when home settled (a loaded machine) is frozen with the
        # rest; the next settling (any screen change) unfreezes and collects it.
        real()
        await until(pilot, lambda: runner() is None)
    assert gc.get_freeze_count() == 0  # the app gave it back when it ended


async def test_the_journals_warnings_are_shown_when_the_desk_opens(
    journal_path, clock, catalog, roster, make_app
):
    """A journal others can read, and triggers put back after an outside edit: the store
    says so when it opens the journal, and the desk shows it (the command line's stderr is
    hidden behind the screen)."""
    with Journal.open(journal_path, clock=clock):
        pass
    os.chmod(journal_path, 0o644)
    raw = sqlite3.connect(journal_path)
    raw.execute("DROP TRIGGER entries_no_delete")
    raw.commit()
    raw.close()
    with Journal.open(journal_path, clock=clock) as journal:
        desk = Desk(journal, catalog=catalog, roster=roster, clock=clock, actor=ACTOR)
        app = make_app(desk_=desk)
        async with run(app) as pilot:
            await settle(pilot)
            shown = toasts(app)
            assert f"journal {journal_path} can be read by others (mode 0644)" in shown
            assert "journal triggers were missing (entries_no_delete)" in shown
            assert "(recorded in the desk chain)" in shown
