"""Add an improvement item, as a line of the improvement plan: its kind, the corrective
action, the area for improvement it answers, owner and organisation, start and due dates,
the playbook step and the capability element (POETE)."""

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
    issue: str = ""
    organization: str = ""
    start: date | None = None
    kind: str = GENERAL  # or DETECTION: done once a rule citing the incident is scanned with


#: the kinds of item, as the dialog offers them
KIND_CHOICES: list[tuple[str, str]] = [
    ("Improvement (general)", GENERAL),
    ("Detection: a rule that would catch this again", DETECTION),
]


def parse_due(text: str, today: date) -> date | None:
    """A date as typed: 2026-12-15, or days from today such as 14d (empty: none)."""
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
    """A line of the improvement plan. The start date is filled in with today (a value
    that is saved as shown); the due date is empty unless typed, and its placeholder
    reads as an example, not as a value."""

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
            yield Label("Corrective action: what will change")
            yield Input(
                compact=True, id="imp-what", placeholder="e.g. alert on new inbox forwarding rules"
            )
            yield Label("Area for improvement it answers (optional)")
            yield Input(
                compact=True,
                id="imp-issue",
                placeholder="e.g. nobody noticed the forwarding rule for two days",
            )
            yield Label("Owner (a person or role)")
            yield NameInput(
                self.people,
                compact=True,
                id="imp-owner",
                placeholder="who makes it happen",
            )
            yield Label("Organisation (optional)")
            yield Input(compact=True, id="imp-org", placeholder="e.g. Finance, IT operations")
            yield Label("Start (a date, or days from today; empty: none)")
            yield Input(compact=True, id="imp-start", value=self.today.isoformat())
            yield Label("Due (a date, or days from today; empty: no due date)")
            yield Input(compact=True, id="imp-due", placeholder="e.g. 2026-12-15 or 14d")
            yield Label("Playbook step it concerns (optional)")
            yield Select(self.steps, id="imp-step", compact=True, prompt="no particular step")
            yield Label("Capability element, POETE (optional)")
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
        dates: dict[str, date | None] = {}
        for field in ("start", "due"):
            try:
                dates[field] = parse_due(self.query_one(f"#imp-{field}", Input).value, self.today)
            except ValueError as exc:
                self.show_error(f"{field}: {exc}")
                return
        start, due = dates["start"], dates["due"]
        if start is not None and due is not None and due < start:
            self.show_error(f"the due date {due} is before the start date {start}")
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
                issue=self.query_one("#imp-issue", Input).value.strip(),
                organization=self.query_one("#imp-org", Input).value.strip(),
                start=start,
                kind=str(kind),
            )
        )
