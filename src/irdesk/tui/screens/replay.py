"""Replay: the runner's widgets, read-only, driven by a cursor over the journal."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from irdesk.domain.clock import WhenError, local_hms, parse_when
from irdesk.domain.fold import IncidentState
from irdesk.domain.models import Step
from irdesk.errors import IrdeskError
from irdesk.services.replay import SPEEDS, Replay
from irdesk.text import visible
from irdesk.tui.modals.prompts import ChoicePrompt, TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.widgets.header import IncidentHeader
from irdesk.tui.widgets.layout import incident_layout
from irdesk.tui.widgets.step_panel import StepPanel
from irdesk.tui.widgets.steps import StepList
from irdesk.tui.widgets.timeline import Timeline
from irdesk.tui.widgets.timers import TimerPanel
from irdesk.tui.widgets.transport import Playback, TransportBar

FRAME_SECONDS = 0.1
TIMELINE_CONTEXT = 4
MAX_SPEED_ENTRIES_PER_FRAME = 100


class ReplayScreen(Screen[None]):
    """Nothing here writes: the journal was opened read-only and no action is bound."""

    BINDINGS = [
        Binding("space", "play_pause", "Play/pause", id="replay.play"),
        Binding("right,l", "step(1)", "Next", id="replay.next"),
        Binding("left,h", "step(-1)", "Previous", id="replay.previous"),
        Binding("plus,equals_sign,f", "faster", "Faster", id="replay.faster"),
        Binding("minus,s", "slower", "Slower", id="replay.slower"),
        Binding("home", "start", "Start", id="replay.start", priority=True),
        Binding("end", "end", "End", id="replay.end", priority=True),
        Binding("j", "jump", "Jump", id="replay.jump"),
        Binding("t", "jump_time", "Time", id="replay.time"),
        Binding("g", "gaps", "Compress gaps", id="replay.gaps"),
        Binding("pagedown", "step(50)", "+50", id="replay.page_next", show=False, priority=True),
        Binding("pageup", "step(-50)", "-50", id="replay.page_previous", show=False, priority=True),
        Binding("escape", "back", "Back", id="replay.back"),
    ]

    def __init__(self, replay: Replay, *, chain_warning: str | None = None) -> None:
        super().__init__()
        self.replay = replay
        self.selected: str | None = replay.state.current or (
            replay.playbook.steps[0].id if replay.playbook.steps else None
        )
        self.playing = False
        self.jumping: int | None = None  # where a long jump is being prepared, in a worker
        self.speed_index = 2  # 60x
        self.compress = False
        self.chain_warning = chain_warning
        self.chain_checked = False

    def compose(self) -> ComposeResult:
        yield Static(id="replay-warning")
        yield from incident_layout(timeline_title="Timeline (current entry highlighted)")
        yield TransportBar(id="transport")
        yield Footer()

    def on_mount(self) -> None:
        if self.chain_warning:
            self.set_chain_warning(self.chain_warning)
        else:
            self.query_one("#replay-warning", Static).display = False
        self.show_state()
        self.query_one(StepList).focus()
        self.set_interval(1.0, self.show_transport)
        self.set_interval(FRAME_SECONDS, self._frame)

    @property
    def state(self) -> IncidentState:
        return self.replay.state

    @property
    def selected_step(self) -> Step | None:
        return self.replay.playbook.step(self.selected) if self.selected else None

    def set_chain_warning(self, warning: str | None) -> None:
        self.chain_warning = warning
        self.chain_checked = True
        banner = self.query_one("#replay-warning", Static)
        if warning:
            banner.update(
                literal(
                    f"⚠ CHAIN CHECK FAILED: {warning}. What follows may not be what was recorded.",
                    "bold white on red",
                )
            )
        banner.display = bool(warning)
        self.show_transport()

    # ----------------------------------------------------------------- the view
    def show_state(self) -> None:
        """The incident as it was after the entry at the cursor."""
        if self.state.current and (
            self.selected is None or self.state.steps[self.selected].status == "pending"
        ):
            self.selected = self.state.current
        now = self.replay.now()
        self.query_one(IncidentHeader).show(self.state, now)
        self.query_one(StepList).show(self.state, now, self.selected)
        self.query_one(StepPanel).show(self.state, self.selected_step, now)
        self.query_one(TimerPanel).show(self.state, now)
        self.query_one(Timeline).show_around(
            self.replay.window(TIMELINE_CONTEXT, TIMELINE_CONTEXT),
            self.replay.cursor,
            before=TIMELINE_CONTEXT,
        )
        self.show_transport()

    def show_transport(self) -> None:
        r = self.replay
        if not self.chain_checked:
            chain = "verifying"
        else:
            chain = "broken" if self.chain_warning else "verified"
        self.query_one(TransportBar).show(
            Playback(
                playing=self.playing,
                speed=SPEEDS[self.speed_index],
                now=r.now(),
                offset=r.offset(),
                cursor=r.cursor,
                total=r.total,
                compress=self.compress,
                chain=chain,
                jumping=self.jumping,
            )
        )

    @on(StepList.StepHighlighted)
    def _step_highlighted(self, event: StepList.StepHighlighted) -> None:
        if event.step_id != self.selected:
            self.selected = event.step_id
            self.query_one(StepPanel).show(self.state, self.selected_step, self.replay.now())

    @on(StepList.StepChosen)
    def _step_chosen(self) -> None:
        self.query_one(StepPanel).checklist.focus()

    # ----------------------------------------------------------------- playback
    def _frame(self) -> None:
        if not self.playing:
            return
        speed = SPEEDS[self.speed_index]
        if speed is None:
            before = self.replay.cursor
            self.replay.step(MAX_SPEED_ENTRIES_PER_FRAME)
            passed = self.replay.cursor - before
        else:
            passed = self.replay.advance(FRAME_SECONDS * speed, compress_gaps=self.compress)
        if self.replay.cursor >= self.replay.total:
            self.playing = False
        if passed:
            self.show_state()
        else:
            now = self.replay.now()
            self.query_one(IncidentHeader).show(self.state, now)
            self.query_one(TimerPanel).show(self.state, now)
            self.show_transport()

    def action_play_pause(self) -> None:
        if self.replay.cursor >= self.replay.total and not self.playing:
            self.replay.seek(0)
        self.playing = not self.playing
        self.show_transport()

    def action_step(self, delta: int) -> None:
        self.playing = False
        self.replay.step(delta)
        self.show_state()

    def action_faster(self) -> None:
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)
        self.show_transport()

    def action_slower(self) -> None:
        self.speed_index = max(self.speed_index - 1, 0)
        self.show_transport()

    def action_start(self) -> None:
        self._go(1)

    def action_end(self) -> None:
        self._go(self.replay.total)

    def _go(self, seq: int, arrive: Callable[[], object] | None = None) -> None:
        """Move the cursor to entry ``seq`` (``arrive`` moves it, when given). A long way
        ahead of anything folded yet is prepared in a worker first: keys keep working."""
        self.playing = False
        move = arrive or (lambda: self.replay.seek(seq))
        if self.replay.far(seq):
            self.jumping = seq
            self.show_transport()
            self._prepare_jump(seq, move)
            return
        self.jumping = None
        move()
        self.show_state()

    @work(thread=True, exclusive=True, exit_on_error=False, group="jump")
    def _prepare_jump(self, seq: int, move: Callable[[], object]) -> None:
        worker = get_current_worker()
        try:
            self.replay.prepare(seq, cancelled=lambda: worker.is_cancelled)
        except IrdeskError as error:
            self.app.call_from_thread(self._jump_failed, error)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._arrive, seq, move)

    def _arrive(self, seq: int, move: Callable[[], object]) -> None:
        if self.jumping == seq:  # not superseded by another jump meanwhile
            self.jumping = None
            move()
            self.show_state()

    def _jump_failed(self, error: IrdeskError) -> None:
        self.jumping = None
        self.show_transport()
        self.app.show_error(error, title="cannot jump")

    def action_gaps(self) -> None:
        self.compress = not self.compress
        self.show_transport()

    def action_jump(self) -> None:
        marks = self.replay.marks()
        if not marks:
            self.notify("nothing to jump to yet")
            return

        def chosen(seq: int | None) -> None:
            if seq is not None:
                self._go(seq)

        self.app.push_screen(
            ChoicePrompt(
                "Jump to",
                [(f"{local_hms(m.at)}  {m.label}  (entry {m.seq})", m.seq) for m in marks],
            ),
            chosen,
        )

    def action_jump_time(self) -> None:
        def got(text: str | None) -> None:
            if not text:
                return
            try:
                when = parse_when(text, self.replay.now())
            except WhenError as exc:
                self.notify(visible(str(exc)), severity="warning")
                return
            self._go(self.replay.position_at(when), lambda: self.replay.seek_time(when))

        self.app.push_screen(
            TextPrompt(
                "Jump to a time", "Time (09:12, 2026-11-23 09:12, -5m)", placeholder="09:12"
            ),
            got,
        )

    def action_back(self) -> None:
        self.dismiss(None)
