"""The player view (``irdesk drill --player ID``): a drill as the room sees it, followed
live from the journal by a second connection, as a second terminal would.

The facilitator's desk is driven through the drill services on a fixed clock (its own
journal connection); the player view polls its own. At every point of a whole drill it
shows the exercise clock, every delivered inject whole (newest first) and what the team
recorded, and never the scenario's or an inject's facilitator text, an inject not yet
delivered, an expectation or a rating.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from textual.widgets import Digits, Static
from tui_helpers import run, screen_text, settle

from irdesk.services.desk import Desk
from irdesk.services.drill import DrillSession
from irdesk.store import Journal
from irdesk.tui.player_app import PlayerApp
from irdesk.tui.screens.player import PlayerScreen
from irdesk.tui.widgets.player import InjectCard

SCENARIO = "ttx-ceo-phish"


@pytest.fixture
def player_journal(journal_path, clock, journal) -> Iterator[Journal]:
    """The player view's own connection to the facilitator's journal."""
    with Journal.open(journal_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def facilitator(desk: Desk, catalog) -> DrillSession:
    return desk.start_drill(catalog.scenarios[SCENARIO])


@pytest.fixture
def player_app(player_journal, catalog, clock, facilitator) -> PlayerApp:
    desk = Desk(player_journal, catalog=catalog, clock=clock, actor="projector")
    session = desk.session(facilitator.incident_id)
    return PlayerApp(session)


def shown(app: PlayerApp) -> str:
    """Everything the player view's widgets show, with the wrapping undone."""
    parts = [str(w.render()) for w in app.screen.query(Static)]
    parts += [w.value for w in app.screen.query(Digits)]
    return " ".join(" ".join(parts).split())


def words(text: str) -> str:
    return " ".join(text.split())


def never_shown(facilitator: DrillSession) -> list[str]:
    """What must not be on the player view now: facilitator text, injects not delivered,
    expectations and ratings."""
    scenario = facilitator.scenario
    assert scenario is not None and scenario.facilitator
    hidden = [words(scenario.facilitator)]
    hidden += [words(i.facilitator) for i in scenario.injects if i.facilitator]
    drill = facilitator.drill
    hidden += [words(i.text) for i in scenario.injects if not drill.injects[i.id].delivered]
    hidden += [o.text for o in scenario.objectives]
    hidden += ["Expectation", "expectation", "Objective", "rating", "step:", "so far"]
    hidden += ["Performed", "missed", "pending"]
    return hidden


async def beat(pilot, facilitator: DrillSession, minutes: float = 0) -> None:
    """Time passes; the facilitator's desk delivers what is due; the player view polls."""
    facilitator.clock.advance(timedelta(minutes=minutes))
    facilitator.deliver_due()
    screen = pilot.app.screen
    assert isinstance(screen, PlayerScreen)
    screen.poll()
    screen.show_clock()
    await settle(pilot)


def assert_only_what_players_see(app: PlayerApp, facilitator: DrillSession) -> None:
    text = shown(app)
    whole = screen_text(app)
    for hidden in never_shown(facilitator):
        assert hidden not in text, hidden
        assert hidden not in whole, hidden
    cards = [words(str(c.render())) for c in app.screen.query(InjectCard)]
    delivered = list(reversed(facilitator.drill.delivered))
    assert len(cards) == len(delivered)  # every one: none folded into "+1 more"
    for card, inject in zip(cards, delivered, strict=True):
        assert words(inject.text) in card  # whole, every line
        assert card.startswith(words(inject.sender))


async def test_the_player_view_never_shows_what_only_the_facilitator_may_see(
    player_app, facilitator
):
    app = player_app
    async with run(app) as pilot:
        await settle(pilot)
        assert "No inject yet" in shown(app) and "NOT STARTED" in shown(app)
        assert "Tuesday, 10:05. An accounts payable clerk" in shown(app)  # the situation
        assert_only_what_players_see(app, facilitator)

        facilitator.start_clock()
        await beat(pilot, facilitator)
        assert "RUNNING" in shown(app)
        assert_only_what_players_see(app, facilitator)

        # The team works; the facilitator switches speed, pauses, resumes, skips one.
        facilitator.add_participant("Lena Fischer")
        facilitator.act_as("Lena Fischer")
        facilitator.note("Priya told to hold the payment")
        await beat(pilot, facilitator, 3)
        assert app.screen.query_one(Digits).value == "00:03:00"
        for minute in range(1, 70):
            if minute == 8:
                facilitator.acknowledge_inject("first-report")
            if minute == 12:
                facilitator.complete("triage")
            if minute == 20:
                facilitator.pause()
            if minute == 22:
                facilitator.resume()
            if minute == 28:
                facilitator.skip_inject("supplier-calls", "we are running out of time")
            if minute == 50:
                facilitator.set_speed(2)
            await beat(pilot, facilitator, 1)
            assert_only_what_players_see(app, facilitator)
        facilitator.end_drill()
        await beat(pilot, facilitator, 1)
        assert "ENDED" in shown(app)
        assert_only_what_players_see(app, facilitator)

        # what the team recorded, attributed, on the exercise clock
        record = str(app.screen.query_one("#player-record", Static).render())
        assert "Priya told to hold the payment" in record
        assert record.startswith("Team: Lena Fischer\n")
        assert "00:00:00  note  Lena Fischer" in record
        assert "Take ownership and triage the report" in record
        # the newest inject is on top and marked as such
        first = app.screen.query(InjectCard).first()
        assert first.has_class("newest") and first.border_title == "LATEST"
        assert facilitator.drill.delivered[-1].text.split()[0] in str(first.render())


async def test_the_player_view_writes_nothing(player_app, facilitator, journal):
    before = journal.entry_count(facilitator.incident_id)
    async with run(player_app) as pilot:
        await settle(pilot)
        await pilot.press("p", "n", "d", "i", "N", "E", "ctrl+p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PlayerScreen)
        assert journal.entry_count(facilitator.incident_id) == before
        await pilot.press("q")
        await settle(pilot)
    assert player_app.return_code == 0


def test_player_view_snapshot_100x30(player_app, facilitator, snap_compare):
    """Fourteen minutes in: three injects delivered (the first acknowledged), a note and a
    finished step on the team's record."""
    facilitator.start_clock()
    facilitator.deliver_due()
    facilitator.note("Priya told to hold the payment")
    facilitator.acknowledge_inject("first-report")
    facilitator.clock.advance(timedelta(minutes=12))
    facilitator.deliver_due()
    facilitator.complete("triage")
    facilitator.clock.advance(timedelta(minutes=2))

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        assert isinstance(pilot.app.screen, PlayerScreen)

    assert snap_compare(player_app, terminal_size=(100, 30), run_before=run_before)
