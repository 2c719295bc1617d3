"""The drill screen (issue #5), driven by keys on a fixed clock: briefing, exercise clock,
injects, expectations and objective ratings, the facilitator's keys, the hot wash and the
move to the review.

A drill is declared on the tests' copy of the ``ttx-ceo-phish`` scenario (playbook
account-compromise); every app runs at 130x40 with actor alice. Time moves only when a test
advances the FixedClock, and the screen's half-second poll (which delivers due injects) and
one-second clock tick are called directly after each advance, so nothing depends on how
fast the machine is. Assertions read the journal with the store API and the screen as a
person would (widget text or the whole terminal).
"""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Markdown
from tui_helpers import (
    ACTOR,
    START,
    kinds,
    notify_calls,
    paste,
    rows,
    run,
    screen_text,
    settle,
    text_of,
    toasts,
)

from irdesk.domain.drill import DK, RATING_RULE, event_words
from irdesk.domain.incident import K
from irdesk.tui.modals.briefing import DrillBriefing
from irdesk.tui.modals.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt
from irdesk.tui.screens.drill import STATUS_MARK, DrillScreen, HotwashScreen
from irdesk.tui.screens.review import ReviewScreen

SCENARIO = "ttx-ceo-phish"
ACK_TIMER = "An incident commander acknowledges the incident"
Q1 = (
    "At what point did you call the bank about yesterday's 12,000 EUR payment, and who has "
    "the authority and the number to do it?"
)
Q3 = (
    "Did you treat the CEO's own account as compromised, given the delegate access? What "
    "evidence would settle it either way?"
)


# --------------------------------------------------------------------------- helpers


def panel(screen: DrillScreen) -> str:
    return str(screen.query_one("#drill-panel").content)


def banner(screen: DrillScreen) -> str:
    return str(screen.query_one("#inject-banner-text").content)


def banner_shown(screen: DrillScreen) -> bool:
    return screen.query_one("#inject-banner").display


def header(screen: DrillScreen) -> str:
    return str(screen.query_one("#incident-header").content)


def timers(screen: DrillScreen) -> str:
    return str(screen.query_one("#timers").content)


def exercise_s(minutes: float) -> float:
    return round(minutes * 60, 3)


async def beat(pilot, screen: DrillScreen) -> None:
    """What the screen's own intervals do every half second and second, called now."""
    screen.poll()
    screen.tick_clock()
    await settle(pilot)


def expectation_lines(screen: DrillScreen) -> dict[tuple[str, str], str]:
    """(inject, event) -> status, from the session (what the panel must agree with)."""
    return {(e.inject, e.event): e.status for e in screen.session.expectations()}


def assert_panel_matches_session(screen: DrillScreen) -> None:
    """Every expectation and objective rating of the session is on the panel as such."""
    text = panel(screen)
    for ex in screen.session.expectations():
        words = event_words(screen.state, ex.event)  # "Take ownership..." done, not step:...
        assert f"{STATUS_MARK[ex.status]} {ex.status:<7} {ex.inject} → {words}" in text
    for rating in screen.session.ratings():
        line = f" {rating.letter}  {rating.objective.text}  {rating.label}"
        assert line + (" (provisional)" if rating.provisional else "") in text, line


def scenario_digit(catalog) -> str:
    """The digit that picks ttx-ceo-phish in the app's scenario list (sorted by title)."""
    ordered = sorted(catalog.scenarios.values(), key=lambda s: s.title)
    index = [s.id for s in ordered].index(SCENARIO)
    assert index < 9
    return str(index + 1)


# --------------------------------------------------------------------------- the whole drill


