"""Drills: the runner plus the facilitator's injects panel, briefing and hot wash."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from irdesk.domain.drill import SPEEDS
from irdesk.domain.durations import format_clock, format_duration
from irdesk.services.drill import DrillSession
from irdesk.text import visible
from irdesk.tui.messages import HotwashFinished
from irdesk.tui.modals.briefing import DrillBriefing
from irdesk.tui.modals.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.screens.runner import RunnerScreen

STATUS_MARK = {"met": "✔", "late": "◐", "missed": "✘", "pending": "⏳", "waiting": "…", "n/a": "–"}
STATUS_STYLE = {
    "met": "green",
    "late": "yellow",
    "missed": "bold red",
    "pending": "",
    "waiting": "dim",
    "n/a": "dim",
}


class DrillScreen(RunnerScreen):
    """The runner as the team sees it, with the facilitator's controls on capital keys."""

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
    ]

    def __init__(self, session: DrillSession) -> None:
        super().__init__(session)
        self.session: DrillSession = session

    def compose_side(self) -> ComposeResult:
        yield Static(id="inject-banner")
        with VerticalScroll(id="drill-scroll"):
            yield Static(id="drill-panel")

    def after_mount(self) -> None:
        self.query_one("#drill-scroll").border_title = "Exercise: objectives, expectations, injects"
        self.query_one("#inject-banner").border_title = "NEW INJECT (i to acknowledge)"
        self._render_drill()
        if not self.session.drill.started:
            self.call_after_refresh(self.action_briefing)

    # ----------------------------------------------------------------- clock
    def poll(self) -> None:
        super().poll()
        drill = self.session.drill
        if not drill.started or drill.ended:
            return
        with self.app.attempt("inject not delivered") as attempt:  # locked: next poll
            delivered = self.session.deliver_due()
        if attempt.failed:
            return
        for inject in delivered:
            self.notify(
                visible(f"{inject.sender}: {inject.text}"),
                title="INJECT",
                severity="warning",
                timeout=10,
            )

    def tick_clock(self) -> None:
        super().tick_clock()
        self._render_drill()

    def refresh_view(self) -> None:
        super().refresh_view()
        if self.is_mounted:
            self._render_drill()

    def timer_moment(self, when) -> str:  # noqa: ANN001
        """Timers run on the exercise clock in a drill: show its reading."""
        declared = self.state.declared_at
        if when is None or declared is None:
            return ""
        return f"exercise {format_clock(when - declared)}"

    def header_text(self) -> Text:
        text = super().header_text()
        drill = self.session.drill
        end = text.plain.find("\n")  # the exercise clock goes at the end of the first line
        head, tail = text[:end], text[end:]
        extra = Text()
        extra.append("   exercise ", style="magenta")
        extra.append(format_clock(self.session.exercise_elapsed()), style="bold magenta")
        if drill.planned:
            extra.append(f" / {format_duration(drill.planned)}", style="magenta")
        extra.append(f" · {drill.speed:g}x · ", style="magenta")
        if not drill.started:
            extra.append("NOT STARTED (P)", style="bold yellow")
        elif drill.ended:
            extra.append("ENDED", style="bold")
        elif drill.paused:
            extra.append("PAUSED", style="bold reverse yellow")
        else:
            extra.append("RUNNING", style="bold green")
        head.append_text(extra)
        head.append_text(tail)
        return head

    def _render_drill(self) -> None:
        drill = self.session.drill
        banner = self.query_one("#inject-banner", Static)
        waiting = drill.unacknowledged
        if waiting:
            newest = waiting[-1]
            text = Text()
            text.append_text(literal(newest.sender or "Facilitator", "bold"))
            if newest.exercise_at is not None:
                text.append(f"  at {format_clock(newest.exercise_at)}", style="dim")
            if len(waiting) > 1:
                text.append(f"  (+{len(waiting) - 1} more unacknowledged)", style="dim")
            text.append("\n")
            text.append_text(literal(newest.text.strip()))
            banner.update(text)
        banner.display = bool(waiting)

        # Most decision-relevant first: ratings, then expectations, then the inject log.
        injects = Text("Injects\n", style="bold")
        for view in self.session.injects():
            st = view.state
            mark = {"delivered": "✔", "skipped": "↷", "waiting": "…", "scheduled": "·"}[view.status]
            injects.append(f"{mark} ")
            injects.append_text(literal(st.id, "bold" if view.status == "delivered" else ""))
            if view.status == "delivered" and st.exercise_at is not None:
                injects.append(
                    f" {format_clock(st.exercise_at)}" + (" early" if st.early else ""), style="dim"
                )
            elif view.status == "skipped":
                injects.append_text(
                    literal(f" skipped ({st.skip_reason}: {st.skip_detail})", "dim")
                )
            elif self.session.drill.ended:
                injects.append(" not delivered (the drill ended first)", style="dim")
            elif view.status == "waiting":
                injects.append_text(literal(f" waits for {view.waiting_for}", "dim"))
            elif view.due_in is not None:
                injects.append(f" in {format_clock(view.due_in)}", style="cyan")
            injects.append("\n")
        expected = Text()
        expectations = self.session.expectations()
        if expectations:
            expected.append("Expectations\n", style="bold")
        for ex in expectations:
            style = STATUS_STYLE.get(ex.status, "")
            expected.append(f" {STATUS_MARK.get(ex.status, '?')} {ex.status:<7} ", style=style)
            expected.append_text(literal(f"{ex.inject} → {ex.event}", style))
            if ex.status == "pending" and ex.remaining is not None:
                expected.append(f"  {format_clock(ex.remaining)} left", style="cyan")
            elif ex.status in ("met", "late") and ex.occurred_at is not None:
                expected.append(f"  at {format_clock(ex.occurred_at)}", style="dim")
            expected.append("\n")
        rated = Text()
        ratings = self.session.ratings()
        if ratings:
            rated.append("Objectives", style="bold")
            rated.append(" (B shows the rating rule)\n", style="dim")
        for rating in ratings:
            letter = rating.rating or "–"
            rated.append(f" {letter} ", style="bold reverse" if rating.rating else "dim")
            rated.append_text(literal(f" {rating.objective.text}"))
            rated.append(
                f"  {rating.label}" + (" (so far)" if rating.provisional else ""), style="dim"
            )
            rated.append("\n")
        text = Text()
        for part in (rated, expected, injects):
            text.append_text(part)
        text.rstrip()
        self.query_one("#drill-panel", Static).update(text)

    # ----------------------------------------------------------------- facilitator
    def action_briefing(self) -> None:
        def chosen(start: bool | None) -> None:
            drill = self.session.drill
            if start and not drill.started:
                self._do(self.session.start_clock)
            elif start and drill.paused:
                self._do(self.session.resume)
            self.refresh_view()

        self.app.push_screen(DrillBriefing(self.session), chosen)

    def action_clock(self) -> None:
        drill = self.session.drill
        if not drill.started:
            self._do(self.session.start_clock)
        elif drill.ended:
            self.notify("the drill has ended")
        elif drill.paused:
            self._do(self.session.resume)
        else:
            self._do(self.session.pause)
        self.refresh_view()

    def action_speed(self, step: int) -> None:
        speeds = list(SPEEDS)
        current = self.session.drill.speed
        index = speeds.index(current) if current in speeds else 0
        target = speeds[max(0, min(len(speeds) - 1, index + step))]
        if target != current:
            self._do(self.session.set_speed, target)
            self.refresh_view()

    def action_next_inject(self) -> None:
        if self._do(self.session.deliver_next_now):
            self.refresh_view()

    def action_skip_inject(self) -> None:
        scheduled = [
            v.state for v in self.session.injects() if v.status in ("scheduled", "waiting")
        ]
        if not scheduled:
            self.notify("no inject is waiting to be delivered")
            return

        def chosen(inject_id: str | None) -> None:
            if not inject_id:
                return

            def got(reason: str | None) -> None:
                if reason and self._do(self.session.skip_inject, inject_id, reason):
                    self.refresh_view()

            self.app.push_screen(TextPrompt("Skip inject", f"Why skip {inject_id}?"), got)

        self.app.push_screen(
            ChoicePrompt(
                "Skip which inject?",
                [(f"{st.id}: {visible(_first_line(st.text))}"[:70], st.id) for st in scheduled],
            ),
            chosen,
        )

    def action_add_inject(self) -> None:
        def got_text(text: str | None) -> None:
            if not text:
                return

            def got_sender(sender: str | None) -> None:
                if sender is not None and self._do(
                    self.session.add_inject, text, sender or "Facilitator"
                ):
                    self.refresh_view()

            self.app.push_screen(
                TextPrompt(
                    "Add inject", "From (who sends it)", initial="Facilitator", required=False
                ),
                got_sender,
            )

        self.app.push_screen(TextPrompt("Add inject", "What happens (delivered at once)"), got_text)

    def action_ack_inject(self) -> None:
        waiting = self.session.drill.unacknowledged
        if not waiting:
            self.notify("no inject is waiting for acknowledgement")
            return
        if self._do(self.session.acknowledge_inject, waiting[-1].id):
            self.refresh_view()

    def action_end_drill(self) -> None:
        if self.session.drill.ended:
            self.action_hotwash()
            return

        def confirmed(ok: bool | None) -> None:
            if ok and self._do(self.session.end_drill):
                self.refresh_view()
                self.action_hotwash()

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
        self.app.push_screen(HotwashScreen(self.session), lambda _: self.refresh_view())


