"""Small dialogs. Each returns a typed result through ``dismiss`` (None when cancelled)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from irdesk.domain.clock import WhenError, parse_when
from irdesk.domain.models import Playbook
from irdesk.tui.safe import literal

T = TypeVar("T")

CANCEL = Binding("escape", "cancel", "Cancel", id="modal.cancel")


class Dialog(ModalScreen[T], Generic[T]):
    """A modal with a title; escape cancels (dismisses None)."""

    BINDINGS = [CANCEL]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.dialog_title = title

    def action_cancel(self) -> None:
        self.dismiss(None)

    def show_error(self, message: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(literal(message))
        error.display = True


def _error_line() -> Static:
    line = Static("", id="dialog-error", classes="dialog-error")
    line.display = False
    return line


class TextPrompt(Dialog[str]):
    """Ask for one line of text (a note, a reason, an evidence note)."""

    def __init__(
        self,
        title: str,
        label: str,
        *,
        placeholder: str = "",
        initial: str = "",
        required: bool = True,
        suggestions: Sequence[str] = (),
    ) -> None:
        super().__init__(title)
        self.label = label
        self.placeholder = placeholder
        self.initial = initial
        self.required = required
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield Label(literal(self.label))
            yield Input(
                compact=True,
                value=self.initial,
                placeholder=self.placeholder,
                id="prompt-input",
                suggester=SuggestFromList(self.suggestions, case_sensitive=False)
                if self.suggestions
                else None,
            )
            yield _error_line()
            yield Static("enter to confirm · escape to cancel", classes="dialog-hint")

    @on(Input.Submitted, "#prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self.required and not value:
            self.show_error("this cannot be empty")
            return
        self.dismiss(value)


class ChoicePrompt(Dialog[T], Generic[T]):
    """Pick one of several options (decision options, severities, roles...)."""

    def __init__(
        self, title: str, options: Sequence[tuple[str, T]], *, note: str = "", highlighted: int = 0
    ) -> None:
        super().__init__(title)
        self.options = list(options)
        self.note = note
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            if self.note:
                yield Static(literal(self.note), classes="dialog-note")
            yield OptionList(
                *[
                    Option(literal(f"{i + 1}. {label}" if i < 9 else label), id=str(i))
                    for i, (label, _) in enumerate(self.options)
                ],
                id="choice-list",
            )
            yield Static("enter or 1-9 to choose · escape to cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one("#choice-list", OptionList)
        if self.options:
            choices.highlighted = min(self.highlighted, len(self.options) - 1)

    @on(OptionList.OptionSelected, "#choice-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[int(event.option.id)][1])

    def on_key(self, event) -> None:  # noqa: ANN001
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.options):
                event.stop()
                self.dismiss(self.options[index][1])


class ConfirmPrompt(Dialog[bool]):
    BINDINGS = [
        CANCEL,
        Binding("y", "yes", "Yes", id="modal.yes"),
        Binding("n", "cancel", "No", id="modal.no"),
    ]

    def __init__(self, title: str, message: str, yes: str = "Yes") -> None:
        super().__init__(title)
        self.message = message
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield Static(literal(self.message))
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, id="yes", variant="primary")
                yield Button("Cancel", id="no")

    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


@dataclass(frozen=True)
class DeclareRequest:
    playbook: Playbook
    title: str
    severity: str
    commander: str
    detected_at: datetime | None
    started_at: datetime | None
    reason: str | None


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
    ) -> None:
        super().__init__("Declare an incident")
        self.playbooks = list(playbooks)
        self.commanders = list(commanders)
        self.default_commander = default_commander
        self.now = now
        self.preselect = preselect

    def compose(self) -> ComposeResult:
        first = next(
            (p for p in self.playbooks if p.id == self.preselect),
            self.playbooks[0] if self.playbooks else None,
        )
        with VerticalScroll(classes="dialog dialog-wide"):
            yield Label("Declare an incident", classes="dialog-title")
            yield Label("Title")
            yield Input(
                compact=True, placeholder="What is happening, in a few words", id="declare-title"
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
            yield Input(
                compact=True,
                value=self.default_commander,
                id="declare-commander",
                suggester=SuggestFromList(self.commanders, case_sensitive=False),
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
            yield _error_line()
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
        self.dismiss(None)

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
        for key in ("detected", "started"):
            raw = self.query_one(f"#declare-{key}", Input).value.strip()
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
        self.dismiss(
            DeclareRequest(
                playbook,
                title,
                str(severity),
                commander,
                times["detected"],
                times["started"],
                reason,
            )
        )


@dataclass(frozen=True)
class MilestoneRequest:
    name: str
    when: datetime | None
    reason: str | None


class MilestoneDialog(Dialog[MilestoneRequest]):
    """Record a milestone now or at an earlier time (with a reason)."""

    def __init__(self, milestones: Sequence[tuple[str, str]], now: Callable[[], datetime]):
        super().__init__("Record a milestone")
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
            yield _error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record", id="record", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.dismiss(None)

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
        self.dismiss(MilestoneRequest(str(name), when, reason))


@dataclass(frozen=True)
class RoleRequest:
    role: str
    person: str
    reason: str


class RoleDialog(Dialog[RoleRequest]):
    """Assign or hand off a role; the roster's people are suggested."""

    def __init__(
        self, roles: Sequence[tuple[str, str]], people: Sequence[str], holders: dict[str, str]
    ) -> None:
        super().__init__("Assign a role")
        self.roles = list(roles)  # (label, id)
        self.people = list(people)
        self.holders = holders

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Assign or hand off a role", classes="dialog-title")
            yield Select(
                compact=True,
                options=self.roles,
                id="role-id",
                allow_blank=False,
                value=self.roles[0][1] if self.roles else Select.NULL,
            )
            yield Static("", id="role-holder", classes="dialog-note")
            yield Label("Person")
            yield Input(
                compact=True,
                id="role-person",
                placeholder="name",
                suggester=SuggestFromList(self.people, case_sensitive=False),
            )
            yield Label("Reason (for a handoff)")
            yield Input(compact=True, id="role-reason", placeholder="e.g. end of shift")
            yield _error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Assign", id="assign", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_holder()

    @on(Select.Changed, "#role-id")
    def _show_holder(self) -> None:
        role = self.query_one("#role-id", Select).value
        holder = self.holders.get(str(role))
        text = f"now held by {holder}: this is a handoff" if holder else "not assigned yet"
        self.query_one("#role-holder", Static).update(literal(text))

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#assign")
    def submit(self) -> None:
        role = self.query_one("#role-id", Select).value
        person = self.query_one("#role-person", Input).value.strip()
        if role is Select.NULL or not person:
            self.show_error("choose a role and name a person")
            return
        reason = self.query_one("#role-reason", Input).value.strip()
        self.dismiss(RoleRequest(str(role), person, reason))