async def test_whole_drill_from_briefing_to_review(make_app, journal, clock, catalog):
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        # Home: d lists the scenarios; the digit starts the drill on ours.
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        assert "Start a drill" in screen_text(app)
        assert "The CEO's mailbox  (account-compromise, 1h)" in screen_text(app)
        await pilot.press(scenario_digit(catalog))
        await settle(pilot)

        [record] = journal.incidents()
        iid = record.id
        assert record.mode == "drill" and record.playbook_id == "account-compromise"
        assert kinds(journal, iid) == [K.DECLARED]  # the clock waits for the facilitator

        # ---- briefing: shown by itself; summary, objectives, duration, rating rule
        assert isinstance(app.screen, DrillBriefing)
        assert app.focused is app.screen.query_one("#start")
        shown = screen_text(app)
        assert "The CEO's mailbox" in shown
        assert "Planned duration: 1h · injects: 7 · playbook: account-compromise" in shown
        assert "Tuesday, 10:05. An accounts payable clerk forwards an urgent payment" in shown
        assert "Objectives" in shown
        assert "• Cut the attacker out of every exposed account" in shown
        assert "• Stop further fraudulent payments and bring in finance" in shown
        assert "Start the exercise clock" in shown
        # the buttons have the focus; page down and up still read the briefing whole
        body = app.screen.query_one("#briefing-body")
        assert body.max_scroll_y > 0  # longer than the dialog at this size
        await pilot.press("pagedown")
        await settle(pilot)
        assert body.scroll_y > 0
        await pilot.press("pageup")
        await settle(pilot)
        assert body.scroll_y == 0
        assert app.focused is app.screen.query_one("#start")
        # the scenario's facilitator text is on the facilitator's briefing (only there)
        assert "For the facilitator (not on the player view)" in shown
        assert 'hold the "assistant calls" inject until' in app.screen.query_one(Markdown).source
        source = app.screen.query_one(Markdown).source
        for line in RATING_RULE.split("\n"):
            assert line in source
        app.screen.query_one("#briefing-body").scroll_end(animate=False)
        await settle(pilot)
        shown = screen_text(app)
        assert "How objectives are rated" in shown
        assert "P, performed without challenges: every applicable expectation was met." in shown
        assert "U, unable to be performed: every applicable expectation was missed." in shown

        # ---- enter starts the exercise clock; the 0m inject is delivered by the poll
        await pilot.press("enter")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        started = rows(journal, iid, DK.CLOCK)
        assert [(e.payload, e.actor, e.occurred_at) for e in started] == [
            ({"action": "start", "exercise_at_s": 0.0}, ACTOR, START)
        ]
        await beat(pilot, drill)
        [first] = rows(journal, iid, DK.DELIVERED)
        assert first.actor == "system"
        assert first.payload["inject"] == "first-report"
        assert first.payload["from"] == "Helpdesk"
        assert (
            first.payload["early"],
            first.payload["exercise_at_s"],
            first.payload["due_at_s"],
        ) == (False, 0.0, 0.0)
        assert "RUNNING" in header(drill) and "exercise 00:00:00 / 1h · 1x" in header(drill)
        assert banner_shown(drill)
        assert banner(drill).startswith("Helpdesk  at 00:00:00\nTicket from Priya")
        assert "NEW INJECT (i to acknowledge)" in screen_text(app)
        assert "INJECT" in toasts(app) and "Helpdesk: Ticket from Priya" in toasts(app)

        # ---- i acknowledges it: journaled, and the banner goes away
        await pilot.press("i")
        await settle(pilot)
        [ack] = rows(journal, iid, DK.ACKNOWLEDGED)
        assert (ack.payload, ack.actor) == ({"inject": "first-report"}, ACTOR)
        assert not banner_shown(drill)
        assert "NEW INJECT" not in screen_text(app)

        # ---- two minutes in: the expectations count down on the exercise clock
        clock.advance(timedelta(minutes=2))
        await beat(pilot, drill)
        assert "⏳ pending first-report → acknowledged  00:08:00 left" in panel(drill)
        assert (
            '⏳ pending first-report → "Take ownership and triage the report" done  00:13:00 left'
            in panel(drill)
        )
        assert "· trace-results in 00:08:00" in panel(drill)

        # ---- P pauses; paused time does not count (30 minutes of wall time pass)
        await pilot.press("P")
        await settle(pilot)
        assert rows(journal, iid, DK.CLOCK)[-1].payload == {
            "action": "pause",
            "exercise_at_s": exercise_s(2),
        }
        assert "PAUSED" in header(drill)
        clock.advance(timedelta(minutes=30))
        await beat(pilot, drill)
        assert "exercise 00:02:00 / 1h" in header(drill) and "PAUSED" in header(drill)
        assert "⏳ pending first-report → acknowledged  00:08:00 left" in panel(drill)
        assert "· trace-results in 00:08:00" in panel(drill)
        assert f"{ACK_TIMER}: 18m left" in timers(drill)
        assert rows(journal, iid, DK.DELIVERED) == [first]
        assert rows(journal, iid, K.ESCALATED) == []
        await pilot.press("P")
        await settle(pilot)
        assert rows(journal, iid, DK.CLOCK)[-1].payload == {
            "action": "resume",
            "exercise_at_s": exercise_s(2),
        }
        assert "RUNNING" in header(drill)

        # ---- the team works the triage step at 3m: both first-report expectations met
        clock.advance(timedelta(minutes=1))
        await pilot.press("1", "3", "4", "2")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await paste(pilot, "phish.eml in case 4711")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")  # every item ticked: no confirmation
        await settle(pilot)
        done = rows(journal, iid, K.STEP_DONE)
        assert [(e.payload["step"], e.payload["marks"]) for e in done] == [
            ("triage", "acknowledged")
        ]
        assert len(rows(journal, iid, K.TICKED)) == 4
        assert "✔ met     first-report → acknowledged  at 00:03:00" in panel(drill)
        assert (
            '✔ met     first-report → "Take ownership and triage the report" done  at 00:03:00'
            in panel(drill)
        )
        # the inject waiting for the end of triage is now scheduled 5m after it
        assert "· assistant-calls in 00:05:00" in panel(drill)
        assert f"{ACK_TIMER}: met at exercise 00:03:00" in timers(drill)

        # ---- > three times: 2x, 5x, 10x; < slows down, > back to 10x
        await pilot.press(
            "greater_than_sign",
            "greater_than_sign",
            "greater_than_sign",
            "less_than_sign",
            "greater_than_sign",
        )
        await settle(pilot)
        speeds = [
            (e.payload["speed"], e.payload["from"], e.payload["exercise_at_s"])
            for e in rows(journal, iid, DK.SPEED)
        ]
        at3 = exercise_s(3)
        assert speeds == [(2, 1, at3), (5, 2, at3), (10, 5, at3), (5, 10, at3), (10, 5, at3)]
        assert " · 10x · RUNNING" in header(drill)

        # ---- 30 s of wall time at 10x is 5 exercise minutes: assistant-calls comes due
        clock.advance(timedelta(seconds=30))
        await beat(pilot, drill)
        delivered = rows(journal, iid, DK.DELIVERED)
        assert [e.payload["inject"] for e in delivered] == ["first-report", "assistant-calls"]
        assert (delivered[-1].payload["exercise_at_s"], delivered[-1].payload["due_at_s"]) == (
            exercise_s(8),
            exercise_s(8),
        )
        assert banner(drill).startswith("Tom (executive assistant)  at 00:08:00\n")
        clock.advance(timedelta(seconds=12))  # exercise 10m: trace-results
        await beat(pilot, drill)
        delivered = rows(journal, iid, DK.DELIVERED)
        assert delivered[-1].payload["inject"] == "trace-results"
        assert delivered[-1].payload["exercise_at_s"] == exercise_s(10)
        # both unacknowledged injects, whole, newest first: none hides behind "+1 more"
        assert banner(drill).startswith("Mail gateway admin  at 00:10:00\nThe payment request")
        assert "\n\nTom (executive assistant)  at 00:08:00\n" in banner(drill)
        assert banner(drill).endswith('so I have access to her mailbox."')
        assert drill.query_one("#inject-banner").border_title == (
            "2 NEW INJECTS (i acknowledges the top one)"
        )
        assert "exercise 00:10:00 / 1h · 10x" in header(drill)

        # ---- 14m: the 5-minute expectation of assistant-calls (due 13m) is missed
        clock.advance(timedelta(seconds=24))
        await beat(pilot, drill)
        assert (
            expectation_lines(drill)[("assistant-calls", "step:credentials-entered:done")]
            == "missed"
        )
        assert (
            '✘ missed  assistant-calls → "Did anyone hand over credentials or approve MFA?" done'
            in panel(drill)
        )
        assert (
            '⏳ pending assistant-calls → "Cut the attacker out of exposed accounts" done  '
            "00:24:00 left"
        ) in panel(drill)

        # ---- N offers the pending injects, the next one first; enter delivers it early
        await pilot.press("N")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        choices = screen_text(app)
        assert "Deliver which inject now?" in choices
        assert "1. hidden-rule (due in 00:11:00)" in choices
        assert "2. cfo-pressure (due in 00:16:00)" in choices
        await pilot.press("enter")
        await settle(pilot)
        early = rows(journal, iid, DK.DELIVERED)[-1]
        assert early.actor == ACTOR
        assert {k: early.payload[k] for k in ("inject", "early", "exercise_at_s", "due_at_s")} == {
            "inject": "hidden-rule",
            "early": True,
            "exercise_at_s": exercise_s(14),
            "due_at_s": exercise_s(25),
        }
        assert "✔ hidden-rule 00:14:00 early" in panel(drill)

        # ---- K skips one with the facilitator's reason
        await pilot.press("K")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        choices = screen_text(app)
        assert "1. cfo-pressure:" in choices and "3. supplier-calls:" in choices
        assert "hidden-rule:" not in choices  # delivered already
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "Why skip supplier-calls?" in screen_text(app)
        await paste(pilot, "legal is not in the room today")
        await pilot.press("enter")
        await settle(pilot)
        [skipped] = rows(journal, iid, DK.SKIPPED)
        assert (skipped.payload, skipped.actor) == (
            {
                "inject": "supplier-calls",
                "reason": "facilitator",
                "detail": "legal is not in the room today",
            },
            ACTOR,
        )
        assert "↷ supplier-calls skipped (facilitator: legal is not in the room today)" in panel(
            drill
        )
        assert expectation_lines(drill)[("supplier-calls", "step:legal-review:started")] == "n/a"

        # ---- I adds a free-form inject, delivered at once, from whoever the facilitator says
        await pilot.press("I")
        await settle(pilot)
        await paste(pilot, "The CEO calls from the airport: is my own account safe?")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert app.screen.query_one("#prompt-input", Input).value == "Facilitator"
        await pilot.press("ctrl+u")
        await paste(pilot, "CEO")
        await pilot.press("enter")
        await settle(pilot)
        [added] = rows(journal, iid, DK.ADDED)
        assert (added.payload, added.actor) == (
            {
                "inject": "extra-1",
                "text": "The CEO calls from the airport: is my own account safe?",
                "from": "CEO",
                "exercise_at_s": exercise_s(14),
            },
            ACTOR,
        )
        assert banner(drill).startswith("CEO  at 00:14:00\nThe CEO calls from the airport")
        assert banner(drill).count("  at 00:") == 4  # and the three older ones, whole
        await pilot.press("i")  # the newest is acknowledged first
        await settle(pilot)
        assert rows(journal, iid, DK.ACKNOWLEDGED)[-1].payload == {"inject": "extra-1"}
        assert banner(drill).startswith("SOC analyst  at 00:14:00\n")
        assert banner(drill).count("  at 00:") == 3

        # ---- mid-exercise: met, missed, n/a and provisional ratings, as the session says
        assert_panel_matches_session(drill)
        letters = [(r.objective.id, r.rating, r.provisional) for r in drill.session.ratings()]
        assert letters == [
            ("contain-fast", "M", True),
            ("scope-fully", "P", True),
            ("protect-money", None, True),
        ]
        # mid-drill a rating is provisional, and looks it: a question mark, not a final letter
        assert " M?  Cut the attacker out" in panel(drill)
        assert " M  Cut the attacker out" not in panel(drill)
        assert "Performed with major challenges (provisional)" in panel(drill)

        # ---- E + y ends the drill and opens the hot wash
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        assert "End the drill?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        [ended] = rows(journal, iid, DK.ENDED)
        assert (ended.payload, ended.actor) == ({"exercise_at_s": exercise_s(14)}, ACTOR)
        assert isinstance(app.screen, HotwashScreen)
        # the panel underneath is final: nothing pending, undelivered injects are n/a,
        # and what was not yet due when the drill ended early is not reached, not missed
        statuses = expectation_lines(drill)
        assert statuses == {
            ("first-report", "acknowledged"): "met",
            ("first-report", "step:triage:done"): "met",
            ("trace-results", "step:scope-campaign:done"): "not reached",
            ("assistant-calls", "step:credentials-entered:done"): "missed",
            ("assistant-calls", "step:revoke-access:done"): "not reached",
            ("hidden-rule", "step:hunt-persistence:done"): "not reached",
            ("cfo-pressure", "step:assess-exposure:started"): "n/a",
            ("session-still-live", "contained"): "n/a",
            ("supplier-calls", "step:legal-review:started"): "n/a",
        }
        assert [(r.objective.id, r.rating, r.provisional) for r in drill.session.ratings()] == [
            ("contain-fast", "M", False),
            ("scope-fully", "P", False),  # what came due was met; the rest was not reached
            ("protect-money", None, False),
        ]
        assert_panel_matches_session(drill)
        assert "– cfo-pressure not delivered (the drill ended first)" in panel(drill)
        assert " –  Stop further fraudulent payments" in panel(drill)
        assert "ENDED" in header(drill)

        # ---- hot wash: answers journaled with their question's index
        hotwash = app.screen
        assert "Hot wash  0/4 answered" in screen_text(app)
        assert "Question 1 of 4" in screen_text(app)
        await paste(pilot, "We called the bank at 10:40; only the CFO had the number")
        await pilot.press("enter")
        await settle(pilot)
        assert "Question 1 of 4" in screen_text(app)  # stays: the team may say more
        await paste(pilot, "The number is now in the playbook")
        await pilot.press("enter")
        await settle(pilot)
        assert "Question 1 of 4" in screen_text(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert "Question 2 of 4" in screen_text(app)  # moved on only when asked
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert "Question 3 of 4" in screen_text(app)
        await paste(pilot, "Yes, until the sign-in logs showed otherwise")
        await pilot.press("enter")
        await settle(pilot)
        answers = rows(journal, iid, DK.ANSWER)
        assert [(e.payload, e.actor) for e in answers] == [
            (
                {
                    "index": 0,
                    "question": Q1,
                    "answer": "We called the bank at 10:40; only the CFO had the number",
                },
                ACTOR,
            ),
            (
                {"index": 0, "question": Q1, "answer": "The number is now in the playbook"},
                ACTOR,
            ),
            (
                {
                    "index": 2,
                    "question": Q3,
                    "answer": "Yes, until the sign-in logs showed otherwise",
                },
                ACTOR,
            ),
        ]
        assert "Hot wash  2/4 answered" in text_of(hotwash.query_one("#hotwash-title"))
        assert "Question 3 of 4" in screen_text(app)
        # ctrl+b goes back (ctrl+p is the app's command palette, everywhere)
        assert "^b Previous question" in screen_text(app)
        await pilot.press("ctrl+b", "ctrl+b")
        await settle(pilot)
        assert app.screen is hotwash
        assert "Question 1 of 4" in screen_text(app)
        assert str(hotwash.query_one("#hotwash-answers").content) == (
            "• We called the bank at 10:40; only the CFO had the number  (alice)\n"
            "• The number is now in the playbook  (alice)\n"
        )

        # ---- ctrl+f + y: hot wash done, the drill closes, its review opens
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        assert "2 question(s) have no answer." in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        [finished] = rows(journal, iid, DK.HOTWASH_DONE)
        assert finished.payload == {"answered": 2, "questions": 4}
        [closed] = rows(journal, iid, K.CLOSED)
        assert closed.seq > finished.seq
        assert journal.incident(iid).status == "closed"
        assert isinstance(app.screen, ReviewScreen)
        head = str(app.screen.query_one("#review-head").content)
        assert head.startswith(
            f"After-action review  {iid}  Drill: The CEO's mailbox  "
            "(drill, closed)  ·  as alice (commander)\nreview: not started"
        )
        assert journal.verify().ok


async def test_briefing_later_and_keys_that_make_no_sense_yet(
    desk, make_app, journal, clock, catalog
):
    """Escape on the briefing leaves the clock stopped (P starts it); keys that need a
    running or ended drill say why instead of writing anything."""
    session = desk.start_drill(catalog.scenarios[SCENARIO])
    iid = session.incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DrillBriefing)
        await pilot.press("escape")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        clock.advance(timedelta(minutes=5))
        await beat(pilot, drill)
        assert "exercise 00:00:00 / 1h · 1x · NOT STARTED (P)" in header(drill)
        assert "· first-report in 00:00:00" in panel(drill)
        assert not banner_shown(drill)
        for key, message in (
            ("N", "start the exercise clock first"),
            ("i", "no inject is waiting for acknowledgement"),
            ("H", "the hot wash starts when the drill has ended (E)"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert message in toasts(app), key
        assert kinds(journal, iid) == [K.DECLARED]

        await pilot.press("P")
        await beat(pilot, drill)
        assert rows(journal, iid, DK.CLOCK)[0].payload == {"action": "start", "exercise_at_s": 0.0}
        assert [e.payload["inject"] for e in rows(journal, iid, DK.DELIVERED)] == ["first-report"]
        await pilot.press("B")  # the briefing again, to read out
        await settle(pilot)
        assert isinstance(app.screen, DrillBriefing)
        assert "Resume" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("E", "y")
        await settle(pilot)
        assert isinstance(app.screen, HotwashScreen)
        await pilot.press("escape")  # back to the drill screen; H brings the hot wash back
        await settle(pilot)
        assert app.screen is drill
        before = kinds(journal, iid)
        app.clear_notifications()
        for key in ("P", "greater_than_sign"):
            await pilot.press(key)
            await settle(pilot)
        assert "the drill has ended" in toasts(app)
        assert kinds(journal, iid) == before
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HotwashScreen)
        assert "Hot wash  0/4 answered" in screen_text(app)


# --------------------------------------------------------------------------- timers


async def test_drill_timers_run_on_the_exercise_clock_and_never_notify(
    desk, make_app, journal, clock, catalog, notify_log
):
    """The playbook's 20-minute acknowledge timer counts exercise time: it stands still
    while the exercise is paused and runs ten times as fast at 10x. When it lapses the
    escalation is journaled and shown, but no notify command runs in a drill."""
    assert desk.roster.notify is not None  # a live incident would run the recording script
    session = desk.start_drill(catalog.scenarios[SCENARIO])
    iid = session.incident_id
    clock.advance(timedelta(minutes=3))  # the briefing took three minutes
    session.start_clock()
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)  # the clock runs: no briefing
        clock.advance(timedelta(minutes=5))
        await beat(pilot, drill)
        assert f"{ACK_TIMER}: 15m left" in timers(drill)

        await pilot.press("P")
        await settle(pilot)
        clock.advance(timedelta(hours=2))
        await beat(pilot, drill)
        assert f"{ACK_TIMER}: 15m left" in timers(drill)
        assert rows(journal, iid, K.ESCALATED) == []
        # the step's expected 15 minutes are not overdue either
        assert "OVERDUE" not in str(drill.query_one("#step-meta").content)

        await pilot.press("P", "greater_than_sign", "greater_than_sign", "greater_than_sign")
        await settle(pilot)
        assert rows(journal, iid, DK.SPEED)[-1].payload["speed"] == 10
        clock.advance(timedelta(seconds=89))  # 14m50s of exercise time
        await beat(pilot, drill)
        assert f"{ACK_TIMER}: 10s left" in timers(drill)
        assert rows(journal, iid, K.ESCALATED) == []
        clock.advance(timedelta(seconds=2))  # 20 seconds of exercise time later: lapsed
        await beat(pilot, drill)
        [fired] = rows(journal, iid, K.ESCALATED)
        assert (fired.payload["timer"], fired.payload["level"]) == ("acknowledge", 1)
        assert "LAPSED 10s ago" in timers(drill)
        assert "ESCALATION" in toasts(app)
        # The escalation shows; nobody is paged for an exercise.
        assert rows(journal, iid, K.NOTIFIED) == []
        assert notify_calls(notify_log) == []

        # Acknowledging stops the timer, read on the exercise clock.
        await pilot.press("a")
        await settle(pilot)
        assert f"{ACK_TIMER}: met late at exercise 00:20:10" in timers(drill)
        assert rows(journal, iid, K.NOTIFIED) == []
        assert notify_calls(notify_log) == []


