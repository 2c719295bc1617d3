"""Waiting for the journal: shown when a write made with a key (a tick, a step done, a
clock change) finds the journal locked by another process. It keeps trying; it closes by
itself once the write is committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from irdesk.tui.modals.dialog import CANCEL, Dialog, error_line
from irdesk.tui.safe import literal
from irdesk.tui.writes import waiting_message


class JournalWait(Dialog[bool]):
    """Recording one thing while another process holds the journal's write lock.
    Dismissed with True once it is recorded (None when the person gives up)."""

    BINDINGS = [CANCEL, Binding("enter", "retry", "Try again", id="waiting.retry")]
    WHILE_WAITING = "Escape gives up (then nothing is recorded)."
    AFTER_FAILURE = "Enter tries again; escape gives up (nothing is recorded)."

    def __init__(self, what: str, write: Callable[[], Any], *, waited: float = 0.0) -> None:
        super().__init__("Waiting for the journal", save=lambda _: write())
        self.what = what
        self.waited = waited

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield Static(literal(f"Recording: {self.what}", single_line=True))
            yield error_line()

    def on_mount(self) -> None:
        self.show_error(waiting_message(self.waited, self.WHILE_WAITING), waiting=True)
        self.action_retry()

    def action_retry(self) -> None:
        self.finish(True)