class HotwashScreen(Screen[None]):
    """The scenario's discussion questions, one at a time; each answer is journaled."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="hotwash.back"),
        Binding("ctrl+n,pagedown", "move(1)", "Next question", id="hotwash.next"),
        # Not ctrl+p: the app's command palette takes ctrl+p before any screen sees it.
        Binding("ctrl+b,pageup", "move(-1)", "Previous question", id="hotwash.previous"),
        Binding("ctrl+f", "finish", "Finish hot wash", id="hotwash.finish"),
    ]

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
        with self.app.attempt("answer not recorded") as attempt:
            self.session.answer(self.index, text)
        if attempt.failed:
            return
        event.input.value = ""
        nxt = self.session.drill.next_question()
        if nxt is not None and nxt != self.index:
            self.index = nxt
        self._show()

    def action_move(self, step: int) -> None:
        total = len(self.session.drill.questions)
        if total:
            self.index = (self.index + step) % total
            self._show()

    def action_finish(self) -> None:
        drill = self.session.drill
        unanswered = len(drill.questions) - len({a.index for a in drill.answers})

        def confirmed(ok: bool | None) -> None:
            if not ok:
                return
            with self.app.attempt("hot wash not finished") as attempt:
                self.session.finish_hotwash()
                if not self.session.state.closed:  # the exercise is over: the drill closes
                    self.session.close("exercise finished; hot wash done")
            if attempt.failed:
                return
            self.dismiss(None)
            self.app.post_message(HotwashFinished(self.session.incident_id))

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