# --------------------------------------------------------------------------- layout


async def test_current_step_and_ratings_stay_on_screen_with_an_inject_up(
    desk, make_app, journal, clock, catalog
):
    session = desk.start_drill(catalog.scenarios[SCENARIO])
    session.start_clock()
    session.deliver_due()
    app = make_app(session.incident_id)
    async with run(app) as pilot:
        await settle(pilot)
        app.clear_notifications()
        await settle(pilot)
        assert banner_shown(app.screen)
        shown = screen_text(app)
        assert "Now: Take ownership and triage the report" in shown
        assert "[ ] 1. Incident acknowledged and severity set" in shown
        assert "Objectives (B shows the rating rule)" in shown


# --------------------------------------------------------------------------- snapshot


def test_drill_screen_snapshot_mid_exercise(desk, make_app, clock, catalog, snap_compare):
    """12 minutes into the exercise: first-report acknowledged, trace-results unacknowledged
    in the banner, triage done at 12m (its 10-minute expectation late, its 15-minute one
    met), the acknowledge timer met on the exercise clock. The squeezed step panel at the
    top right is the layout bug of the xfail test above."""
    session = desk.start_drill(catalog.scenarios[SCENARIO])
    session.start_clock()
    session.deliver_due()
    session.acknowledge_inject("first-report")
    clock.advance(timedelta(minutes=12))
    session.deliver_due()
    for item in (0, 2, 3):
        session.tick("triage", item)
    session.tick("triage", 1, "phish.eml")
    session.complete("triage")
    app = make_app(session.incident_id)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        assert isinstance(pilot.app.screen, DrillScreen)
        pilot.app.clear_notifications()  # the INJECT toasts time out in a real session
        await settle(pilot)

    assert snap_compare(app, terminal_size=(130, 40), run_before=run_before)


