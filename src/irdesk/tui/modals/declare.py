"""Declare an incident: title, playbook, severity, commander, optional earlier times."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select

from irdesk.domain.clock import WhenError, parse_when
from irdesk.domain.incident import impact_after_detection
from irdesk.domain.models import Playbook
from irdesk.tui.modals.dialog import Dialog, error_line
from irdesk.tui.widgets.names import NameInput

_TIMES = ("detected", "started")


@dataclass(frozen=True)
class DeclareRequest:
    playbook: Playbook
    title: str
    severity: str
    commander: str
    detected_at: datetime | None
    started_at: datetime | None
    reason: str | None
    confirmed: bool = False  # impact started after detection, and the person said so


class DeclareDialog(Dialog[DeclareRequest]):
    """Declare an incident: title, playbook, severity, commander, optional earlier times."""

    def __init__(
        self,
        playbooks: Sequence[Playbook],
        *,
        commanders: Sequence[str],
        default_commander: str,
        now: Callable[[], datetime],
        preselect: str | None = None,
        save: Callable[[DeclareRequest], Any] | None = None,
    ) -> None:
        super().__init__("Declare an incident", save=save)
        self.playbooks = list(playbooks)
        self.commanders = list(commanders)
        self.default_commander = default_commander
        self.now = now
        self.preselect = preselect
        self._confirmed: tuple[str, str] | None = None  # the odd times asked about

    def compose(self) -> ComposeResult:
        first = next(
            (p for p in self.playbooks if p.id == self.preselect),
            self.playbooks[0] if self.playbooks else None,
        )
        with Vertical(classes="dialog dialog-wide"):
            yield Label("Declare an incident", classes="dialog-title")
            # the fields scroll; the buttons below them stay on screen however short it is
            with VerticalScroll(id="declare-fields"):
                yield Label("Title")
                yield Input(
                    compact=True,
                    placeholder="What is happening, in a few words",
                    id="declare-title",
                )
                yield Label("Playbook")
                yield Select(
                    compact=True,
                    options=[(p.title, p.id) for p in self.playbooks],
                    id="declare-playbook",
                    allow_blank=False,
                    value=first.id if first else Select.NULL,
                )
                yield Label("Severity")
                yield Select(
                    compact=True,
                    options=self._severities(first),
                    id="declare-severity",
                    allow_blank=False,
                    value=self._default_severity(first),
                )
                yield Label("Commander")
                yield NameInput(
                    self.commanders,
                    compact=True,
                    value=self.default_commander,
                    id="declare-commander",
                )
                yield Label("Detected at (optional: 09:12, -15m, 2026-11-23 09:12)")
                yield Input(compact=True, placeholder="now", id="declare-detected")
                yield Label("Impact started at (optional)")
                yield Input(compact=True, placeholder="unknown", id="declare-started")
                yield Label("Reason for earlier times (how do we know?)")
                yield Input(
                    compact=True,
                    placeholder="e.g. first alert in the SIEM at 09:12",
                    id="declare-reason",
                )
            yield error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Declare", id="declare", variant="error")
                yield Button("Cancel", id="cancel")

    @staticmethod
    def _severities(playbook: Playbook | None) -> list[tuple[str, str]]:
        return [(s, s) for s in (playbook.severities if playbook else ())]

    @staticmethod
    def _default_severity(playbook: Playbook | None) -> Any:
        if playbook is None or not playbook.severities:
            return Select.NULL
        return playbook.severities[min(1, len(playbook.severities) - 1)]

    def on_mount(self) -> None:
        self.query_one("#declare-title", Input).focus()

    @on(Select.Changed, "#declare-playbook")
    def playbook_changed(self, event: Select.Changed) -> None:
        playbook = next((p for p in self.playbooks if p.id == event.value), None)
        severity = self.query_one("#declare-severity", Select)
        severity.set_options(self._severities(playbook))
        default = self._default_severity(playbook)
        if default is not Select.NULL:
            severity.value = default

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    @on(Button.Pressed, "#declare")
    def submit(self) -> None:
        title = self.query_one("#declare-title", Input).value.strip()
        if not title:
            self.show_error("give the incident a title")
            self.query_one("#declare-title", Input).focus()
            return
        playbook_id = self.query_one("#declare-playbook", Select).value
        playbook = next((p for p in self.playbooks if p.id == playbook_id), None)
        if playbook is None:
            self.show_error("choose a playbook")
            return
        severity = self.query_one("#declare-severity", Select).value
        commander = self.query_one("#declare-commander", Input).value.strip()
        if not commander:
            self.show_error("name the incident commander")
            return
        now = self.now()
        times: dict[str, datetime | None] = {}
        written = {k: self.query_one(f"#declare-{k}", Input).value.strip() for k in _TIMES}
        for key in _TIMES:
            raw = written[key]
            if not raw:
                times[key] = None
                continue
            try:
                times[key] = parse_when(raw, now)
            except WhenError as exc:
                self.show_error(f"{key}: {exc}")
                return
            if times[key] > now:
                self.show_error(f"{key}: that time is in the future")
                return
        reason = self.query_one("#declare-reason", Input).value.strip() or None
        if (times["detected"] or times["started"]) and not reason:
            self.show_error("earlier times need a reason: how do we know?")
            self.query_one("#declare-reason", Input).focus()
            return
        odd = impact_after_detection(times["started"], times["detected"], now)
        if odd is not None and self._confirmed != (written["detected"], written["started"]):
            self._confirmed = (written["detected"], written["started"])
            self.show_error(f"{odd}? Declare again to confirm")
            return
        self.finish(
            DeclareRequest(
                playbook,
                title,
                str(severity),
                commander,
                times["detected"],
                times["started"],
                reason,
                confirmed=odd is not None,
            )
        )
