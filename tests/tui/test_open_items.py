"""Open improvement items where the next team will trip over the same thing (issue 15):
at their step in the runner (a short marker in the step panel) and in the briefing of
the next drill on the same playbook. Closed items and items of other playbooks do not
show."""

from __future__ import annotations

from datetime import timedelta

from tui_helpers import run, screen_text, settle, text_of

from irdesk.services.review import ReviewSession, close_improvement
from irdesk.tui.modals.briefing import DrillBriefing
from irdesk.tui.screens.drill import DrillScreen
from irdesk.tui.screens.runner import RunnerScreen

SCENARIO = "ttx-ceo-phish"  # on the account-compromise playbook
HOSTILE = "Call the bank [bold]first[/bold] \x1b[31m"


def earlier_items(desk, declare, clock) -> tuple[str, str, str]:
    """An earlier incident on account-compromise with three items: open at triage, open
    without a step, done at triage; and one open item on another playbook."""
    earlier = declare(title="Earlier phish")
    clock.advance(timedelta(hours=1))
    earlier.close("done")
    review = ReviewSession(earlier)
    at_triage = review.add_improvement(HOSTILE, owner="ada", due="2026-12-20", step="triage")
    general = review.add_improvement("Phishing refresher", owner="Head of Finance")
    done = review.add_improvement("Old fix", owner="dev", step="triage")
    close_improvement(desk.journal, done.item, "done", "shipped", actor="dev")
    other = declare(playbook="ransomware", title="Ransomware")
    clock.advance(timedelta(hours=1))
    other.close("done")
    ReviewSession(other).add_improvement("Offline backups", owner="dev", step="triage")
    return at_triage.item, general.item, done.item


def marker(app) -> str:
    return text_of(app.screen.query_one("#step-items"))


async def test_the_runner_marks_open_items_at_their_step(desk, declare, make_app, clock):
    at_triage, _general, done = earlier_items(desk, declare, clock)
    session = declare(title="Phished again")
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen)
        shown = marker(app)
        assert shown.startswith(f"⚑ 1 open improvement item: {at_triage} ")
        assert "Call the bank [bold]first[/bold] ␛[31m (ada, due 2026-12-20)" in shown
        assert done not in shown and "Offline backups" not in shown
        # another step has none: no marker
        await pilot.press("down")
        await settle(pilot)
        assert not app.screen.query_one("#step-items").display


async def test_the_next_drill_briefing_lists_open_items(desk, declare, make_app, clock, catalog):
    at_triage, general, done = earlier_items(desk, declare, clock)
    drill = desk.start_drill(catalog.scenarios[SCENARIO])
    app = make_app(drill.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DrillBriefing)
        text = screen_text(app)
        assert "Improvement items still open on this playbook" in text
        assert f"{at_triage} Call the bank" in text and f"{general} Phishing refresher" in text
        assert done not in text and "Offline backups" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DrillScreen)
        assert marker(app).startswith(f"⚑ 1 open improvement item: {at_triage} ")