# --------------------------------------------------------------------------- quitting


def started_drill(desk, catalog):  # noqa: ANN001, ANN201
    """A drill on the scenario with its exercise clock started: (session, incident id)."""
    session = desk.start_drill(catalog.scenarios[SCENARIO])
    session.start_clock()
    return session, session.incident_id


async def test_quitting_at_10x_pauses_the_exercise_and_reopening_asks_to_resume(
    desk, make_app, journal, clock, catalog
):
    """q asks; the clock pauses (journaled) while the desk is closed; 40 s away at 10x
    costs the team nothing: no inject delivered and no expectation missed meanwhile."""
    session, iid = started_drill(desk, catalog)
    session.set_speed(10)
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        clock.advance(timedelta(seconds=30))  # 5 exercise minutes
        await beat(pilot, drill)
        before = expectation_lines(drill)
        delivered = [e.payload["inject"] for e in rows(journal, iid, DK.DELIVERED)]
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        assert "The exercise clock pauses while the facilitator's desk is closed" in (
            screen_text(app)
        )
        await pilot.press("y")
        await settle(pilot)
    pause = rows(journal, iid, DK.CLOCK)[-1]
    assert pause.payload == {
        "action": "pause",
        "exercise_at_s": exercise_s(5),
        "reason": "desk closed",
    }

    clock.advance(timedelta(seconds=40))  # away: 6m40s of exercise time if it ran on
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        text = screen_text(app)
        assert "Resume the exercise?" in text
        assert "The facilitator's desk was closed for 40s." in text
        assert "paused at 00:05:00" in text
        drill = app.screen_stack[-2]
        assert isinstance(drill, DrillScreen)
        await beat(pilot, drill)
        assert "00:05:00" in header(drill) and "PAUSED (desk was closed)" in header(drill)
        assert [e.payload["inject"] for e in rows(journal, iid, DK.DELIVERED)] == delivered
        assert expectation_lines(drill) == before
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is drill
        assert rows(journal, iid, DK.CLOCK)[-1].payload["action"] == "resume"
        clock.advance(timedelta(seconds=6))  # one exercise minute more
        await beat(pilot, drill)
        assert "exercise 00:06:00 / 1h · 10x · RUNNING" in header(drill)


