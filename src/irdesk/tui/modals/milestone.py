"""Record a milestone, now or at an earlier time (with a reason)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from irdesk.domain.clock import WhenError, parse_when
from irdesk.tui.modals.dialog import Dialog, error_line


@dataclass(frozen=True)
class MilestoneRequest:
    name: str
    when: datetime | None
    reason: str | None


class MilestoneDialog(Dialog[MilestoneRequest]):
    """Record a milestone now or at an earlier time (with a reason)."""

    def __init__(
        self,
        milestones: Sequence[tuple[str, str]],
        now: Callable[[], datetime],
        *,
        save: Callable[[MilestoneRequest], Any] | None = None,
    ) -> None:
        super().__init__("Record a milestone", save=save)
        self.milestones = list(milestones)  # (label, name)
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Record a milestone", classes="dialog-title")
            yield Select(
                compact=True,
                options=self.milestones,
                id="milestone-name",
                allow_blank=False,
                value=self.milestones[0][1] if self.milestones else Select.NULL,
            )
            yield Label("When (empty = now; or 09:12, -15m, 2026-11-23 09:12)")
            yield Input(compact=True, placeholder="now", id="milestone-when")
            yield Label("Reason (needed for an earlier time)")
            yield Input(compact=True, id="milestone-reason")
            yield error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record", id="record", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    @on(Button.Pressed, "#record")
    def submit(self) -> None:
        name = self.query_one("#milestone-name", Select).value
        if name is Select.NULL:
            self.show_error("choose a milestone")
            return
        raw = self.query_one("#milestone-when", Input).value.strip()
        reason = self.query_one("#milestone-reason", Input).value.strip() or None
        when = None
        if raw:
            try:
                when = parse_when(raw, self.now())
            except WhenError as exc:
                self.show_error(str(exc))
                return
            if when > self.now():
                self.show_error("that time is in the future")
                return
            if not reason:
                self.show_error("an earlier time needs a reason")
                self.query_one("#milestone-reason", Input).focus()
                return
        self.finish(MilestoneRequest(str(name), when, reason))
