"""Drills: what the responders see (the runner's widgets and keys) and the facilitator's
injects panel, exercise clock, briefing and hot wash."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from irdesk.domain.drill import MARKS, SPEEDS, ExpectationView, event_words, first_line
from irdesk.domain.durations import format_clock, format_duration
from irdesk.services.drill import DrillSession
from irdesk.text import visible
from irdesk.tui.modals.briefing import DrillBriefing
from irdesk.tui.modals.participants import choose_acting
from irdesk.tui.modals.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.screens.responder import RESPONDER_BINDINGS, Responder
from irdesk.tui.widgets.header import acting_as
from irdesk.tui.widgets.injects import STATUS_MARK, InjectBanner, InjectPanel
from irdesk.tui.widgets.layout import incident_layout

__all__ = ["STATUS_MARK", "DrillScreen", "HotwashScreen"]


class DrillScreen(Responder, inherit_bindings=False):
    """The drill as the team sees it (the runner's widgets and keys, on the exercise
    clock), with the facilitator's injects panel and controls on capital keys.

    Its bindings list the facilitator's keys before the responder's (not inherited, so
    that the footer shows them first: on a 100-column terminal the runner's keys alone
    fill it). Below 36 rows the screen is ``-short`` and the timeline gives its room to
    the exercise panel (irdesk.tcss)."""

    SHORT = 36  # rows

    BINDINGS = [
        Binding("P", "clock", "Start/pause clock", id="drill.clock"),
        Binding("greater_than_sign", "speed(1)", "Faster", id="drill.faster"),
        Binding("less_than_sign", "speed(-1)", "Slower", id="drill.slower", show=False),
        Binding("N", "next_inject", "Inject now", id="drill.next"),
        Binding("K", "skip_inject", "Skip inject", id="drill.skip", show=False),
        Binding("I", "add_inject", "Add inject", id="drill.add", show=False),
        Binding("i", "ack_inject", "Ack inject", id="drill.ack"),
        Binding("E", "end_drill", "End drill", id="drill.end"),
        Binding("H", "hotwash", "Hot wash", id="drill.hotwash", show=False),
        Binding("B", "briefing", "Briefing", id="drill.briefing", show=False),
        Binding("M", "mark", "Mark expectation", id="drill.mark", show=False),
        Binding("W", "who", "Who is acting", id="drill.who"),
        Binding("ctrl+q,q", "quit_desk", "Quit", id="drill.quit"),
        *RESPONDER_BINDINGS,
        # Textual's own screen keys, which a screen that does not inherit bindings loses
        Binding("tab", "app.focus_next", "Focus next", show=False, id="drill.focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Focus previous", show=False, id="drill.focus_prev"
        ),
        Binding(
            "ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False, id="drill.copy"
        ),
    ]

    def __init__(self, session: DrillSession) -> None:
        super().__init__(session)
        self.session: DrillSession = session

    def compose(self) -> ComposeResult:
        yield from incident_layout(
            under_step=[InjectBanner(id="inject-banner"), InjectPanel(id="drill-scroll")],
            exercise_clock=True,
        )
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < self.SHORT, "-short")

    def on_mount(self) -> None:
        self.set_class(self.size.height < self.SHORT, "-short")
        self.start_live()
        if not self.session.drill.started:
            self.call_after_refresh(self.action_briefing)
        elif self.session.paused_by_closing() is not None:
            self.call_after_refresh(self.ask_resume)

    def ask_resume(self) -> None:
        """Reopened after the desk was closed: say how long, and offer to resume."""
        away = self.session.paused_by_closing()
        if away is None:
            return
        drill = self.session.drill

        def chosen(ok: bool | None) -> None:
            if ok and self.session.drill.paused:
                self.record("resume the exercise clock", self.session.resume, self.show_state)

        self.app.push_screen(
            ConfirmPrompt(
                "Resume the exercise?",
                f"The facilitator's desk was closed for {format_duration(away)}. The exercise "
                f"clock paused at {format_clock(drill.exercise_elapsed(self.now()))} and "
                "nothing came due meanwhile. Resume now, or later with P.",
                yes="Resume",
            ),
            chosen,
        )

    def pause_for_closing(self) -> bool:
        """Pause the exercise clock as the desk closes; False when that could not be
        journaled (the person was told why)."""
        with self.app.attempt("exercise clock not paused") as attempt:
            self.session.pause_for_closing()
        return not attempt.failed

    def action_quit_desk(self) -> None:
        def confirmed(ok: bool | None) -> None:
            if ok and self.pause_for_closing():
                self.app.exit()

        running = self.session.drill.running
        self.app.push_screen(
            ConfirmPrompt(
                "Quit irdesk?",
                "The exercise clock pauses while the facilitator's desk is closed; reopening "
                "the drill asks whether to resume."
                if running
                else "The drill stays as it is; reopen it from the desk.",
                yes="Quit",
            ),
            confirmed,
        )

    def action_back(self) -> None:
        """Home: the exercise clock pauses too (nobody here delivers injects meanwhile)."""
        if self.pause_for_closing():
            super().action_back()

    # ----------------------------------------------------------------- the view
    def show_state(self) -> None:
        super().show_state()
        self._show_injects()

    def show_clock(self) -> None:
        super().show_clock()
        self._show_injects()

    def _show_injects(self) -> None:
        self.query_one(InjectBanner).show(self.state)
        self.query_one(InjectPanel).show(self.state, self.now(), acting=self.acting_label())

    def acting_label(self) -> str:
        session = self.session
        if session.acting is None:
            return f"{session.facilitator} (the facilitator)"
        return session.acting

    def poll(self) -> None:
        """Other processes' writes, then the injects whose time has come."""
        super().poll()
        drill = self.session.drill
        if not drill.started or drill.ended:
            return
        delivered = self.app.in_background("inject", self.session.deliver_due)
        for inject in delivered or ():
            self.notify(
                visible(f"{inject.sender}: {inject.text}"),
                title="INJECT",
                severity="warning",
                timeout=10,
            )

    # ----------------------------------------------------------------- facilitator
    def action_briefing(self) -> None:
        def chosen(start: bool | None) -> None:
            drill = self.session.drill
            if start and not drill.started:
                self.record("start the exercise clock", self.session.start_clock, self.show_state)
            elif start and drill.paused:
                self.record("resume the exercise clock", self.session.resume, self.show_state)

        self.app.push_screen(DrillBriefing(self.session), chosen)

    def people_to_suggest(self) -> list[str]:
        """The drill's participants first, then the rest of the roster."""
        named = self.session.drill.participants
        return [*named, *(name for name in super().people_to_suggest() if name not in named)]

    def action_who(self) -> None:
        """Who the team's actions are attributed to: a participant, or the facilitator."""
        choose_acting(self.app, self.session, self.show_state)

    def action_clock(self) -> None:
        drill = self.session.drill
        if not drill.started:
            self.record("start the exercise clock", self.session.start_clock, self.show_state)
        elif drill.ended:
            self.notify("the drill has ended")
        elif drill.paused:
            self.record("resume the exercise clock", self.session.resume, self.show_state)
        else:
            self.record("pause the exercise clock", self.session.pause, self.show_state)

    def action_speed(self, step: int) -> None:
        speeds = list(SPEEDS)
        current = self.session.drill.speed
        index = speeds.index(current) if current in speeds else 0
        target = speeds[max(0, min(len(speeds) - 1, index + step))]
        if target != current:
            self.record(f"speed {target}x", lambda: self.session.set_speed(target), self.show_state)

    def action_next_inject(self) -> None:
        """Choose which inject to deliver now (the next one is highlighted)."""
        drill = self.session.drill
        pending = self.session.pending_injects() if drill.started else []
        if not pending:  # not started, ended or nothing left: the service says which
            self.record("deliver the next inject", self.session.deliver_next_now, self.show_state)
            return
        views = {v.state.id: v for v in self.session.injects()}

        def when(inject_id: str) -> str:
            view = views.get(inject_id)
            if view is None:
                return ""
            if view.status == "waiting":
                return f"waits for {event_words(self.state, view.waiting_for or '')}"
            return f"due in {format_clock(view.due_in)}" if view.due_in is not None else ""

        def chosen(inject_id: str | None) -> None:
            if inject_id:
                self.record(
                    f"deliver inject {inject_id}",
                    lambda: self.session.deliver_next_now(inject_id),
                    self.show_state,
                )

        self.app.push_screen(
            ChoicePrompt(
                "Deliver which inject now?",
                [
                    (f"{st.id} ({when(st.id)}): {visible(first_line(st.text, 60))}", st.id)
                    for st in pending
                ],
                note="The next one due comes first.",
            ),
            chosen,
        )

    def action_mark(self) -> None:
        """Rate an expectation by hand: met, missed or n/a, with a note."""
        expectations = self.session.expectations()
        if not expectations:
            self.notify("this scenario has no expectations")
            return

        def label(ex: ExpectationView) -> str:
            how = " by hand" if ex.manual else ""
            return f"{ex.inject} → {ex.event}: {ex.status}{how}"

        def chosen_expectation(ex: ExpectationView | None) -> None:
            if ex is None:
                return

            def chosen_status(status: str | None) -> None:
                if status is None:
                    return
                self.app.push_screen(
                    TextPrompt(
                        f"Mark {status}",
                        f"{ex.inject} → {ex.event}: what did the team do, or why?",
                        save=lambda note: self.session.mark_expectation(
                            ex.inject, ex.index, status, note
                        ),
                    ),
                    self._shown_if_recorded,
                )

            self.app.push_screen(
                ChoicePrompt(
                    "Mark it",
                    [(m, m) for m in MARKS],
                    note=f"The rule says {ex.automatic}; your mark overrides it.",
                ),
                chosen_status,
            )

        self.app.push_screen(
            ChoicePrompt(
                "Mark which expectation?", [(visible(label(ex))[:76], ex) for ex in expectations]
            ),
            chosen_expectation,
        )

    def action_skip_inject(self) -> None:
        scheduled = [
            v.state for v in self.session.injects() if v.status in ("scheduled", "waiting")
        ]
        if not scheduled:
            self.notify("no inject is waiting to be delivered")
            return

        def chosen(inject_id: str | None) -> None:
            if inject_id:
                self.app.push_screen(
                    TextPrompt(
                        "Skip inject",
                        f"Why skip {inject_id}?",
                        save=lambda reason: self.session.skip_inject(inject_id, reason),
                    ),
                    self._shown_if_recorded,
                )

        self.app.push_screen(
            ChoicePrompt(
                "Skip which inject?",
                [(f"{st.id}: {visible(_first_line(st.text))}"[:70], st.id) for st in scheduled],
            ),
            chosen,
        )

    def action_add_inject(self) -> None:
        def got_text(text: str | None) -> None:
            if text:
                self.app.push_screen(
                    TextPrompt(
                        "Add inject",
                        "From (who sends it)",
                        initial="Facilitator",
                        required=False,
                        save=lambda sender: self.session.add_inject(text, sender or "Facilitator"),
                    ),
                    self._shown_if_recorded,
                )

        self.app.push_screen(TextPrompt("Add inject", "What happens (delivered at once)"), got_text)

    def _shown_if_recorded(self, result: object) -> None:
        if result is not None:
            self.show_state()

    def action_ack_inject(self) -> None:
        waiting = self.session.drill.unacknowledged
        if not waiting:
            self.notify("no inject is waiting for acknowledgement")
            return
        inject_id = waiting[-1].id
        self.record(
            f"acknowledge inject {inject_id}",
            lambda: self.session.acknowledge_inject(inject_id),
            self.show_state,
        )

    def action_end_drill(self) -> None:
        if self.session.drill.ended:
            self.action_hotwash()
            return

        def ended() -> None:
            self.show_state()
            self.action_hotwash()

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.record("end the drill", self.session.end_drill, ended)

        self.app.push_screen(
            ConfirmPrompt(
                "End the drill?",
                "The exercise clock stops; expectations past their deadline count as "
                "missed, those not yet due as not reached. Then the hot wash starts.",
                yes="End drill",
            ),
            confirmed,
        )

    def action_hotwash(self) -> None:
        if not self.session.drill.ended:
            self.notify("the hot wash starts when the drill has ended (E)")
            return
        self.app.push_screen(HotwashScreen(self.session), lambda _: self.show_state())