async def test_escape_home_pauses_too_and_a_hand_pause_is_not_asked_about(
    desk, make_app, journal, clock, catalog
):
    session, iid = started_drill(desk, catalog)
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert rows(journal, iid, DK.CLOCK)[-1].payload["reason"] == "desk closed"
        session.resume()  # someone resumed it; a pause by hand is not a closed desk
        session.pause()
        app.open_runner(iid)
        await settle(pilot)
        assert isinstance(app.screen, DrillScreen)


# --------------------------------------------------------------------------- the evaluator


async def test_the_facilitator_chooses_an_inject_and_marks_an_expectation_by_hand(
    desk, make_app, journal, clock, catalog
):
    session, iid = started_drill(desk, catalog)
    session.deliver_due()
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        await pilot.press("N")
        await settle(pilot)
        pending = [i.id for i in session.pending_injects()]
        choice = pending.index("cfo-pressure") + 1
        assert f"{choice}. cfo-pressure (due in" in screen_text(app)
        await pilot.press(str(choice))
        await settle(pilot)
        early = rows(journal, iid, DK.DELIVERED)[-1]
        assert (early.payload["inject"], early.payload["early"]) == ("cfo-pressure", True)

        clock.advance(timedelta(minutes=11))  # first-report's 10-minute acknowledgement missed
        await beat(pilot, drill)
        assert expectation_lines(drill)[("first-report", "acknowledged")] == "missed"
        await pilot.press("M")
        await settle(pilot)
        assert "Mark which expectation?" in screen_text(app)
        assert "1. first-report → acknowledged: missed" in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        assert "The rule says missed; your mark overrides it." in screen_text(app)
        await pilot.press("1")  # met
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await paste(pilot, "acknowledged on the bridge call at 4m")
        await pilot.press("enter")
        await settle(pilot)
        [mark] = rows(journal, iid, DK.MARKED)
        assert (mark.payload, mark.actor) == (
            {
                "inject": "first-report",
                "index": 0,
                "status": "met",
                "note": "acknowledged on the bridge call at 4m",
            },
            ACTOR,
        )
        assert "✔ met     first-report → acknowledged  by hand (rule: missed)" in panel(drill)


