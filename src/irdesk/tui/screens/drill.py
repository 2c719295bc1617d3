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

from irdesk.domain.drill import SPEEDS
from irdesk.services.drill import DrillSession
from irdesk.text import visible
from irdesk.tui.modals.briefing import DrillBriefing
from irdesk.tui.modals.participants import choose_acting
from irdesk.tui.modals.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.screens.responder import RESPONDER_BINDINGS, Responder
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
        Binding("W", "who", "Who is acting", id="drill.who"),
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
        self.record("deliver the next inject", self.session.deliver_next_now, self.show_state)

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
                "The exercise clock stops; expectations not met by now count "
                "as missed. Then the hot wash starts.",
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

    def _show(self) -> None:
        drill = self.session.drill
        questions = drill.questions
        title = Text("Hot wash", style="bold")
        title.append(
            f"  {len({a.index for a in drill.answers})}/{len(questions)} answered", style="dim"
        )
        if drill.hotwash_done:
            title.append("  · finished", style="green")
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
            answers.append("\n")
        self.query_one("#hotwash-answers", Static).update(answers)
        self.query_one("#hotwash-hint", Static).update(
            Text(
                "enter records an answer (several are fine) · ctrl+n / ctrl+b move between "
                "questions · ctrl+f finishes the hot wash",
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
            # or fails leaves it there to try again).
            field.value = ""
            nxt = self.session.drill.next_question()
            if nxt is not None and nxt != self.index:
                self.index = nxt
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
