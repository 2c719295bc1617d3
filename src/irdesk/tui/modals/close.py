"""Close an incident: its summary, how it ended, and a warning about what is unfinished."""

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

#: the outcomes as the dialog offers them (label, the value the service takes)
OUTCOME_CHOICES: tuple[tuple[str, str], ...] = (
    ("Resolved", "resolved"),
    ("False positive", "false-positive"),
    ("Duplicate of another incident", "duplicate"),
    ("Handed over", "handed-over"),
)
#: what the detail line asks for, by outcome
DETAIL_ASKS = {"duplicate": "Duplicate of (incident id)", "handed-over": "Handed over to (whom)"}
NO_DETAIL = "Duplicate of / handed over to (for those outcomes)"


@dataclass(frozen=True)
class CloseRequest:
    summary: str
    outcome: str
    detail: str  # the incident it duplicates, or whom it was handed to ("" otherwise)


class CloseDialog(Dialog[CloseRequest]):
    """The closing summary, the outcome (resolved, false positive, duplicate of which
    incident, handed over to whom); the steps closing leaves unfinished are named first."""

    AUTO_FOCUS = "#close-summary"

    def __init__(
        self,
        unfinished: Sequence[str],
        *,
        save: Callable[[CloseRequest], Any] | None = None,
    ) -> None:
        super().__init__("Close incident", save=save)
        self.unfinished = list(unfinished)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            if self.unfinished:
                names = ", ".join(repr(title) for title in self.unfinished)
                n = len(self.unfinished)
                yield Static(
                    literal(
                        f"{n} step{'s' if n > 1 else ''} unfinished: {names}. "
                        "Closing leaves them undone (the report says so).",
                        "bold yellow",
                    ),
                    id="close-unfinished",
                )
            yield Label("Closing summary (journaled)")
            yield Input(compact=True, id="close-summary", placeholder="outcome in one line")
            yield Label("Outcome")
            yield Select(
                OUTCOME_CHOICES,
                compact=True,
                id="close-outcome",
                allow_blank=False,
                value="resolved",
            )
            yield Label("", id="close-detail-label")
            yield Input(compact=True, id="close-detail")
            yield error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close incident", id="close", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_detail()

    @property
    def outcome(self) -> str:
        return str(self.query_one("#close-outcome", Select).value)

    @on(Select.Changed, "#close-outcome")
    def _show_detail(self) -> None:
        """Say what the detail line is for. It stays in place (only a duplicate and a
        hand-over use it), so tab always reaches it: keys typed fast land where meant."""
        ask = DETAIL_ASKS.get(self.outcome, "")
        self.query_one("#close-detail-label", Label).update(ask or NO_DETAIL)

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    @on(Button.Pressed, "#close")
    def submit(self) -> None:
        outcome = self.outcome
        detail = self.query_one("#close-detail", Input).value.strip()
        if outcome in DETAIL_ASKS and not detail:
            self.show_error(DETAIL_ASKS[outcome].lower() + ": this cannot be empty")
            return
        summary = self.query_one("#close-summary", Input).value.strip()
        self.finish(CloseRequest(summary, outcome, detail if outcome in DETAIL_ASKS else ""))
