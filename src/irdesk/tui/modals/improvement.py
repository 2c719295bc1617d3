"""Add an improvement item: its kind, what, owner, due date, the playbook step, the POETE
element."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select

from irdesk.domain.durations import DurationError, parse_duration
from irdesk.domain.review import DETECTION, GENERAL, POETE
from irdesk.tui.modals.dialog import Dialog, error_line
from irdesk.tui.widgets.names import NameInput


@dataclass(frozen=True)
class ImprovementRequest:
    what: str
    owner: str
    due: date | None
    step: str | None
    poete: str | None
    kind: str = GENERAL  # or DETECTION: done once a rule citing the incident is scanned with


#: the kinds of item, as the dialog offers them
KIND_CHOICES: list[tuple[str, str]] = [
    ("Improvement (general)", GENERAL),
    ("Detection: a rule that would catch this again", DETECTION),
]


def parse_due(text: str, today: date) -> date | None:
    """A due date as typed: 2026-12-15, or days from today such as 14d."""
    raw = text.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return today + timedelta(days=parse_duration(raw.removeprefix("+")).days)
    except DurationError:
        raise ValueError(f"{raw!r}: write a date (2026-12-15) or days from today (14d)") from None


class ImprovementDialog(Dialog[ImprovementRequest]):
    """Kind, what, owner, due date, the playbook step it concerns, the POETE element."""

    def __init__(
        self,
        steps: list[tuple[str, str]],
        people: list[str],
        today: date,
        *,
        save: Callable[[ImprovementRequest], Any] | None = None,
    ) -> None:
        super().__init__("Add an improvement item", save=save)
        self.steps = steps
        self.people = people
        self.today = today

    def compose(self) -> ComposeResult:

        with VerticalScroll(classes="dialog dialog-wide"):
            yield Label("Add an improvement item", classes="dialog-title")
            yield Label(
                "Kind (a detection item is done once a rule citing this incident is scanned with)"
            )
            yield Select(
                KIND_CHOICES, id="imp-kind", compact=True, allow_blank=False, value=GENERAL
            )
            yield Label("What will change")
            yield Input(
                compact=True, id="imp-what", placeholder="e.g. alert on new inbox forwarding rules"
            )
            yield Label("Owner (a person or role)")
            yield NameInput(
                self.people,
                compact=True,
                id="imp-owner",
                placeholder="who makes it happen",
            )
            yield Label("Due (2026-12-15, or 14d from today; empty: no date)")
            yield Input(compact=True, id="imp-due", placeholder="14d")
            yield Label("Playbook step it concerns (optional)")
            yield Select(self.steps, id="imp-step", compact=True, prompt="no particular step")
            yield Label("POETE element (optional)")
            yield Select(
                [(p.capitalize(), p) for p in POETE], id="imp-poete", compact=True, prompt="none"
            )
            yield error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", id="add", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#imp-what", Input).focus()

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    @on(Button.Pressed, "#add")
    def submit(self) -> None:
        what = self.query_one("#imp-what", Input).value.strip()
        owner = self.query_one("#imp-owner", Input).value.strip()
        if not what or not owner:
            self.show_error("an improvement needs what will change and an owner")
            return
        try:
            due = parse_due(self.query_one("#imp-due", Input).value, self.today)
        except ValueError as exc:
            self.show_error(str(exc))
            return
        step = self.query_one("#imp-step", Select).value
        poete = self.query_one("#imp-poete", Select).value
        kind = self.query_one("#imp-kind", Select).value
        self.finish(
            ImprovementRequest(
                what,
                owner,
                due,
                None if step is Select.NULL else str(step),
                None if poete is Select.NULL else str(poete),
                str(kind),
            )
        )
