"""Replay: the runner's layout, read-only, driven by a cursor over the journal."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import RichLog, Static

from irdesk.domain.clock import WhenError, local_hms, parse_when
from irdesk.domain.durations import format_clock
from irdesk.services.replay import SPEEDS, Replay
from irdesk.text import visible
from irdesk.tui.modals.prompts import ChoicePrompt, TextPrompt
from irdesk.tui.safe import literal
from irdesk.tui.screens.runner import RunnerScreen
from irdesk.tui.widgets.timeline import timeline_line

FRAME_SECONDS = 0.1
TIMELINE_CONTEXT = 4
MAX_SPEED_ENTRIES_PER_FRAME = 100


class ReplayScreen(RunnerScreen, inherit_bindings=False):
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
        super().__init__(replay)  # the replay stands in for the live session (read-only)
        self.replay = replay
        self.playing = False
        self.speed_index = 2  # 60x
        self.compress = False
        self.chain_warning = chain_warning
        self.chain_checked = False

    def compose(self) -> ComposeResult:
        yield Static(id="replay-warning")
        yield from super().compose()
        yield Static(id="transport")

    def after_mount(self) -> None:
        self.query_one("#timeline").border_title = "Timeline (current entry highlighted)"
        if self.chain_warning:
            self.set_chain_warning(self.chain_warning)
        else:
            self.query_one("#replay-warning", Static).display = False
        self.set_interval(FRAME_SECONDS, self._frame)

    # The runner polls the journal and fires escalations; replay does neither.
    def poll(self) -> None:
        return

    def fire_escalations(self) -> None:
        return

    def watching_text(self, now):  # noqa: ANN001, ANN201
        return None  # a replay shows the past: whether a watcher runs now is not its business

    def tick_clock(self) -> None:
        self._render_transport()

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
        self._render_transport()

    # ----------------------------------------------------------------- rendering
    def _load_timeline(self) -> None:
        log = self.query_one("#timeline", RichLog)
        log.clear()
        for entry in self.replay.window(TIMELINE_CONTEXT, TIMELINE_CONTEXT):
            line = timeline_line(entry)
            if entry.seq == self.replay.cursor:
                line.stylize("reverse")
            log.write(line)
        # keep the current entry in view
        log.scroll_to(y=max(0, min(TIMELINE_CONTEXT, self.replay.cursor - 1) - 2), animate=False)

    def refresh_view(self) -> None:
        if self.state.current and (
            self.selected is None or self.state.steps[self.selected].status == "pending"
        ):
            self.selected = self.state.current
        super().refresh_view()
        self._load_timeline()
        self._render_transport()

    def _render_transport(self) -> None:
        r = self.replay
        speed = SPEEDS[self.speed_index]
        text = Text(" ")
        text.append("◀◀ ◀ ", style="dim")
        text.append("▶ PLAYING " if self.playing else "❚❚ PAUSED ", style="bold")
        text.append("▶ ▶▶  ", style="dim")
        text.append(f"{speed:g}x" if speed else "max", style="bold cyan")
        text.append(f"  {local_hms(r.now())} (+{format_clock(r.offset())})")
        text.append(f"  entry {r.cursor}/{r.total}")
        if self.compress:
            text.append("  gaps compressed", style="yellow")
        if not self.chain_checked:
            text.append("  chain: verifying…", style="dim")
        elif self.chain_warning:
            text.append("  chain: BROKEN", style="bold white on red")
        else:
            text.append("  chain: verified", style="green")
        text.append("  READ-ONLY", style="bold magenta")
        self.query_one("#transport", Static).update(text)

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
            self.refresh_view()
        else:
            self._render_header()
            self._render_timers()
            self._render_transport()

    def action_play_pause(self) -> None:
        if self.replay.cursor >= self.replay.total and not self.playing:
            self.replay.seek(0)
        self.playing = not self.playing
        self._render_transport()

    def action_step(self, delta: int) -> None:
        self.playing = False
        self.replay.step(delta)
        self.refresh_view()

    def action_faster(self) -> None:
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)
        self._render_transport()

    def action_slower(self) -> None:
        self.speed_index = max(self.speed_index - 1, 0)
        self._render_transport()

    def action_start(self) -> None:
        self.playing = False
        self.replay.seek(1)
        self.refresh_view()

    def action_end(self) -> None:
        self.playing = False
        self.replay.seek(self.replay.total)
        self.refresh_view()

    def action_gaps(self) -> None:
        self.compress = not self.compress
        self._render_transport()

    def action_jump(self) -> None:
        marks = self.replay.marks()
        if not marks:
            self.notify("nothing to jump to yet")
            return

        def chosen(seq: int | None) -> None:
            if seq is not None:
                self.playing = False
                self.replay.seek(seq)
                self.refresh_view()

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
            self.playing = False
            self.replay.seek_time(when)
            self.refresh_view()

        self.app.push_screen(
            TextPrompt(
                "Jump to a time", "Time (09:12, 2026-11-23 09:12, -5m)", placeholder="09:12"
            ),
            got,
        )
