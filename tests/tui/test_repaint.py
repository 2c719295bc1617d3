"""A write repaints what it changed and nothing else (issue 16: key → frame in the runner).

A tick redraws its own checklist item and adds its own timeline row; the rows, steps and
lines that look the same stay as they were drawn (the same option, the same prompt). What
the timeline shows is still exactly what it showed when it was drawn from scratch: the
newest rows in time order, a correction beside the row it corrects, each entry once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.text import Text
from tui_helpers import run, screen_text, settle, text_of, wait_until

from irdesk.tui.widgets import timeline as timeline_module
from irdesk.tui.widgets.header import IncidentHeader
from irdesk.tui.widgets.repaint import same
from irdesk.tui.widgets.step_panel import StepPanel
from irdesk.tui.widgets.steps import StepList
from irdesk.tui.widgets.timeline import INDENT, Timeline
from irdesk.tui.widgets.timers import TimerPanel


def drawn(widget) -> list[tuple[object, object]]:  # noqa: ANN001
    """Each option of an option list with the prompt it is drawn from."""
    return [(option, option.prompt) for option in widget.options]


def assert_redrawn(now: list, before: list, *changed: int) -> None:
    """The options drawn before are still there; only those at ``changed`` got a new
    prompt (``now`` may have more options after them)."""
    assert len(now) >= len(before)
    for index, ((option, prompt), (was, was_prompt)) in enumerate(zip(now, before, strict=False)):
        assert option is was, index
        assert (prompt is not was_prompt) == (index in changed), index


async def test_a_tick_redraws_its_own_item_and_adds_its_own_row(declare, make_app):
    session = declare()
    session.note("bridge open")
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        screen = app.screen
        checklist = screen.query_one(StepPanel).checklist
        steps, timeline = screen.query_one(StepList), screen.query_one(Timeline)
        header, timers = screen.query_one(IncidentHeader), screen.query_one(TimerPanel)
        before = {
            "checklist": drawn(checklist),
            "steps": drawn(steps),
            "timeline": drawn(timeline),
            "header": header.content,
            "timers": timers.content,
        }
        await pilot.press("3")
        await settle(pilot)
        items = drawn(checklist)
        assert str(items[2][1]).startswith("[x] 3. Reporter asked")
        assert_redrawn(items, before["checklist"], 2)
        assert len(items) == len(before["checklist"])
        assert_redrawn(drawn(steps), before["steps"])
        rows = drawn(timeline)
        assert_redrawn(rows, before["timeline"])
        assert len(rows) == len(before["timeline"]) + 1
        assert "checked" in str(rows[-1][1]) and "Reporter asked" in str(rows[-1][1])
        assert header.content is before["header"]
        assert timers.content is before["timers"]


async def test_a_correction_from_another_screen_redraws_the_row_it_corrects(
    desk, declare, make_app
):
    session = declare()
    iid = session.incident_id
    slip = session.note("firewall rule pushed to the wrong site")
    session.note("bridge open")
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        before = drawn(timeline)
        corrected = [e.seq for e in timeline.entries].index(slip.seq)
        desk.session(iid).correct(slip.seq, "it was the Berlin site")
        await wait_until(pilot, lambda: len(timeline.entries) == len(before) + 1)
        rows = drawn(timeline)
        assert "corrected by entry" in str(rows[corrected][1])
        assert "it was the Berlin site" in str(rows[corrected][1])
        assert_redrawn(rows, before, corrected)


@pytest.fixture
def iid(declare, clock, monkeypatch) -> str:  # noqa: ANN001
    """An incident of six notes a minute apart, on a timeline that keeps five rows."""
    monkeypatch.setattr(timeline_module, "TIMELINE_LINES", 5)
    session = declare()
    for n in range(6):
        clock.advance(timedelta(minutes=1))
        session.note(f"note {n}")
    return session.incident_id


async def test_the_live_timeline_keeps_the_newest_rows_in_time_order(desk, iid, make_app, clock):
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        assert [line[len(INDENT) :] for line in text_of(timeline).splitlines()] == [
            f"note {n}" for n in range(1, 6)
        ]
        other = desk.session(iid)
        clock.advance(timedelta(minutes=1))
        other.note("note 6")
        await wait_until(pilot, lambda: "note 6" in text_of(timeline))
        # backdated between note 4 and note 5: it goes where its time puts it
        other.milestone(
            "detected", occurred_at=clock.now() - timedelta(seconds=90), reason="SIEM alert"
        )
        await wait_until(pilot, lambda: "detected" in text_of(timeline))
        lines = text_of(timeline).splitlines()
        assert len(lines) == 5
        assert [line[:8] for line in lines] == sorted(line[:8] for line in lines)
        assert lines[0].endswith("note 3") and lines[-1].endswith("note 6")
        assert "milestone  detected" in lines[2]
        # each entry once, however often it is handed over (opening, then polling)
        timeline.add(list(desk.journal.entries(iid)))
        assert text_of(timeline).splitlines() == lines


async def test_a_focused_timeline_keeps_its_cursor_on_its_entry_as_rows_come_and_go(
    desk, iid, make_app, clock
):
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        await pilot.press("l", "up", "up")  # into the timeline, two rows up: note 3
        await settle(pilot)
        assert timeline.highlighted_entry.payload["text"] == "note 3"
        clock.advance(timedelta(minutes=1))
        desk.session(iid).note("note 6")
        await wait_until(pilot, lambda: "note 6" in text_of(timeline))
        assert timeline.highlighted_entry.payload["text"] == "note 3"
        assert timeline.highlighted == 1  # note 1 dropped off the top
        # a backdated entry draws the rows anew: the cursor still stays on its entry
        desk.session(iid).milestone(
            "detected", occurred_at=clock.now() - timedelta(seconds=90), reason="SIEM alert"
        )
        await wait_until(pilot, lambda: "detected" in text_of(timeline))
        assert timeline.highlighted_entry.payload["text"] == "note 3"
        assert timeline.highlighted == 0


@pytest.mark.parametrize(
    ("shown", "new", "alike"),
    [
        (Text("a", style="bold"), Text("a", style="bold"), True),
        (Text("a", style="bold"), Text("a"), False),  # Text.__eq__ says these are equal
        (Text.assemble(("a", "red"), "b"), Text.assemble("a", "b"), False),
        (Text("a"), Text("ab"), False),
        ("a", "a", True),
        ("a", Text("a"), False),
        (None, None, True),
    ],
)
def test_what_looks_the_same_is_not_drawn_again(shown, new, alike) -> None:  # noqa: ANN001
    assert same(shown, new) is alike


async def test_evidence_that_wraps_shows_whole_in_a_taller_checklist(declare, make_app):
    session = declare()
    app = make_app(session.incident_id)
    evidence = "message saved as lure.eml in the case folder, " * 3  # wraps at 130 wide
    async with run(app) as pilot:
        await settle(pilot)
        checklist = app.screen.query_one(StepPanel).checklist
        height = checklist.region.height
        session.tick("triage", 1, evidence.strip())  # another screen's tick
        await wait_until(pilot, lambda: checklist.region.height > height)
        box = checklist.region
        lines = screen_text(app).splitlines()[box.y : box.bottom]
        shown = "".join("".join(line[box.x : box.right] for line in lines).split())
        assert "".join(f'"{evidence.strip()}"'.split()) in shown
