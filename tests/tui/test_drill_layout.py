"""The drill screen at the sizes facilitators really have (a laptop's 100x30, a wide
200x60): every delivered inject readable whole, the exercise panel and the drill's keys
on screen, and references to steps in people's words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Footer
from tui_helpers import screen_text, settle

from irdesk.tui.screens.drill import DrillScreen

SCENARIO = "ttx-ceo-phish"


@pytest.fixture
def drill_at_18m(desk, clock, catalog):
    """18 minutes in: three injects delivered, none acknowledged (3-5 lines each), triage
    done at 12m."""
    session = desk.start_drill(catalog.scenarios[SCENARIO])
    session.start_clock()
    session.deliver_due()
    clock.advance(timedelta(minutes=12))
    session.deliver_due()
    session.complete("triage")
    clock.advance(timedelta(minutes=6))
    session.deliver_due()
    assert [i.id for i in session.drill.unacknowledged] == [
        "first-report",
        "trace-results",
        "assistant-calls",
    ]
    return session


def visible_rows(screen: DrillScreen, selector: str) -> int:
    """How many rows of a widget are on the screen (0: not shown, or pushed off)."""
    widget = screen.query_one(selector)
    if not widget.display:
        return 0
    return widget.region.intersection(screen.region).height


@pytest.mark.parametrize("size", [(100, 30), (200, 60)])
async def test_every_inject_whole_and_the_exercise_panel_and_keys_on_screen(
    make_app, drill_at_18m, size
):
    app = make_app(drill_at_18m.incident_id)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        banner = screen.query_one("#inject-banner")
        text = str(screen.query_one("#inject-banner-text").content)
        for inject in drill_at_18m.drill.unacknowledged:  # all of them, every line
            assert " ".join(inject.text.split()) in " ".join(text.split())
        assert "more unacknowledged" not in text
        # the banner scrolls to what does not fit: nothing is cut away
        assert banner.virtual_size.height >= text.count("\n") + 1
        assert visible_rows(screen, "#drill-scroll") >= 6  # the exercise panel
        footer = screen_text(app).splitlines()[-1]
        for key in ("Start/pause clock", "Inject now", "Ack inject", "End drill"):
            assert key in footer, footer
        assert screen.query_one(Footer)
        # the panel shows each delivered inject whole, and steps by their titles
        panel = " ".join(str(screen.query_one("#drill-panel").content).split())
        assert "step:" not in panel
        assert 'first-report → "Take ownership and triage the report" done' in panel
        assert " ".join(drill_at_18m.drill.injects["trace-results"].text.split()) in panel


@pytest.mark.parametrize("size", [(100, 30), (200, 60)])
def test_drill_screen_snapshot(make_app, drill_at_18m, snap_compare, size):
    app = make_app(drill_at_18m.incident_id)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        assert isinstance(pilot.app.screen, DrillScreen)
        pilot.app.clear_notifications()  # the INJECT toasts time out in a real session
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