class HotwashScreen(Screen[None]):
    """The scenario's discussion questions, one at a time; each answer is journaled."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="hotwash.back"),
        Binding("ctrl+n,pagedown", "move(1)", "Next question", id="hotwash.next"),
        # Not ctrl+p: the app's command palette takes ctrl+p before any screen sees it.
        Binding("ctrl+b,pageup", "move(-1)", "Previous question", id="hotwash.previous"),
        Binding("ctrl+f", "finish", "Finish hot wash", id="hotwash.finish"),
        Binding("ctrl+r", "correct", "Correct an answer", id="hotwash.correct"),
        Binding("ctrl+g", "feedback", "Participant feedback", id="hotwash.feedback"),
    ]

    @dataclass
    class Finished(Message):
        """The hot wash is finished and the drill closed: its review comes next."""

        incident_id: str

    def __init__(self, session: DrillSession) -> None:
        super().__init__()
        self.session = session
        drill = session.drill
        self.index = drill.next_question() if drill.next_question() is not None else 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="hotwash"):
            yield Static(id="hotwash-title")
            yield Static(id="hotwash-question")
            yield Static(id="hotwash-answers")
            yield Input(id="hotwash-input", placeholder="the team's answer; enter to record")
            yield Static(id="hotwash-hint")
        yield Footer()

    def on_mount(self) -> None:
        self._show()
        self.query_one("#hotwash-input", Input).focus()

    def show_actor(self) -> None:
        self._show()

    def _show(self) -> None:
        drill = self.session.drill
        questions = drill.questions
        title = Text("Hot wash", style="bold")
        title.append(
            f"  {len({a.index for a in drill.answers})}/{len(questions)} answered", style="dim"
        )
        if drill.hotwash_done:
            title.append("  · finished", style="green")
        title.append("  ·  ")
        title.append_text(acting_as(self.session.actor, self.session.state.roles))
        self.query_one("#hotwash-title", Static).update(title)
        if not questions:
            self.query_one("#hotwash-question", Static).update(
                "This scenario has no discussion questions. Finish with ctrl+f."
            )
            return
        question = Text(f"Question {self.index + 1} of {len(questions)}\n", style="bold")
        question.append_text(literal(questions[self.index]))
        self.query_one("#hotwash-question", Static).update(question)
        answers = Text()
        for answer in drill.answers_to(self.index):
            answers.append("• ")
            answers.append_text(literal(answer.answer))
            answers.append_text(literal(f"  ({answer.actor})", "dim"))
            if answer.corrected_by:
                answers.append("  corrected", style="dim italic")
            answers.append("\n")
        if drill.feedback:
            answers.append(f"\nFeedback from {len(drill.feedback)} participant(s)\n", style="dim")
        self.query_one("#hotwash-answers", Static).update(answers)
        self.query_one("#hotwash-hint", Static).update(
            Text(
                "enter records an answer and stays on this question (add as many as the "
                "team has) · ctrl+n next question · ctrl+b previous · ctrl+r corrects an "
                "answer · ctrl+g participant feedback · ctrl+f finishes the hot wash",
                style="dim",
            )
        )

    @on(Input.Submitted, "#hotwash-input")
    def submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        index = self.index
        field = event.input

        def recorded() -> None:
            # The answer stays in the field until the journal has it (a write that waits
            # or fails leaves it there to try again). The question stays: the team may
            # have more to say; ctrl+n moves on when the facilitator says so.
            field.value = ""
            self._show()

        self.app.record(
            f"answer to question {index + 1}",
            lambda: self.session.answer(index, text),
            then=recorded,
        )

    def action_move(self, step: int) -> None:
        total = len(self.session.drill.questions)
        if total:
            self.index = (self.index + step) % total
            self._show()

    def action_correct(self) -> None:
        """Correct an answer (a correction entry; the first wording stays in the
        journal). This question's answers come first."""
        answers = sorted(self.session.drill.answers, key=lambda a: a.index != self.index)
        if not answers:
            self.notify("there is no answer to correct yet")
            return

        def chosen(seq: int | None) -> None:
            if seq is None:
                return
            answer = self.session.drill.answer(seq)
            self.app.push_screen(
                TextPrompt(
                    "Correct the answer",
                    f"Question {answer.index + 1 if answer else '?'}: the answer as it should read",
                    initial=answer.answer if answer else "",
                    save=lambda text: self.session.correct_answer(seq, text),
                ),
                lambda result: self._show() if result is not None else None,
            )

        self.app.push_screen(
            ChoicePrompt(
                "Correct which answer?",
                [(f"Q{a.index + 1}: " + visible(first_line(a.answer, 70)), a.seq) for a in answers],
            ),
            chosen,
        )

    def action_feedback(self) -> None:
        """A participant's own short feedback: who, what went well, what to improve."""

        def got_name(name: str | None) -> None:
            if not name:
                return

            def got_good(good: str | None) -> None:
                if good is None:
                    return
                self.app.push_screen(
                    TextPrompt(
                        f"Feedback from {name}",
                        "What should be improved? (may be empty)",
                        required=False,
                        save=lambda improve: self.session.feedback(name, good, improve),
                    ),
                    lambda result: self._show() if result is not None else None,
                )

            self.app.push_screen(
                TextPrompt(
                    f"Feedback from {name}", "What went well? (may be empty)", required=False
                ),
                got_good,
            )

        self.app.push_screen(
            TextPrompt(
                "Participant feedback (optional)",
                "Who is giving feedback?",
                suggestions=sorted({a.actor for a in self.session.drill.answers}),
            ),
            got_name,
        )

    def action_finish(self) -> None:
        drill = self.session.drill
        unanswered = len(drill.questions) - len({a.index for a in drill.answers})

        def finish() -> None:
            self.session.finish_hotwash()
            if not self.session.state.closed:  # the exercise is over: the drill closes
                self.session.close("exercise finished; hot wash done")

        def finished() -> None:
            self.dismiss(None)
            self.app.post_message(self.Finished(self.session.incident_id))

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.record("finish the hot wash", finish, then=finished)

        if drill.hotwash_done:
            self.dismiss(None)
        elif unanswered:
            self.app.push_screen(
                ConfirmPrompt(
                    "Finish the hot wash?",
                    f"{unanswered} question(s) have no answer.",
                    yes="Finish",
                ),
                confirmed,
            )
        else:
            confirmed(True)

    def action_back(self) -> None:
        self.dismiss(None)


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""
