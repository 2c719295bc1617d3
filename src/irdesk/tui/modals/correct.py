"""Correct a journaled entry: which one, and what was wrong. The original stays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from irdesk.tui.modals.dialog import Dialog, error_line
from irdesk.tui.safe import literal


@dataclass(frozen=True)
class CorrectRequest:
    seq: int
    reason: str


class CorrectDialog(Dialog[CorrectRequest]):
    """Pick a recent entry (the selected step's latest is chosen first) and say what was
    wrong with it; the correction is journaled and shown beside the original everywhere."""

    AUTO_FOCUS = "#correct-reason"

    def __init__(
        self,
        entries: Sequence[tuple[str, int]],
        chosen: int | None = None,
        *,
        save: Callable[[CorrectRequest], Any] | None = None,
    ) -> None:
        super().__init__("Correct an entry", save=save)
        self.entries = list(entries)  # (what it says, seq), newest first
        self.chosen = chosen if chosen is not None else (entries[0][1] if entries else None)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield Static(
                "The entry stays as it was; the correction is shown beside it everywhere.",
                classes="dialog-note",
            )
            yield Select(
                [(literal(text, single_line=True), seq) for text, seq in self.entries],
                compact=True,
                id="correct-entry",
                allow_blank=False,
                value=self.chosen if self.chosen is not None else Select.NULL,
            )
            yield Label("What was wrong (journaled)")
            yield Input(compact=True, id="correct-reason", placeholder="e.g. ticked by mistake")
            yield error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Correct", id="correct", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    @on(Button.Pressed, "#correct")
    def submit(self) -> None:
        seq = self.query_one("#correct-entry", Select).value
        reason = self.query_one("#correct-reason", Input).value.strip()
        if not isinstance(seq, int) or not reason:
            self.show_error("choose an entry and say what was wrong")
            return
        self.finish(CorrectRequest(seq, reason))
