"""Assign or hand off a role."""

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
from irdesk.tui.widgets.names import NameInput


@dataclass(frozen=True)
class RoleRequest:
    role: str
    person: str
    reason: str


class RoleDialog(Dialog[RoleRequest]):
    """Assign or hand off a role; the roster's people are suggested."""

    def __init__(
        self,
        roles: Sequence[tuple[str, str]],
        people: Sequence[str],
        holders: dict[str, str],
        *,
        save: Callable[[RoleRequest], Any] | None = None,
    ) -> None:
        super().__init__("Assign a role", save=save)
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
            yield NameInput(
                self.people,
                compact=True,
                id="role-person",
                placeholder="name",
            )
            yield Label("Reason (for a handoff)")
            yield Input(compact=True, id="role-reason", placeholder="e.g. end of shift")
            yield error_line()
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
        self.action_cancel()

    @on(Input.Submitted)
    @on(Button.Pressed, "#assign")
    def submit(self) -> None:
        role = self.query_one("#role-id", Select).value
        person = self.query_one("#role-person", Input).value.strip()
        if role is Select.NULL or not person:
            self.show_error("choose a role and name a person")
            return
        reason = self.query_one("#role-reason", Input).value.strip()
        self.finish(RoleRequest(str(role), person, reason))