async def test_hot_wash_corrections_and_participant_feedback(
    desk, make_app, journal, clock, catalog
):
    session, iid = started_drill(desk, catalog)
    session.end_drill()
    first = session.answer(0, "We caled the bank")
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        hotwash = app.screen
        assert isinstance(hotwash, HotwashScreen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "1. Q1: We caled the bank" in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        prompt.query_one(Input).value = ""
        await paste(pilot, "We called the bank")
        await pilot.press("enter")
        await settle(pilot)
        fix = rows(journal, iid, DK.ANSWER)[-1]
        assert fix.corrects == first.seq and fix.payload["answer"] == "We called the bank"
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert str(hotwash.query_one("#hotwash-answers").content) == (
            "• We called the bank  (alice)  corrected\n"
        )

        await pilot.press("ctrl+g")
        await settle(pilot)
        await paste(pilot, "Bo")
        await pilot.press("enter")
        await settle(pilot)
        await paste(pilot, "clear roles")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # nothing to improve: may be empty
        await settle(pilot)
        [feedback] = rows(journal, iid, DK.FEEDBACK)
        assert feedback.payload == {"participant": "Bo", "went_well": "clear roles", "improve": ""}
        assert app.screen is hotwash
        assert "Feedback from 1 participant(s)" in screen_text(app)


async def test_quitting_from_a_screen_over_a_running_drill_asks_and_pauses_too(
    desk, make_app, journal, clock, catalog
):
    session, iid = started_drill(desk, catalog)
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")  # help: the drill screen's own q is not active
        await settle(pilot)
        assert not isinstance(app.screen, DrillScreen)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPrompt)
        assert "Quit irdesk?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
    assert rows(journal, iid, DK.CLOCK)[-1].payload["reason"] == "desk closed"
